// Master key rotation: every secret sealed in the store is opened with the keyring (new key first,
// then the old one) and sealed again under the new key, one row per transaction. Crash-safe by
// order: (1) the rotation is recorded in `meta` (the check value sealed under the new key), so a
// node given only the old key refuses to start; (2) rows are re-sealed one by one — at any moment
// each row is sealed under exactly one of the two keys, and the keyring opens both; (3) the master
// key check value is switched to the new key last, in the transaction that ends the rotation.
// Running it again after a crash resumes: rows already under the new key are skipped.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_AAD, CHECK_KEY, CHECK_PLAINTEXT, NEW_MASTER_KEY_FILE, newKeyOfRotation, parseMasterKey, ROTATION_AAD, ROTATION_KEY } from '../bootstrap.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { getMeta, setMeta, type Store } from '../store/store.ts';
import type { Repo } from '../store/repo.ts';
import { auditKeyRecord } from '../audit/keys.ts';

// The records the secrets are bound to (additional authenticated data), as their modules seal them:
// src/iam/access-keys.ts, service-specific-credentials.ts, mfa.ts, outbound-issuer.ts,
// saml-provider-data.ts, server-certificates.ts, oidc-console-sign-in.ts, src/api/console/sso.ts.
// test/master-key-rotation.test.ts fails when a sealed value anywhere in the store is left out.
const outboundKeyRecord = (accountId: string, kid: string) => `iamd:outbound-signing-key:${accountId}:${kid}`;
const samlKeyRecord = (providerId: string, keyId: string) => `saml-provider-key:${providerId}:${keyId}`;
const serverCertificateKeyRecord = (id: string) => `server-certificate/${id}/private-key`;
const oidcClientSecretRecord = (providerId: string) => `oidc-console-client-secret:${providerId}`;
const ssoFlowRecord = (idHash: string) => `console-sso:${idHash}`;
const roleSessionRecord = (idHash: string) => `console-role-session:${idHash}`;
const scratchRecord = (idHash: string) => `console-scratch:${idHash}`;

export interface RotationResult {
  resealed: number;
  /** Sealed values that open under neither key (altered, or sealed under a third key): left as they are. */
  unreadable: string[];
}

export interface RotationOptions {
  /** Called after each row is re-sealed and committed (tests use it to kill the process mid-rotation). */
  afterRow?: (resealed: number) => void;
}

/** Re-seals one value: undefined when it already opens under the new key. */
function reseal(box: SecretBox, sealed: string, record: string, unreadable: string[], what: string): string | undefined {
  if (box.opensWithCurrentKey(sealed, record)) return undefined;
  let plaintext: string;
  try {
    plaintext = box.open(sealed, record);
  } catch {
    unreadable.push(what);
    return undefined;
  }
  return box.seal(plaintext, record);
}

type JsonObject = Record<string, unknown>;

/** Re-seals the secrets inside an entity's JSON data; returns the new JSON, or undefined when nothing changed. */
function resealEntityData(box: SecretBox, id: string, json: string, unreadable: string[]): string | undefined {
  const data = JSON.parse(json) as JsonObject;
  let changed = false;
  const field = (holder: JsonObject, key: string, record: string) => {
    const value = holder[key];
    if (typeof value !== 'string') return;
    const next = reseal(box, value, record, unreadable, `entity ${id} ${key}`);
    if (next !== undefined) {
      holder[key] = next;
      changed = true;
    }
  };
  field(data, 'seed', id); // MFA devices
  field(data, 'privateKey', serverCertificateKeyRecord(id)); // server certificates
  if (Array.isArray(data.privateKeys)) {
    // SAML providers' signing/decryption keys
    for (const k of data.privateKeys as JsonObject[]) if (typeof k.keyId === 'string') field(k, 'sealed', samlKeyRecord(id, k.keyId));
  }
  if (data.consoleSignIn && typeof data.consoleSignIn === 'object') field(data.consoleSignIn as JsonObject, 'clientSecretSealed', oidcClientSecretRecord(id));
  return changed ? JSON.stringify(data) : undefined;
}

interface Column {
  name: string;
  /** The keys of every row to visit. */
  list(repo: Repo): Promise<string[][]>;
  /** Re-seals one row in the open write transaction; true when it wrote. */
  row(repo: Repo, key: string[], box: SecretBox, unreadable: string[]): Promise<boolean>;
}

