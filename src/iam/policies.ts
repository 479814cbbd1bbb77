// Managed policies: customer-managed policies with up to five versions, AWS managed policies from the
// catalogue, and their tags.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html
import type { AwsError } from '../errors/aws-error.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import { awsManagedPolicies } from '../catalog/aws-managed-policies.ts';
import { firstErrorMessage, parsePolicy, policySizeWithoutWhitespace, POLICY_SIZE_LIMITS } from '../policy/index.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { Policy, PolicyVersion } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { arnFor, checkTags, maxItemsOf, pageArray, pageInfo, resourceTagContext, requestTagContext } from './common.ts';
import { parsePolicyArn } from '../domain/arn.ts';
import { arnParses } from '../domain/arn-syntax.ts';
import { awsPolicyView, customerPolicyView, findManagedPolicy, type CustomerPolicyData, type ManagedPolicyView } from './policy-lookup.ts';

/** AWS quota: versions kept per customer-managed policy. */
export const VERSIONS_PER_POLICY = 5;

/** Validates an identity-based policy document: MalformedPolicyDocument with AWS's wording. */
export function checkIdentityDocument(text: string, partition: string, managed = false): void {
  const parsed = parsePolicy(text, 'identity', { partition, managed });
  if (parsed.document) return;
  // Text that is no JSON: AWS's answer for identity policies (trust policies have their own, src/iam/roles.ts).
  if (parsed.findings.some((f) => f.severity === 'error' && f.code === 'InvalidJson')) throw awsError('policySyntaxErrors');
  throw awsError('malformedPolicyDocument', { detail: firstErrorMessage(parsed.findings) ?? messageText('policyLegacyParsing') });
}

/**
 * Policy documents in responses are URL-encoded (RFC 3986), as AWS sends them; boto3 and the CLI decode
 * them, the JavaScript SDK hands them over as sent (decodeURIComponent restores the text).
 */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}

/** Every entity of a kind in the account (users, groups, roles, policies), ordered by name. */
export async function allEntities<D>(repo: Repo, accountId: string, kind: string): Promise<EntityRow<D>[]> {
  return (await repo.listEntities<D>(accountId, kind, { maxItems: 1_000_000 })).items;
}

/** How many users and roles use each managed policy as their permissions boundary. */
export async function boundaryUsage(repo: Repo, accountId: string): Promise<Map<string, number>> {
  return repo.boundaryUseCounts(accountId);
}

/** The same policy ARN whatever the partition it was written with (attachments keep the caller's). */
function usageOf(usage: Map<string, number>, arn: string): number {
  return usage.get(arn) ?? 0;
}

/**
 * Which members each response's Policy carries, as AWS answers them: `get` (GetPolicy) has the
 * Description and Tags, an empty list when there are none; `create` (CreatePolicy) has no
 * Description and Tags only when there are some; `list` (GetAccountAuthorizationDetails; ListPolicies
 * drops the Description too) has no Tags. `true` is `get`, `false` is `list`.
 */
export type PolicyView = 'get' | 'create' | 'list';

export async function policyOutput(repo: Repo, view: ManagedPolicyView, usage: Map<string, number>, shown: PolicyView | boolean): Promise<Policy> {
  const v: PolicyView = shown === true ? 'get' : shown === false ? 'list' : shown;
  const tags = v !== 'list' && view.entity ? await repo.getTags(view.entity.id) : [];
  return {
    PolicyName: view.name,
    PolicyId: view.id,
    Arn: view.arn,
    Path: view.path,
    DefaultVersionId: view.defaultVersionId,
    AttachmentCount: await repo.countAttachments(view.arn),
    PermissionsBoundaryUsageCount: usageOf(usage, view.arn),
    IsAttachable: true,
    Description: v === 'create' ? undefined : view.description,
    CreateDate: view.createDate,
    UpdateDate: view.updateDate,
    Tags: v === 'get' || (v === 'create' && tags.length > 0) ? tags : undefined,
  };
}

