// The console's own tables (migration 0002_console): sign-in sessions and sign-in throttling.
// Reached through the Repo's Kysely handle, inside the store's transactions, so they work on
// SQLite and PostgreSQL alike. Session tokens are stored only as SHA-256 hashes.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Repo } from '../../store/repo.ts';

export interface ConsoleSessionTable {
  id_hash: string;
  account_id: string;
  /** null: the account's root user; else the IAM user's id (AIDA…). */
  user_id: string | null;
  /** 'mfa' (password accepted, code pending), 'reset' (must choose a new password), 'active'. */
  stage: string;
  csrf: string;
  /** A fingerprint of the password hash at sign-in: a changed password ends the session. */
  password_fp: string;
  mfa_at: string | null;
  created_at: string;
  expires_at: string;
}

export interface ConsoleSigninFailureTable {
  key: string;
  failures: number;
  locked_until: string | null;
  updated_at: string;
}

interface ConsoleDatabase {
  console_sessions: ConsoleSessionTable;
  console_signin_failures: ConsoleSigninFailureTable;
}

const db = (repo: Repo) => repo.db as unknown as Kysely<ConsoleDatabase>;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export const sessionRepo = {
  async insert(repo: Repo, row: ConsoleSessionTable): Promise<void> {
    await db(repo).insertInto('console_sessions').values(row).execute();
  },
  async get(repo: Repo, idHash: string): Promise<ConsoleSessionTable | undefined> {
    return db(repo).selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  },
  async delete(repo: Repo, idHash: string): Promise<void> {
    await db(repo).deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
  },
  async deleteForUser(repo: Repo, accountId: string, userId: string | null): Promise<void> {
    const q = db(repo).deleteFrom('console_sessions').where('account_id', '=', accountId);
    await (userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId)).execute();
  },
  async deleteExpired(repo: Repo, now: Date): Promise<void> {
    await db(repo).deleteFrom('console_sessions').where('expires_at', '<', now.toISOString()).execute();
  },
};

export const failureRepo = {
  async get(repo: Repo, key: string): Promise<ConsoleSigninFailureTable | undefined> {
    return db(repo).selectFrom('console_signin_failures').selectAll().where('key', '=', key).executeTakeFirst();
  },
  /** One statement (an upsert): fewer conflicts for PostgreSQL's serializable retries than delete + insert. */
  async put(repo: Repo, row: ConsoleSigninFailureTable): Promise<void> {
    const { key: _key, ...changes } = row;
    await db(repo)
      .insertInto('console_signin_failures')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet(changes))
      .execute();
  },
  async clear(repo: Repo, key: string): Promise<void> {
    await db(repo).deleteFrom('console_signin_failures').where('key', '=', key).execute();
  },
};
