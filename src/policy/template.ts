// Policy strings as token lists: literals, `*`/`?` wildcards and `${policy:variables}` (with defaults).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html

/** Wildcard: any run of characters (including none). */
export const STAR = 0;
/** Wildcard: exactly one character. */
export const QMARK = 1;

/** A `${key}` or `${key, 'default'}` variable; `key` is lower-cased. */
export interface VariableToken {
  readonly key: string;
  readonly fallback?: string;
}

/** A literal string, a wildcard, or a variable. */
export type Token = string | typeof STAR | typeof QMARK | VariableToken;

export interface TemplateOptions {
  /** `*` and `?` are wildcards (Like operators, ARNs, actions); otherwise literal characters. */
  wildcards: boolean;
  /** `${...}` is a variable (policy Version 2012-10-17 only); otherwise literal text. */
  variables: boolean;
}

// ${aws:username}  ${aws:PrincipalTag/team, 'default'}  — key characters per the variables page.
const VARIABLE = /^\$\{\s*([^}\s,']+)\s*(?:,\s*'([^']*)'\s*)?\}/;

/** Splits `text` into tokens. Adjacent literal characters are merged into one literal token. */
export function tokenize(text: string, options: TemplateOptions): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  const flush = (): void => {
    if (literal !== '') tokens.push(literal);
    literal = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (options.wildcards && (c === '*' || c === '?')) {
      flush();
      tokens.push(c === '*' ? STAR : QMARK);
      continue;
    }
    if (options.variables && c === '$' && text[i + 1] === '{') {
      // ${*} ${?} ${$} stand for the literal characters.
      const special = text[i + 2];
      if ((special === '*' || special === '?' || special === '$') && text[i + 3] === '}') {
        literal += special;
        i += 3;
        continue;
      }
      const m = VARIABLE.exec(text.slice(i));
      if (m !== null) {
        flush();
        tokens.push(m[2] === undefined ? { key: m[1]!.toLowerCase() } : { key: m[1]!.toLowerCase(), fallback: m[2] });
        i += m[0].length - 1;
        continue;
      }
    }
    literal += c;
  }
  flush();
  return tokens;
}

/** True when any token is a variable. */
export function hasVariables(tokens: readonly Token[]): boolean {
  for (const t of tokens) if (typeof t === 'object') return true;
  return false;
}

/** True when any token is a wildcard. */
export function hasWildcards(tokens: readonly Token[]): boolean {
  for (const t of tokens) if (t === STAR || t === QMARK) return true;
  return false;
}

/** The variable keys used in `text` (lower-cased). */
export function variableKeys(text: string): string[] {
  const keys: string[] = [];
  for (const t of tokenize(text, { wildcards: false, variables: true })) if (typeof t === 'object') keys.push(t.key);
  return keys;
}