/** A policy ARN from the request: ValidationError when it is no ARN at all, InvalidInput when it names no policy. */
export function checkPolicyArn(arn: string): void {
  if (!arnParses(arn)) throw awsError('arnUnparseable');
  if (!parsePolicyArn(arn)) throw awsError('arnInvalid', { arn });
}

export const policyNotFound = (arn: string) => awsError('policyNotFound', { arn });

/**
 * Authorizes `action` on the policy the request names (on its ARN, with its tags when it exists), then
 * fails with NoSuchEntity when there is no such policy.
 */
export async function authorizeOnPolicy(
  repo: Repo,
  ctx: ActionContext,
  action: string,
  arn: string,
  extra?: Record<string, string | string[]>,
  missing: () => AwsError = () => policyNotFound(arn),
): Promise<ManagedPolicyView> {
  checkPolicyArn(arn);
  const view = await findManagedPolicy(repo, ctx, arn);
  const tagContext = view?.entity ? await resourceTagContext(repo, ctx, view.entity.id) : undefined;
  await ctx.authorize(action, view?.arn ?? arn, tagContext || extra ? { ...tagContext, ...extra } : undefined);
  if (!view) throw missing();
  return view;
}

/** Customer-managed policies only: AWS managed policies cannot be changed by anyone in the account. */
function customerOnly(view: ManagedPolicyView, arn: string): EntityRow<CustomerPolicyData> {
  if (!view.entity) throw awsError('awsManagedPolicyReadOnly', { arn });
  return view.entity;
}

type Version = { versionId: string; document: string; isDefault: boolean; createdAt: Date };

/** Versions newest first (by number: timestamps of quick successive versions may tie). */
export async function versionsOf(repo: Repo, view: ManagedPolicyView): Promise<Version[]> {
  if (!view.entity) {
    const p = [...awsManagedPolicies().values()].find((x) => x.id === view.id);
    return p ? [{ versionId: p.defaultVersionId, document: p.document, isDefault: true, createdAt: p.updateDate }] : [];
  }
  const versions = await repo.listPolicyVersions(view.entity.id);
  return versions.sort((a, b) => versionNumber(b.versionId) - versionNumber(a.versionId));
}

function versionNumber(id: string): number {
  return Number.parseInt(id.slice(1), 10) || 0;
}

export function versionOutput(v: Version, withDocument: boolean): PolicyVersion {
  return { Document: withDocument ? encodeDocument(v.document) : undefined, VersionId: v.versionId, IsDefaultVersion: v.isDefault, CreateDate: v.createdAt };
}

function checkManagedDocument(text: string, partition: string): void {
  // A managed policy must be Version 2012-10-17 (an inline policy may still omit Version).
  checkIdentityDocument(text, partition, true);
  if (policySizeWithoutWhitespace(text) > POLICY_SIZE_LIMITS.managed) {
    throw awsError('quotaExceeded', { quota: 'PolicySize', limit: POLICY_SIZE_LIMITS.managed });
  }
}

function versionNotFound(arn: string, versionId: string): AwsError {
  return awsError('policyVersionNotFound', { arn, versionId });
}

