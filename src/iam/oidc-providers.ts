// The IAM OpenIDConnectProvider operations, and iamd's extension that gives a provider its JWKS
// directly (PutOpenIDConnectProviderKeys / DeleteOpenIDConnectProviderKeys, iamd's own model).
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html
//
// A provider is an entity of kind 'oidc-provider' named by its URL without `https://`, so its ARN
// is arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH (src/iam/oidc-provider-data.ts). Updates
// keep every `data` member they do not change: other features (console sign-in) keep theirs there.
//
// Thumbprints are kept and shown, but iamd does not pin TLS with them: when it fetches a provider's
// keys it verifies the issuer's certificate against Node's trusted CAs (plus NODE_EXTRA_CA_CERTS),
// as AWS does for issuers whose certificates chain to a trusted root. So a provider created without
// a ThumbprintList keeps an empty list, where AWS would fetch the top intermediate CA's thumbprint.
import { randomUUID } from 'node:crypto';
import type { ActionContext } from '../actions/context.ts';
import type { IamdHandlers, IamHandlers } from '../actions/registry.ts';
import type { AwsError } from '../errors/aws-error.ts';
import { awsError } from '../errors/messages.ts';
import type { EntityRow, Repo, Tag } from '../store/repo.ts';
import { arnFor, arnOf, checkTags, requestTagContext, resourceTagContext } from './common.ts';
import { OIDC_PROVIDER_KIND, oidcProviderName, type OidcProviderData } from './oidc-provider-data.ts';
import { checkProviderJwks } from './oidc-provider-jwks.ts';
import { taggingHandlers } from './tagging.ts';

/** AWS's quotas: OpenIdConnectProvidersPerAccount, ClientIdsPerOpenIdConnectProvider, and thumbprints per provider. */
export const MAX_OIDC_PROVIDERS = 100;
export const MAX_CLIENT_IDS = 100;
export const MAX_THUMBPRINTS = 5;

type ProviderRow = EntityRow<OidcProviderData>;

// https://HOST[/PATH]: host name labels (no port, no user info), then a path of visible ASCII
// without `?` (a query, which OIDC issuers may not have) or `#`.
const PROVIDER_URL = /^https:\/\/[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?:\/[\x21\x22\x24-\x3e\x40-\x7e]*)?$/;
const PROVIDER_ARN = /^arn:[^:]+:iam::(\d{12}):oidc-provider\/(.+)$/;
const THUMBPRINT = /^[0-9A-Fa-f]{40}$/;

const notFound = (arn: string): AwsError => awsError('oidcProviderNotFound', { arn });

/** The provider name (URL without `https://`) of a URL AWS accepts, or ValidationError. */
function checkUrl(url: string): string {
  const name = oidcProviderName(url);
  if (name === undefined || !PROVIDER_URL.test(url)) throw awsError('oidcProviderUrlInvalid');
  return name;
}

/** Thumbprints as stored: lower case (data's contract), each once; at most 5, each 40 hex digits. */
function checkThumbprints(list: string[] | undefined): string[] {
  const given = list ?? [];
  if (given.length > MAX_THUMBPRINTS) throw awsError('oidcThumbprintsTooMany');
  for (const t of given) if (!THUMBPRINT.test(t)) throw awsError('oidcThumbprintInvalid', { thumbprint: t });
  return [...new Set(given.map((t) => t.toLowerCase()))];
}

/** Client IDs each once, in the order given; at most 100. */
function checkClientIds(list: string[] | undefined): string[] {
  const ids = [...new Set(list ?? [])];
  if (ids.length > MAX_CLIENT_IDS) throw awsError('quotaExceeded', { quota: 'ClientIdsPerOpenIdConnectProvider', limit: MAX_CLIENT_IDS });
  return ids;
}

/** The name a provider ARN gives in the caller's account; undefined for another account's ARN or no provider ARN. */
function ownProviderName(ctx: ActionContext, arn: string): string | undefined {
  const m = PROVIDER_ARN.exec(arn);
  return m && m[1] === ctx.caller.accountId ? m[2] : undefined;
}

