// SHA-256 and HMAC-SHA256 for the per-request half of SigV4, on Node's one-shot crypto.hash
// (Node >= 20.12): for inputs of a few hundred bytes, creating a Hash or Hmac object costs several
// times the hashing itself. Falls back to createHash/createHmac where crypto.hash is missing.
import * as nodeCrypto from 'node:crypto';

type OneShot = (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex' | 'latin1' | 'base64url') => string;
const oneShot = (nodeCrypto as unknown as { hash?: OneShot }).hash;

/** Hex SHA-256 of a string (as UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return oneShot ? oneShot('sha256', data, 'hex') : nodeCrypto.createHash('sha256').update(data).digest('hex');
}

const BLOCK = 64;
interface Pads {
  inner: Buffer;
  outer: Buffer;
}
// The key's ipad and opad blocks (RFC 2104), kept while the key itself is kept.
const padsByKey = new WeakMap<Buffer, Pads>();

function padsFor(key: Buffer): Pads {
  let pads = padsByKey.get(key);
  if (pads === undefined) {
    const inner = Buffer.alloc(BLOCK, 0x36);
    const outer = Buffer.alloc(BLOCK, 0x5c);
    for (let i = 0; i < key.length; i++) {
      inner[i]! ^= key[i]!;
      outer[i]! ^= key[i]!;
    }
    pads = { inner, outer };
    padsByKey.set(key, pads);
  }
  return pads;
}

// Scratch space for the two hashed blocks, reused (hashing is synchronous); cleared after use.
let innerScratch = Buffer.alloc(1024);
const outerScratch = Buffer.alloc(BLOCK + 32);

/** Hex HMAC-SHA256 of a string (as UTF-8) under `key`: H(K^opad || H(K^ipad || message)). */
export function hmacSha256Hex(key: Buffer, message: string): string {
  return hmacSha256Text(key, message, 'hex');
}

/** HMAC-SHA256 of a string (as UTF-8) under `key`, as hex or base64url text. */
export function hmacSha256Text(key: Buffer, message: string, encoding: 'hex' | 'base64url'): string {
  if (!oneShot || key.length > BLOCK) return nodeCrypto.createHmac('sha256', key).update(message).digest(encoding);
  const pads = padsFor(key);
  const length = BLOCK + Buffer.byteLength(message);
  if (innerScratch.length < length) innerScratch = Buffer.alloc(length);
  pads.inner.copy(innerScratch, 0);
  innerScratch.write(message, BLOCK, 'utf8');
  pads.outer.copy(outerScratch, 0);
  outerScratch.write(oneShot('sha256', innerScratch.subarray(0, length), 'latin1'), BLOCK, 'latin1');
  const mac = oneShot('sha256', outerScratch, encoding);
  // The key blocks must not linger in memory beyond the call.
  innerScratch.fill(0, 0, BLOCK);
  outerScratch.fill(0);
  return mac;
}

/** Compares two strings of equal length in time that depends only on their length. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** True for exactly 64 lower-case hex digits: a signature's form (checked on every request). */
export function isSignatureHex(text: string): boolean {
  if (text.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
