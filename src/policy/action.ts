// Action patterns (`*`, `service:Pattern` with `*`/`?`), matched case-insensitively.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
import { compileTokens } from './glob.ts';
import { tokenize } from './template.ts';

/** Tests a lower-cased action against a compiled action pattern. */
export type ActionMatcher = (actionLower: string) => boolean;

/** Compiles one action pattern (case-insensitive). */
export function compileAction(pattern: string): ActionMatcher {
  const m = compileTokens(tokenize(pattern.toLowerCase(), { wildcards: true, variables: false }));
  return (a) => m(a, 0, a.length, null);
}

/** Compiles a list of action patterns into one matcher (any of them). */
export function compileActions(patterns: readonly string[]): ActionMatcher {
  const ms = patterns.map(compileAction);
  if (ms.length === 1) return ms[0]!;
  return (a) => {
    for (let i = 0; i < ms.length; i++) if (ms[i]!(a)) return true;
    return false;
  };
}
