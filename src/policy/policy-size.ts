// Policy size as AWS counts it for its quotas ("IAM doesn't count white space"; GetAccountSummary states
// the quotas "in non-whitespace characters"). We count every character that is not a space, tab, LF or CR,
// inside strings too — AWS does not say otherwise. Callers enforce the limits below.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html

/** Size limits in non-whitespace characters. */
export const POLICY_SIZE_LIMITS = {
  managed: 6144,
  userInline: 2048,
  groupInline: 5120,
  roleInline: 10240,
  trust: 2048,
} as const;

/** Number of characters of `text` that are not whitespace (space, tab, LF, CR). */
export function policySizeWithoutWhitespace(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) n++;
  }
  return n;
}
