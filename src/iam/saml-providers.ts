// The IAM SAMLProvider operations: Create/Get/Update/Delete/ListSAMLProviders and their tags. A
// provider holds the IdP's metadata document (its entityID and signing certificates are read once,
// when it is given), an optional AssertionEncryptionMode and up to two private keys for encrypted
// assertions, sealed with the master key and never returned.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { GetSAMLProviderResponse } from '../actions/generated/iam.ts';
import type { Repo } from '../store/repo.ts';
import { parseSamlMetadata, type SamlMetadata } from '../federation/saml-metadata.ts';
import { arnFor, arnOf, checkTags, maxItemsOf, pageArray, pageInfo, requestTagContext, resourceTagContext } from './common.ts';
import {
  isUsablePrivateKey,
  MAX_SAML_PRIVATE_KEYS,
  MAX_SAML_PROVIDERS,
  newSamlId,
  parseSamlProviderArn,
  SAML_PROVIDER_KIND,
  sealPrivateKey,
  type SamlProviderData,
  type SamlProviderRow,
} from './saml-provider-data.ts';

/** AWS shows a provider whose metadata has no validUntil as valid for 100 years from its creation. */
function defaultValidUntil(created: Date): Date {
  const until = new Date(created.getTime());
  until.setUTCFullYear(until.getUTCFullYear() + 100);
  return until;
}

function metadataData(
  document: string,
  metadata: SamlMetadata,
  created: Date,
): Pick<SamlProviderData, 'metadata' | 'entityId' | 'certificates' | 'validUntil'> {
  return {
    metadata: document,
    entityId: metadata.entityId,
    certificates: metadata.signingCertificates,
    validUntil: (metadata.validUntil ?? defaultValidUntil(created)).toISOString(),
  };
}

/**
 * The provider a request's SAMLProviderArn names: authorizes `action` on its ARN (or on the ARN as
 * given, when there is no such provider, so an unauthorized caller learns nothing), then fails
 * with NoSuchEntity when it is missing.
 */
async function authorizedProvider(
  repo: Repo,
  ctx: ActionContext,
  action: string,
  arn: string,
  requestContext: Record<string, string | string[]> = {},
): Promise<SamlProviderRow> {
  const parsed = parseSamlProviderArn(arn);
  if (!parsed) throw awsError('arnInvalid', { arn });
  const provider =
    parsed.account === ctx.caller.accountId ? await repo.getEntityByName<SamlProviderData>(parsed.account, SAML_PROVIDER_KIND, parsed.name) : undefined;
  const resourceContext = provider ? await resourceTagContext(repo, ctx, provider.id) : undefined;
  await ctx.authorize(action, provider ? arnOf(ctx, provider) : arn, { ...resourceContext, ...requestContext });
  if (!provider) throw awsError('samlProviderNotFound', { arn });
  return provider;
}

