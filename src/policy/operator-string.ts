// String condition operators: StringEquals, StringEqualsIgnoreCase, StringLike and their negations.
// `*`/`?` are wildcards only for the Like operators; `${...}` variables resolve in Version 2012-10-17.
import { compileTokens, resolveVariable } from './glob.ts';
import { negate, type ConditionOperator, type ValuePredicate } from './operator-types.ts';
import { tokenize, hasVariables, type Token } from './template.ts';
import type { ContextView } from './context.ts';

/** Resolves a template to text, or `undefined` when a variable has no value. */
export function renderTokens(tokens: readonly Token[], view: ContextView | null): string | undefined {
  let out = '';
  for (const t of tokens) {
    if (typeof t === 'string') out += t;
    else if (typeof t === 'object') {
      const v = resolveVariable(t, view);
      if (v === undefined) return undefined;
      out += v;
    } else out += t === 0 ? '*' : '?';
  }
  return out;
}

/** Compiles a value that may hold variables into a function producing its text for a request. */
export function valueText(value: string, variables: boolean): string | ((view: ContextView | null) => string | undefined) {
  if (!variables || !value.includes('${')) return value;
  const tokens = tokenize(value, { wildcards: false, variables: true });
  if (!hasVariables(tokens)) return renderTokens(tokens, null) as string;
  return (view) => renderTokens(tokens, view);
}

export const StringEquals: ConditionOperator = {
  name: 'StringEquals',
  negated: false,
  compile(value, variables): ValuePredicate {
    const text = valueText(value, variables);
    if (typeof text === 'string') return (c) => c === text;
    const m = compileTokens(tokenize(value, { wildcards: false, variables: true }));
    return (c, view) => m(c, 0, c.length, view);
  },
};

export const StringEqualsIgnoreCase: ConditionOperator = {
  name: 'StringEqualsIgnoreCase',
  negated: false,
  compile(value, variables): ValuePredicate {
    const text = valueText(value, variables);
    if (typeof text === 'string') {
      const lower = text.toLowerCase();
      return (c) => c === lower || c.toLowerCase() === lower;
    }
    return (c, view) => {
      const t = text(view);
      return t !== undefined && c.toLowerCase() === t.toLowerCase();
    };
  },
};

export const StringLike: ConditionOperator = {
  name: 'StringLike',
  negated: false,
  compile(value, variables): ValuePredicate {
    const m = compileTokens(tokenize(value, { wildcards: true, variables }));
    return (c, view) => m(c, 0, c.length, view);
  },
};

export const StringNotEquals = negate(StringEquals, 'StringNotEquals');
export const StringNotEqualsIgnoreCase = negate(StringEqualsIgnoreCase, 'StringNotEqualsIgnoreCase');
export const StringNotLike = negate(StringLike, 'StringNotLike');
