// The context keys a policy uses (for GetContextKeysForCustomPolicy / GetContextKeysForPrincipalPolicy):
// its condition keys and the keys of the policy variables in its Resource and Condition values.
import { variableKeys } from './template.ts';
import type { PolicyDocument } from './types.ts';

/** Context keys used by `document`, first spelling kept, de-duplicated case-insensitively, in order of use. */
export function contextKeysOf(document: PolicyDocument): string[] {
  const seen = new Map<string, string>();
  const add = (key: string): void => {
    const lower = key.toLowerCase();
    if (!seen.has(lower)) seen.set(lower, key);
  };
  const variables = document.Version === '2012-10-17';
  const addVariables = (text: string): void => {
    if (variables && text.includes('${')) for (const k of variableKeys(text)) add(k);
  };
  for (const s of document.Statement) {
    for (const r of s.Resource ?? s.NotResource ?? []) addVariables(r);
    for (const block of Object.values(s.Condition ?? {})) {
      for (const [key, values] of Object.entries(block)) {
        add(key);
        for (const v of values) addVariables(v);
      }
    }
  }
  return [...seen.values()];
}
