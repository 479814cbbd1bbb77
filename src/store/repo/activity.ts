// The activity aggregate (migration 0011_service_activity): when each user and role last attempted
// each service and each tracked action, the last-accessed report jobs, each account's credential
// report, and when the root user's password was last used (a meta value). Methods only (see
// core.ts): copied onto Repo.prototype by ../repo.ts.
import type { AccessReportJobTable, CredentialReportTable, ServiceActivityTable } from '../schema.ts';
import { RepoCore } from './core.ts';

const rootPasswordKey = (accountId: string) => `root-password-last-used/${accountId}`;

export abstract class ActivityQueries extends RepoCore {
  // ---- service activity
  /** Records an attempt (a `touch`): the row of its service, or of one action (`action` not ''). */
  async noteServiceActivity(row: ServiceActivityTable): Promise<void> {
    await this.change(
      'noteServiceActivity',
      (a) =>
        this.db
          .insertInto('service_activity')
          .values({ principal_id: a(0), account_id: a(1), service: a(2), action: a(3), last_at: a(4), region: a(5) })
          .onConflict((oc) =>
            oc.columns(['principal_id', 'service', 'action']).doUpdateSet((eb) => ({ last_at: eb.ref('excluded.last_at'), region: eb.ref('excluded.region') })),
          ),
      [row.principal_id, row.account_id, row.service, row.action, row.last_at, row.region],
    );
  }
  /** Every activity row of one principal since `since` (ISO time). */
  async serviceActivityOf(principalId: string, since: string): Promise<ServiceActivityTable[]> {
    return this.select(
      'serviceActivityOf',
      (a) => this.db.selectFrom('service_activity').selectAll().where('principal_id', '=', a(0)).where('last_at', '>=', a(1)),
      [principalId, since],
    );
  }

  // ---- last-accessed report jobs
  async insertAccessReportJob(row: AccessReportJobTable): Promise<void> {
    await this.insert('access_report_jobs', row);
  }
  async getAccessReportJob(id: string): Promise<AccessReportJobTable | undefined> {
    return this.first('accessReportJob', (a) => this.db.selectFrom('access_report_jobs').selectAll().where('id', '=', a(0)), [id]);
  }
  /** Drops an account's jobs created before `before` (ISO time): they have expired. */
  async deleteAccessReportJobsBefore(accountId: string, before: string): Promise<void> {
    await this.change(
      'deleteAccessReportJobsBefore',
      (a) => this.db.deleteFrom('access_report_jobs').where('account_id', '=', a(0)).where('created_at', '<', a(1)),
      [accountId, before],
    );
  }

  // ---- credential reports
  async getCredentialReport(accountId: string): Promise<CredentialReportTable | undefined> {
    return this.first('credentialReport', (a) => this.db.selectFrom('credential_reports').selectAll().where('account_id', '=', a(0)), [accountId]);
  }
  /** Replaces the account's report (AWS keeps the latest only). */
  async putCredentialReport(row: CredentialReportTable): Promise<void> {
    await this.change(
      'putCredentialReport',
      (a) =>
        this.db
          .insertInto('credential_reports')
          .values({ account_id: a(0), generated_at: a(1), content: a(2) })
          .onConflict((oc) =>
            oc.column('account_id').doUpdateSet((eb) => ({ generated_at: eb.ref('excluded.generated_at'), content: eb.ref('excluded.content') })),
          ),
      [row.account_id, row.generated_at, row.content],
    );
  }

  // ---- the root user's password use (IAM users keep theirs in their entity's data)
  async rootPasswordLastUsed(accountId: string): Promise<Date | undefined> {
    const row = await this.first<{ value: string }>('rootPasswordLastUsed', (a) => this.db.selectFrom('meta').select('value').where('key', '=', a(0)), [
      rootPasswordKey(accountId),
    ]);
    return row ? new Date(row.value) : undefined;
  }
  async markRootPasswordUsed(accountId: string, at: Date): Promise<void> {
    await this.change(
      'markRootPasswordUsed',
      (a) =>
        this.db
          .insertInto('meta')
          .values({ key: a(0), value: a(1) })
          .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))),
      [rootPasswordKey(accountId), at.toISOString()],
    );
  }
}
