// The service catalogues aggregate (migration 0007_service_catalogues): one document per account
// and service name, as the team registered it (validated before it is written). Methods only (see
// core.ts): copied onto Repo.prototype by ../repo.ts.
import type { ServiceCatalogueTable } from '../schema.ts';
import { decodeMarker, encodeMarker, RepoCore, type Page } from './core.ts';

export abstract class ServiceCatalogueQueries extends RepoCore {
  async getServiceCatalogue(accountId: string, name: string): Promise<ServiceCatalogueTable | undefined> {
    return this.first('serviceCatalogue', (a) => this.db.selectFrom('service_catalogues').selectAll().where('account_id', '=', a(0)).where('name', '=', a(1)), [
      accountId,
      name,
    ]);
  }
  /** One page of an account's catalogues, by name (byte order). */
  async listServiceCatalogues(accountId: string, opts: { marker?: string; maxItems: number }): Promise<Page<ServiceCatalogueTable>> {
    const after = decodeMarker(opts.marker);
    const rows = await this.select<ServiceCatalogueTable>(
      `serviceCatalogues ${after !== undefined}`,
      (a) => {
        let q = this.db.selectFrom('service_catalogues').selectAll().where('account_id', '=', a(0));
        if (after !== undefined) q = q.where('name', '>', a(1));
        return q.orderBy('name').limit(a(2) as never);
      },
      [accountId, after, opts.maxItems + 1],
    );
    if (rows.length <= opts.maxItems) return { items: rows };
    const items = rows.slice(0, opts.maxItems);
    return { items, marker: encodeMarker(items[items.length - 1]!.name) };
  }
  /** Every catalogue of an account, by name. */
  async allServiceCatalogues(accountId: string): Promise<ServiceCatalogueTable[]> {
    return this.select('allServiceCatalogues', (a) => this.db.selectFrom('service_catalogues').selectAll().where('account_id', '=', a(0)).orderBy('name'), [
      accountId,
    ]);
  }
  async countServiceCatalogues(accountId: string): Promise<number> {
    const row = await this.first<{ n: number | string }>(
      'countServiceCatalogues',
      (a) =>
        this.db
          .selectFrom('service_catalogues')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account_id', '=', a(0)),
      [accountId],
    );
    return Number(row?.n ?? 0);
  }
  /** Creates the catalogue, or replaces its document (keeping when it was created). */
  async putServiceCatalogue(row: ServiceCatalogueTable): Promise<void> {
    await this.change(
      'putServiceCatalogue',
      (a) =>
        this.db
          .insertInto('service_catalogues')
          .values({ account_id: a(0), name: a(1), document: a(2), created_at: a(3), updated_at: a(4) })
          .onConflict((oc) =>
            oc.columns(['account_id', 'name']).doUpdateSet((eb) => ({ document: eb.ref('excluded.document'), updated_at: eb.ref('excluded.updated_at') })),
          ),
      [row.account_id, row.name, row.document, row.created_at, row.updated_at],
    );
  }
  /** Deletes a catalogue; false when there was none. */
  async deleteServiceCatalogue(accountId: string, name: string): Promise<boolean> {
    const n = await this.change(
      'deleteServiceCatalogue',
      (a) => this.db.deleteFrom('service_catalogues').where('account_id', '=', a(0)).where('name', '=', a(1)),
      [accountId, name],
    );
    return n > 0;
  }
}
