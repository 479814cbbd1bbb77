// IAM roles: CreateRole, GetRole, UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy,
// DeleteRole, ListRoles, role tags, and service-linked roles.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
//
// A role is an entity of kind 'role' (id AROA…). Its trust policy is kept as written and returned
// URL-encoded, as AWS returns policy documents. Sessions of a deleted role stop working on their
// next request (src/auth/credentials.ts checks that the role still exists).
import { randomUUID } from 'node:crypto';
import type { AwsError } from '../errors/aws-error.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { Role } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { firstErrorMessage, parsePolicy, policySizeWithoutWhitespace, POLICY_SIZE_LIMITS } from '../policy/index.ts';
import { arnFor, arnOf, attachedBoundary, authorizeOnEntity, checkTags, maxItemsOf, notFound, pageInfo, requestTagContext } from './common.ts';
import { checkBoundaryArn } from './boundary.ts';
import { canonicalPolicyArn } from './policy-lookup.ts';

export const DEFAULT_MAX_SESSION_DURATION = 3600;

export interface RoleData {
  /** The trust policy (AssumeRolePolicyDocument) as written. */
  trustPolicy: string;
  description?: string;
  maxSessionDuration?: number;
  permissionsBoundary?: string;
  /** When the role was last assumed, and in which region. */
  lastUsed?: { date: string; region: string };
  /** For service-linked roles: the service (e.g. `elasticbeanstalk.amazonaws.com`). */
  serviceLinked?: string;
}

export type RoleRow = EntityRow<RoleData>;

/** Validates a trust policy the way CreateRole / UpdateAssumeRolePolicy do; returns it unchanged. */
export function checkTrustPolicy(text: string, partition: string): string {
  const parsed = parsePolicy(text, 'trust', { partition });
  if (!parsed.document) throw awsError('malformedPolicyDocument', { detail: firstErrorMessage(parsed.findings) ?? messageText('policySyntaxErrors') });
  if (policySizeWithoutWhitespace(text) > POLICY_SIZE_LIMITS.trust) {
    throw awsError('quotaExceeded', { quota: 'ACLSizePerRole', limit: POLICY_SIZE_LIMITS.trust });
  }
  return text;
}

/** The Role structure. `full` adds what only GetRole/CreateRole show: boundary, tags and last use. */
export async function roleOutput(repo: Repo, ctx: ActionContext, role: RoleRow, full: boolean): Promise<Role> {
  const tags = full ? await repo.getTags(role.id) : [];
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: arnOf(ctx, role),
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodeURIComponent(role.data.trustPolicy),
    Description: role.data.description,
    MaxSessionDuration: role.data.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
    PermissionsBoundary: full && role.data.permissionsBoundary ? attachedBoundary(role.data.permissionsBoundary) : undefined,
    Tags: tags.length > 0 ? tags : undefined,
    RoleLastUsed: full ? (role.data.lastUsed ? { LastUsedDate: new Date(role.data.lastUsed.date), Region: role.data.lastUsed.region } : {}) : undefined,
  };
}

/** Service-linked roles may only be changed by their service. */
function protectedRole(role: RoleRow): AwsError {
  return awsError('protectedRole', { name: role.name });
}

/** Deletes a role after AWS's checks: no instance profile, inline policy or attached policy left. */
async function deleteRoleChecked(repo: Repo, ctx: ActionContext, role: RoleRow): Promise<void> {
  const profiles = await repo.listEntities<{ roleId?: string }>(ctx.caller.accountId, 'instance-profile', {
    maxItems: 1,
    filter: (p) => p.data.roleId === role.id,
  });
  if (profiles.items.length > 0) throw awsError('mustRemoveRolesFromInstanceProfile');
  if ((await repo.listInlinePolicies(role.id)).length > 0) throw awsError('mustDeletePolicies');
  if ((await repo.attachedPolicyArns(role.id)).length > 0) throw awsError('mustDetachPolicies');
  await repo.deleteEntity(role.id);
}

