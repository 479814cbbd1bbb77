// First start: the master key, the account and its root user's API credentials. Later starts
// find them in the store and change nothing — and refuse to start when the master key does not
// open what the store holds.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from './config.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { generatePassword, hashPassword, verifyPassword } from './crypto/passwords.ts';
import { newAccessKeyId, newAccountId, newSecretAccessKey } from './domain/ids.ts';
import { ensureDataFolder, getMeta, setMeta, type Store } from './store/store.ts';

/**
 * The 32-byte master key: IAMD_MASTER_KEY (64 hex digits or base64), else `master.key` in the
 * data folder, else, for ':memory:', a random key for this process. `master.key` is created (0600)
 * only for a data folder that holds no iamd data yet: beside existing data a missing key file
 * refuses to start instead of sealing new secrets under a second key.
 */
export function loadMasterKey(config: Config): Buffer {
  return loadMasterKeys(config)[0]!;
}

/** One master key: 64 hex digits or base64 of 32 bytes. */
export function parseMasterKey(text: string, what = 'IAMD_MASTER_KEY'): Buffer {
  const trimmed = text.trim();
  const raw = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (raw.length !== 32) throw new Error(`${what} must be 32 bytes (64 hex digits or base64)`);
  return raw;
}

/** The name of the next master key beside master.key while a rotation is in progress. */
export const NEW_MASTER_KEY_FILE = 'master.key.new';

/**
 * The master keyring: the first key seals and opens, the others only open. During a master key
 * rotation IAMD_MASTER_KEY is "NEW,OLD", or the data folder holds master.key.new beside master.key.
 */
export function loadMasterKeys(config: Config): Buffer[] {
  if (config.masterKey) return config.masterKey.split(',').map((k) => parseMasterKey(k));
  const key = loadMasterKeyFile(config);
  const next = join(config.dataDir, NEW_MASTER_KEY_FILE);
  if (config.dataDir === ':memory:' || !existsSync(next)) return [key];
  const nextKey = parseMasterKey(readFileSync(next, 'utf8'), next);
  return nextKey.equals(key) ? [key] : [nextKey, key];
}

