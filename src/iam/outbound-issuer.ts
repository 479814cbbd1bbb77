// An account's token issuer for outbound web identity federation: its URL, its signing keys and
// their rotation, and the two documents a verifier reads (OIDC discovery and the JWKS).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_getting_started.html
//
// Keys: one RS256 (RSA 2048) and one ES384 (P-384) key signs at a time per account; the private
// halves are sealed under the master key, bound to the account and the key id. Rotation is
// automatic and needs no operator: a key signs for KEY_ROTATION_SECONDS; KEY_PREPUBLISH_SECONDS
// before that, the next token request publishes its successor, which starts signing when the hour
// is up (verifiers that cached the JWKS learn it before they see it). A replaced key stays
// published until every token it signed has expired (KEY_RETENTION_SECONDS), then it is deleted.
// With no token request for a while, the due key keeps signing until one comes.
//
// Lives in src/iam (not a folder of its own) because both the IAM handlers and STS's
// GetWebIdentityToken use it, and src/sts already depends on src/iam, never the reverse.
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Repo } from '../store/repo.ts';
import type { OutboundFederationTable, OutboundSigningKeyTable } from '../store/schema.ts';

export const SIGNING_ALGORITHMS = ['RS256', 'ES384'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** GetWebIdentityToken's longest token (DurationSeconds 60–3600). */
export const MAX_TOKEN_SECONDS = 3600;
/** A key signs for 30 days (iamd's choice: AWS does not document its rotation). */
export const KEY_ROTATION_SECONDS = 30 * 86_400;
/** A new key is published this long before it signs. */
export const KEY_PREPUBLISH_SECONDS = 3600;
/** A replaced key, and the keys of a disabled issuer, stay published this long: the longest token plus an hour for clock skew and caches. */
export const KEY_RETENTION_SECONDS = MAX_TOKEN_SECONDS + 3600;

/** Where the issuers' documents live, under the public URL. */
export const ISSUER_PATH = '/oidc/';

/**
 * The issuer URL. AWS gives each account a host of its own (https://UUID.tokens.sts.global.api.aws);
 * iamd is reached at one address (IAMD_PUBLIC_URL), so each account's issuer is a path under it,
 * which OIDC allows (the discovery document is at ISSUER/.well-known/openid-configuration).
 */
export function issuerUrl(publicUrl: string, issuerId: string): string {
  return `${publicUrl}${ISSUER_PATH}${issuerId}`;
}

const generate = promisify(generateKeyPair);

/** The sealed private key's additional data: the ciphertext opens only as this account's key of this id. */
function keyRecordId(accountId: string, kid: string): string {
  return `iamd:outbound-signing-key:${accountId}:${kid}`;
}

/** A new key pair of an algorithm; its id is the public key's RFC 7638 thumbprint. */
export async function newSigningKey(secrets: SecretBox, accountId: string, alg: SigningAlgorithm, now: Date): Promise<OutboundSigningKeyTable> {
  const { publicKey, privateKey } = alg === 'RS256' ? await generate('rsa', { modulusLength: 2048 }) : await generate('ec', { namedCurve: 'secp384r1' });
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  const jwk: JWK = { ...exported, kid, alg, use: 'sig' };
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    kid,
    account_id: accountId,
    alg,
    public_jwk: JSON.stringify(jwk),
    private_sealed: secrets.seal(pem, keyRecordId(accountId, kid)),
    created_at: now.toISOString(),
    active_from: now.toISOString(),
  };
}

interface Timed {
  row: OutboundSigningKeyTable;
  activeFrom: number;
  /** When the next key of its algorithm starts signing. */
  supersededAt?: number;
}

/** Each key with when it signs: from its start to the next key's of the same algorithm. */
function timeline(rows: readonly OutboundSigningKeyTable[]): Timed[] {
  const out: Timed[] = [];
  for (const alg of SIGNING_ALGORITHMS) {
    const mine = rows
      .filter((r) => r.alg === alg)
      .map((row) => ({ row, activeFrom: Date.parse(row.active_from) }) as Timed)
      .sort((a, b) => a.activeFrom - b.activeFrom || a.row.created_at.localeCompare(b.row.created_at) || a.row.kid.localeCompare(b.row.kid));
    for (let i = 0; i < mine.length; i++) {
      const next = mine[i + 1];
      if (next) mine[i]!.supersededAt = next.activeFrom;
      out.push(mine[i]!);
    }
  }
  return out;
}

/** The key that signs an algorithm's tokens now: the latest one that has started. */
export function signingKey(rows: readonly OutboundSigningKeyTable[], alg: SigningAlgorithm, now: Date): OutboundSigningKeyTable | undefined {
  const t = now.getTime();
  let best: Timed | undefined;
  for (const k of timeline(rows)) if (k.row.alg === alg && k.activeFrom <= t && (!best || k.activeFrom >= best.activeFrom)) best = k;
  return best?.row;
}

