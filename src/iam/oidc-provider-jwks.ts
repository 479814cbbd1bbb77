// iamd extension: the JWK Set an administrator gives an OIDC provider (PutOpenIDConnectProviderKeys),
// for an issuer iamd cannot reach. Only what AssumeRoleWithWebIdentity may verify with is accepted:
// public RSA or EC signature keys for the algorithms AWS allows for web identity tokens
// (RS256/384/512, ES256/384/512), each imported with jose so that a key that would fail at sign-in
// fails here instead. A private key is refused (it has no business in iamd) and never echoed.
import { importJWK, type JWK } from 'jose';
import type { AwsError } from '../errors/aws-error.ts';
import { awsError } from '../errors/messages.ts';

export const MAX_JWKS_KEYS = 100;

/** The algorithms each key type may serve, as AWS lists them for AssumeRoleWithWebIdentity. */
const ALGORITHMS: Readonly<Record<string, readonly string[]>> = { RSA: ['RS256', 'RS384', 'RS512'], EC: ['ES256', 'ES384', 'ES512'] };
const CURVE_ALGORITHM: Readonly<Record<string, string>> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
/** Members that only a private (or symmetric) key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** RS256 and its kin need a modulus of at least 2048 bits (RFC 7518 §3.3); jose refuses less at verification. */
const MIN_RSA_BITS = 2048;

export interface ProviderJwks {
  /** The JWK Set as stored: `{"keys":[…]}` with each key's members as given. */
  text: string;
  keyCount: number;
  /** The `kid` of each key that has one, in order. */
  keyIds: string[];
}

const invalid = (reason: string): AwsError => awsError('oidcJwksInvalid', { reason });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The number of significant bits of a base64url big-endian integer. */
function bitLength(base64url: string): number {
  const bytes = Buffer.from(base64url, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** Checks one key and returns the algorithm to import it for. */
function checkKey(key: Record<string, unknown>, where: string): string {
  const privateMembers = PRIVATE_MEMBERS.filter((m) => Object.hasOwn(key, m));
  if (privateMembers.length > 0) throw awsError('oidcJwksPrivateKey', { key: where, members: privateMembers.join(', ') });
  const kty = key.kty;
  const algorithms = typeof kty === 'string' && Object.hasOwn(ALGORITHMS, kty) ? ALGORITHMS[kty] : undefined;
  if (!algorithms) throw invalid(`${where} has kty ${JSON.stringify(kty ?? null)}; only RSA and EC keys can verify web identity tokens`);
  if (key.kid !== undefined && typeof key.kid !== 'string') throw invalid(`${where} has a kid that is not a string`);
  if (key.use !== undefined && key.use !== 'sig') throw invalid(`${where} has use ${JSON.stringify(key.use)}; a signature key has use "sig"`);
  if (key.key_ops !== undefined && !(Array.isArray(key.key_ops) && key.key_ops.includes('verify'))) {
    throw invalid(`${where} has key_ops without "verify"`);
  }
  const alg = key.alg;
  if (alg !== undefined && (typeof alg !== 'string' || !algorithms.includes(alg))) {
    throw invalid(`${where} has alg ${JSON.stringify(alg)}; a ${kty} key may use ${algorithms.join(', ')}`);
  }
  if (kty === 'EC') {
    const curveAlg = typeof key.crv === 'string' && Object.hasOwn(CURVE_ALGORITHM, key.crv) ? CURVE_ALGORITHM[key.crv] : undefined;
    if (!curveAlg) throw invalid(`${where} has crv ${JSON.stringify(key.crv ?? null)}; an EC key must be on P-256, P-384 or P-521`);
    if (alg !== undefined && alg !== curveAlg) throw invalid(`${where} has alg ${alg}, but its curve ${String(key.crv)} is for ${curveAlg}`);
    return curveAlg;
  }
  if (typeof key.n !== 'string' || bitLength(key.n) < MIN_RSA_BITS) throw invalid(`${where} has an RSA modulus shorter than ${MIN_RSA_BITS} bits`);
  return typeof alg === 'string' ? alg : 'RS256';
}

/** Validates the JSON text of a JWK Set for a provider, or throws InvalidInput saying what is wrong. */
export async function checkProviderJwks(text: string): Promise<ProviderJwks> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('it is not JSON');
  }
  if (!isObject(parsed) || !Array.isArray(parsed.keys)) throw invalid('it must be a JSON object with a "keys" array');
  const keys: unknown[] = parsed.keys;
  if (keys.length === 0) throw invalid('its "keys" array is empty');
  if (keys.length > MAX_JWKS_KEYS) throw invalid(`it has ${keys.length} keys, more than ${MAX_JWKS_KEYS}`);
  const keyIds: string[] = [];
  for (const [i, key] of keys.entries()) {
    if (!isObject(key)) throw invalid(`key ${i + 1} is not a JSON object`);
    const where = typeof key.kid === 'string' ? `key ${i + 1} (kid ${JSON.stringify(key.kid)})` : `key ${i + 1}`;
    const alg = checkKey(key, where);
    try {
      await importJWK(key as JWK, alg);
    } catch (error) {
      // jose's reason names the member at fault, never the key material.
      throw invalid(`${where} cannot be imported (${error instanceof Error ? error.message : 'invalid key'})`);
    }
    if (typeof key.kid === 'string') keyIds.push(key.kid);
  }
  return { text: JSON.stringify({ keys }), keyCount: keys.length, keyIds };
}
