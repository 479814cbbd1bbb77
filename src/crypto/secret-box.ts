// Secrets at rest (secret access keys, MFA seeds, session keys): AES-256-GCM under the master
// key. The record's id is bound in as additional authenticated data, so a ciphertext copied to
// another row, or altered by one bit, fails to open: reads fail closed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

export class SecretBox {
  private readonly key: Buffer;
  /** Keys that only open: during a master key rotation, the old key (see src/crypto/key-rotation.ts). */
  private readonly older: Buffer[];

  /** One key, or a keyring: the first seals and opens, the others only open (a rotation in progress). */
  constructor(keys: Buffer | Buffer[]) {
    const ring = Array.isArray(keys) ? keys : [keys];
    if (ring.length === 0 || ring.some((k) => k.length !== 32)) throw new Error('master key must be 32 bytes');
    this.key = ring[0]!;
    this.older = ring.slice(1);
  }

  /** How many keys open (1, or 2 and more while a rotation is in progress). */
  get keyCount(): number {
    return 1 + this.older.length;
  }

  seal(plaintext: string, recordId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(recordId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** Throws if the ciphertext was altered or belongs to another record. */
  open(sealed: string, recordId: string): string {
    if (!sealed.startsWith(`${VERSION}.`)) throw new Error('unknown secret format');
    const body = sealed.slice(VERSION.length + 1);
    const raw = Buffer.from(body, 'base64');
    // Only the canonical encoding opens: Node's decoder skips stray characters, and a sealed value
    // (a session token) must not be accepted in more than one spelling.
    if (raw.toString('base64') !== body) throw new Error('not canonical base64');
    if (raw.length < 28) throw new Error('secret too short');
    // GCM's tag tells a wrong key apart from the right one: the first key that authenticates wins.
    for (const key of this.older) {
      try {
        return this.openWith(key, raw, recordId);
      } catch {
        // not this one: try the next, and the sealing key last
      }
    }
    return this.openWith(this.key, raw, recordId);
  }

  /** Whether the sealing key (the first of the ring) opens it: a rotation re-seals what it does not. */
  opensWithCurrentKey(sealed: string, recordId: string): boolean {
    try {
      new SecretBox(this.key).open(sealed, recordId);
      return true;
    } catch {
      return false;
    }
  }

  private openWith(key: Buffer, raw: Buffer, recordId: string): string {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(recordId, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
