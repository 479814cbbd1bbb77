// The account-level aggregate (migration 0012_account_level): IAM users' service-specific
// credentials (their secrets sealed by the caller) and each account's STS preferences.
// Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { ServiceSpecificCredentialTable, StsPreferencesTable } from '../schema.ts';
import { RepoCore } from './core.ts';

export abstract class AccountLevelQueries extends RepoCore {
  // ---- service-specific credentials
  async insertServiceSpecificCredential(row: ServiceSpecificCredentialTable): Promise<void> {
    await this.insert('service_specific_credentials', row);
  }
  async getServiceSpecificCredential(id: string): Promise<ServiceSpecificCredentialTable | undefined> {
    return this.first('serviceSpecificCredential', (a) => this.db.selectFrom('service_specific_credentials').selectAll().where('id', '=', a(0)), [id]);
  }
  /** A user's credentials, oldest first. */
  async listUserServiceSpecificCredentials(userId: string): Promise<ServiceSpecificCredentialTable[]> {
    return this.select(
      'userServiceSpecificCredentials',
      (a) => this.db.selectFrom('service_specific_credentials').selectAll().where('user_id', '=', a(0)).orderBy('created_at').orderBy('id'),
      [userId],
    );
  }
  /** Every credential of an account's users, oldest first. */
  async listAccountServiceSpecificCredentials(accountId: string): Promise<ServiceSpecificCredentialTable[]> {
    return this.select(
      'accountServiceSpecificCredentials',
      (a) => this.db.selectFrom('service_specific_credentials').selectAll().where('account_id', '=', a(0)).orderBy('created_at').orderBy('id'),
      [accountId],
    );
  }
  async setServiceSpecificCredentialStatus(id: string, status: string): Promise<void> {
    await this.change(
      'setServiceSpecificCredentialStatus',
      (a) =>
        this.db
          .updateTable('service_specific_credentials')
          .set({ status: a(1) })
          .where('id', '=', a(0)),
      [id, status],
    );
  }
  async setServiceSpecificCredentialSecret(id: string, secretSealed: string): Promise<void> {
    await this.change(
      'setServiceSpecificCredentialSecret',
      (a) =>
        this.db
          .updateTable('service_specific_credentials')
          .set({ secret_sealed: a(1) })
          .where('id', '=', a(0)),
      [id, secretSealed],
    );
  }
  async deleteServiceSpecificCredential(id: string): Promise<void> {
    await this.change('deleteServiceSpecificCredential', (a) => this.db.deleteFrom('service_specific_credentials').where('id', '=', a(0)), [id]);
  }

  // ---- STS preferences
  async getStsPreferences(accountId: string): Promise<StsPreferencesTable | undefined> {
    return this.first('stsPreferences', (a) => this.db.selectFrom('sts_preferences').selectAll().where('account_id', '=', a(0)), [accountId]);
  }
  async putStsPreferences(row: StsPreferencesTable): Promise<void> {
    await this.change(
      'putStsPreferences',
      (a) =>
        this.db
          .insertInto('sts_preferences')
          .values({ account_id: a(0), global_endpoint_token_version: a(1), updated_at: a(2) })
          .onConflict((oc) =>
            oc.column('account_id').doUpdateSet((eb) => ({
              global_endpoint_token_version: eb.ref('excluded.global_endpoint_token_version'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          ),
      [row.account_id, row.global_endpoint_token_version, row.updated_at],
    );
  }
}
