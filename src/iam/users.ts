// IAM users: CreateUser, GetUser, UpdateUser, DeleteUser, ListUsers and user tags.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateUser.html
import { awsError } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { arnFor, authorizeOnEntity, requestTagContext, checkTags, maxItemsOf, pageInfo, userOutput, userListOutput, type UserData } from './common.ts';
import { checkBoundaryArn } from './boundary.ts';
import { canonicalPolicyArn } from './policy-lookup.ts';
import { ownerPath, SIGNING_CERTIFICATE_KIND, SSH_PUBLIC_KEY_KIND } from './credential-owners.ts';

/** The user a request names, or the calling user when it names none. */
export function targetUserName(ctx: ActionContext, input: { UserName?: string }): string | undefined {
  if (input.UserName !== undefined) return input.UserName;
  return ctx.caller.type === 'User' ? ctx.caller.userName : undefined;
}

/** Resolves the user an action applies to (explicit or the caller), authorized on its ARN. */
export async function resolveUser(repo: Repo, ctx: ActionContext, action: string, input: { UserName?: string }): Promise<EntityRow<UserData>> {
  const name = targetUserName(ctx, input);
  if (name === undefined) {
    await ctx.authorize(action, ctx.caller.arn);
    throw awsError('userNameRequired');
  }
  return authorizeOnEntity<UserData>(repo, ctx, action, 'user', name);
}

export const userHandlers = {
  async CreateUser(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.UserName;
    const tags = checkTags(input.Tags);
    const context = requestTagContext(tags);
    const boundary = input.PermissionsBoundary;
    if (boundary) context['iam:PermissionsBoundary'] = await ctx.services.store.read((repo) => canonicalPolicyArn(repo, ctx, boundary));
    await ctx.authorize('iam:CreateUser', arnFor(ctx, 'user', name, path), context);
    if (tags.length > 0) await ctx.authorize('iam:TagUser', arnFor(ctx, 'user', name, path), context);
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, 'user', name)) throw awsError('userExists', { name });
      const data: UserData = {};
      if (boundary) data.permissionsBoundary = await checkBoundaryArn(repo, ctx, boundary);
      const user: EntityRow<UserData> = {
        id: newUniqueId('AIDA'),
        accountId: ctx.caller.accountId,
        kind: 'user',
        name,
        path,
        createdAt: ctx.request.now,
        data,
      };
      await repo.insertEntity(user);
      await repo.putTags(user.id, tags);
      return { User: await userOutput(repo, ctx, user, true) };
    });
  },

  async GetUser(ctx, input) {
    if (input.UserName === undefined && ctx.caller.type === 'Root') {
      await ctx.authorize('iam:GetUser', ctx.caller.arn);
      const account = await ctx.services.store.read((repo) => repo.getAccount(ctx.caller.accountId));
      return { User: { UserId: ctx.caller.accountId, Arn: ctx.caller.arn, CreateDate: new Date(account!.created_at) } };
    }
    return ctx.services.store.read(async (repo) => {
      const user = await resolveUser(repo, ctx, 'iam:GetUser', input);
      return { User: await userOutput(repo, ctx, user, true) };
    });
  },

  async UpdateUser(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const user = await authorizeOnEntity<UserData>(repo, ctx, 'iam:UpdateUser', 'user', input.UserName);
      const newName = input.NewUserName;
      const newPath = input.NewPath;
      if (newName !== undefined && newName.toLowerCase() !== user.name.toLowerCase()) {
        await ctx.authorize('iam:UpdateUser', arnFor(ctx, 'user', newName, newPath ?? user.path));
        if (await repo.getEntityByName(ctx.caller.accountId, 'user', newName)) throw awsError('userExists', { name: newName });
      }
      await repo.updateEntity(user.id, { name: newName, path: newPath });
      return undefined;
    });
  },

  async DeleteUser(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const user = await authorizeOnEntity<UserData>(repo, ctx, 'iam:DeleteUser', 'user', input.UserName);
      // AWS's order of checks: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html
      const dependents = await repo.userDependents(ctx.caller.accountId, user.id);
      if (dependents.loginProfile) throw awsError('mustDeleteLoginProfile');
      if (dependents.accessKeys) throw awsError('mustDeleteAccessKeys');
      // Signing certificates and SSH keys are entities filed under their owner's id (src/iam/signing-certificates.ts).
      const owns = async (kind: string) =>
        (await repo.listEntities(ctx.caller.accountId, kind, { pathPrefix: ownerPath({ key: user.id }), maxItems: 1 })).items.length > 0;
      if (await owns(SIGNING_CERTIFICATE_KIND)) throw awsError('mustDeleteSigningCertificates');
      if (await owns(SSH_PUBLIC_KEY_KIND)) throw awsError('mustDeleteSshPublicKeys');
      if ((await repo.listUserServiceSpecificCredentials(user.id)).length > 0) throw awsError('mustDeleteServiceSpecificCredentials');
      if (user.data?.mfaSerials?.length) throw awsError('mustDeleteMfaDevice');
      if (dependents.inlinePolicies) throw awsError('mustDeletePolicies');
      if (dependents.attachedPolicies) throw awsError('mustDetachPolicies');
      if (dependents.groups) throw awsError('mustRemoveUsersFromGroup');
      await repo.deleteEntity(user.id);
      await repo.deletePasswordHistory(user.id);
      return undefined;
    });
  },

  async ListUsers(ctx, input) {
    const prefix = input.PathPrefix ?? '/';
    await ctx.authorize('iam:ListUsers', `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:user${prefix}`);
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities<UserData>(ctx.caller.accountId, 'user', { pathPrefix: prefix, marker: input.Marker, maxItems: maxItemsOf(input) });
      const users = page.items.map((u) => userListOutput(ctx, u));
      return { Users: users, ...pageInfo(page) };
    });
  },
} satisfies IamHandlers;
