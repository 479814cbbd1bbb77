// The shape every condition operator shares: a name, whether it is a negation, and how one policy value
// compiles into a predicate over one request value.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
import type { ContextView } from './context.ts';

/** Does one request value satisfy one policy value? Negation is applied outside, once. */
export type ValuePredicate = (requestValue: string, view: ContextView | null) => boolean;

/** A compiled policy value, or a one-line reason the value can never match. */
export type CompiledValue = ValuePredicate | { invalid: string };

/** One base condition operator (without `IfExists` / `ForAnyValue:` / `ForAllValues:`). */
export interface ConditionOperator {
  readonly name: string;
  /** Negated operators (StringNotEquals, NotIpAddress, ArnNotLike…) invert the match of their positive twin. */
  readonly negated: boolean;
  /** Compiles one policy value; `variables` is true for policies of Version 2012-10-17. */
  compile(value: string, variables: boolean): CompiledValue;
}

/** A predicate that never matches, used for values that cannot be interpreted. */
export const NEVER_MATCHES: ValuePredicate = () => false;

/** Makes the negated twin of an operator. */
export function negate(op: ConditionOperator, name: string): ConditionOperator {
  return { name, negated: true, compile: op.compile };
}
