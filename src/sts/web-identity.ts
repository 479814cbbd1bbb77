// STS AssumeRoleWithWebIdentity: temporary credentials for a role, in exchange for an OpenID Connect
// ID token of an issuer the role's account registered as an IAM OIDC provider, when the role's
// trust policy allows that provider for the token's claims. Unsigned: the token is the proof.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
//
// The steps, cheapest first, so that a token iamd will refuse anyway never costs a key fetch:
// read the token untrusted (its iss) → the role account's provider for exactly that URL → audience,
// subject, times → the issuer's keys (given by an administrator, or fetched and cached:
// src/federation/oidc-key-cache.ts) → signature → the trust policy and the session
// (./federated-session.ts).
import type { StsHandlers } from '../actions/registry.ts';
import { iamArn, parseArn } from '../domain/arn.ts';
import { awsError } from '../errors/messages.ts';
import { OidcFetchError } from '../federation/oidc-fetch.ts';
import { OidcKeyCache } from '../federation/oidc-key-cache.ts';
import {
  checkWebIdentityClaims,
  readWebIdentityToken,
  sessionTagsFromClaims,
  sourceIdentityFromClaims,
  verifyWebIdentitySignature,
  type KeySource,
} from '../federation/oidc-token.ts';
import { OIDC_PROVIDER_KIND, oidcProviderForIssuer } from '../iam/oidc-provider-data.ts';
import { issueFederatedSession } from './federated-session.ts';
import { webIdentityConditionKeys } from './web-identity-keys.ts';

/** For contexts built without the app's shared cache (the app sets services.oidcKeys). */
let fallbackKeys: OidcKeyCache | undefined;
function keyCache(shared: OidcKeyCache | undefined): OidcKeyCache {
  if (shared) return shared;
  fallbackKeys ??= new OidcKeyCache();
  return fallbackKeys;
}

/** A key fetch's failure as AWS answers it: unreachable → IDPCommunicationError, anything else → InvalidIdentityToken. */
function fetchFailure(error: unknown): never {
  if (error instanceof OidcFetchError) throw awsError(error.failure === 'unreachable' ? 'webIdentityIdpUnreachable' : 'webIdentityKeyNotRetrieved');
  throw error;
}

export const webIdentityHandlers = {
  async AssumeRoleWithWebIdentity(ctx, input) {
    // The token is this operation's whole authentication; the trust policy (below) its authorization.
    ctx.authorized = true;
    if (input.ProviderId !== undefined) throw awsError('webIdentityProviderIdUnsupported', { providerId: input.ProviderId });
    const token = readWebIdentityToken(input.WebIdentityToken);

    // The provider is looked up in the role's account (the role need not exist yet to learn that).
    const roleAccount = parseArn(input.RoleArn)?.account ?? '';
    const provider = /^\d{12}$/.test(roleAccount) ? await ctx.services.store.read((repo) => oidcProviderForIssuer(repo, roleAccount, token.issuer)) : undefined;
    if (!provider) throw awsError('webIdentityNoProvider', { issuer: token.issuer });

    const { audience, subject } = checkWebIdentityClaims(
      token.claims,
      { url: provider.data.url, clientIds: provider.data.clientIds },
      ctx.request.now.getTime(),
    );

    const cache = keyCache(ctx.services.oidcKeys);
    const issuer = provider.data.url;
    const given = provider.data.jwks;
    const source: KeySource =
      given !== undefined
        ? {
            // Given keys are the whole truth for this provider: nothing is ever fetched for it.
            async keys() {
              const keys = cache.givenKeys(issuer, given);
              if (!keys) throw awsError('webIdentityKeyNotRetrieved');
              return keys;
            },
            async refreshForUnknownKey() {
              return undefined;
            },
          }
        : {
            keys: () => cache.keys(issuer).catch(fetchFailure),
            refreshForUnknownKey: () => cache.refreshForUnknownKey(issuer).catch(fetchFailure),
          };
    // The claims as signed (the same bytes as read above, now trusted).
    const claims = await verifyWebIdentitySignature(input.WebIdentityToken, source);
    const { tags, transitiveTagKeys } = sessionTagsFromClaims(claims);
    const sourceIdentity = sourceIdentityFromClaims(claims);

    const providerName = provider.name;
    const providerArn = iamArn(ctx.services.partition, provider.accountId, OIDC_PROVIDER_KIND, provider.path, providerName);
    const session = await issueFederatedSession(ctx, {
      kind: 'AssumeRoleWithWebIdentity',
      roleArn: input.RoleArn,
      sessionName: input.RoleSessionName,
      provider: { arn: providerArn, accountId: provider.accountId },
      conditionKeys: webIdentityConditionKeys(providerName, claims),
      tags,
      transitiveTagKeys,
      sourceIdentity,
      policy: input.Policy,
      policyArns: input.PolicyArns,
      durationSeconds: input.DurationSeconds,
    });
    return {
      ...session,
      SubjectFromWebIdentityToken: subject,
      // What AWS answers for an OIDC token: the provider's ARN (for OAuth 2.0 tokens, the ProviderId).
      Provider: providerArn,
      Audience: audience,
    };
  },
} satisfies StsHandlers;
