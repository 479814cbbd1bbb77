// The one table of condition operators, and the parsing of the modifiers applied to them once:
// `…IfExists`, `ForAnyValue:` and `ForAllValues:`. `Null` is special (it tests presence) and takes no modifier.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
import { ArnEquals, ArnLike, ArnNotEquals, ArnNotLike } from './operator-arn.ts';
import { BinaryEquals, Bool } from './operator-bool.ts';
import { DateEquals, DateGreaterThan, DateGreaterThanEquals, DateLessThan, DateLessThanEquals, DateNotEquals } from './operator-date.ts';
import { IpAddress, NotIpAddress } from './operator-ip.ts';
import { NumericEquals, NumericGreaterThan, NumericGreaterThanEquals, NumericLessThan, NumericLessThanEquals, NumericNotEquals } from './operator-numeric.ts';
import { StringEquals, StringEqualsIgnoreCase, StringLike, StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike } from './operator-string.ts';
import type { ConditionOperator } from './operator-types.ts';

/** Every base operator by name. */
export const OPERATORS: ReadonlyMap<string, ConditionOperator> = new Map(
  [
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnNotEquals,
    ArnLike,
    ArnNotLike,
  ].map((op) => [op.name, op]),
);

/** How a condition treats a multi-valued request key. */
export type SetModifier = 'any' | 'all' | null;

/** A parsed operator name: the base operator (or `null` for `Null`) and its modifiers. */
export interface OperatorName {
  operator: ConditionOperator | null;
  set: SetModifier;
  ifExists: boolean;
}

/** Parses `ForAnyValue:StringLikeIfExists` and the like; `undefined` for an unknown operator. */
export function parseOperatorName(name: string): OperatorName | undefined {
  let base = name;
  let set: SetModifier = null;
  if (base.startsWith('ForAnyValue:')) {
    set = 'any';
    base = base.slice('ForAnyValue:'.length);
  } else if (base.startsWith('ForAllValues:')) {
    set = 'all';
    base = base.slice('ForAllValues:'.length);
  }
  if (base === 'Null') return set === null ? { operator: null, set, ifExists: false } : undefined;
  let ifExists = false;
  if (base.endsWith('IfExists')) {
    ifExists = true;
    base = base.slice(0, -'IfExists'.length);
  }
  const operator = OPERATORS.get(base);
  return operator === undefined ? undefined : { operator, set, ifExists };
}
