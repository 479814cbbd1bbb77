// IAM groups and membership: users inherit the permissions of their groups.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateGroup.html
import { awsError } from '../errors/messages.ts';
import { newUniqueId } from '../domain/ids.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { EntityRow } from '../store/repo.ts';
import { arnFor, authorizeOnEntity, notFound, groupOutput, maxItemsOf, pageArray, pageInfo, userListOutput, type UserData } from './common.ts';

/** AWS quota: a user can be in at most 10 groups. */
export const GROUPS_PER_USER = 10;

export const groupHandlers = {
  async CreateGroup(ctx, input) {
    const path = input.Path ?? '/';
    const name = input.GroupName;
    await ctx.authorize('iam:CreateGroup', arnFor(ctx, 'group', name, path));
    return ctx.services.store.write(async (repo) => {
      if (await repo.getEntityByName(ctx.caller.accountId, 'group', name)) throw awsError('groupExists', { name });
      const group: EntityRow = { id: newUniqueId('AGPA'), accountId: ctx.caller.accountId, kind: 'group', name, path, createdAt: ctx.request.now, data: {} };
      await repo.insertEntity(group);
      return { Group: groupOutput(ctx, group) };
    });
  },

  async GetGroup(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const group = await authorizeOnEntity(repo, ctx, 'iam:GetGroup', 'group', input.GroupName);
      const users = await repo.getEntitiesByIds<UserData>(await repo.userIdsOfGroup(group.id));
      const page = pageArray(users, (u) => u.name.toLowerCase(), input.Marker, maxItemsOf(input));
      const items = page.items.map((u) => userListOutput(ctx, u));
      return { Group: groupOutput(ctx, group), Users: items, ...pageInfo(page) };
    });
  },

  async UpdateGroup(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const group = await authorizeOnEntity(repo, ctx, 'iam:UpdateGroup', 'group', input.GroupName);
      const newName = input.NewGroupName;
      const newPath = input.NewPath;
      if (newName !== undefined && newName.toLowerCase() !== group.name.toLowerCase()) {
        await ctx.authorize('iam:UpdateGroup', arnFor(ctx, 'group', newName, newPath ?? group.path));
        if (await repo.getEntityByName(ctx.caller.accountId, 'group', newName)) throw awsError('groupExists', { name: newName });
      }
      await repo.updateEntity(group.id, { name: newName, path: newPath });
      return undefined;
    });
  },

  async DeleteGroup(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const group = await authorizeOnEntity(repo, ctx, 'iam:DeleteGroup', 'group', input.GroupName);
      if ((await repo.userIdsOfGroup(group.id)).length > 0) throw awsError('mustRemoveUsersFromGroup');
      if ((await repo.listInlinePolicies(group.id)).length > 0) throw awsError('mustDeletePolicies');
      if ((await repo.attachedPolicyArns(group.id)).length > 0) throw awsError('mustDetachPolicies');
      await repo.deleteEntity(group.id);
      return undefined;
    });
  },

  async ListGroups(ctx, input) {
    const prefix = input.PathPrefix ?? '/';
    await ctx.authorize('iam:ListGroups', `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:group${prefix}`);
    return ctx.services.store.read(async (repo) => {
      const page = await repo.listEntities(ctx.caller.accountId, 'group', { pathPrefix: prefix, marker: input.Marker, maxItems: maxItemsOf(input) });
      return { Groups: page.items.map((g) => groupOutput(ctx, g)), ...pageInfo(page) };
    });
  },

  async AddUserToGroup(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const group = await authorizeOnEntity(repo, ctx, 'iam:AddUserToGroup', 'group', input.GroupName);
      const user = await repo.getEntityByName(ctx.caller.accountId, 'user', input.UserName);
      if (!user) throw notFound('user', input.UserName);
      const groups = await repo.groupIdsOfUser(user.id);
      if (!groups.includes(group.id) && groups.length >= GROUPS_PER_USER) throw awsError('quotaExceeded', { quota: 'GroupsPerUser', limit: GROUPS_PER_USER });
      await repo.addMembership(group.id, user.id);
      return undefined;
    });
  },

  async RemoveUserFromGroup(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const group = await authorizeOnEntity(repo, ctx, 'iam:RemoveUserFromGroup', 'group', input.GroupName);
      const user = await repo.getEntityByName(ctx.caller.accountId, 'user', input.UserName);
      if (!user) throw notFound('user', input.UserName);
      await repo.removeMembership(group.id, user.id);
      return undefined;
    });
  },

  async ListGroupsForUser(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const user = await authorizeOnEntity(repo, ctx, 'iam:ListGroupsForUser', 'user', input.UserName);
      const groups = await repo.getEntitiesByIds(await repo.groupIdsOfUser(user.id));
      const page = pageArray(groups, (g) => g.name.toLowerCase(), input.Marker, maxItemsOf(input));
      return { Groups: page.items.map((g) => groupOutput(ctx, g)), ...pageInfo(page) };
    });
  },
} satisfies IamHandlers;
