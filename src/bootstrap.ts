// First start: the master key, the account and its root user's API credentials. Later starts
// find them in the store and change nothing.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.ts';
import { SecretBox } from './crypto/secret-box.ts';
import { generatePassword, hashPassword, verifyPassword } from './crypto/passwords.ts';
import { newAccessKeyId, newAccountId, newSecretAccessKey } from './domain/ids.ts';
import type { Store } from './store/store.ts';

/**
 * The 32-byte master key: IAMD_MASTER_KEY (64 hex digits or base64), else `master.key` in the
 * data folder (created 0600 on first start), else, for ':memory:', a random key for this process.
 */
export function loadMasterKey(config: Config): Buffer {
  if (config.masterKey) {
    const raw = /^[0-9a-fA-F]{64}$/.test(config.masterKey) ? Buffer.from(config.masterKey, 'hex') : Buffer.from(config.masterKey, 'base64');
    if (raw.length !== 32) throw new Error('IAMD_MASTER_KEY must be 32 bytes (64 hex digits or base64)');
    return raw;
  }
  if (config.dataDir === ':memory:' && !config.databaseUrl) return randomBytes(32);
  const file = join(config.dataDir, 'master.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  // Every node of a PostgreSQL deployment must seal and open secrets with the same key.
  if (config.databaseUrl) throw new Error('with IAMD_DATABASE_URL, set IAMD_MASTER_KEY (the same on every node)');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

export interface BootstrapResult {
  accountId: string;
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
    if (config.rootEmail && config.rootEmail !== account.root_email) await store.write((repo) => repo.setRootPassword(accountId, email, account.root_password_hash!));
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
      repo.insertAccessKey({ id, account_id: accountId, user_id: null, secret_sealed: secrets.seal(secret, id), status: 'Active', created_at: now.toISOString(), last_used_at: null, last_used_service: null, last_used_region: null });
    // Root keys given by environment are taken as they are, whatever their format.
    if (config.rootAccessKeyId && config.rootSecretAccessKey) {
      const existing = await repo.getAccessKey(config.rootAccessKeyId);
      if (!existing) await insertRootKey(config.rootAccessKeyId, config.rootSecretAccessKey);
      else if (existing.account_id !== accountId || existing.user_id !== null) throw new Error('IAMD_ROOT_ACCESS_KEY_ID is already the key of another principal');
      else if (secrets.open(existing.secret_sealed, existing.id) !== config.rootSecretAccessKey) {
        await repo.deleteAccessKey(existing.id);
        await insertRootKey(config.rootAccessKeyId, config.rootSecretAccessKey);
      }
      return { accountId };
    }
    if (accounts.length > 0) return { accountId };
    const accessKeyId = newAccessKeyId('AKIA');
    const secretAccessKey = newSecretAccessKey();
    await insertRootKey(accessKeyId, secretAccessKey);
    return { accountId, generatedRootCredentials: { accessKeyId, secretAccessKey } };
  });
}
