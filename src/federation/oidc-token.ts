// Verifying an OpenID Connect ID token (a JWT) the way AssumeRoleWithWebIdentity does, in steps
// the caller runs in order: read it without trusting it (to find its issuer), check its claims
// against the IAM provider it names (audience, subject, times), then verify its signature with the
// issuer's keys. AWS's rules: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
// (timestamps are integers; RS256/384/512 or ES256/384/512 only — never `none` nor an HMAC).
import { compactVerify, decodeJwt, decodeProtectedHeader, errors, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { awsError } from '../errors/messages.ts';
import type { OidcKeySet } from './oidc-key-cache.ts';

export const WEB_IDENTITY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;

/**
 * Seconds of clock difference allowed between iamd and the issuer for exp, nbf and iat. AWS does not
 * say what it allows; a minute is what Kubernetes' service-account token verification allows.
 */
export const CLOCK_TOLERANCE_SECONDS = 60;

/** The namespaced claims AWS reads session tags and the source identity from. */
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';
export const SOURCE_IDENTITY_CLAIM = 'https://aws.amazon.com/source_identity';

export interface UnverifiedToken {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
  /** The `iss` claim: which IAM OIDC provider to look up. */
  issuer: string;
}

/** Reads a token's header and claims without trusting them, or throws InvalidIdentityToken. */
export function readWebIdentityToken(token: string): UnverifiedToken {
  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    if (token.split('.').length !== 3) throw new Error('not a compact JWS');
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    throw awsError('webIdentityNotJwt');
  }
  // `none`, HMACs and anything else are refused before any key is looked for.
  if (typeof header.alg !== 'string' || !(WEB_IDENTITY_ALGORITHMS as readonly string[]).includes(header.alg)) throw awsError('webIdentityNotJwt');
  if (typeof claims.iss !== 'string' || claims.iss === '') throw awsError('webIdentityMissingClaim', { claim: 'iss' });
  return { header, claims, issuer: claims.iss };
}

export interface ProviderForToken {
  url: string;
  clientIds: readonly string[];
}

export interface CheckedClaims {
  /** The client id the token was issued to: its `azp` when registered (Google), else its first registered `aud`. */
  audience: string;
  subject: string;
}

function isIntegerDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * Checks the claims AWS checks before it looks for a key: an audience among the provider's client
 * ids, a subject, integer times, not expired (ExpiredTokenException), not before its time.
 */
export function checkWebIdentityClaims(claims: JWTPayload, provider: ProviderForToken, nowMs: number): CheckedClaims {
  if (claims.aud === undefined) throw awsError('webIdentityMissingClaim', { claim: 'aud' });
  const audiences = (Array.isArray(claims.aud) ? claims.aud : [claims.aud]).filter((a): a is string => typeof a === 'string');
  const candidates = typeof claims.azp === 'string' ? [claims.azp, ...audiences] : audiences;
  const audience = candidates.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw awsError('webIdentityAudience');
  if (typeof claims.sub !== 'string' || claims.sub === '') throw awsError('webIdentityMissingClaim', { claim: 'sub' });
  if (claims.exp === undefined) throw awsError('webIdentityMissingClaim', { claim: 'exp' });
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (claims[name] !== undefined && !isIntegerDate(claims[name])) throw awsError('webIdentityTimestamp', { claim: name });
  }
  const now = Math.floor(nowMs / 1000);
  const exp = claims.exp as number;
  if (now - CLOCK_TOLERANCE_SECONDS >= exp) throw awsError('webIdentityExpired', { now, exp });
  for (const name of ['nbf', 'iat'] as const) {
    const at = claims[name];
    if (isIntegerDate(at) && at > now + CLOCK_TOLERANCE_SECONDS) throw awsError('webIdentityNotYetValid', { claim: name, now, at });
  }
  return { audience, subject: claims.sub };
}

/** Where the issuer's keys come from: the current set, and a refetch when the token's key is not in it. */
export interface KeySource {
  keys(): Promise<OidcKeySet>;
  /** Undefined when no refetch is allowed now (given keys, or a refetch happened moments ago). */
  refreshForUnknownKey(): Promise<OidcKeySet | undefined>;
}