// Service-linked role names of common services; others get AWSServiceRoleFor + the capitalised
// first label of the service principal.
const SERVICE_ROLE_NAMES: Record<string, string> = {
  'autoscaling.amazonaws.com': 'AutoScaling',
  'elasticbeanstalk.amazonaws.com': 'ElasticBeanstalk',
  'elasticloadbalancing.amazonaws.com': 'ElasticLoadBalancing',
  'ecs.amazonaws.com': 'ECS',
  'eks.amazonaws.com': 'AmazonEKS',
  'rds.amazonaws.com': 'RDS',
  'organizations.amazonaws.com': 'Organizations',
  'support.amazonaws.com': 'Support',
  'trustedadvisor.amazonaws.com': 'TrustedAdvisor',
  'config.amazonaws.com': 'Config',
  'guardduty.amazonaws.com': 'AmazonGuardDuty',
  'spot.amazonaws.com': 'EC2Spot',
  'es.amazonaws.com': 'AmazonElasticsearchService',
  'opensearchservice.amazonaws.com': 'AmazonOpenSearchService',
  'lambda.amazonaws.com': 'Lambda',
  'cloudtrail.amazonaws.com': 'CloudTrail',
  'sso.amazonaws.com': 'SSO',
};

export function serviceLinkedRoleName(service: string, suffix?: string): string {
  const label = service.split('.')[0] ?? service;
  const base = `AWSServiceRoleFor${SERVICE_ROLE_NAMES[service] ?? label.charAt(0).toUpperCase() + label.slice(1)}`;
  return suffix ? `${base}_${suffix}` : base;
}

const DELETION_TASK = /^task\/aws-service-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)\/([0-9a-f-]{36})$/;