export const policyHandlers = {
  async CreatePolicy(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.PolicyName;
    const arn = arnFor(ctx, 'policy', name, path);
    const tags = checkTags(input.Tags);
    const context = requestTagContext(tags);
    await ctx.authorize('iam:CreatePolicy', arn, tags.length > 0 ? context : undefined);
    if (tags.length > 0) await ctx.authorize('iam:TagPolicy', arn, context);
    const document = input.PolicyDocument;
    checkManagedDocument(document, ctx.caller.partition);
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, 'policy', name)) throw awsError('policyExists', { name });
      const now = ctx.request.now;
      const data: CustomerPolicyData = { defaultVersionId: 'v1', nextVersion: 2, updatedAt: now.toISOString() };
      if (input.Description !== undefined) data.description = input.Description;
      const entity: EntityRow<CustomerPolicyData> = {
        id: newUniqueId('ANPA'),
        accountId: ctx.caller.accountId,
        kind: 'policy',
        name,
        path,
        createdAt: now,
        data,
      };
      await repo.insertEntity(entity);
      await repo.insertPolicyVersion(entity.id, 'v1', document, true, now);
      await repo.putTags(entity.id, tags);
      const view = (await findManagedPolicy(repo, ctx, arn))!;
      return { Policy: await policyOutput(repo, view, new Map(), 'create') };
    });
  },

  async GetPolicy(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:GetPolicy', input.PolicyArn);
      return { Policy: await policyOutput(repo, view, await boundaryUsage(repo, ctx.caller.accountId), 'get') };
    });
  },

  async DeletePolicy(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:DeletePolicy', input.PolicyArn);
      const entity = customerOnly(view, input.PolicyArn);
      const usage = await boundaryUsage(repo, ctx.caller.accountId);
      if ((await repo.countAttachments(view.arn)) > 0 || usageOf(usage, view.arn) > 0) throw awsError('policyAttached');
      const versions = await repo.listPolicyVersions(entity.id);
      if (versions.length > 1) throw awsError('policyHasVersions');
      for (const v of versions) await repo.deletePolicyVersion(entity.id, v.versionId);
      await repo.deleteEntity(entity.id);
      return undefined;
    });
  },

  async ListPolicies(ctx, input) {
    await ctx.authorize('iam:ListPolicies', '*');
    const scope = input.Scope ?? 'All';
    const prefix = input.PathPrefix ?? '/';
    const usageFilter = input.PolicyUsageFilter;
    return ctx.services.store.read(async (repo) => {
      const usage = await boundaryUsage(repo, ctx.caller.accountId);
      const views: ManagedPolicyView[] = [];
      if (scope !== 'Local') {
        for (const p of awsManagedPolicies().values()) {
          views.push(awsPolicyView(ctx.caller.partition, p));
        }
      }
      if (scope !== 'AWS') {
        for (const e of await allEntities<CustomerPolicyData>(repo, ctx.caller.accountId, 'policy')) {
          views.push(customerPolicyView(ctx.caller.partition, e));
        }
      }
      const attached = input.OnlyAttached || usageFilter ? await repo.attachedPolicyArnsInAccount(ctx.caller.accountId) : new Set<string>();
      const selected = views.filter((v) => {
        if (!v.path.startsWith(prefix)) return false;
        const asPolicy = attached.has(v.arn);
        const asBoundary = usageOf(usage, v.arn) > 0;
        if (input.OnlyAttached && !asPolicy && !asBoundary) return false;
        if (usageFilter === 'PermissionsPolicy' && !asPolicy) return false;
        if (usageFilter === 'PermissionsBoundary' && !asBoundary) return false;
        return true;
      });
      // Ordered by name, then ARN (a customer policy may share an AWS managed policy's name).
      const keyOf = (v: ManagedPolicyView) => `${v.name.toLowerCase()}\u0000${v.arn}`;
      selected.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
      const page = pageArray(selected, keyOf, input.Marker, maxItemsOf(input));
      const items = await Promise.all(page.items.map(async (v) => ({ ...(await policyOutput(repo, v, usage, false)), Description: undefined })));
      return { Policies: items, ...pageInfo(page) };
    });
  },

  async CreatePolicyVersion(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:CreatePolicyVersion', input.PolicyArn);
      const entity = customerOnly(view, input.PolicyArn);
      const document = input.PolicyDocument;
      checkManagedDocument(document, ctx.caller.partition);
      const versions = await repo.listPolicyVersions(entity.id);
      if (versions.length >= VERSIONS_PER_POLICY) {
        throw awsError('policyVersionsExceeded', { limit: VERSIONS_PER_POLICY });
      }
      const now = ctx.request.now;
      const versionId = `v${entity.data.nextVersion}`;
      const setAsDefault = input.SetAsDefault === true;
      await repo.insertPolicyVersion(entity.id, versionId, document, false, now);
      if (setAsDefault) await repo.setDefaultPolicyVersion(entity.id, versionId);
      const data: CustomerPolicyData = { ...entity.data, nextVersion: entity.data.nextVersion + 1, updatedAt: now.toISOString() };
      if (setAsDefault) data.defaultVersionId = versionId;
      await repo.updateEntity(entity.id, { data });
      return { PolicyVersion: versionOutput({ versionId, document, isDefault: setAsDefault, createdAt: now }, false) };
    });
  },

  async GetPolicyVersion(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:GetPolicyVersion', input.PolicyArn, undefined, () =>
        versionNotFound(input.PolicyArn, input.VersionId),
      );
      const version = (await versionsOf(repo, view)).find((v) => v.versionId === input.VersionId);
      if (!version) throw versionNotFound(input.PolicyArn, input.VersionId);
      return { PolicyVersion: versionOutput(version, true) };
    });
  },

  async ListPolicyVersions(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:ListPolicyVersions', input.PolicyArn);
      const versions = await versionsOf(repo, view);
      // Newest first; markers need an ascending key, so key on the reversed position.
      const keyed = versions.map((v, i) => ({ v, key: String(i).padStart(6, '0') }));
      const page = pageArray(keyed, (x) => x.key, input.Marker, maxItemsOf(input));
      return { Versions: page.items.map((x) => versionOutput(x.v, false)), ...pageInfo(page) };
    });
  },

  async DeletePolicyVersion(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:DeletePolicyVersion', input.PolicyArn, undefined, () =>
        versionNotFound(input.PolicyArn, input.VersionId),
      );
      const entity = customerOnly(view, input.PolicyArn);
      const version = (await repo.listPolicyVersions(entity.id)).find((v) => v.versionId === input.VersionId);
      if (!version) throw versionNotFound(input.PolicyArn, input.VersionId);
      if (version.isDefault) throw awsError('defaultPolicyVersion');
      await repo.deletePolicyVersion(entity.id, version.versionId);
      return undefined;
    });
  },

  async SetDefaultPolicyVersion(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:SetDefaultPolicyVersion', input.PolicyArn, undefined, () =>
        versionNotFound(input.PolicyArn, input.VersionId),
      );
      const entity = customerOnly(view, input.PolicyArn);
      const version = (await repo.listPolicyVersions(entity.id)).find((v) => v.versionId === input.VersionId);
      if (!version) throw versionNotFound(input.PolicyArn, input.VersionId);
      await repo.setDefaultPolicyVersion(entity.id, version.versionId);
      await repo.updateEntity(entity.id, { data: { ...entity.data, defaultVersionId: version.versionId } });
      return undefined;
    });
  },

  async TagPolicy(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const tags = input.Tags;
      const view = await authorizeOnPolicy(repo, ctx, 'iam:TagPolicy', input.PolicyArn, requestTagContext(tags));
      const entity = customerOnly(view, input.PolicyArn);
      await repo.putTags(entity.id, checkTags(tags, await repo.getTags(entity.id)));
      return undefined;
    });
  },

  async UntagPolicy(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:UntagPolicy', input.PolicyArn, { 'aws:TagKeys': input.TagKeys });
      const entity = customerOnly(view, input.PolicyArn);
      await repo.removeTags(entity.id, input.TagKeys);
      return undefined;
    });
  },

  async ListPolicyTags(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:ListPolicyTags', input.PolicyArn);
      const tags = view.entity ? await repo.getTags(view.entity.id) : [];
      const keyed = tags.map((t, i) => ({ t, key: String(i).padStart(6, '0') }));
      const page = pageArray(keyed, (x) => x.key, input.Marker, maxItemsOf(input));
      return { Tags: page.items.map((x) => x.t), ...pageInfo(page) };
    });
  },
} satisfies IamHandlers;
