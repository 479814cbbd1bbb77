// The condition keys a verified OIDC token gives a role's trust policy, named by the provider
// (its URL without `https://`): `PROVIDER:aud`, `PROVIDER:oaud`, `PROVIDER:sub`, `PROVIDER:amr`.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif
// Shared by AssumeRoleWithWebIdentity and the console's sign-in through an OIDC provider.

/** A token's claims, as a JWT library gives them. */
export type TokenClaims = Record<string, unknown>;

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * `PROVIDER:aud` is the audience the token was issued to: its `azp` (authorized party) when it has
 * one, as Google's tokens do, with the `aud` claim then under `PROVIDER:oaud`; otherwise `aud`.
 * `PROVIDER:amr` is multivalued (ForAnyValue), as Cognito's authentication methods are.
 */
export function webIdentityConditionKeys(providerName: string, claims: TokenClaims): Record<string, string | string[]> {
  const keys: Record<string, string | string[]> = {};
  const aud = strings(claims.aud);
  const azp = typeof claims.azp === 'string' ? claims.azp : undefined;
  if (azp !== undefined) {
    keys[`${providerName}:aud`] = azp;
    if (aud.length > 0) keys[`${providerName}:oaud`] = aud.length === 1 ? aud[0]! : aud;
  } else if (aud.length > 0) {
    keys[`${providerName}:aud`] = aud.length === 1 ? aud[0]! : aud;
  }
  if (typeof claims.sub === 'string') keys[`${providerName}:sub`] = claims.sub;
  const amr = strings(claims.amr);
  if (amr.length > 0) keys[`${providerName}:amr`] = amr;
  return keys;
}
