// The console aggregate: sign-in sessions (token hashes only) and sign-in throttling, the tables
// of migration 0002_console, and sign-ins through an OIDC provider in progress (0010). Methods
// only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { ConsoleSessionTable, ConsoleSigninFailureTable, ConsoleSsoFlowTable } from '../schema.ts';
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

  // ---- sign-ins through an OIDC provider in progress
  async insertConsoleSsoFlow(row: ConsoleSsoFlowTable): Promise<void> {
    await this.insert('console_sso_flows', row);
  }
  /**
   * The flow with this key, deleted as it is read (in a write transaction): a state or role
   * chooser token is used once, even by callbacks racing each other (only one deletes the row).
   */
  async takeConsoleSsoFlow(idHash: string): Promise<ConsoleSsoFlowTable | undefined> {
    const row = await this.first<ConsoleSsoFlowTable>(
      'consoleSsoFlow',
      (a) => this.db.selectFrom('console_sso_flows').selectAll().where('id_hash', '=', a(0)),
      [idHash],
    );
    if (!row) return undefined;
    const deleted = await this.change('deleteConsoleSsoFlow', (a) => this.db.deleteFrom('console_sso_flows').where('id_hash', '=', a(0)), [idHash]);
    return deleted === 1 ? row : undefined;
  }
  async deleteExpiredConsoleSsoFlows(now: Date): Promise<void> {
    await this.change('deleteExpiredConsoleSsoFlows', (a) => this.db.deleteFrom('console_sso_flows').where('expires_at', '<', a(0)), [now.toISOString()]);
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
