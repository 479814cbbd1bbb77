// The resource-policies aggregate: resource-based policies that protected services keep in iamd
// for their resources (the authorization API), one per account and exact ARN or ARN prefix (an
// ARN ending in `*`). Methods only (see core.ts): copied onto Repo.prototype by ../repo.ts.
import type { ResourcePolicyTable } from '../schema.ts';
import { RepoCore, decodeMarker, encodeMarker, type Page } from './core.ts';

export abstract class ResourcePolicyQueries extends RepoCore {
  /** Creates or replaces the policy of one ARN or prefix (in a write transaction); keeps its creation date. */
  async putResourcePolicy(row: ResourcePolicyTable): Promise<void> {
    await this.change(
      'putResourcePolicy',
      (a) =>
        this.db
          .insertInto('resource_policies')
          .values({ account_id: a(0), resource_arn: a(1), is_prefix: a(2) as never, document: a(3), created_at: a(4), updated_at: a(5) })
          .onConflict((oc) =>
            oc
              .columns(['account_id', 'resource_arn'])
              .doUpdateSet((eb) => ({ document: eb.ref('excluded.document'), updated_at: eb.ref('excluded.updated_at') })),
          ),
      [row.account_id, row.resource_arn, row.is_prefix, row.document, row.created_at, row.updated_at],
    );
  }

  /** The policy stored for exactly this ARN or prefix (as it was put, `*` included). */
  async getResourcePolicy(accountId: string, resourceArn: string): Promise<ResourcePolicyTable | undefined> {
    return this.first(
      'resourcePolicy',
      (a) => this.db.selectFrom('resource_policies').selectAll().where('account_id', '=', a(0)).where('resource_arn', '=', a(1)),
      [accountId, resourceArn],
    );
  }

  /** Deletes the policy of one ARN or prefix; false when there was none. */
  async deleteResourcePolicy(accountId: string, resourceArn: string): Promise<boolean> {
    const n = await this.change(
      'deleteResourcePolicy',
      (a) => this.db.deleteFrom('resource_policies').where('account_id', '=', a(0)).where('resource_arn', '=', a(1)),
      [accountId, resourceArn],
    );
    return n > 0;
  }

  /** The account's prefix policies (usually few): the decision-time lookup picks the longest match. */
  async listResourcePolicyPrefixes(accountId: string): Promise<ResourcePolicyTable[]> {
    return this.select(
      'resourcePolicyPrefixes',
      (a) => this.db.selectFrom('resource_policies').selectAll().where('account_id', '=', a(0)).where('is_prefix', '=', 1).orderBy('resource_arn'),
      [accountId],
    );
  }

  /** A page of the account's policies, ordered by ARN. */
  async listResourcePolicies(accountId: string, marker: string | undefined, maxItems: number): Promise<Page<ResourcePolicyTable>> {
    const after = decodeMarker(marker);
    const rows = await this.select<ResourcePolicyTable>(
      `resourcePolicies ${after !== undefined}`,
      (a) => {
        let q = this.db.selectFrom('resource_policies').selectAll().where('account_id', '=', a(0));
        if (after !== undefined) q = q.where('resource_arn', '>', a(1));
        return q.orderBy('resource_arn').limit(a(2) as never);
      },
      [accountId, after, maxItems + 1],
    );
    if (rows.length <= maxItems) return { items: rows };
    const items = rows.slice(0, maxItems);
    return { items, marker: encodeMarker(items[items.length - 1]!.resource_arn) };
  }
}
