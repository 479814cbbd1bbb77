// Managed-policy attachments of users, groups and roles, the entities a policy is attached to, and
// permissions boundaries of users and roles.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachUserPolicy.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { authorizeOnEntity, maxItemsOf, pageArray, pageInfo } from './common.ts';
import { checkBoundaryArn } from './boundary.ts';
import { parsePolicyArn } from '../domain/arn.ts';
import { arnParses } from '../domain/arn-syntax.ts';
import { canonicalPolicyArn, findManagedPolicy } from './policy-lookup.ts';
import { authorizeOnPolicy, checkPolicyArn } from './policies.ts';

/** AWS quota: managed policies attached to one user, group or role. */
export const MANAGED_POLICIES_PER_ENTITY = 10;

export type PolicyHolderKind = 'user' | 'group' | 'role';

/** How each kind is named in actions, parameters and quotas. */
export const HOLDERS = {
  user: { word: 'User', nameKey: 'UserName' },
  group: { word: 'Group', nameKey: 'GroupName' },
  role: { word: 'Role', nameKey: 'RoleName' },
} as const satisfies Record<PolicyHolderKind, { word: string; nameKey: string }>;

/** The input member that names an entity of kind K: 'UserName', 'GroupName' or 'RoleName'. */
export type HolderNameKey<K extends PolicyHolderKind> = (typeof HOLDERS)[K]['nameKey'];

/** An input or output naming an entity of kind K (`{ UserName: string }` for 'user'). */
export type HolderNamed<K extends PolicyHolderKind> = { [P in HolderNameKey<K>]: string };

// A mapped type, so that indexing it with a generic kind gives that kind's key (not the union).
const NAME_KEYS: { [K in PolicyHolderKind]: HolderNameKey<K> } = { user: 'UserName', group: 'GroupName', role: 'RoleName' };

/** The member of the input that names the entity: `input[holderNameKey(kind)]` is a string. */
export function holderNameKey<K extends PolicyHolderKind>(kind: K): HolderNameKey<K> {
  return NAME_KEYS[kind];
}

/** `{ UserName: name }`, `{ GroupName: name }` or `{ RoleName: name }`. */
export const holderNamed: { [K in PolicyHolderKind]: (name: string) => HolderNamed<K> } = {
  user: (name) => ({ UserName: name }),
  group: (name) => ({ GroupName: name }),
  role: (name) => ({ RoleName: name }),
};

/** The attached managed policies of an entity as AttachedPolicy structures, by name. */
export async function attachedPolicies(repo: Repo, entityId: string): Promise<{ PolicyName: string; PolicyArn: string; path: string }[]> {
  const out: { PolicyName: string; PolicyArn: string; path: string }[] = [];
  for (const arn of await repo.attachedPolicyArns(entityId)) {
    const parsed = parsePolicyArn(arn);
    if (parsed) out.push({ PolicyName: parsed.name, PolicyArn: arn, path: parsed.path });
  }
  return out.sort((a, b) => compare(attachedKey(a), attachedKey(b)));
}

