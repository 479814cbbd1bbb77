// GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with
// their policies, in one (paged) answer.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
import type { IamHandlers } from '../actions/registry.ts';
import type { AttachedPermissionsBoundary, GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { awsManagedPolicy } from '../catalog/aws-managed-policies.ts';
import { arnOf, attachedBoundary, maxItemsOf, pageArray } from './common.ts';
import { findManagedPolicy, type CustomerPolicyData } from './policy-lookup.ts';
import { attachedPolicies } from './attachments.ts';
import { allEntities, boundaryUsage, encodeDocument, policyOutput, versionOutput, versionsOf } from './policies.ts';

type Item =
  | { kind: 'user'; build: () => Promise<UserDetail> }
  | { kind: 'group'; build: () => Promise<GroupDetail> }
  | { kind: 'role'; build: () => Promise<RoleDetail> }
  | { kind: 'policy'; build: () => Promise<ManagedPolicyDetail> };

const FILTERS = ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

async function inlineList(repo: Repo, entityId: string) {
  return (await repo.listInlinePolicies(entityId)).map((p) => ({ PolicyName: p.name, PolicyDocument: encodeDocument(p.document) }));
}

async function attachedList(repo: Repo, entityId: string) {
  return (await attachedPolicies(repo, entityId)).map((p) => ({ PolicyName: p.PolicyName, PolicyArn: p.PolicyArn }));
}

function boundaryOf(e: EntityRow<{ permissionsBoundary?: string }>): AttachedPermissionsBoundary | undefined {
  return e.data.permissionsBoundary ? attachedBoundary(e.data.permissionsBoundary) : undefined;
}

/** A role's trust policy, whichever field the role handlers keep it in. */
function trustPolicyOf(role: EntityRow<Record<string, unknown>>): string | undefined {
  const d = role.data;
  const text = d.assumeRolePolicyDocument ?? d.trustPolicy ?? d.assumeRolePolicy;
  return typeof text === 'string' ? text : undefined;
}

export const authorizationDetailsHandlers = {
  async GetAccountAuthorizationDetails(ctx, input) {
    await ctx.authorize('iam:GetAccountAuthorizationDetails', '*');
    const requested = input.Filter ?? [];
    const filter = new Set<string>(requested.length > 0 ? requested : FILTERS);
    return ctx.services.store.read(async (repo) => {
      const account = ctx.caller.accountId;
      const items: Item[] = [];
      const groupsById = new Map<string, EntityRow>();
      for (const g of await allEntities<Record<string, unknown>>(repo, account, 'group')) groupsById.set(g.id, g);
      if (filter.has('User')) {
        for (const u of await allEntities<{ permissionsBoundary?: string }>(repo, account, 'user')) {
          items.push({
            kind: 'user',
            build: async () => {
              const tags = await repo.getTags(u.id);
              const groups = (await repo.groupIdsOfUser(u.id))
                .map((id) => groupsById.get(id)?.name)
                .filter((n): n is string => n !== undefined)
                .sort();
              return {
                Path: u.path,
                UserName: u.name,
                UserId: u.id,
                Arn: arnOf(ctx, u),
                CreateDate: u.createdAt,
                UserPolicyList: await inlineList(repo, u.id),
                GroupList: groups,
                AttachedManagedPolicies: await attachedList(repo, u.id),
                PermissionsBoundary: boundaryOf(u),
                Tags: tags,
              };
            },
          });
        }
      }
      if (filter.has('Group')) {
        for (const g of groupsById.values()) {
          items.push({
            kind: 'group',
            build: async () => ({
              Path: g.path,
              GroupName: g.name,
              GroupId: g.id,
              Arn: arnOf(ctx, g),
              CreateDate: g.createdAt,
              GroupPolicyList: await inlineList(repo, g.id),
              AttachedManagedPolicies: await attachedList(repo, g.id),
            }),
          });
        }
      }
      if (filter.has('Role')) {
        for (const r of await allEntities<Record<string, unknown> & { permissionsBoundary?: string }>(repo, account, 'role')) {
          items.push({
            kind: 'role',
            build: async () => {
              const trust = trustPolicyOf(r);
              return {
                Path: r.path,
                RoleName: r.name,
                RoleId: r.id,
                Arn: arnOf(ctx, r),
                CreateDate: r.createdAt,
                AssumeRolePolicyDocument: trust === undefined ? undefined : encodeDocument(trust),
                InstanceProfileList: [],
                RolePolicyList: await inlineList(repo, r.id),
                AttachedManagedPolicies: await attachedList(repo, r.id),
                PermissionsBoundary: boundaryOf(r),
                Tags: await repo.getTags(r.id),
              };
            },
          });
        }
      }
      const usage = await boundaryUsage(repo, account);
      const policyArns: string[] = [];
      if (filter.has('LocalManagedPolicy')) {
        for (const p of await allEntities<CustomerPolicyData>(repo, account, 'policy')) policyArns.push(arnOf(ctx, p));
      }
      if (filter.has('AWSManagedPolicy')) {
        // AWS managed policies in use in the account: attached to an entity or used as a boundary.
        const used = new Set<string>(usage.keys());
        for (const kind of ['user', 'group', 'role'])
          for (const e of await allEntities(repo, account, kind)) for (const arn of await repo.attachedPolicyArns(e.id)) used.add(arn);
        policyArns.push(...[...used].filter((arn) => awsManagedPolicy(arn)).sort());
      }
      for (const arn of policyArns) {
        items.push({
          kind: 'policy',
          build: async () => {
            const view = (await findManagedPolicy(repo, ctx, arn))!;
            const out = await policyOutput(repo, view, usage, false);
            delete out.Tags;
            return { ...out, PolicyVersionList: (await versionsOf(repo, view)).map((v) => versionOutput(v, true)) };
          },
        });
      }
      const keyed = items.map((item, i) => ({ item, key: String(i).padStart(8, '0') }));
      const page = pageArray(keyed, (x) => x.key, input.Marker, maxItemsOf(input));
      const users: UserDetail[] = [];
      const groups: GroupDetail[] = [];
      const roles: RoleDetail[] = [];
      const policies: ManagedPolicyDetail[] = [];
      for (const { item } of page.items) {
        if (item.kind === 'user') users.push(await item.build());
        else if (item.kind === 'group') groups.push(await item.build());
        else if (item.kind === 'role') roles.push(await item.build());
        else policies.push(await item.build());
      }
      return {
        UserDetailList: users,
        GroupDetailList: groups,
        RoleDetailList: roles,
        Policies: policies,
        IsTruncated: page.marker !== undefined,
        Marker: page.marker,
      };
    });
  },
} satisfies IamHandlers;
