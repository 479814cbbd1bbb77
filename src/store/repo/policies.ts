// The policies aggregate: managed-policy attachments, inline policies, managed-policy versions,
// and the permissions-boundary index as policies read it (the entity writes in identities.ts keep
// it). Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import { RepoCore } from './core.ts';

export abstract class PolicyQueries extends RepoCore {
  // ---- managed-policy attachments and inline policies
  async attach(entityId: string, policyArn: string, at: Date): Promise<void> {
    const exists = await this.first(
      'attachment',
      (a) => this.db.selectFrom('attachments').select('entity_id').where('entity_id', '=', a(0)).where('policy_arn', '=', a(1)),
      [entityId, policyArn],
    );
    if (!exists) await this.insert('attachments', { entity_id: entityId, policy_arn: policyArn, attached_at: at.toISOString() });
  }
  async detach(entityId: string, policyArn: string): Promise<boolean> {
    const n = await this.change('detach', (a) => this.db.deleteFrom('attachments').where('entity_id', '=', a(0)).where('policy_arn', '=', a(1)), [
      entityId,
      policyArn,
    ]);
    return n > 0;
  }
  async attachedPolicyArns(entityId: string): Promise<string[]> {
    const rows = await this.select<{ policy_arn: string }>(
      'attachedPolicies',
      (a) => this.db.selectFrom('attachments').select('policy_arn').where('entity_id', '=', a(0)).orderBy('attached_at').orderBy('policy_arn'),
      [entityId],
    );
    return rows.map((r) => r.policy_arn);
  }
  async entityIdsAttachedTo(policyArn: string): Promise<string[]> {
    const rows = await this.select<{ entity_id: string }>(
      'entitiesAttachedTo',
      (a) => this.db.selectFrom('attachments').select('entity_id').where('policy_arn', '=', a(0)),
      [policyArn],
    );
    return rows.map((r) => r.entity_id);
  }
  /** Every managed policy attached to some user, group or role of the account. */
  async attachedPolicyArnsInAccount(accountId: string): Promise<Set<string>> {
    const rows = await this.select<{ policy_arn: string }>(
      'attachedPolicyArnsInAccount',
      (a) =>
        this.db
          .selectFrom('attachments')
          .innerJoin('entities', 'entities.id', 'attachments.entity_id')
          .select('attachments.policy_arn')
          .distinct()
          .where('entities.account_id', '=', a(0)),
      [accountId],
    );
    return new Set(rows.map((r) => r.policy_arn));
  }
  async countAttachments(policyArn: string): Promise<number> {
    const r = await this.first<{ n: number }>(
      'countAttachments',
      (a) =>
        this.db
          .selectFrom('attachments')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('policy_arn', '=', a(0)),
      [policyArn],
    );
    return Number(r?.n ?? 0);
  }
  async getInlinePolicy(entityId: string, name: string): Promise<{ name: string; document: string } | undefined> {
    return this.first(
      'inlinePolicy',
      (a) => this.db.selectFrom('inline_policies').select(['name', 'document']).where('entity_id', '=', a(0)).where('name_key', '=', a(1)),
      [entityId, name.toLowerCase()],
    );
  }
  async listInlinePolicies(entityId: string): Promise<{ name: string; document: string }[]> {
    return this.select(
      'inlinePolicies',
      (a) => this.db.selectFrom('inline_policies').select(['name', 'document']).where('entity_id', '=', a(0)).orderBy('name_key'),
      [entityId],
    );
  }
  async putInlinePolicy(entityId: string, name: string, document: string): Promise<void> {
    await this.deleteInlinePolicy(entityId, name);
    await this.insert('inline_policies', { entity_id: entityId, name, name_key: name.toLowerCase(), document });
  }
  async deleteInlinePolicy(entityId: string, name: string): Promise<boolean> {
    const n = await this.change('deleteInlinePolicy', (a) => this.db.deleteFrom('inline_policies').where('entity_id', '=', a(0)).where('name_key', '=', a(1)), [
      entityId,
      name.toLowerCase(),
    ]);
    return n > 0;
  }

  // ---- managed-policy versions
  async listPolicyVersions(policyId: string): Promise<{ versionId: string; document: string; isDefault: boolean; createdAt: Date }[]> {
    const rows = await this.select<{ version_id: string; document: string; is_default: number; created_at: string }>(
      'policyVersions',
      (a) => this.db.selectFrom('policy_versions').selectAll().where('policy_id', '=', a(0)).orderBy('created_at', 'desc'),
      [policyId],
    );
    return rows.map((r) => ({ versionId: r.version_id, document: r.document, isDefault: r.is_default === 1, createdAt: new Date(r.created_at) }));
  }
  async insertPolicyVersion(policyId: string, versionId: string, document: string, isDefault: boolean, at: Date): Promise<void> {
    await this.insert('policy_versions', { policy_id: policyId, version_id: versionId, document, is_default: isDefault ? 1 : 0, created_at: at.toISOString() });
  }
  async setDefaultPolicyVersion(policyId: string, versionId: string): Promise<void> {
    await this.change('clearDefaultVersion', (a) => this.db.updateTable('policy_versions').set({ is_default: 0 }).where('policy_id', '=', a(0)), [policyId]);
    await this.change(
      'setDefaultVersion',
      (a) => this.db.updateTable('policy_versions').set({ is_default: 1 }).where('policy_id', '=', a(0)).where('version_id', '=', a(1)),
      [policyId, versionId],
    );
  }
  async deletePolicyVersion(policyId: string, versionId: string): Promise<void> {
    await this.change('deletePolicyVersion', (a) => this.db.deleteFrom('policy_versions').where('policy_id', '=', a(0)).where('version_id', '=', a(1)), [
      policyId,
      versionId,
    ]);
  }

  // ---- permissions boundaries (the index identities.ts keeps)
  /** Users and roles whose permissions boundary is this policy. */
  async entityIdsWithBoundary(accountId: string, policyArn: string): Promise<string[]> {
    const rows = await this.select<{ entity_id: string }>(
      'entityIdsWithBoundary',
      (a) => this.db.selectFrom('boundaries').select('entity_id').where('account_id', '=', a(0)).where('policy_arn', '=', a(1)),
      [accountId, policyArn],
    );
    return rows.map((r) => r.entity_id);
  }

  /** How many users and roles use each managed policy as their boundary. */
  async boundaryUseCounts(accountId: string): Promise<Map<string, number>> {
    const rows = await this.select<{ policy_arn: string; n: number }>(
      'boundaryUseCounts',
      (a) =>
        this.db
          .selectFrom('boundaries')
          .select((eb) => ['policy_arn', eb.fn.countAll<number>().as('n')])
          .where('account_id', '=', a(0))
          .groupBy('policy_arn'),
      [accountId],
    );
    return new Map(rows.map((r) => [r.policy_arn, Number(r.n)]));
  }
}