/**
 * Looks the provider up, authorizes `action` on its ARN (with its tags), or on the ARN as given
 * when there is none (so a caller without the permission learns nothing), then requires it.
 */
async function authorizeOnProvider(
  repo: Repo,
  ctx: ActionContext,
  action: string,
  arn: string,
  missing: (arn: string) => AwsError = notFound,
): Promise<ProviderRow> {
  const name = ownProviderName(ctx, arn);
  const row = name === undefined ? undefined : await repo.getEntityByName<OidcProviderData>(ctx.caller.accountId, OIDC_PROVIDER_KIND, name);
  await ctx.authorize(action, row ? arnOf(ctx, row) : arn, row ? await resourceTagContext(repo, ctx, row.id) : undefined);
  if (!row) throw missing(arn);
  return row;
}

/**
 * Tag, Untag and List…Tags are the shared name-addressed ones (src/iam/tagging.ts) once the ARN is
 * a name in the caller's account; another account's ARN (or no provider ARN) is authorized as
 * given, then not found.
 */
async function providerTagging(ctx: ActionContext, action: string, arn: string, requestContext: Record<string, string | string[]> = {}) {
  const name = ownProviderName(ctx, arn);
  if (name === undefined) {
    await ctx.authorize(action, arn, requestContext);
    throw notFound(arn);
  }
  return { name, handlers: taggingHandlers(OIDC_PROVIDER_KIND, 'OpenIDConnectProvider', 'Name', () => notFound(arn)) };
}