export const samlProviderHandlers = {
  async CreateSAMLProvider(ctx, input) {
    const name = input.Name;
    const tags = checkTags(input.Tags);
    const arn = arnFor(ctx, SAML_PROVIDER_KIND, name);
    await ctx.authorize('iam:CreateSAMLProvider', arn, requestTagContext(tags));
    if (tags.length > 0) await ctx.authorize('iam:TagSAMLProvider', arn, requestTagContext(tags));
    const metadata = parseSamlMetadata(input.SAMLMetadataDocument);
    if (input.AddPrivateKey !== undefined && !isUsablePrivateKey(input.AddPrivateKey)) throw awsError('samlPrivateKeyInvalid');
    if (input.AssertionEncryptionMode === 'Required' && input.AddPrivateKey === undefined) throw awsError('samlEncryptionNeedsKey');
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, SAML_PROVIDER_KIND, name)) throw awsError('samlProviderExists', { name });
      if ((await repo.countEntities(ctx.caller.accountId, SAML_PROVIDER_KIND)) >= MAX_SAML_PROVIDERS) {
        throw awsError('quotaExceeded', { quota: 'SAMLProvidersPerAccount', limit: MAX_SAML_PROVIDERS });
      }
      const id = newSamlId();
      const created = ctx.request.now;
      const data: SamlProviderData = { ...metadataData(input.SAMLMetadataDocument, metadata, created) };
      if (input.AssertionEncryptionMode !== undefined) data.assertionEncryptionMode = input.AssertionEncryptionMode;
      if (input.AddPrivateKey !== undefined) data.privateKeys = [sealPrivateKey(ctx.services.secrets, id, input.AddPrivateKey, created)];
      const provider: SamlProviderRow = { id, accountId: ctx.caller.accountId, kind: SAML_PROVIDER_KIND, name, path: '/', createdAt: created, data };
      await repo.insertEntity(provider);
      await repo.putTags(id, tags);
      return { SAMLProviderArn: arnOf(ctx, provider), Tags: tags.length > 0 ? tags : undefined };
    });
  },

  async GetSAMLProvider(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iam:GetSAMLProvider', input.SAMLProviderArn);
      const tags = await repo.getTags(provider.id);
      const keys = provider.data.privateKeys ?? [];
      const out: GetSAMLProviderResponse = {
        SAMLProviderUUID: provider.id,
        SAMLMetadataDocument: provider.data.metadata,
        CreateDate: provider.createdAt,
        ValidUntil: new Date(provider.data.validUntil),
        Tags: tags.length > 0 ? tags : undefined,
        AssertionEncryptionMode: provider.data.assertionEncryptionMode,
        // The key ids and when they were added; never the keys.
        PrivateKeyList: keys.length > 0 ? keys.map((k) => ({ KeyId: k.keyId, Timestamp: new Date(k.timestamp) })) : undefined,
      };
      return out;
    });
  },

  async ListSAMLProviders(ctx) {
    await ctx.authorize('iam:ListSAMLProviders', '*');
    return ctx.services.store.read(async (repo) => {
      const list = [];
      let marker: string | undefined;
      do {
        const page = await repo.listEntities<SamlProviderData>(ctx.caller.accountId, SAML_PROVIDER_KIND, { marker, maxItems: MAX_SAML_PROVIDERS });
        for (const p of page.items) list.push({ Arn: arnOf(ctx, p), ValidUntil: new Date(p.data.validUntil), CreateDate: p.createdAt });
        marker = page.marker;
      } while (marker !== undefined);
      return { SAMLProviderList: list };
    });
  },

  async UpdateSAMLProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iam:UpdateSAMLProvider', input.SAMLProviderArn);
      const { SAMLMetadataDocument: document, AssertionEncryptionMode: mode, AddPrivateKey: add, RemovePrivateKey: remove } = input;
      if (document === undefined && mode === undefined && add === undefined && remove === undefined) throw awsError('samlNoUpdates');
      if (add !== undefined && remove !== undefined) throw awsError('samlAddAndRemoveKey');
      const data: SamlProviderData = { ...provider.data };
      if (document !== undefined) Object.assign(data, metadataData(document, parseSamlMetadata(document), provider.createdAt));
      const keys = [...(data.privateKeys ?? [])];
      if (add !== undefined) {
        if (!isUsablePrivateKey(add)) throw awsError('samlPrivateKeyInvalid');
        if (keys.length >= MAX_SAML_PRIVATE_KEYS) throw awsError('samlPrivateKeyLimit', { limit: MAX_SAML_PRIVATE_KEYS });
        keys.push(sealPrivateKey(ctx.services.secrets, provider.id, add, ctx.request.now));
      }
      if (remove !== undefined) {
        const at = keys.findIndex((k) => k.keyId === remove);
        if (at < 0) throw awsError('samlPrivateKeyNotFound');
        keys.splice(at, 1);
      }
      if (mode !== undefined) data.assertionEncryptionMode = mode;
      if (data.assertionEncryptionMode === 'Required' && keys.length === 0) {
        throw remove !== undefined ? awsError('samlPrivateKeyStillRequired') : awsError('samlEncryptionNeedsKey');
      }
      if (keys.length > 0) data.privateKeys = keys;
      else delete data.privateKeys;
      await repo.updateEntity(provider.id, { data });
      return { SAMLProviderArn: arnOf(ctx, provider) };
    });
  },

  async DeleteSAMLProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      // Roles whose trust policies name the provider keep them; assuming them through it fails from now on.
      const provider = await authorizedProvider(repo, ctx, 'iam:DeleteSAMLProvider', input.SAMLProviderArn);
      await repo.deleteEntity(provider.id);
      return undefined;
    });
  },

  async TagSAMLProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iam:TagSAMLProvider', input.SAMLProviderArn, requestTagContext(input.Tags));
      await repo.putTags(provider.id, checkTags(input.Tags, await repo.getTags(provider.id)));
      return undefined;
    });
  },

  async UntagSAMLProvider(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iam:UntagSAMLProvider', input.SAMLProviderArn, { 'aws:TagKeys': input.TagKeys });
      await repo.removeTags(provider.id, input.TagKeys);
      return undefined;
    });
  },

  async ListSAMLProviderTags(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const provider = await authorizedProvider(repo, ctx, 'iam:ListSAMLProviderTags', input.SAMLProviderArn);
      const tags = (await repo.getTags(provider.id)).map((t, i) => ({ t, key: String(i).padStart(4, '0') }));
      const page = pageArray(tags, (x) => x.key, input.Marker, maxItemsOf(input));
      return { Tags: page.items.map((x) => x.t), ...pageInfo(page) };
    });
  },
} satisfies IamHandlers;
