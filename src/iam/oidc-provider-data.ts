// How an IAM OIDC identity provider is stored: an entity of kind `oidc-provider` whose name is its
// URL without `https://` (so its ARN is `arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH`, as AWS's),
// path `/`, and this data. Shared by the provider operations, AssumeRoleWithWebIdentity and the
// console's sign-in through a provider.
import type { EntityRow, Repo } from '../store/repo.ts';

export interface OidcProviderData {
  /** The URL as registered (`https://…`, no port, no query): what a token's `iss` must equal. */
  url: string;
  /** The audiences (client ids) a token may be issued to. */
  clientIds: string[];
  /** SHA-1 thumbprints (40 hex digits, lower case) of the issuer's TLS certificates. */
  thumbprints: string[];
  /** ISO time of creation. */
  createDate: string;
  /** iamd extension: a JWKS an administrator gave (JSON text); when set, iamd never fetches this provider's keys. */
  jwks?: string;
  /** iamd extension: sign-in to the console through this provider (authorization code flow). */
  consoleSignIn?: {
    /** The OAuth client iamd's console is registered as at the provider. */
    clientId: string;
    /** The client secret, sealed with the master key (absent for a public client using PKCE only). */
    clientSecretSealed?: string;
    /** What the sign-in page's button says: "Sign in with {displayName}". */
    displayName: string;
  };
}

export const OIDC_PROVIDER_KIND = 'oidc-provider';

/** The entity name of the provider for a URL (`https://host/path` → `host/path`), or undefined for a non-https URL. */
export function oidcProviderName(url: string): string | undefined {
  return url.startsWith('https://') ? url.slice('https://'.length) : undefined;
}

/** The account's provider whose URL is exactly `issuer` (a token's `iss`), or undefined. */
export async function oidcProviderForIssuer(repo: Repo, accountId: string, issuer: string): Promise<EntityRow<OidcProviderData> | undefined> {
  const name = oidcProviderName(issuer);
  if (name === undefined) return undefined;
  const row = await repo.getEntityByName<OidcProviderData>(accountId, OIDC_PROVIDER_KIND, name);
  // Names are unique regardless of case; an issuer matches only the URL exactly as registered.
  return row && row.data.url === issuer ? row : undefined;
}
