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
import type { AttachedPermissionsBoundary, Role } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { firstErrorMessage, parsePolicy, policySizeWithoutWhitespace, POLICY_SIZE_LIMITS } from '../policy/index.ts';
import { serviceLinkedRoleFor, serviceLinkedTrustPolicy } from '../catalog/service-linked-roles.ts';
import { arnParses } from '../domain/arn-syntax.ts';
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
  if (!parsed.document) {
    // A trust policy that is no JSON at all has its own answer (identity policies say "Syntax errors in policy.").
    if (parsed.findings.some((f) => f.severity === 'error' && f.code === 'InvalidJson')) throw awsError('trustPolicyInvalidJson');
    throw awsError('malformedPolicyDocument', { detail: firstErrorMessage(parsed.findings) ?? messageText('policySyntaxErrors') });
  }
  if (policySizeWithoutWhitespace(text) > POLICY_SIZE_LIMITS.trust) {
    throw awsError('quotaExceeded', { quota: 'ACLSizePerRole', limit: POLICY_SIZE_LIMITS.trust });
  }
  return text;
}

/**
 * Which members each response's Role carries, as AWS answers them:
 * - `get` (GetRole): everything, with RoleLastUsed ({} when never used) and Tags only when there are some;
 * - `create` (CreateRole, CreateServiceLinkedRole): no Description, MaxSessionDuration nor RoleLastUsed;
 *   PermissionsBoundary and Tags when set;
 * - `description` (UpdateRoleDescription): `create`'s members and the new Description;
 * - `list` (ListRoles): Description and MaxSessionDuration, never Tags, PermissionsBoundary nor RoleLastUsed;
 * - `embedded` (a role inside an instance profile): the role's identity and trust policy only.
 */
export type RoleView = 'get' | 'create' | 'description' | 'list' | 'embedded';

export function roleBoundary(arn: string): AttachedPermissionsBoundary {
  return attachedBoundary(arn);
}

/** The Role structure of one response (see RoleView). `true` is GetRole's view, `false` an instance profile's. */
export async function roleOutput(repo: Repo, ctx: ActionContext, role: RoleRow, view: RoleView | boolean): Promise<Role> {
  const v: RoleView = view === true ? 'get' : view === false ? 'embedded' : view;
  const out: Role = {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: arnOf(ctx, role),
    CreateDate: role.createdAt,
    AssumeRolePolicyDocument: encodeURIComponent(role.data.trustPolicy),
  };
  if (v === 'embedded') return out;
  if (v === 'get' || v === 'list' || v === 'description') out.Description = role.data.description;
  if (v === 'get' || v === 'list') out.MaxSessionDuration = role.data.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION;
  if (v === 'list') return out;
  if (role.data.permissionsBoundary) out.PermissionsBoundary = roleBoundary(role.data.permissionsBoundary);
  const tags = await repo.getTags(role.id);
  if (tags.length > 0) out.Tags = tags;
  if (v === 'get') out.RoleLastUsed = role.data.lastUsed ? { LastUsedDate: new Date(role.data.lastUsed.date), Region: role.data.lastUsed.region } : {};
  return out;
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

const DELETION_TASK = /^task\/aws-service-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)\/([0-9a-f-]{36})$/;

export const roleHandlers = {
  async CreateRole(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.RoleName;
    const tags = checkTags(input.Tags);
    const context = requestTagContext(tags);
    const boundary = input.PermissionsBoundary;
    if (boundary !== undefined && !arnParses(boundary)) throw awsError('arnUnparseable');
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
      return { Role: await roleOutput(repo, ctx, role, 'create') };
    });
  },

  async GetRole(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:GetRole', 'role', input.RoleName);
      return { Role: await roleOutput(repo, ctx, role, 'get') };
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
      return { Role: await roleOutput(repo, ctx, { ...role, data }, 'description') };
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
      const roles = await Promise.all(page.items.map((r) => roleOutput(repo, ctx, r, 'list')));
      return { Roles: roles, ...pageInfo(page) };
    });
  },

  // https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
  async CreateServiceLinkedRole(ctx, input) {
    const service = input.AWSServiceName;
    const spec = serviceLinkedRoleFor(service);
    if (!spec) throw awsError('servicePrincipalInvalid', { service });
    if (input.CustomSuffix !== undefined && !spec.suffixAllowed) throw awsError('serviceLinkedRoleSuffixNotAllowed', { service });
    const name = input.CustomSuffix ? `${spec.roleName}_${input.CustomSuffix}` : spec.roleName;
    const path = `/aws-service-role/${service}/`;
    const arn = arnFor(ctx, 'role', name, path);
    await ctx.authorize('iam:CreateServiceLinkedRole', arn, { 'iam:AWSServiceName': service });
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, 'role', name)) throw awsError('serviceRoleNameTaken', { name });
      const data: RoleData = { trustPolicy: serviceLinkedTrustPolicy(service), maxSessionDuration: DEFAULT_MAX_SESSION_DURATION, serviceLinked: service };
      if (input.Description !== undefined) data.description = input.Description;
      const role: RoleRow = { id: newUniqueId('AROA'), accountId: ctx.caller.accountId, kind: 'role', name, path, createdAt: ctx.request.now, data };
      await repo.insertEntity(role);
      // The service's own policies, in the caller's partition (the catalogue holds them under `aws`).
      for (const policy of spec.policies) await repo.attach(role.id, `arn:${ctx.caller.partition}${policy.slice('arn:aws'.length)}`, ctx.request.now);
      return { Role: await roleOutput(repo, ctx, role, 'create') };
    });
  },

  async DeleteServiceLinkedRole(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const role = await authorizeOnEntity<RoleData>(repo, ctx, 'iam:DeleteServiceLinkedRole', 'role', input.RoleName);
      if (!role.data.serviceLinked) throw awsError('notServiceLinkedRole', { name: role.name });
      // The service's policies go with its role (only the service attaches policies to it).
      for (const policy of await repo.attachedPolicyArns(role.id)) await repo.detach(role.id, policy);
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