const attachedKey = (p: { PolicyName: string; PolicyArn: string }) => `${p.PolicyName.toLowerCase()}\u0000${p.PolicyArn}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Attach{User,Group,Role}Policy. */
function attach<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PolicyArn: string }): Promise<undefined> => {
    const arn = input.PolicyArn;
    // A PolicyArn that is no policy ARN is refused before anything is looked up, as AWS validates it.
    checkPolicyArn(arn);
    return ctx.services.store.write(async (repo) => {
      const policy = await findManagedPolicy(repo, ctx, arn);
      const entity = await authorizeWithPolicy(repo, ctx, `iam:Attach${word}Policy`, kind, input[nameKey], policy?.arn ?? arn);
      if (!policy) throw awsError('policyNotAttachable', { arn });
      // AWS's service-role policies belong to service-linked roles only.
      if (policy.awsManaged && policy.path.startsWith('/aws-service-role/') && !(kind === 'role' && entity.data.serviceLinked)) {
        throw awsError('serviceRolePolicyNotAttachable');
      }
      const attached = await repo.attachedPolicyArns(entity.id);
      if (attached.includes(policy.arn)) return undefined;
      if (attached.length >= MANAGED_POLICIES_PER_ENTITY) throw awsError('quotaExceeded', { quota: `PoliciesPer${word}`, limit: MANAGED_POLICIES_PER_ENTITY });
      await repo.attach(entity.id, policy.arn, ctx.request.now);
      return undefined;
    });
  };
}

/** Detach{User,Group,Role}Policy. */
function detach<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PolicyArn: string }): Promise<undefined> => {
    const arn = input.PolicyArn;
    checkPolicyArn(arn);
    return ctx.services.store.write(async (repo) => {
      const policyArn = await canonicalPolicyArn(repo, ctx, arn);
      const entity = await authorizeWithPolicy(repo, ctx, `iam:Detach${word}Policy`, kind, input[nameKey], policyArn);
      if (!(await repo.detach(entity.id, policyArn))) throw awsError('policyNotFound', { arn });
      return undefined;
    });
  };
}

/** authorizeOnEntity with `iam:PolicyARN` in the request context. */
async function authorizeWithPolicy(
  repo: Repo,
  ctx: ActionContext,
  action: string,
  kind: PolicyHolderKind,
  name: string,
  policyArn: string,
): Promise<EntityRow<{ serviceLinked?: string }>> {
  const scoped: ActionContext = { ...ctx, authorize: (a, r, extra) => ctx.authorize(a, r, { ...extra, 'iam:PolicyARN': policyArn }) };
  const entity = await authorizeOnEntity<{ serviceLinked?: string }>(repo, scoped, action, kind, name);
  ctx.authorized = ctx.authorized || scoped.authorized;
  return entity;
}

/** ListAttached{User,Group,Role}Policies. */
function listAttached<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PathPrefix?: string; Marker?: string; MaxItems?: number }) => {
    return ctx.services.store.read(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:ListAttached${word}Policies`, kind, input[nameKey]);
      const prefix = input.PathPrefix ?? '/';
      const all = (await attachedPolicies(repo, entity.id)).filter((p) => p.path.startsWith(prefix));
      const page = pageArray(all, attachedKey, input.Marker, maxItemsOf(input));
      return { AttachedPolicies: page.items.map((p) => ({ PolicyName: p.PolicyName, PolicyArn: p.PolicyArn })), ...pageInfo(page) };
    });
  };
}

/** Put{User,Role}PermissionsBoundary. */
function putBoundary<K extends 'user' | 'role'>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PermissionsBoundary: string }): Promise<undefined> => {
    const arn = input.PermissionsBoundary;
    if (!arnParses(arn)) throw awsError('arnUnparseable');
    return ctx.services.store.write(async (repo) => {
      const boundaryArn = await canonicalPolicyArn(repo, ctx, arn);
      const scoped: ActionContext = { ...ctx, authorize: (a, r, extra) => ctx.authorize(a, r, { ...extra, 'iam:PermissionsBoundary': boundaryArn }) };
      const entity = await authorizeOnEntity<{ permissionsBoundary?: string }>(repo, scoped, `iam:Put${word}PermissionsBoundary`, kind, input[nameKey]);
      ctx.authorized = ctx.authorized || scoped.authorized;
      const boundary = await checkBoundaryArn(repo, ctx, arn);
      await repo.updateEntity(entity.id, { data: { ...entity.data, permissionsBoundary: boundary } });
      return undefined;
    });
  };
}

