// The credentials aggregate: access keys, console login profiles, password history and the
// account's password policy. Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { AccessKeyTable, LoginProfileTable } from '../schema.ts';
import { RepoCore } from './core.ts';

export abstract class CredentialQueries extends RepoCore {
  // ---- access keys
  async insertAccessKey(row: AccessKeyTable): Promise<void> {
    this.changes.accessKeys.add(row.id);
    await this.insert('access_keys', row);
  }
  async getAccessKey(id: string): Promise<AccessKeyTable | undefined> {
    return this.first('accessKey', (a) => this.db.selectFrom('access_keys').selectAll().where('id', '=', a(0)), [id]);
  }
  async listAccessKeys(accountId: string, userId: string | null): Promise<AccessKeyTable[]> {
    return this.select(
      `accessKeys ${userId === null ? 'root' : 'user'}`,
      (a) => {
        const q = this.db.selectFrom('access_keys').selectAll().where('account_id', '=', a(0));
        return (userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', a(1))).orderBy('created_at').orderBy('id');
      },
      [accountId, userId],
    );
  }
  async setAccessKeyStatus(id: string, status: string): Promise<void> {
    this.changes.accessKeys.add(id);
    await this.change(
      'setAccessKeyStatus',
      (a) =>
        this.db
          .updateTable('access_keys')
          .set({ status: a(1) })
          .where('id', '=', a(0)),
      [id, status],
    );
  }
  async deleteAccessKey(id: string): Promise<void> {
    this.changes.accessKeys.add(id);
    await this.change('deleteAccessKey', (a) => this.db.deleteFrom('access_keys').where('id', '=', a(0)), [id]);
  }
  async markAccessKeyUsed(id: string, at: Date, service: string, region: string): Promise<void> {
    await this.change(
      'markAccessKeyUsed',
      (a) =>
        this.db
          .updateTable('access_keys')
          .set({ last_used_at: a(1), last_used_service: a(2), last_used_region: a(3) })
          .where('id', '=', a(0)),
      [id, at.toISOString(), service, region],
    );
  }

  // ---- login profiles and passwords
  async getLoginProfile(userId: string): Promise<LoginProfileTable | undefined> {
    return this.first('loginProfile', (a) => this.db.selectFrom('login_profiles').selectAll().where('user_id', '=', a(0)), [userId]);
  }
  async putLoginProfile(row: LoginProfileTable): Promise<void> {
    await this.deleteLoginProfile(row.user_id);
    await this.insert('login_profiles', row);
  }
  async deleteLoginProfile(userId: string): Promise<void> {
    await this.change('deleteLoginProfile', (a) => this.db.deleteFrom('login_profiles').where('user_id', '=', a(0)), [userId]);
  }
  async passwordHistory(userId: string, limit: number): Promise<string[]> {
    const rows = await this.select<{ password_hash: string }>(
      'passwordHistory',
      (a) =>
        this.db
          .selectFrom('password_history')
          .select('password_hash')
          .where('user_id', '=', a(0))
          .orderBy('created_at', 'desc')
          .limit(a(1) as never),
      [userId, limit],
    );
    return rows.map((r) => r.password_hash);
  }
  /** When the user's current password was set (its newest history entry). */
  async passwordChangedAt(userId: string): Promise<Date | undefined> {
    const row = await this.first<{ created_at: string }>(
      'passwordChangedAt',
      (a) => this.db.selectFrom('password_history').select('created_at').where('user_id', '=', a(0)).orderBy('created_at', 'desc').limit(1),
      [userId],
    );
    return row ? new Date(row.created_at) : undefined;
  }
  async addPasswordHistory(userId: string, hash: string, at: Date): Promise<void> {
    await this.insert('password_history', { user_id: userId, password_hash: hash, created_at: at.toISOString() });
  }
  async deletePasswordHistory(userId: string): Promise<void> {
    await this.change('deletePasswordHistory', (a) => this.db.deleteFrom('password_history').where('user_id', '=', a(0)), [userId]);
  }
  async getPasswordPolicy(accountId: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.first<{ document: string }>(
      'passwordPolicy',
      (a) => this.db.selectFrom('password_policies').select('document').where('account_id', '=', a(0)),
      [accountId],
    );
    return row && (JSON.parse(row.document) as Record<string, unknown>);
  }
  async putPasswordPolicy(accountId: string, policy: Record<string, unknown>): Promise<void> {
    await this.deletePasswordPolicy(accountId);
    await this.insert('password_policies', { account_id: accountId, document: JSON.stringify(policy) });
  }
  async deletePasswordPolicy(accountId: string): Promise<boolean> {
    const n = await this.change('deletePasswordPolicy', (a) => this.db.deleteFrom('password_policies').where('account_id', '=', a(0)), [accountId]);
    return n > 0;
  }
}
