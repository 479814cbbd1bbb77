// The workloads aggregate: processes given an instance profile (`iamd exec`), whose role sessions
// are issued from these rows. Role sessions themselves are stateless sealed tokens: nothing else of
// roles or sessions is stored outside the entities. Methods only (see core.ts): copied onto
// Repo.prototype by ../repo.ts.
import type { WorkloadTable } from '../schema.ts';
import { RepoCore } from './core.ts';

export abstract class WorkloadQueries extends RepoCore {
  // ---- workloads (processes given an instance profile)
  async insertWorkload(row: WorkloadTable): Promise<void> {
    await this.insert('workloads', row);
  }
  async getWorkload(id: string): Promise<WorkloadTable | undefined> {
    return this.first('workload', (a) => this.db.selectFrom('workloads').selectAll().where('id', '=', a(0)), [id]);
  }
  async getWorkloadByTokenHash(tokenHash: string): Promise<WorkloadTable | undefined> {
    return this.first('workloadByToken', (a) => this.db.selectFrom('workloads').selectAll().where('token_hash', '=', a(0)), [tokenHash]);
  }
  async listWorkloads(accountId: string, instanceProfileId?: string): Promise<WorkloadTable[]> {
    return this.select(
      `workloads ${Boolean(instanceProfileId)}`,
      (a) => {
        let q = this.db.selectFrom('workloads').selectAll().where('account_id', '=', a(0));
        if (instanceProfileId) q = q.where('instance_profile_id', '=', a(1));
        return q.orderBy('created_at').orderBy('id');
      },
      [accountId, instanceProfileId],
    );
  }
  async revokeWorkload(id: string, at: Date): Promise<void> {
    await this.change(
      'revokeWorkload',
      (a) =>
        this.db
          .updateTable('workloads')
          .set({ revoked_at: a(1) })
          .where('id', '=', a(0))
          .where('revoked_at', 'is', null),
      [id, at.toISOString()],
    );
  }
  async markWorkloadIssued(id: string, at: Date): Promise<void> {
    await this.change(
      'markWorkloadIssued',
      (a) =>
        this.db
          .updateTable('workloads')
          .set({ last_issued_at: a(1) })
          .where('id', '=', a(0)),
      [id, at.toISOString()],
    );
  }
}