// Each row is re-read and written in its own transaction, compare-and-set on the sealed value, so
// a concurrent change by a running node (which seals under the new key too) is never overwritten.
const COLUMNS: Column[] = [
  {
    name: 'access_keys.secret_sealed',
    list: async (repo) => (await repo.db.selectFrom('access_keys').select('id').execute()).map((r) => [r.id]),
    row: async (repo, [id], box, unreadable) => {
      const r = await repo.db.selectFrom('access_keys').select('secret_sealed').where('id', '=', id!).executeTakeFirst();
      const next = r && reseal(box, r.secret_sealed, id!, unreadable, `access key ${id}`);
      if (!r || next === undefined) return false;
      await repo.db.updateTable('access_keys').set({ secret_sealed: next }).where('id', '=', id!).where('secret_sealed', '=', r.secret_sealed).execute();
      return true;
    },
  },
  {
    name: 'service_specific_credentials.secret_sealed',
    list: async (repo) => (await repo.db.selectFrom('service_specific_credentials').select('id').execute()).map((r) => [r.id]),
    row: async (repo, [id], box, unreadable) => {
      const r = await repo.db.selectFrom('service_specific_credentials').select('secret_sealed').where('id', '=', id!).executeTakeFirst();
      const next = r && reseal(box, r.secret_sealed, id!, unreadable, `service-specific credential ${id}`);
      if (!r || next === undefined) return false;
      await repo.db
        .updateTable('service_specific_credentials')
        .set({ secret_sealed: next })
        .where('id', '=', id!)
        .where('secret_sealed', '=', r.secret_sealed)
        .execute();
      return true;
    },
  },
  {
    name: 'outbound_signing_keys.private_sealed',
    list: async (repo) => (await repo.db.selectFrom('outbound_signing_keys').select(['account_id', 'kid']).execute()).map((r) => [r.account_id, r.kid]),
    row: async (repo, [accountId, kid], box, unreadable) => {
      const r = await repo.db
        .selectFrom('outbound_signing_keys')
        .select('private_sealed')
        .where('account_id', '=', accountId!)
        .where('kid', '=', kid!)
        .executeTakeFirst();
      const next = r && reseal(box, r.private_sealed, outboundKeyRecord(accountId!, kid!), unreadable, `outbound signing key ${kid}`);
      if (!r || next === undefined) return false;
      await repo.db
        .updateTable('outbound_signing_keys')
        .set({ private_sealed: next })
        .where('account_id', '=', accountId!)
        .where('kid', '=', kid!)
        .where('private_sealed', '=', r.private_sealed)
        .execute();
      return true;
    },
  },
  {
    name: 'entities.data',
    list: async (repo) => (await repo.db.selectFrom('entities').select('id').execute()).map((r) => [r.id]),
    row: async (repo, [id], box, unreadable) => {
      const r = await repo.db.selectFrom('entities').select('data').where('id', '=', id!).executeTakeFirst();
      const next = r && resealEntityData(box, id!, r.data, unreadable);
      if (!r || next === undefined) return false;
      await repo.db.updateTable('entities').set({ data: next }).where('id', '=', id!).where('data', '=', r.data).execute();
      return true;
    },
  },
  {
    name: 'console_sso_flows.data',
    list: async (repo) => (await repo.db.selectFrom('console_sso_flows').select('id_hash').execute()).map((r) => [r.id_hash]),
    row: async (repo, [idHash], box, unreadable) => {
      const r = await repo.db.selectFrom('console_sso_flows').select('data').where('id_hash', '=', idHash!).executeTakeFirst();
      const next = r && reseal(box, r.data, ssoFlowRecord(idHash!), unreadable, 'console sign-in flow');
      if (!r || next === undefined) return false;
      await repo.db.updateTable('console_sso_flows').set({ data: next }).where('id_hash', '=', idHash!).where('data', '=', r.data).execute();
      return true;
    },
  },
  {
    // The console's one-time pages and Add user drafts (src/api/console/scratch.ts).
    name: 'console_scratch.data',
    list: async (repo) => (await repo.db.selectFrom('console_scratch').select('id_hash').execute()).map((r) => [r.id_hash]),
    row: async (repo, [idHash], box, unreadable) => {
      const r = await repo.db.selectFrom('console_scratch').select('data').where('id_hash', '=', idHash!).executeTakeFirst();
      const next = r && reseal(box, r.data, scratchRecord(idHash!), unreadable, 'console one-time page or draft');
      if (!r || next === undefined) return false;
      await repo.db.updateTable('console_scratch').set({ data: next }).where('id_hash', '=', idHash!).where('data', '=', r.data).execute();
      return true;
    },
  },
  {
    name: 'console_sessions.role_session',
    list: async (repo) =>
      (await repo.db.selectFrom('console_sessions').select('id_hash').where('role_session', 'is not', null).execute()).map((r) => [r.id_hash]),
    row: async (repo, [idHash], box, unreadable) => {
      const r = await repo.db.selectFrom('console_sessions').select('role_session').where('id_hash', '=', idHash!).executeTakeFirst();
      const sealed = r?.role_session;
      const next = sealed ? reseal(box, sealed, roleSessionRecord(idHash!), unreadable, 'console role session') : undefined;
      if (!sealed || next === undefined) return false;
      await repo.db.updateTable('console_sessions').set({ role_session: next }).where('id_hash', '=', idHash!).where('role_session', '=', sealed).execute();
      return true;
    },
  },
  {
    // The audit trail's digest signing key and HMAC key (src/audit/keys.ts).
    name: 'audit_keys.sealed',
    list: async (repo) => (await repo.db.selectFrom('audit_keys').select('kind').execute()).map((r) => [r.kind]),
    row: async (repo, [kind], box, unreadable) => {
      const r = await repo.auditKey(kind!);
      const next = r && reseal(box, r.sealed, auditKeyRecord(kind!), unreadable, `audit trail ${kind} key`);
      if (!r || next === undefined) return false;
      return (await repo.updateAuditKeySealed(kind!, r.sealed, next)) > 0;
    },
  },
];

