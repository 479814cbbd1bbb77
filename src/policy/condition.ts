// Compiles a statement's Condition block: AND across operators and keys, OR across a key's values.
// Missing keys: false, except `…IfExists` (true), `ForAllValues:` (true), negated single-valued operators
// (true) and `Null`. Negated operators with ForAnyValue/ForAllValues negate per request value.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
import { type ContextView, noteMissing } from './context.ts';
import { NEVER_MATCHES, type ValuePredicate } from './operator-types.ts';
import { parseOperatorName } from './operators.ts';
import type { PolicyStatement } from './types.ts';

type RequestValue = string | readonly string[] | undefined;

/** One (operator, key) pair of a Condition block. */
interface Clause {
  readonly key: string;
  readonly test: (value: RequestValue, view: ContextView) => boolean;
}

/** A compiled Condition block; `null` when the statement has no (or an empty) Condition. */
export type CompiledCondition = readonly Clause[] | null;

function anyOf(preds: readonly ValuePredicate[]): ValuePredicate {
  if (preds.length === 1) return preds[0]!;
  return (c, view) => {
    for (let i = 0; i < preds.length; i++) if (preds[i]!(c, view)) return true;
    return false;
  };
}

function nullClause(key: string, values: readonly string[]): Clause {
  const wantsAbsent = values.map((v) => v.toLowerCase());
  return {
    key,
    test(value) {
      const present = value !== undefined && (typeof value === 'string' || value.length > 0);
      for (const w of wantsAbsent) if ((w === 'true' && !present) || (w === 'false' && present)) return true;
      return false;
    },
  };
}

/**
 * Compiles `condition`. Unknown operators never match (validation reports them; INVARIANT: an Allow with an
 * uninterpretable condition never grants).
 */
export function compileCondition(condition: PolicyStatement['Condition'], variables: boolean): CompiledCondition {
  if (condition === undefined) return null;
  const clauses: Clause[] = [];
  for (const [opName, block] of Object.entries(condition)) {
    const parsed = parseOperatorName(opName);
    for (const [rawKey, values] of Object.entries(block)) {
      const key = rawKey.toLowerCase();
      if (parsed === undefined) {
        clauses.push({ key, test: () => false });
        continue;
      }
      if (parsed.operator === null) {
        clauses.push(nullClause(key, values));
        continue;
      }
      const { operator, set, ifExists } = parsed;
      const negated = operator.negated;
      const match = anyOf(
        values.map((v) => {
          const c = operator.compile(v, variables);
          return typeof c === 'function' ? c : NEVER_MATCHES;
        }),
      );
      const whenMissing = ifExists || set === 'all' || (set === null && negated);
      clauses.push({
        key,
        test(value, view) {
          if (value === undefined) {
            noteMissing(key);
            return whenMissing;
          }
          if (typeof value === 'string') return match(value, view) !== negated;
          if (set === 'all') {
            for (let i = 0; i < value.length; i++) if (match(value[i]!, view) === negated) return false;
            return true;
          }
          if (set === 'any') {
            for (let i = 0; i < value.length; i++) if (match(value[i]!, view) !== negated) return true;
            return false;
          }
          // A single-valued operator on a multi-valued key: positive if any request value matches.
          let any = false;
          for (let i = 0; i < value.length && !any; i++) any = match(value[i]!, view);
          return any !== negated;
        },
      });
    }
  }
  return clauses.length === 0 ? null : clauses;
}

/** True when every clause holds for the request. */
export function conditionHolds(condition: CompiledCondition, view: ContextView): boolean {
  if (condition === null) return true;
  for (let i = 0; i < condition.length; i++) {
    const clause = condition[i]!;
    if (!clause.test(view.get(clause.key), view)) return false;
  }
  return true;
}

/** Records every condition key absent from the request (used when explaining, so none is hidden by short-circuiting). */
export function noteMissingKeys(condition: CompiledCondition, view: ContextView): void {
  if (condition === null) return;
  for (const clause of condition) if (!view.has(clause.key)) noteMissing(clause.key);
}