function sortedTags(tags: Tag[]): Tag[] {
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

export const oidcProviderHandlers = {
  async CreateOpenIDConnectProvider(ctx, input) {
    const name = checkUrl(input.Url);
    const tags = checkTags(input.Tags);
    const context = requestTagContext(tags);
    const arn = arnFor(ctx, OIDC_PROVIDER_KIND, name);
    await ctx.authorize('iam:CreateOpenIDConnectProvider', arn, context);
    if (tags.length > 0) await ctx.authorize('iam:TagOpenIDConnectProvider', arn, context);
    const thumbprints = checkThumbprints(input.ThumbprintList);
    const clientIds = checkClientIds(input.ClientIDList);
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, OIDC_PROVIDER_KIND, name)) throw awsError('oidcProviderExists', { url: input.Url });
      if ((await repo.countEntities(ctx.caller.accountId, OIDC_PROVIDER_KIND)) >= MAX_OIDC_PROVIDERS) {
        throw awsError('quotaExceeded', { quota: 'OpenIdConnectProvidersPerAccount', limit: MAX_OIDC_PROVIDERS });
      }
      const now = ctx.request.now;
      const data: OidcProviderData = { url: input.Url, clientIds, thumbprints, createDate: now.toISOString() };
      // AWS shows no id for a provider: the row's id is iamd's own.
      const row: ProviderRow = {
        id: `oidc-provider-${randomUUID()}`,
        accountId: ctx.caller.accountId,
        kind: OIDC_PROVIDER_KIND,
        name,
        path: '/',
        createdAt: now,
        data,
      };
      await repo.insertEntity(row);
      await repo.putTags(row.id, tags);
      return { OpenIDConnectProviderArn: arnOf(ctx, row), Tags: tags.length > 0 ? tags : undefined };
    });
  },

  async GetOpenIDConnectProvider(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const row = await authorizeOnProvider(repo, ctx, 'iam:GetOpenIDConnectProvider', input.OpenIDConnectProviderArn);
      const tags = await repo.getTags(row.id);
      // AWS shows the URL without its scheme, and the tags sorted by key.
      return {
        Url: row.name,
        ClientIDList: row.data.clientIds,
        ThumbprintList: row.data.thumbprints,
        CreateDate: row.createdAt,
        Tags: sortedTags(tags),
      };
    });
  },

  async ListOpenIDConnectProviders(ctx) {
    await ctx.authorize('iam:ListOpenIDConnectProviders', '*');
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities<OidcProviderData>(ctx.caller.accountId, OIDC_PROVIDER_KIND, { maxItems: MAX_OIDC_PROVIDERS * 10 });
      return { OpenIDConnectProviderList: page.items.map((row) => ({ Arn: arnOf(ctx, row) })) };
    });
  },

  async DeleteOpenIDConnectProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      // AWS answers NoSuchEntity here too (observed), although its reference calls the operation idempotent.
      const row = await authorizeOnProvider(repo, ctx, 'iam:DeleteOpenIDConnectProvider', input.OpenIDConnectProviderArn, (arn) =>
        awsError('oidcProviderNotFoundOnDelete', { arn }),
      );
      await repo.deleteEntity(row.id);
      return undefined;
    });
  },

  async AddClientIDToOpenIDConnectProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const row = await authorizeOnProvider(repo, ctx, 'iam:AddClientIDToOpenIDConnectProvider', input.OpenIDConnectProviderArn);
      // Idempotent: a client ID already there changes nothing.
      if (row.data.clientIds.includes(input.ClientID)) return undefined;
      const clientIds = checkClientIds([...row.data.clientIds, input.ClientID]);
      await repo.updateEntity(row.id, { data: { ...row.data, clientIds } });
      return undefined;
    });
  },

  async RemoveClientIDFromOpenIDConnectProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const row = await authorizeOnProvider(repo, ctx, 'iam:RemoveClientIDFromOpenIDConnectProvider', input.OpenIDConnectProviderArn);
      // Idempotent: removing a client ID that is not there changes nothing.
      if (!row.data.clientIds.includes(input.ClientID)) return undefined;
      await repo.updateEntity(row.id, { data: { ...row.data, clientIds: row.data.clientIds.filter((id) => id !== input.ClientID) } });
      return undefined;
    });
  },

  async UpdateOpenIDConnectProviderThumbprint(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const row = await authorizeOnProvider(repo, ctx, 'iam:UpdateOpenIDConnectProviderThumbprint', input.OpenIDConnectProviderArn);
      const thumbprints = checkThumbprints(input.ThumbprintList);
      await repo.updateEntity(row.id, { data: { ...row.data, thumbprints } });
      return undefined;
    });
  },

  async TagOpenIDConnectProvider(ctx, input) {
    const arn = input.OpenIDConnectProviderArn;
    const { name, handlers } = await providerTagging(ctx, 'iam:TagOpenIDConnectProvider', arn, requestTagContext(input.Tags));
    return handlers.tag(ctx, { Name: name, Tags: input.Tags });
  },

  async UntagOpenIDConnectProvider(ctx, input) {
    const arn = input.OpenIDConnectProviderArn;
    const { name, handlers } = await providerTagging(ctx, 'iam:UntagOpenIDConnectProvider', arn, { 'aws:TagKeys': input.TagKeys });
    return handlers.untag(ctx, { Name: name, TagKeys: input.TagKeys });
  },

  async ListOpenIDConnectProviderTags(ctx, input) {
    const arn = input.OpenIDConnectProviderArn;
    const { name, handlers } = await providerTagging(ctx, 'iam:ListOpenIDConnectProviderTags', arn);
    return handlers.list(ctx, { Name: name, Marker: input.Marker, MaxItems: input.MaxItems });
  },
} satisfies IamHandlers;

/** iamd extension: keys an administrator gives a provider that iamd cannot fetch them from. */
export const oidcProviderKeyHandlers = {
  async PutOpenIDConnectProviderKeys(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const row = await authorizeOnProvider(repo, ctx, 'iamd:PutOpenIDConnectProviderKeys', input.OpenIDConnectProviderArn);
      const jwks = await checkProviderJwks(input.Jwks);
      await repo.updateEntity(row.id, { data: { ...row.data, jwks: jwks.text } });
      return { OpenIDConnectProviderArn: arnOf(ctx, row), KeyCount: jwks.keyCount, KeyIds: jwks.keyIds };
    });
  },

  async DeleteOpenIDConnectProviderKeys(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const row = await authorizeOnProvider(repo, ctx, 'iamd:DeleteOpenIDConnectProviderKeys', input.OpenIDConnectProviderArn);
      if (row.data.jwks === undefined) return undefined;
      const { jwks: _forgotten, ...data } = row.data;
      await repo.updateEntity(row.id, { data });
      return undefined;
    });
  },
} satisfies IamdHandlers;
