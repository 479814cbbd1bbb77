// Service catalogues (models/iamd.json): a team registers its service's actions, resource types and
// condition keys, and the routes that map its HTTP API to them. Each operation is authorized as
// `iamd:<Operation>` on `arn:PARTITION:iamd::ACCOUNT:service/NAME` (ListServiceCatalogs on
// `service/*`). The documents are validated whole on write (./catalogue-format.ts) and kept as
// registered, one per account and service name.
import type { ActionContext } from '../actions/context.ts';
import type { IamdHandlers } from '../actions/registry.ts';
import type { ServiceCatalog, ServiceCatalogSummary } from '../actions/generated/iamd.ts';
import { awsError } from '../errors/messages.ts';
import type { Transactions } from '../store/store.ts';
import type { ServiceCatalogueTable } from '../store/schema.ts';
import { parseCatalogue, validationMessage, type ServiceCatalogue } from './catalogue-format.ts';

/** How many catalogues one account may register. */
export const MAX_SERVICE_CATALOGS = 100;
const DEFAULT_MAX_ITEMS = 100;

/** The ARN a catalogue's operations are authorized on. */
export function serviceCatalogArn(partition: string, account: string, name: string): string {
  return `arn:${partition}:iamd::${account}:service/${name}`;
}

// Parsed catalogues, by account and name, reused while their stored text is unchanged: the policy
// editor asks for them as you type, a gateway on every request.
const parsed = new Map<string, Map<string, { document: string; catalogue: ServiceCatalogue | undefined }>>();

function parsedRow(accountId: string, row: ServiceCatalogueTable): ServiceCatalogue | undefined {
  let byName = parsed.get(accountId);
  if (!byName) {
    byName = new Map();
    parsed.set(accountId, byName);
  }
  const cached = byName.get(row.name);
  if (cached?.document === row.document) return cached.catalogue;
  // A stored document was valid when written; one a later iamd no longer accepts is left out.
  const catalogue = parseCatalogue(row.document).catalogue;
  byName.set(row.name, { document: row.document, catalogue });
  return catalogue;
}

/**
 * Every valid catalogue of an account, parsed. Read without authorization, for advice that names
 * no secret (the policy editor's findings, the simulator's action list) and for the gateway.
 */
export async function loadServiceCatalogues(store: Transactions, accountId: string): Promise<ServiceCatalogue[]> {
  const rows = await store.read((repo) => repo.allServiceCatalogues(accountId));
  const names = new Set(rows.map((r) => r.name));
  const byName = parsed.get(accountId);
  if (byName) for (const name of byName.keys()) if (!names.has(name)) byName.delete(name);
  return rows.flatMap((row) => parsedRow(accountId, row) ?? []);
}

/** One service's catalogue, parsed (undefined when none is registered, or it no longer parses): a gateway's routes. */
export async function loadServiceCatalogue(store: Transactions, accountId: string, name: string): Promise<ServiceCatalogue | undefined> {
  const row = await store.read((repo) => repo.getServiceCatalogue(accountId, name));
  return row ? parsedRow(accountId, row) : undefined;
}

function summary(ctx: ActionContext, row: ServiceCatalogueTable): ServiceCatalogSummary {
  const c = parsedRow(ctx.caller.accountId, row);
  return {
    ServiceName: row.name,
    Arn: serviceCatalogArn(ctx.caller.partition, ctx.caller.accountId, row.name),
    Description: c?.Description,
    ActionCount: c?.Actions.length ?? 0,
    ResourceCount: c?.Resources.length ?? 0,
    ConditionKeyCount: c?.ConditionKeys.length ?? 0,
    RouteCount: c?.Routes.length ?? 0,
    CreateDate: row.created_at,
    UpdateDate: row.updated_at,
  };
}

function full(ctx: ActionContext, row: ServiceCatalogueTable): ServiceCatalog {
  return { ...summary(ctx, row), Catalog: row.document };
}

/** The name a Put is about before its document is validated: the path's, else the document's, else `*`. */
function nameToAuthorize(input: { Catalog: string; ServiceName?: string }): string {
  if (input.ServiceName !== undefined) return input.ServiceName;
  try {
    const doc: unknown = JSON.parse(input.Catalog);
    const name = typeof doc === 'object' && doc !== null ? (doc as { Name?: unknown }).Name : undefined;
    return typeof name === 'string' && name !== '' ? name : '*';
  } catch {
    return '*';
  }
}

export const catalogueHandlers = {
  async PutServiceCatalog(ctx, input) {
    const { partition, accountId } = ctx.caller;
    await ctx.authorize('iamd:PutServiceCatalog', serviceCatalogArn(partition, accountId, nameToAuthorize(input)));
    const result = parseCatalogue(input.Catalog);
    if (result.errors) throw awsError('serviceCatalogInvalid', { detail: validationMessage(result.errors) });
    const name = result.catalogue.Name;
    if (input.ServiceName !== undefined && input.ServiceName !== name) throw awsError('serviceCatalogNameMismatch', { pathName: input.ServiceName, name });
    const now = ctx.request.now.toISOString();
    return ctx.services.store.write(async (repo) => {
      const existing = await repo.getServiceCatalogue(accountId, name);
      if (!existing && (await repo.countServiceCatalogues(accountId)) >= MAX_SERVICE_CATALOGS) {
        throw awsError('quotaExceeded', { quota: 'ServiceCatalogsPerAccount', limit: MAX_SERVICE_CATALOGS });
      }
      const row: ServiceCatalogueTable = { account_id: accountId, name, document: input.Catalog, created_at: existing?.created_at ?? now, updated_at: now };
      await repo.putServiceCatalogue(row);
      return { ServiceCatalog: full(ctx, row) };
    });
  },

  async GetServiceCatalog(ctx, input) {
    await ctx.authorize('iamd:GetServiceCatalog', serviceCatalogArn(ctx.caller.partition, ctx.caller.accountId, input.ServiceName));
    const row = await ctx.services.store.read((repo) => repo.getServiceCatalogue(ctx.caller.accountId, input.ServiceName));
    if (!row) throw awsError('serviceCatalogNotFound', { name: input.ServiceName });
    return { ServiceCatalog: full(ctx, row) };
  },

  async ListServiceCatalogs(ctx, input) {
    await ctx.authorize('iamd:ListServiceCatalogs', serviceCatalogArn(ctx.caller.partition, ctx.caller.accountId, '*'));
    const page = await ctx.services.store.read((repo) =>
      repo.listServiceCatalogues(ctx.caller.accountId, { marker: input.Marker, maxItems: input.MaxItems ?? DEFAULT_MAX_ITEMS }),
    );
    return { ServiceCatalogs: page.items.map((row) => summary(ctx, row)), IsTruncated: page.marker !== undefined, Marker: page.marker };
  },

  async DeleteServiceCatalog(ctx, input) {
    await ctx.authorize('iamd:DeleteServiceCatalog', serviceCatalogArn(ctx.caller.partition, ctx.caller.accountId, input.ServiceName));
    const deleted = await ctx.services.store.write((repo) => repo.deleteServiceCatalogue(ctx.caller.accountId, input.ServiceName));
    if (!deleted) throw awsError('serviceCatalogNotFound', { name: input.ServiceName });
  },
} satisfies IamdHandlers;
