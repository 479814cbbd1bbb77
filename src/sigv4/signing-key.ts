// Second half of SigV4 verification: derive the signing key from the secret and compare signatures
// in constant time. Derived keys are cached in memory only, bounded, keyed without the plain secret.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html#derive-signing-key

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sigv4Errors as E, type SigV4Error } from './errors.ts';
import { hmacSha256Hex, isSignatureHex, sameText } from './hash.ts';
import type { ParsedSignature } from './parse.ts';

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

interface CacheEntry {
  /** Keyed HMAC of the secret the key was derived from: detects a rotated secret. */
  readonly fingerprint: Buffer;
  readonly key: Buffer;
}

/**
 * Bounded LRU cache of derived signing keys, keyed by access key id and scope (date, region,
 * service). Each entry also holds a fingerprint of its secret (an HMAC under a per-process random
 * key), so a changed secret for the same access key id never reuses a stale key.
 * INVARIANT: the plain secret is never stored.
 */
export class SigningKeyCache {
  readonly #max: number;
  readonly #entries = new Map<string, CacheEntry>();
  readonly #pepper = randomBytes(32);

  constructor(maxEntries = 1000) {
    this.#max = Math.max(1, Math.floor(maxEntries));
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The signing key for this secret and scope, derived at most once while cached. */
  signingKey(accessKeyId: string, secretAccessKey: string, date: string, region: string, service: string): Buffer {
    // '/' separates the credential's own elements, so it cannot occur inside any of them.
    const id = `${accessKeyId}/${date}/${region}/${service}`;
    const fingerprint = createHmac('sha256', this.#pepper).update(secretAccessKey).digest();
    const hit = this.#entries.get(id);
    if (hit !== undefined && timingSafeEqual(hit.fingerprint, fingerprint)) {
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit.key;
    }
    const key = deriveSigningKey(secretAccessKey, date, region, service);
    this.#entries.delete(id);
    this.#entries.set(id, { fingerprint, key });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return key;
  }
}

/**
 * Check the signature of a parsed request against the secret of its access key. Constant-time in
 * the signature bytes. Never throws.
 */
export function verifySignature(parsed: ParsedSignature, secretAccessKey: string, keyCache?: SigningKeyCache): true | SigV4Error {
  if (typeof secretAccessKey !== 'string' || secretAccessKey.length === 0) return E.signatureDoesNotMatch();
  // Format is checked before any secret-dependent work, so its timing says nothing of the secret.
  if (typeof parsed.signature !== 'string' || !isSignatureHex(parsed.signature)) return E.malformedSignature();
  try {
    const { date, region, service } = parsed.scope;
    const key =
      keyCache !== undefined
        ? keyCache.signingKey(parsed.accessKeyId, secretAccessKey, date, region, service)
        : deriveSigningKey(secretAccessKey, date, region, service);
    return verifySignatureWithKey(parsed, key);
  } catch {
    return E.signatureDoesNotMatch();
  }
}

/**
 * Check the signature with a signing key the caller derived (deriveSigningKey) and keeps for this
 * credential and scope. Constant-time in the signature bytes. Never throws.
 */
export function verifySignatureWithKey(parsed: ParsedSignature, signingKey: Buffer): true | SigV4Error {
  try {
    if (typeof parsed.signature !== 'string' || !isSignatureHex(parsed.signature)) return E.malformedSignature();
    // Both are 64 lower-case hex digits here (checked above), compared in constant time.
    return sameText(hmacSha256Hex(signingKey, parsed.stringToSign), parsed.signature) ? true : E.signatureDoesNotMatch();
  } catch {
    return E.signatureDoesNotMatch();
  }
}