/**
 * Rotates the store's secrets to `box`'s sealing key. `box` is the keyring: the new key first, then
 * the old one(s). Refuses when the old key does not open the check value, or when another rotation
 * (to another key) is in progress.
 */
export async function rotateMasterKey(store: Store, box: SecretBox, options: RotationOptions = {}): Promise<RotationResult> {
  if (box.keyCount < 2) throw new Error('a rotation needs the new key and the old one');
  await store.write(async (repo) => {
    const check = await getMeta(repo, CHECK_KEY);
    if (check !== undefined) {
      try {
        if (box.open(check, CHECK_AAD) !== CHECK_PLAINTEXT) throw new Error('check value');
      } catch {
        throw new Error('neither the old nor the new master key opens the master key check value of this store: give the key the store was sealed with');
      }
    }
    const rotation = await getMeta(repo, ROTATION_KEY);
    if (rotation !== undefined) {
      if (!newKeyOfRotation(box, rotation)) throw new Error('another master key rotation, to a different key, is in progress: finish it with that key first');
      return; // resuming
    }
    await setMeta(repo, ROTATION_KEY, box.seal(CHECK_PLAINTEXT, ROTATION_AAD));
  });
  const result: RotationResult = { resealed: 0, unreadable: [] };
  for (const column of COLUMNS) {
    const keys = await store.read((repo) => column.list(repo));
    for (const key of keys) {
      const wrote = await store.write((repo) => column.row(repo, key, box, result.unreadable));
      if (wrote) {
        result.resealed++;
        options.afterRow?.(result.resealed);
      }
    }
  }
  // Last: the check value moves to the new key and the rotation ends, in one transaction.
  await store.write(async (repo) => {
    await setMeta(repo, CHECK_KEY, box.seal(CHECK_PLAINTEXT, CHECK_AAD));
    await repo.db.deleteFrom('meta').where('key', '=', ROTATION_KEY).execute();
  });
  return result;
}

/** Writes a key file atomically (temporary file, then rename) with mode 0600. */
function writeKeyFile(file: string, key: Buffer): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${key.toString('base64')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * For a data folder whose key is master.key: installs the new key as master.key.new (so that iamd,
 * started now, opens with both keys), refusing a different new key already installed.
 */
export function installNewKeyFile(dataDir: string, newKey: Buffer): void {
  const file = join(dataDir, NEW_MASTER_KEY_FILE);
  if (existsSync(file)) {
    if (!parseMasterKey(readFileSync(file, 'utf8'), file).equals(newKey)) throw new Error(`${file} holds another new key: a rotation to it is in progress`);
    return;
  }
  writeKeyFile(file, newKey);
}

/** After the rotation: master.key.new becomes master.key (one rename: either file is complete). */
export function finishKeyFiles(dataDir: string): void {
  renameSync(join(dataDir, NEW_MASTER_KEY_FILE), join(dataDir, 'master.key'));
}
