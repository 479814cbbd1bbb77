// The console aggregate: sign-in sessions (token hashes only) and sign-in throttling, the tables
// of migration 0002_console. Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { ConsoleSessionTable, ConsoleSigninFailureTable } from '../schema.ts';
import { RepoCore } from './core.ts';

export abstract class ConsoleQueries extends RepoCore {
  // ---- console sessions
  async insertConsoleSession(row: ConsoleSessionTable): Promise<void> {
    await this.insert('console_sessions', row);
  }
  async getConsoleSession(idHash: string): Promise<ConsoleSessionTable | undefined> {
    return this.first('consoleSession', (a) => this.db.selectFrom('console_sessions').selectAll().where('id_hash', '=', a(0)), [idHash]);
  }
  async deleteConsoleSession(idHash: string): Promise<void> {
    await this.change('deleteConsoleSession', (a) => this.db.deleteFrom('console_sessions').where('id_hash', '=', a(0)), [idHash]);
  }
  /** Every session of the root user (userId null) or of an IAM user. */
  async deleteConsoleSessionsOfUser(accountId: string, userId: string | null): Promise<void> {
    await this.change(
      `deleteConsoleSessionsOfUser ${userId === null ? 'root' : 'user'}`,
      (a) => {
        const q = this.db.deleteFrom('console_sessions').where('account_id', '=', a(0));
        return userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', a(1));
      },
      [accountId, userId],
    );
  }
  async deleteExpiredConsoleSessions(now: Date): Promise<void> {
    await this.change('deleteExpiredConsoleSessions', (a) => this.db.deleteFrom('console_sessions').where('expires_at', '<', a(0)), [now.toISOString()]);
  }

  // ---- sign-in throttling
  async getSigninFailures(key: string): Promise<ConsoleSigninFailureTable | undefined> {
    return this.first('signinFailures', (a) => this.db.selectFrom('console_signin_failures').selectAll().where('key', '=', a(0)), [key]);
  }
  /** One statement (an upsert): fewer conflicts for PostgreSQL's serializable retries than delete + insert. */
  async putSigninFailures(row: ConsoleSigninFailureTable): Promise<void> {
    await this.change(
      'putSigninFailures',
      (a) =>
        this.db
          .insertInto('console_signin_failures')
          .values({ key: a(0), failures: a(1) as never, locked_until: a(2), updated_at: a(3) })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet((eb) => ({
              failures: eb.ref('excluded.failures'),
              locked_until: eb.ref('excluded.locked_until'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          ),
      [row.key, row.failures, row.locked_until, row.updated_at],
    );
  }
  async clearSigninFailures(key: string): Promise<void> {
    await this.change('clearSigninFailures', (a) => this.db.deleteFrom('console_signin_failures').where('key', '=', a(0)), [key]);
  }
}
