// ARN patterns: each of the six colon-separated parts (arn:partition:service:region:account:resource) is
// matched on its own, so `*` and `?` never cross a colon in the first five parts; the resource part may
// itself hold `:` and `/`. Matching is case-sensitive.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
import type { ContextView } from './context.ts';
import { compileTokens, type RangeMatcher } from './glob.ts';
import { tokenize, type Token } from './template.ts';

/** Positions of the first five colons of an ARN, filled by `cutArn`. */
export type ArnCuts = Int32Array;

/** A reusable cuts buffer. */
export function newCuts(): ArnCuts {
  return new Int32Array(5);
}

/** Fills `cuts` with the positions of the first five colons of `arn`; false if `arn` is not an ARN. */
export function cutArn(arn: string, cuts: ArnCuts): boolean {
  if (!arn.startsWith('arn:')) return false;
  cuts[0] = 3;
  let from = 4;
  for (let i = 1; i < 5; i++) {
    const at = arn.indexOf(':', from);
    if (at < 0) return false;
    cuts[i] = at;
    from = at + 1;
  }
  return true;
}

/** Tests an ARN (with its cuts, or `null` when it is not an ARN) against a compiled pattern. */
export type ArnMatcher = (arn: string, cuts: ArnCuts | null, view: ContextView | null) => boolean;

const NEVER: ArnMatcher = () => false;
const ALWAYS: ArnMatcher = () => true;

/** Splits tokens into the six ARN parts; `null` when the pattern has fewer than six parts. */
function splitTokens(tokens: readonly Token[]): Token[][] | null {
  const parts: Token[][] = [[]];
  for (const t of tokens) {
    if (typeof t !== 'string' || parts.length === 6) {
      parts[parts.length - 1]!.push(t);
      continue;
    }
    let rest = t;
    let at = rest.indexOf(':');
    while (at >= 0 && parts.length < 6) {
      if (at > 0) parts[parts.length - 1]!.push(rest.slice(0, at));
      parts.push([]);
      rest = rest.slice(at + 1);
      at = rest.indexOf(':');
    }
    if (rest !== '') parts[parts.length - 1]!.push(rest);
  }
  return parts.length === 6 ? parts : null;
}

/**
 * Compiles an ARN pattern (`*`, `?`, and with `variables` also `${...}`). `"*"` alone matches anything,
 * even a non-ARN; a pattern that is not in ARN format matches nothing.
 */
export function compileArnPattern(pattern: string, variables: boolean): ArnMatcher {
  if (pattern === '*') return ALWAYS;
  const parts = splitTokens(tokenize(pattern, { wildcards: true, variables }));
  if (parts === null) return NEVER;
  const resource = compileTokens(parts[5]!);
  // Fast path: the first five parts are plain text, so the ARN must start with exactly that prefix.
  if (parts.slice(0, 5).every((p) => p.every((t) => typeof t === 'string'))) {
    const prefix =
      parts
        .slice(0, 5)
        .map((p) => p.join(''))
        .join(':') + ':';
    if (parts[0]!.join('') !== 'arn') return NEVER;
    return (arn, cuts, view) => cuts !== null && arn.startsWith(prefix) && resource(arn, prefix.length, arn.length, view);
  }
  const heads: RangeMatcher[] = parts.slice(0, 5).map(compileTokens);
  return (arn, cuts, view) => {
    if (cuts === null) return false;
    let start = 0;
    for (let i = 0; i < 5; i++) {
      if (!heads[i]!(arn, start, cuts[i]!, view)) return false;
      start = cuts[i]! + 1;
    }
    return resource(arn, start, arn.length, view);
  };
}

/** True when `text` has the ARN shape `arn:partition:service:region:account:resource`. */
export function isArnFormat(text: string): boolean {
  return cutArn(text, newCuts());
}
