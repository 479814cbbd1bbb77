// Instance profiles: Create/Get/Delete/List, Add/RemoveRoleToInstanceProfile,
// ListInstanceProfilesForRole and instance-profile tags. An instance profile (entity kind
// 'instance-profile', id AIPA…) holds at most one role, by the role's id.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html
import { awsError } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { InstanceProfile } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { arnFor, arnOf, checkTags, maxItemsOf, notFound, pageInfo, resourceTagContext, requestTagContext } from './common.ts';
import { roleOutput, type RoleData, type RoleRow } from './roles.ts';

/** AWS's quota: one role per instance profile, and it cannot be raised. */
export const ROLES_PER_INSTANCE_PROFILE = 1;

interface ProfileData {
  roleId?: string;
}
type Profile = EntityRow<ProfileData>;

export const profileNotFound = (name: string) => awsError('instanceProfileNotFound', { name });

async function findProfile(repo: Repo, ctx: ActionContext, name: string): Promise<Profile | undefined> {
  return repo.getEntityByName<ProfileData>(ctx.caller.accountId, 'instance-profile', name);
}

/** Looks the profile up, authorizes on its ARN (or the one its name would have), then fails if missing. */
async function authorizeOnProfile(repo: Repo, ctx: ActionContext, action: string, name: string, extra?: Record<string, string | string[]>): Promise<Profile> {
  const profile = await findProfile(repo, ctx, name);
  const tags = profile ? await resourceTagContext(repo, ctx, profile.id) : undefined;
  await ctx.authorize(action, profile ? arnOf(ctx, profile) : arnFor(ctx, 'instance-profile', name), tags || extra ? { ...tags, ...extra } : undefined);
  if (!profile) throw profileNotFound(name);
  return profile;
}

async function profileOutput(repo: Repo, ctx: ActionContext, profile: Profile, withTags: boolean): Promise<InstanceProfile> {
  const role = profile.data.roleId ? await repo.getEntityById<RoleData>(profile.data.roleId) : undefined;
  const tags = withTags ? await repo.getTags(profile.id) : [];
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: arnOf(ctx, profile),
    CreateDate: profile.createdAt,
    Roles: role ? [await roleOutput(repo, ctx, role, false)] : [],
    Tags: tags.length > 0 ? tags : undefined,
  };
}

async function roleByName(repo: Repo, ctx: ActionContext, name: string): Promise<RoleRow> {
  const role = await repo.getEntityByName<RoleData>(ctx.caller.accountId, 'role', name);
  if (!role) throw notFound('role', name);
  return role;
}

export const instanceProfileHandlers = {
  async CreateInstanceProfile(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.InstanceProfileName;
    const tags = checkTags(input.Tags);
    const arn = arnFor(ctx, 'instance-profile', name, path);
    await ctx.authorize('iam:CreateInstanceProfile', arn, requestTagContext(tags));
    if (tags.length > 0) await ctx.authorize('iam:TagInstanceProfile', arn, requestTagContext(tags));
    return ctx.services.store.write(async (repo) => {
      if (await findProfile(repo, ctx, name)) throw awsError('instanceProfileExists', { name });
      const profile: Profile = {
        id: newUniqueId('AIPA'),
        accountId: ctx.caller.accountId,
        kind: 'instance-profile',
        name,
        path,
        createdAt: ctx.request.now,
        data: {},
      };
      await repo.insertEntity(profile);
      await repo.putTags(profile.id, tags);
      return { InstanceProfile: await profileOutput(repo, ctx, profile, true) };
    });
  },

  async GetInstanceProfile(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const profile = await authorizeOnProfile(repo, ctx, 'iam:GetInstanceProfile', input.InstanceProfileName);
      return { InstanceProfile: await profileOutput(repo, ctx, profile, true) };
    });
  },

  async DeleteInstanceProfile(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const profile = await authorizeOnProfile(repo, ctx, 'iam:DeleteInstanceProfile', input.InstanceProfileName);
      if (profile.data.roleId) throw awsError('mustRemoveRolesFromInstanceProfile');
      await repo.deleteEntity(profile.id);
      return undefined;
    });
  },

  async ListInstanceProfiles(ctx, input) {
    const prefix = input.PathPrefix ?? '/';
    await ctx.authorize('iam:ListInstanceProfiles', `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:instance-profile${prefix}`);
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities<ProfileData>(ctx.caller.accountId, 'instance-profile', {
        pathPrefix: prefix,
        marker: input.Marker,
        maxItems: maxItemsOf(input),
      });
      const profiles = await Promise.all(page.items.map((p) => profileOutput(repo, ctx, p, false)));
      return { InstanceProfiles: profiles, ...pageInfo(page) };
    });
  },

  async AddRoleToInstanceProfile(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const profile = await authorizeOnProfile(repo, ctx, 'iam:AddRoleToInstanceProfile', input.InstanceProfileName);
      const role = await repo.getEntityByName<RoleData>(ctx.caller.accountId, 'role', input.RoleName);
      // The caller must be allowed to pass the role (iam:PassRole), as AWS requires.
      await ctx.authorize('iam:PassRole', role ? arnOf(ctx, role) : arnFor(ctx, 'role', input.RoleName));
      if (!role) throw notFound('role', input.RoleName);
      if (profile.data.roleId) {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: one role, not adjustable.
        throw awsError('quotaExceeded', { quota: 'InstanceSessionsPerInstanceProfile', limit: ROLES_PER_INSTANCE_PROFILE });
      }
      await repo.updateEntity(profile.id, { data: { ...profile.data, roleId: role.id } });
      return undefined;
    });
  },

  async RemoveRoleFromInstanceProfile(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const profile = await authorizeOnProfile(repo, ctx, 'iam:RemoveRoleFromInstanceProfile', input.InstanceProfileName);
      const role = await roleByName(repo, ctx, input.RoleName);
      if (profile.data.roleId !== role.id) throw notFound('role', role.name);
      const data = { ...profile.data };
      delete data.roleId;
      await repo.updateEntity(profile.id, { data });
      return undefined;
    });
  },

  async ListInstanceProfilesForRole(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const existing = await repo.getEntityByName<RoleData>(ctx.caller.accountId, 'role', input.RoleName);
      await ctx.authorize('iam:ListInstanceProfilesForRole', existing ? arnOf(ctx, existing) : arnFor(ctx, 'role', input.RoleName));
      const role = await roleByName(repo, ctx, input.RoleName);
      const page = await repo.listEntities<ProfileData>(ctx.caller.accountId, 'instance-profile', {
        marker: input.Marker,
        maxItems: maxItemsOf(input),
        filter: (p) => p.data.roleId === role.id,
      });
      const profiles = await Promise.all(page.items.map((p) => profileOutput(repo, ctx, p, false)));
      return { InstanceProfiles: profiles, ...pageInfo(page) };
    });
  },
} satisfies IamHandlers;