export const roleHandlers = {
  async CreateRole(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.RoleName;
    const tags = checkTags(input.Tags);
    const context = requestTagContext(tags);
    const boundary = input.PermissionsBoundary;
    if (boundary) context['iam:PermissionsBoundary'] = await ctx.services.store.read((repo) => canonicalPolicyArn(repo, ctx, boundary));
    const arn = arnFor(ctx, 'role', name, path);
    await ctx.authorize('iam:CreateRole', arn, context);
    if (tags.length > 0) await ctx.authorize('iam:TagRole', arn, context);
    const trustPolicy = checkTrustPolicy(input.AssumeRolePolicyDocument, ctx.caller.partition);
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, 'role', name)) throw awsError('roleExists', { name });
      const data: RoleData = { trustPolicy, maxSessionDuration: input.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION };
      if (input.Description !== undefined) data.description = input.Description;
      if (boundary) data.permissionsBoundary = await checkBoundaryArn(repo, ctx, boundary);
      const role: RoleRow = { id: newUniqueId('AROA'), accountId: ctx.caller.accountId, kind: 'role', name, path, createdAt: ctx.request.now, data };
      await repo.insertEntity(role);
      await repo.putTags(role.id, tags);
      const out = await roleOutput(repo, ctx, role, true);
      delete out.RoleLastUsed;
      return { Role: out };
    });
  },

  async GetRole(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:GetRole', 'role', input.RoleName);
      return { Role: await roleOutput(repo, ctx, role, true) };
    });
  },

  async UpdateRole(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:UpdateRole', 'role', input.RoleName);
      if (role.data.serviceLinked) throw protectedRole(role);
      const data = { ...role.data };
      if (input.Description !== undefined) data.description = input.Description;
      if (input.MaxSessionDuration !== undefined) data.maxSessionDuration = input.MaxSessionDuration;
      await repo.updateEntity(role.id, { data });
      return {};
    });
  },

  async UpdateRoleDescription(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:UpdateRoleDescription', 'role', input.RoleName);
      const data = { ...role.data, description: input.Description };
      await repo.updateEntity(role.id, { data });
      return { Role: await roleOutput(repo, ctx, { ...role, data }, true) };
    });
  },

  async UpdateAssumeRolePolicy(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:UpdateAssumeRolePolicy', 'role', input.RoleName);
      if (role.data.serviceLinked) throw protectedRole(role);
      const trustPolicy = checkTrustPolicy(input.PolicyDocument, ctx.caller.partition);
      await repo.updateEntity(role.id, { data: { ...role.data, trustPolicy } });
      return undefined;
    });
  },

  async DeleteRole(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:DeleteRole', 'role', input.RoleName);
      if (role.data.serviceLinked) throw protectedRole(role);
      await deleteRoleChecked(repo, ctx, role);
      return undefined;
    });
  },

  async ListRoles(ctx, input) {
    const prefix = input.PathPrefix ?? '/';
    await ctx.authorize('iam:ListRoles', `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:role${prefix}`);
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities<RoleData>(ctx.caller.accountId, 'role', { pathPrefix: prefix, marker: input.Marker, maxItems: maxItemsOf(input) });
      const roles = await Promise.all(page.items.map((r) => roleOutput(repo, ctx, r, false)));
      return { Roles: roles, ...pageInfo(page) };
    });
  },

  // https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
  async CreateServiceLinkedRole(ctx, input) {
    const service = input.AWSServiceName;
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/.test(service)) throw awsError('servicePrincipalInvalid', { service });
    const name = serviceLinkedRoleName(service, input.CustomSuffix);
    const path = `/aws-service-role/${service}/`;
    const arn = arnFor(ctx, 'role', name, path);
    await ctx.authorize('iam:CreateServiceLinkedRole', arn, { 'iam:AWSServiceName': service });
    const trustPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: [service] }, Action: ['sts:AssumeRole'] }],
    });
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, 'role', name)) throw awsError('serviceRoleNameTaken', { name });
      const data: RoleData = { trustPolicy, maxSessionDuration: DEFAULT_MAX_SESSION_DURATION, serviceLinked: service };
      if (input.Description !== undefined) data.description = input.Description;
      const role: RoleRow = { id: newUniqueId('AROA'), accountId: ctx.caller.accountId, kind: 'role', name, path, createdAt: ctx.request.now, data };
      await repo.insertEntity(role);
      const out = await roleOutput(repo, ctx, role, true);
      delete out.RoleLastUsed;
      return { Role: out };
    });
  },

  async DeleteServiceLinkedRole(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:DeleteServiceLinkedRole', 'role', input.RoleName);
      if (!role.data.serviceLinked) throw awsError('notServiceLinkedRole', { name: role.name });
      await deleteRoleChecked(repo, ctx, role);
      // Deletion completes at once: the task id names the role, and its status is read back from it.
      return { DeletionTaskId: `task/aws-service-role/${role.data.serviceLinked}/${role.name}/${randomUUID()}` };
    });
  },

  async GetServiceLinkedRoleDeletionStatus(ctx, input) {
    const m = DELETION_TASK.exec(input.DeletionTaskId);
    const [, service, roleName] = m ?? [];
    const roleArn = service && roleName ? arnFor(ctx, 'role', roleName, `/aws-service-role/${service}/`) : '*';
    await ctx.authorize('iam:GetServiceLinkedRoleDeletionStatus', roleArn);
    if (!roleName) throw awsError('deletionTaskIdInvalid', { taskId: input.DeletionTaskId });
    const exists = await ctx.services.store.read((repo) => repo.getEntityByName(ctx.caller.accountId, 'role', roleName));
    return { Status: exists ? 'IN_PROGRESS' : 'SUCCEEDED' };
  },
} satisfies IamHandlers;

/** Used by instance profiles and STS: a role by name, or NoSuchEntity. */
export async function findRole(repo: Repo, ctx: ActionContext, name: string): Promise<RoleRow> {
  const role = await repo.getEntityByName<RoleData>(ctx.caller.accountId, 'role', name);
  if (!role) throw notFound('role', name);
  return role;
}
