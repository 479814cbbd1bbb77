// Resource-based policies of protected services' resources, kept in iamd: PutResourcePolicy,
// GetResourcePolicy, DeleteResourcePolicy, ListResourcePolicies. A policy is put for one resource
// ARN, or for an ARN prefix ending in `*` that covers every ARN starting with the part before it;
// the authorization API uses the exact ARN's policy, else the longest matching prefix's
// (src/authz/resource-policies.ts), unless the request gives one. Each operation is authorized on
// the ARN it names (`iamd:PutResourcePolicy`…), the list on `arn:…:iamd::ACCOUNT:resource-policy/*`.
import type { ActionContext } from '../actions/context.ts';
import type { IamdHandlers } from '../actions/registry.ts';
import type { ResourcePolicy } from '../actions/generated/iamd.ts';
import { isArnPrefix } from '../authz/resource-policies.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { firstErrorMessage, parsePolicy } from '../policy/index.ts';
import type { ResourcePolicyTable } from '../store/schema.ts';

const DEFAULT_MAX_ITEMS = 100;

/**
 * A resource policy is kept by the account that owns the resource: the ARN's account must be the
 * caller's, or empty (a resource whose ARN names no account belongs to the account that protects it).
 * The model's pattern already made sure the ARN has its five colons.
 */
function checkOwner(ctx: ActionContext, resourceArn: string): void {
  const account = resourceArn.split(':', 5)[4] ?? '';
  if (account !== '' && account !== ctx.caller.accountId) throw awsError('resourcePolicyOtherAccount', { arn: resourceArn, account: ctx.caller.accountId });
}

/** Validates a resource-based policy as AWS does (a Principal in every statement; ARNs of the served partition). */
function checkResourcePolicy(text: string, partition: string): void {
  const parsed = parsePolicy(text, 'resource', { partition });
  if (!parsed.document) throw awsError('malformedPolicyDocument', { detail: firstErrorMessage(parsed.findings) ?? messageText('policyLegacyParsing') });
}

function view(row: ResourcePolicyTable): ResourcePolicy {
  return { ResourceArn: row.resource_arn, PolicyDocument: row.document, CreateDate: row.created_at, UpdateDate: row.updated_at };
}

export const resourcePolicyHandlers = {
  async PutResourcePolicy(ctx, input) {
    checkOwner(ctx, input.ResourceArn);
    await ctx.authorize('iamd:PutResourcePolicy', input.ResourceArn);
    checkResourcePolicy(input.PolicyDocument, ctx.caller.partition);
    const now = ctx.services.clock().toISOString();
    const row = await ctx.services.store.write(async (repo) => {
      await repo.putResourcePolicy({
        account_id: ctx.caller.accountId,
        resource_arn: input.ResourceArn,
        is_prefix: isArnPrefix(input.ResourceArn) ? 1 : 0,
        document: input.PolicyDocument,
        created_at: now,
        updated_at: now,
      });
      return repo.getResourcePolicy(ctx.caller.accountId, input.ResourceArn);
    });
    return { ResourcePolicy: view(row!) };
  },

  async GetResourcePolicy(ctx, input) {
    checkOwner(ctx, input.ResourceArn);
    await ctx.authorize('iamd:GetResourcePolicy', input.ResourceArn);
    const row = await ctx.services.store.read((repo) => repo.getResourcePolicy(ctx.caller.accountId, input.ResourceArn));
    if (!row) throw awsError('resourcePolicyNotFound', { arn: input.ResourceArn });
    return { ResourcePolicy: view(row) };
  },

  async DeleteResourcePolicy(ctx, input) {
    checkOwner(ctx, input.ResourceArn);
    await ctx.authorize('iamd:DeleteResourcePolicy', input.ResourceArn);
    const deleted = await ctx.services.store.write((repo) => repo.deleteResourcePolicy(ctx.caller.accountId, input.ResourceArn));
    if (!deleted) throw awsError('resourcePolicyNotFound', { arn: input.ResourceArn });
    return {};
  },

  async ListResourcePolicies(ctx, input) {
    await ctx.authorize('iamd:ListResourcePolicies', `arn:${ctx.caller.partition}:iamd::${ctx.caller.accountId}:resource-policy/*`);
    const page = await ctx.services.store.read((repo) => repo.listResourcePolicies(ctx.caller.accountId, input.Marker, input.MaxItems ?? DEFAULT_MAX_ITEMS));
    return {
      ResourcePolicies: page.items.map((row) => ({ ResourceArn: row.resource_arn, CreateDate: row.created_at, UpdateDate: row.updated_at })),
      IsTruncated: page.marker !== undefined,
      Marker: page.marker,
    };
  },
} satisfies IamdHandlers;
