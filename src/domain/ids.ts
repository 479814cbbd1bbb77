// AWS's identifier formats: unique ids (AIDA…, AGPA…, AROA…, ANPA…, AIPA…), access key ids
// (AKIA…/ASIA…) and secret access keys, all from the OS's CSPRNG.
import { randomFillSync, randomInt, randomUUID } from 'node:crypto';

// Unique ids use upper-case letters and digits 2–7, the alphabet seen in AWS's ids.
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// CSPRNG bytes drawn a block at a time (as randomUUID does): one system call per block rather
// than per id. Each byte is used once.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomFrom(alphabet: string, length: number): string {
  if (poolOffset + length > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let out = '';
  // Both alphabets' lengths (32, 64) divide 256: no modulo bias.
  for (let i = 0; i < length; i++) out += alphabet[pool[poolOffset + i]! % alphabet.length];
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
  return out;
}

export type UniqueIdPrefix = 'AIDA' | 'AGPA' | 'AROA' | 'ANPA' | 'AIPA' | 'ASCA' | 'APKA';

/** A 21-character unique id such as `AIDACKCEVSQ6C2EXAMPLE`. */
export function newUniqueId(prefix: UniqueIdPrefix): string {
  return prefix + randomFrom(ID_ALPHABET, 17);
}

/** A 20-character access key id: `AKIA` (long-term) or `ASIA` (temporary) and 16 characters. */
export function newAccessKeyId(prefix: 'AKIA' | 'ASIA'): string {
  return prefix + randomFrom(ID_ALPHABET, 16);
}

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A 40-character secret access key. */
export function newSecretAccessKey(): string {
  return randomFrom(SECRET_ALPHABET, 40);
}

/** A 12-digit account id that does not start with 0. */
export function newAccountId(): string {
  let id = String(randomInt(1, 10));
  for (let i = 0; i < 11; i++) id += String(randomInt(0, 10));
  return id;
}

/** A request id in AWS's UUID form (randomUUID draws from a buffered pool: cheap per request). */
export function newRequestId(): string {
  return randomUUID();
}
