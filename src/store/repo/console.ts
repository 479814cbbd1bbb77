// The console aggregate: sign-in sessions (token hashes only) and sign-in throttling, the tables
// of migration 0002_console, sign-ins through an OIDC provider in progress (0010), and the one-time
// pages and Add user drafts (0016, src/api/console/scratch.ts). Methods
// only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { ConsoleScratchTable, ConsoleSessionTable, ConsoleSigninFailureTable, ConsoleSsoFlowTable } from '../schema.ts';
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
  // ---- one-time pages and drafts (console_scratch)
  async insertConsoleScratch(row: ConsoleScratchTable): Promise<void> {
    await this.insert('console_scratch', row);
  }
  async getConsoleScratch(idHash: string): Promise<ConsoleScratchTable | undefined> {
    return this.first('consoleScratch', (a) => this.db.selectFrom('console_scratch').selectAll().where('id_hash', '=', a(0)), [idHash]);
  }
  /** Deletes the row; true when this call deleted it (of two racing takers, one wins). */
  async deleteConsoleScratch(idHash: string): Promise<boolean> {
    return (await this.change('deleteConsoleScratch', (a) => this.db.deleteFrom('console_scratch').where('id_hash', '=', a(0)), [idHash])) === 1;
  }
  /** The session's rows (of one kind: `credentials` when its one-time page is left; all when it ends). */
  async deleteConsoleScratchOfSession(sessionHash: string, kind?: string): Promise<void> {
    await this.change(
      `deleteConsoleScratchOfSession ${kind === undefined ? 'all' : 'kind'}`,
      (a) => {
        const q = this.db.deleteFrom('console_scratch').where('session_hash', '=', a(0));
        return kind === undefined ? q : q.where('kind', '=', a(1));
      },
      [sessionHash, kind],
    );
  }
  async deleteExpiredConsoleScratch(now: Date): Promise<void> {
    await this.change('deleteExpiredConsoleScratch', (a) => this.db.deleteFrom('console_scratch').where('expires_at', '<', a(0)), [now.toISOString()]);
  }
  /**
   * Compare-and-set of a row's state (and data): true when the state was still `from`, so that of
   * several workers racing for one draft exactly one starts its creation.
   */
  async setConsoleScratchState(idHash: string, from: string | null, to: string | null, data?: string): Promise<boolean> {
    const changed = await this.change(
      `setConsoleScratchState ${from === null ? 'null' : 'value'} ${data === undefined ? 'state' : 'data'}`,
      (a) => {
        const q = this.db
          .updateTable('console_scratch')
          .set(data === undefined ? { state: a(0) } : { state: a(0), data: a(3) })
          .where('id_hash', '=', a(1));
        return from === null ? q.where('state', 'is', null) : q.where('state', '=', a(2));
      },
      [to, idHash, from, data],
    );
    return changed === 1;
  }
}