/** Delete{User,Role}PermissionsBoundary. */
function deleteBoundary<K extends 'user' | 'role'>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K>): Promise<undefined> => {
    return ctx.services.store.write(async (repo) => {
      const current = (await repo.getEntityByName<{ permissionsBoundary?: string }>(ctx.caller.accountId, kind, input[nameKey]))?.data.permissionsBoundary;
      const scoped: ActionContext = current
        ? { ...ctx, authorize: (a, r, extra) => ctx.authorize(a, r, { ...extra, 'iam:PermissionsBoundary': current }) }
        : ctx;
      const entity = await authorizeOnEntity<{ permissionsBoundary?: string }>(repo, scoped, `iam:Delete${word}PermissionsBoundary`, kind, input[nameKey]);
      ctx.authorized = ctx.authorized || scoped.authorized;
      if (entity.data.permissionsBoundary !== undefined) {
        const data = { ...entity.data };
        delete data.permissionsBoundary;
        await repo.updateEntity(entity.id, { data });
      }
      return undefined;
    });
  };
}

const ENTITY_FILTER_KINDS: Record<string, PolicyHolderKind> = { User: 'user', Group: 'group', Role: 'role' };

export const attachmentHandlers = {
  AttachUserPolicy: attach('user'),
  DetachUserPolicy: detach('user'),
  AttachGroupPolicy: attach('group'),
  DetachGroupPolicy: detach('group'),
  AttachRolePolicy: attach('role'),
  DetachRolePolicy: detach('role'),
  ListAttachedUserPolicies: listAttached('user'),
  ListAttachedGroupPolicies: listAttached('group'),
  ListAttachedRolePolicies: listAttached('role'),
  PutUserPermissionsBoundary: putBoundary('user'),
  DeleteUserPermissionsBoundary: deleteBoundary('user'),
  PutRolePermissionsBoundary: putBoundary('role'),
  DeleteRolePermissionsBoundary: deleteBoundary('role'),

  async ListEntitiesForPolicy(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const view = await authorizeOnPolicy(repo, ctx, 'iam:ListEntitiesForPolicy', input.PolicyArn);
      const filter = input.EntityFilter;
      const usage = input.PolicyUsageFilter;
      const prefix = input.PathPrefix ?? '/';
      const kinds: PolicyHolderKind[] = filter === undefined ? ['group', 'user', 'role'] : ENTITY_FILTER_KINDS[filter] ? [ENTITY_FILTER_KINDS[filter]] : [];
      const found: { kind: PolicyHolderKind; entity: EntityRow }[] = [];
      const attachedIds = new Set(await repo.entityIdsAttachedTo(view.arn));
      const boundedIds = await repo.entityIdsWithBoundary(ctx.caller.accountId, view.arn);
      const candidates = await repo.getEntitiesByIds<{ permissionsBoundary?: string }>([...new Set([...attachedIds, ...boundedIds])]);
      for (const kind of kinds) {
        for (const e of candidates) {
          if (e.kind !== kind || e.accountId !== ctx.caller.accountId || !e.path.startsWith(prefix)) continue;
          const asPolicy = attachedIds.has(e.id);
          const asBoundary = e.data.permissionsBoundary === view.arn;
          if (usage === 'PermissionsPolicy' ? asPolicy : usage === 'PermissionsBoundary' ? asBoundary : asPolicy || asBoundary) found.push({ kind, entity: e });
        }
      }
      const order = { group: 0, user: 1, role: 2 };
      const keyOf = (x: { kind: PolicyHolderKind; entity: EntityRow }) => `${order[x.kind]}${x.entity.name.toLowerCase()}`;
      found.sort((a, b) => compare(keyOf(a), keyOf(b)));
      const page = pageArray(found, keyOf, input.Marker, maxItemsOf(input));
      const of = (kind: PolicyHolderKind) => page.items.filter((x) => x.kind === kind).map((x) => x.entity);
      return {
        PolicyGroups: of('group').map((g) => ({ GroupName: g.name, GroupId: g.id })),
        PolicyUsers: of('user').map((u) => ({ UserName: u.name, UserId: u.id })),
        PolicyRoles: of('role').map((r) => ({ RoleName: r.name, RoleId: r.id })),
        IsTruncated: page.marker !== undefined,
        Marker: page.marker,
      };
    });
  },
} satisfies IamHandlers;
