// Compiles token lists (see template.ts) into fast matchers over a range of a string.
// Plain strings become equality checks, `abc*` a prefix check, `*abc` a suffix check; only general patterns
// run the wildcard matcher, which never builds a RegExp.
import { type ContextView, noteMissing } from './context.ts';
import { QMARK, STAR, type Token, type VariableToken } from './template.ts';

/** Tests `text[start, end)` against a compiled pattern; variables are resolved from `view`. */
export type RangeMatcher = (text: string, start: number, end: number, view: ContextView | null) => boolean;

/** A variable's value in the request, its default, or `undefined` (recorded as missing). */
export function resolveVariable(token: VariableToken, view: ContextView | null): string | undefined {
  const value = view === null ? undefined : view.get(token.key);
  if (typeof value === 'string') return value;
  if (token.fallback !== undefined) return token.fallback;
  // A multi-valued key cannot be substituted into a string; an absent one is reported.
  if (value === undefined) noteMissing(token.key);
  return undefined;
}

/** Wildcard matching over tokens; `values[i]` holds the resolved text of variable token i. */
function wildcardMatch(tokens: readonly Token[], values: readonly (string | undefined)[] | null, text: string, start: number, end: number): boolean {
  const n = tokens.length;
  let ti = 0;
  let pos = start;
  let starTi = -1;
  let mark = start;
  while (pos < end) {
    if (ti < n) {
      const t = tokens[ti];
      if (t === STAR) {
        starTi = ti++;
        mark = pos;
        continue;
      }
      if (t === QMARK) {
        pos++;
        ti++;
        continue;
      }
      const lit = typeof t === 'string' ? t : (values![ti] as string);
      if (lit.length <= end - pos && text.startsWith(lit, pos)) {
        pos += lit.length;
        ti++;
        continue;
      }
    }
    if (starTi < 0) return false;
    ti = starTi + 1;
    pos = ++mark;
  }
  while (ti < n) {
    const t = tokens[ti];
    if (t === STAR || t === '' || (typeof t === 'object' && values![ti] === '')) ti++;
    else break;
  }
  return ti === n;
}

/** Compiles `tokens` into a matcher; patterns without variables get the cheapest check that is exact. */
export function compileTokens(tokens: readonly Token[]): RangeMatcher {
  const hasVar = tokens.some((t) => typeof t === 'object');
  if (hasVar) {
    const values: (string | undefined)[] = new Array(tokens.length).fill(undefined);
    const vars: number[] = [];
    for (const [i, t] of tokens.entries()) if (typeof t === 'object') vars.push(i);
    return (text, start, end, view) => {
      for (const i of vars) {
        const v = resolveVariable(tokens[i] as VariableToken, view);
        if (v === undefined) return false; // INVARIANT: an unresolved variable never matches.
        values[i] = v;
      }
      return wildcardMatch(tokens, values, text, start, end);
    };
  }
  if (tokens.length === 0) return (_t, start, end) => start === end;
  if (tokens.length === 1 && tokens[0] === STAR) return () => true;
  if (tokens.length === 1 && typeof tokens[0] === 'string') {
    const lit = tokens[0];
    return (text, start, end) => end - start === lit.length && text.startsWith(lit, start);
  }
  if (tokens.length === 2 && typeof tokens[0] === 'string' && tokens[1] === STAR) {
    const lit = tokens[0];
    return (text, start, end) => end - start >= lit.length && text.startsWith(lit, start);
  }
  if (tokens.length === 2 && tokens[0] === STAR && typeof tokens[1] === 'string') {
    const lit = tokens[1];
    return (text, start, end) => end - start >= lit.length && text.startsWith(lit, end - lit.length);
  }
  return (text, start, end) => wildcardMatch(tokens, null, text, start, end);
}
