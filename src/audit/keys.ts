// The audit trail's two keys, made once per store and sealed under the master key: an Ed25519
// key pair that signs the digests (its public key is exportable, `iamd audit public-key`), and
// the HMAC key that stands secrets in for their keyed hash (redact.ts).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Repo } from '../store/repo.ts';
import type { Transactions } from '../store/store.ts';

/** The SecretBox record ids of the sealed keys (the master-key rotation re-seals them). */
export const auditKeyRecord = (kind: string): string => `audit-key/${kind}`;

export interface AuditKeys {
  signing: KeyObject;
  /** SPKI PEM of the digest signing key. */
  publicKeyPem: string;
  hmac: Buffer;
}

/** The stored keys, made (and stored) first if the store has none. */
export async function loadAuditKeys(store: Transactions, secrets: SecretBox, now: Date): Promise<AuditKeys> {
  const existing = await store.read((repo) => readKeys(repo, secrets));
  if (existing) return existing;
  await store.write(async (repo) => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const createdAt = now.toISOString();
    await repo.insertAuditKeyIfAbsent({
      kind: 'signing',
      sealed: secrets.seal(pem, auditKeyRecord('signing')),
      public_key: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      created_at: createdAt,
    });
    await repo.insertAuditKeyIfAbsent({
      kind: 'hmac',
      sealed: secrets.seal(randomBytes(32).toString('base64'), auditKeyRecord('hmac')),
      public_key: null,
      created_at: createdAt,
    });
  });
  // Another node may have made them first: the stored ones win.
  const made = await store.read((repo) => readKeys(repo, secrets));
  if (!made) throw new Error('the audit trail keys could not be stored');
  return made;
}

async function readKeys(repo: Repo, secrets: SecretBox): Promise<AuditKeys | undefined> {
  const signing = await repo.auditKey('signing');
  const hmac = await repo.auditKey('hmac');
  if (!signing || !hmac || !signing.public_key) return undefined;
  return {
    signing: createPrivateKey(secrets.open(signing.sealed, auditKeyRecord('signing'))),
    publicKeyPem: signing.public_key,
    hmac: Buffer.from(secrets.open(hmac.sealed, auditKeyRecord('hmac')), 'base64'),
  };
}

/** The stored public key alone (verify needs no master key for the signatures). */
export async function auditPublicKey(repo: Repo): Promise<KeyObject | undefined> {
  const row = await repo.auditKey('signing');
  return row?.public_key ? createPublicKey(row.public_key) : undefined;
}