function loadMasterKeyFile(config: Config): Buffer {
  if (config.dataDir === ':memory:' && !config.databaseUrl) return randomBytes(32);
  const file = join(config.dataDir, 'master.key');
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a master key (32 bytes, base64): restore it from a backup, or set IAMD_MASTER_KEY`);
    return key;
  }
  // Every node of a PostgreSQL deployment must seal and open secrets with the same key.
  if (config.databaseUrl) throw new Error('with IAMD_DATABASE_URL, set IAMD_MASTER_KEY (the same on every node)');
  if (sqliteHoldsData(join(config.dataDir, 'iamd.sqlite'))) {
    throw new Error(
      `${file} is missing, but ${config.dataDir} holds iamd data sealed with a master key: restore master.key from a backup ` +
        '(or set IAMD_MASTER_KEY to that key). iamd creates a new master key only for an empty data folder.',
    );
  }
  ensureDataFolder(config.dataDir);
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600); // the mode above is filtered by the umask
  return key;
}

/** Whether a SQLite data file holds an account, an access key or a master key check value. */
function sqliteHoldsData(file: string): boolean {
  if (!existsSync(file)) return false;
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((t) => t.name));
    return ['accounts', 'access_keys', 'meta'].some((t) => tables.has(t) && db!.prepare(`select 1 from ${t} limit 1`).get() !== undefined);
  } catch {
    return true; // unreadable: not known to be empty, so no new key beside it
  } finally {
    db?.close();
  }
}

export const CHECK_KEY = 'master_key_check';
export const CHECK_AAD = 'iamd:meta:master_key_check';
export const CHECK_PLAINTEXT = 'iamd master key check v1';
/** Meta row of a master key rotation in progress: the check value sealed under the new key (src/cli-tools/master-key-rotation.ts). */
export const ROTATION_KEY = 'master_key_rotation';
export const ROTATION_AAD = 'iamd:meta:master_key_rotation';

/** Whether the keyring's sealing key is the new key of the rotation in progress. */
export function newKeyOfRotation(secrets: SecretBox, rotationCheck: string): boolean {
  return secrets.opensWithCurrentKey(rotationCheck, ROTATION_AAD);
}

function rotationInProgress(config: Config): Error {
  const given = config.masterKey ? 'IAMD_MASTER_KEY="NEW,OLD"' : `${join(config.dataDir, NEW_MASTER_KEY_FILE)} beside master.key`;
  return new Error(
    `a master key rotation is in progress: some secrets are sealed under the new key. Start iamd with both keys (${given}), ` +
      'then run `iamd rotate-master-key` again to finish it.',
  );
}

function opens(secrets: SecretBox, sealed: string, recordId: string, expected?: string): boolean {
  try {
    const plaintext = secrets.open(sealed, recordId);
    return expected === undefined || plaintext === expected;
  } catch {
    return false;
  }
}

function masterKeyMismatch(config: Config): Error {
  const key = config.masterKey ? 'IAMD_MASTER_KEY' : join(config.dataDir, 'master.key');
  const where = config.databaseUrl ? 'the PostgreSQL database at IAMD_DATABASE_URL' : `the data folder ${config.dataDir}`;
  const which = config.databaseUrl
    ? 'the IAMD_MASTER_KEY its other nodes use'
    : config.masterKey
      ? 'the IAMD_MASTER_KEY it was created with'
      : 'its own master.key (restore it from a backup), or set IAMD_MASTER_KEY to that key';
  return new Error(
    `the master key (${key}) does not open the secrets stored in ${where}. Start iamd with ${which}, or use an empty ` +
      `${config.databaseUrl ? 'database' : 'data folder'}. iamd does not start with another key: stored access keys would not ` +
      'verify and new secrets would be sealed under a second key.',
  );
}

/**
 * Fails closed: the store keeps a value sealed under the master key (sealed on first start),
 * and every start opens it; a master key that does not open it refuses to start. A store from
 * before the check value is checked against its sealed access key secrets, then given one.
 */
export async function checkMasterKey(store: Store, secrets: SecretBox, config: Config): Promise<void> {
  const [sealed, rotation] = await store.read(async (repo) => [await getMeta(repo, CHECK_KEY), await getMeta(repo, ROTATION_KEY)]);
  // A rotation in progress has re-sealed some secrets under the new key: without it, they would not open.
  if (rotation !== undefined && !newKeyOfRotation(secrets, rotation)) throw rotationInProgress(config);
  if (sealed !== undefined) {
    if (!opens(secrets, sealed, CHECK_AAD, CHECK_PLAINTEXT)) throw masterKeyMismatch(config);
    return;
  }
  await store.write(async (repo) => {
    const current = await getMeta(repo, CHECK_KEY); // another node may have sealed it meanwhile
    if (current !== undefined) {
      if (!opens(secrets, current, CHECK_AAD, CHECK_PLAINTEXT)) throw masterKeyMismatch(config);
      return;
    }
    // One that opens is enough: a single tampered row must not lock the service out.
    const keys = await repo.db.selectFrom('access_keys').select(['id', 'secret_sealed']).orderBy('created_at').limit(100).execute();
    if (keys.length > 0 && !keys.some((k) => opens(secrets, k.secret_sealed, k.id))) throw masterKeyMismatch(config);
    await setMeta(repo, CHECK_KEY, secrets.seal(CHECK_PLAINTEXT, CHECK_AAD));
  });
}

/** The master key, checked against what the store holds (see loadMasterKey and checkMasterKey). */
export async function openSecrets(store: Store, config: Config): Promise<SecretBox> {
  const secrets = new SecretBox(loadMasterKeys(config));
  await checkMasterKey(store, secrets, config);
  return secrets;
}

export interface BootstrapResult {
  accountId: string;
  /** What the operator should know (logged as warnings), e.g. an environment root key not created again. */
  warnings?: string[];
  /** Set only when root credentials were generated now: shown to the operator once. */
  generatedRootCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** Set only when the root user's console password was generated now: shown to the operator once. */
  generatedRootPassword?: { email: string; password: string };
}

export const DEFAULT_ROOT_EMAIL = 'root@iamd.local';

/**
 * The root user's console sign-in: IAMD_ROOT_EMAIL / IAMD_ROOT_PASSWORD are taken as given (and
 * replace what is stored when they differ); with no password set and none stored, one is
 * generated and returned to be shown once.
 */
async function bootstrapRootPassword(store: Store, config: Config, accountId: string): Promise<BootstrapResult['generatedRootPassword']> {
  const account = await store.read((repo) => repo.getAccount(accountId));
  if (!account) return undefined;
  const email = config.rootEmail ?? account.root_email ?? DEFAULT_ROOT_EMAIL;
  if (config.rootPassword) {
    const same = account.root_password_hash && account.root_email === email && (await verifyPassword(account.root_password_hash, config.rootPassword));
    if (!same) {
      const hash = await hashPassword(config.rootPassword);
      await store.write((repo) => repo.setRootPassword(accountId, email, hash));
    }
    return undefined;
  }
  if (account.root_password_hash) {
    if (config.rootEmail && config.rootEmail !== account.root_email)
      await store.write((repo) => repo.setRootPassword(accountId, email, account.root_password_hash!));
    return undefined;
  }
  const password = generatePassword(20);
  const hash = await hashPassword(password);
  await store.write((repo) => repo.setRootPassword(accountId, email, hash));
  return { email, password };
}

export async function bootstrap(store: Store, secrets: SecretBox, config: Config, now: Date): Promise<BootstrapResult> {
  const result = await bootstrapKeys(store, secrets, config, now);
  const generatedRootPassword = await bootstrapRootPassword(store, config, result.accountId);
  return generatedRootPassword ? { ...result, generatedRootPassword } : result;
}

async function bootstrapKeys(store: Store, secrets: SecretBox, config: Config, now: Date): Promise<BootstrapResult> {
  return store.write(async (repo) => {
    const accounts = await repo.listAccounts();
    let accountId = accounts[0]?.id;
    if (!accountId) {
      accountId = config.accountId ?? newAccountId();
      if (!/^\d{12}$/.test(accountId)) throw new Error('IAMD_ACCOUNT_ID must be 12 digits');
      await repo.insertAccount({ id: accountId, alias: null, root_email: null, root_password_hash: null, created_at: now.toISOString() });
    }
    const insertRootKey = (id: string, secret: string) =>
      repo.insertAccessKey({
        id,
        account_id: accountId,
        user_id: null,
        secret_sealed: secrets.seal(secret, id),
        status: 'Active',
        created_at: now.toISOString(),
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      });
    // Root keys given by environment are taken as they are, whatever their format — and created
    // once: a key deleted through the API stays deleted, whatever the environment says later.
    if (config.rootAccessKeyId && config.rootSecretAccessKey) {
      const id = config.rootAccessKeyId;
      const marker = `root_key_from_env:${id}`;
      const existing = await repo.getAccessKey(id);
      if (!existing) {
        if ((await getMeta(repo, marker)) !== undefined) {
          return {
            accountId,
            warnings: [
              `IAMD_ROOT_ACCESS_KEY_ID ${id} was deleted after iamd created it from the environment: it is not created again. Remove IAMD_ROOT_ACCESS_KEY_ID and IAMD_ROOT_SECRET_ACCESS_KEY from the environment (or give a new key id).`,
            ],
          };
        }
        await insertRootKey(id, config.rootSecretAccessKey);
      } else if (existing.account_id !== accountId || existing.user_id !== null) {
        throw new Error('IAMD_ROOT_ACCESS_KEY_ID is already the key of another principal');
      } else if (!opens(secrets, existing.secret_sealed, id, config.rootSecretAccessKey)) {
        // While the key exists, the environment's secret wins; its status and history stay.
        await repo.deleteAccessKey(id);
        await repo.insertAccessKey({ ...existing, secret_sealed: secrets.seal(config.rootSecretAccessKey, id) });
      }
      if ((await getMeta(repo, marker)) === undefined) await setMeta(repo, marker, now.toISOString());
      return { accountId };
    }
    if (accounts.length > 0) return { accountId };
    const accessKeyId = newAccessKeyId('AKIA');
    const secretAccessKey = newSecretAccessKey();
    await insertRootKey(accessKeyId, secretAccessKey);
    return { accountId, generatedRootCredentials: { accessKeyId, secretAccessKey } };
  });
}