/** Verifies with one key set: the payload, `'no-key'` when no key fits the header, `'bad'` when the signature fails. */
async function verifyWith(token: string, keys: OidcKeySet): Promise<Uint8Array | 'no-key' | 'bad'> {
  const options = { algorithms: [...WEB_IDENTITY_ALGORITHMS] };
  try {
    return (await compactVerify(token, keys, options)).payload;
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) return 'no-key';
    // Several keys fit (no kid, or a repeated one): the token is good if one of them verifies it.
    if (error instanceof errors.JWKSMultipleMatchingKeys) {
      for await (const key of error as errors.JWKSMultipleMatchingKeys & AsyncIterable<CryptoKey>) {
        try {
          return (await compactVerify(token, key, options)).payload;
        } catch {
          // the next key
        }
      }
    }
    return 'bad';
  }
}

/**
 * Verifies the signature with the issuer's keys (refetched once when none has the token's kid) and
 * returns the claims as signed. Throws InvalidIdentityToken; a fetch failure is thrown as it is.
 */
export async function verifyWebIdentitySignature(token: string, source: KeySource): Promise<JWTPayload> {
  let result = await verifyWith(token, await source.keys());
  if (result === 'no-key') {
    const refreshed = await source.refreshForUnknownKey();
    if (refreshed) result = await verifyWith(token, refreshed);
  }
  if (result === 'no-key') throw awsError('webIdentityKeyNotRetrieved');
  if (result === 'bad') throw awsError('webIdentityNotValidated');
  try {
    return JSON.parse(new TextDecoder().decode(result)) as JWTPayload;
  } catch {
    throw awsError('webIdentityNotJwt');
  }
}

/** Session tags and their transitive keys from the `https://aws.amazon.com/tags` claim. */
export interface TokenSessionTags {
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const MAX_SESSION_TAGS = 50;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `{"principal_tags": {"Project": ["Automation"]}, "transitive_tag_keys": ["Project"]}` as AWS's
 * session-tags guide shows it (each value a list of one string; a plain string is taken too).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
 */
export function sessionTagsFromClaims(claims: JWTPayload): TokenSessionTags {
  const claim = claims[TAGS_CLAIM];
  if (claim === undefined) return {};
  const bad = (reason: string) => awsError('webIdentityTagsInvalid', { reason });
  if (!isObject(claim)) throw bad('it is not a JSON object');
  const principal = claim.principal_tags;
  if (principal !== undefined && !isObject(principal)) throw bad('principal_tags is not a JSON object');
  const tags: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [key, raw] of Object.entries(principal ?? {})) {
    const value = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    if (!TAG_KEY.test(key)) throw bad(`tag key ${JSON.stringify(key)} is not 1 to 128 letters, digits, spaces or _.:/=+-@`);
    if (key.toLowerCase().startsWith('aws:')) throw bad(`tag key ${JSON.stringify(key)} starts with "aws:"`);
    if (typeof value !== 'string' || !TAG_VALUE.test(value)) {
      throw bad(`the value of tag ${JSON.stringify(key)} is not one string of at most 256 letters, digits, spaces or _.:/=+-@`);
    }
    if (seen.has(key.toLowerCase())) throw bad(`tag key ${JSON.stringify(key)} is repeated (tag keys are case insensitive)`);
    seen.add(key.toLowerCase());
    tags[key] = value;
  }
  if (seen.size > MAX_SESSION_TAGS) throw bad(`it has ${seen.size} tags, more than ${MAX_SESSION_TAGS}`);
  const transitive = claim.transitive_tag_keys;
  if (transitive !== undefined && !(Array.isArray(transitive) && transitive.every((k) => typeof k === 'string'))) {
    throw bad('transitive_tag_keys is not a list of strings');
  }
  // Each transitive key is spelled as its tag is, so that role chaining finds it.
  const spelled = new Map(Object.keys(tags).map((k) => [k.toLowerCase(), k]));
  const transitiveTagKeys: string[] = [];
  for (const key of (transitive ?? []) as string[]) {
    const tagKey = spelled.get(key.toLowerCase());
    if (tagKey === undefined) throw bad(`transitive tag key ${JSON.stringify(key)} is not one of principal_tags`);
    if (!transitiveTagKeys.includes(tagKey)) transitiveTagKeys.push(tagKey);
  }
  return {
    tags: seen.size > 0 ? tags : undefined,
    transitiveTagKeys: transitiveTagKeys.length > 0 ? transitiveTagKeys : undefined,
  };
}

const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;

/** The source identity from the `https://aws.amazon.com/source_identity` claim (as AssumeRole's SourceIdentity). */
export function sourceIdentityFromClaims(claims: JWTPayload): string | undefined {
  const value = claims[SOURCE_IDENTITY_CLAIM];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SOURCE_IDENTITY.test(value) || value.toLowerCase().startsWith('aws:')) {
    throw awsError('webIdentitySourceIdentityInvalid');
  }
  return value;
}