/** Whether an algorithm needs a new key: it has none, or its signing key is due and no successor is waiting. */
export function needsNewKey(rows: readonly OutboundSigningKeyTable[], alg: SigningAlgorithm, now: Date): boolean {
  const t = now.getTime();
  const mine = timeline(rows).filter((k) => k.row.alg === alg);
  if (mine.length === 0) return true;
  if (mine.some((k) => k.activeFrom > t)) return false;
  const current = signingKey(rows, alg, now);
  return !current || t - Date.parse(current.active_from) >= (KEY_ROTATION_SECONDS - KEY_PREPUBLISH_SECONDS) * 1000;
}

/** The algorithms whose keys are due, with a new key each (made outside any transaction: an RSA key takes a while). */
export async function keysDue(secrets: SecretBox, accountId: string, rows: readonly OutboundSigningKeyTable[], now: Date): Promise<OutboundSigningKeyTable[]> {
  const due = SIGNING_ALGORITHMS.filter((alg) => needsNewKey(rows, alg, now));
  return Promise.all(due.map((alg) => newSigningKey(secrets, accountId, alg, now)));
}

/**
 * In a write transaction: adds the new keys whose algorithm still needs one (another request may
 * have rotated meanwhile), and deletes the keys no valid token can have been signed with (expiredKeys). A new
 * key starts signing at once only when its algorithm has no key yet.
 */
export async function rotateKeys(repo: Repo, accountId: string, fresh: readonly OutboundSigningKeyTable[], now: Date): Promise<void> {
  const rows = [...(await repo.listOutboundSigningKeys(accountId))];
  for (const key of fresh) {
    const alg = key.alg as SigningAlgorithm;
    if (!needsNewKey(rows, alg, now)) continue;
    const first = !rows.some((r) => r.alg === alg);
    const activeFrom = first ? now : new Date(now.getTime() + KEY_PREPUBLISH_SECONDS * 1000);
    const row = { ...key, created_at: now.toISOString(), active_from: activeFrom.toISOString() };
    await repo.insertOutboundSigningKey(row);
    rows.push(row);
  }
  for (const kid of expiredKeys(rows, now)) await repo.deleteOutboundSigningKey(accountId, kid);
}

/** The keys replaced long enough ago that no token they signed is still valid: no longer published, to be deleted. */
export function expiredKeys(rows: readonly OutboundSigningKeyTable[], now: Date): string[] {
  return timeline(rows)
    .filter((k) => k.supersededAt !== undefined && now.getTime() >= k.supersededAt + KEY_RETENTION_SECONDS * 1000)
    .map((k) => k.row.kid);
}

// Private keys, opened and parsed once: a sealed value names one key of one account for good.
const opened = new Map<string, KeyObject>();

/** The private key of a stored key (throws when the master key does not open it). */
export function privateKeyOf(secrets: SecretBox, row: OutboundSigningKeyTable): KeyObject {
  let key = opened.get(row.private_sealed);
  if (!key) {
    key = createPrivateKey(secrets.open(row.private_sealed, keyRecordId(row.account_id, row.kid)));
    if (opened.size >= 256) opened.clear();
    opened.set(row.private_sealed, key);
  }
  return key;
}

/** Whether an issuer's documents are served: while it vends tokens, and until the last token it signed has expired. */
function published(federation: OutboundFederationTable, now: Date): boolean {
  if (federation.enabled === 1) return true;
  return federation.disabled_at !== null && now.getTime() < Date.parse(federation.disabled_at) + KEY_RETENTION_SECONDS * 1000;
}

export interface IssuerDocuments {
  /** The OIDC discovery document, as served. */
  discovery: string;
  /** The JWKS, public keys only. */
  jwks: string;
  /** When what is served changes by time alone (a replaced key drops out, a disabled issuer ends). */
  changesAt: number;
}

/** Claims of the tokens GetWebIdentityToken signs. */
export const TOKEN_CLAIMS = ['iss', 'sub', 'aud', 'iat', 'exp', 'jti', 'https://sts.amazonaws.com/'];

/** An issuer's discovery document and JWKS now, or undefined when it serves none (never enabled, or disabled long enough). */
export function issuerDocuments(
  publicUrl: string,
  federation: OutboundFederationTable,
  rows: readonly OutboundSigningKeyTable[],
  now: Date,
): IssuerDocuments | undefined {
  if (!published(federation, now)) return undefined;
  const t = now.getTime();
  const issuer = issuerUrl(publicUrl, federation.issuer_id);
  let changesAt = federation.enabled === 1 ? Number.POSITIVE_INFINITY : Date.parse(federation.disabled_at ?? '') + KEY_RETENTION_SECONDS * 1000;
  const keys: JWK[] = [];
  for (const k of timeline(rows)) {
    const dropAt = k.supersededAt === undefined ? Number.POSITIVE_INFINITY : k.supersededAt + KEY_RETENTION_SECONDS * 1000;
    if (t >= dropAt) continue;
    changesAt = Math.min(changesAt, dropAt);
    // The stored JWK is the public half only (newSigningKey exported it from the public key).
    keys.push(JSON.parse(k.row.public_jwk) as JWK);
  }
  const discovery = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    claims_supported: TOKEN_CLAIMS,
  };
  return { discovery: JSON.stringify(discovery), jwks: JSON.stringify({ keys }), changesAt };
}
