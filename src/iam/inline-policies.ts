// Inline policies of users, groups and roles: Put/Get/Delete/List{User,Group,Role}Policy.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html
// Quotas: the inline policies of one entity together, without whitespace, at most 2,048 (user),
// 5,120 (group) or 10,240 (role) characters.
import { awsError } from '../errors/messages.ts';
import { policySizeWithoutWhitespace, POLICY_SIZE_LIMITS } from '../policy/index.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import { authorizeOnEntity, maxItemsOf, pageArray, pageInfo } from './common.ts';
import { HOLDERS, holderNamed, holderNameKey, type HolderNamed, type PolicyHolderKind } from './attachments.ts';
import { checkIdentityDocument, encodeDocument } from './policies.ts';

export const INLINE_SIZE_LIMITS: Record<PolicyHolderKind, number> = {
  user: POLICY_SIZE_LIMITS.userInline,
  group: POLICY_SIZE_LIMITS.groupInline,
  role: POLICY_SIZE_LIMITS.roleInline,
};

const notFound = (kind: PolicyHolderKind, name: string) => awsError('inlinePolicyNotFound', { kind, name });

/** Put{User,Group,Role}Policy. */
function put<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PolicyName: string; PolicyDocument: string }): Promise<undefined> => {
    return ctx.services.store.write(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:Put${word}Policy`, kind, input[nameKey]);
      const document = input.PolicyDocument;
      checkIdentityDocument(document, ctx.caller.partition);
      const name = input.PolicyName;
      let total = policySizeWithoutWhitespace(document);
      for (const other of await repo.listInlinePolicies(entity.id)) {
        if (other.name.toLowerCase() !== name.toLowerCase()) total += policySizeWithoutWhitespace(other.document);
      }
      const limit = INLINE_SIZE_LIMITS[kind];
      if (total > limit) throw awsError('inlinePolicySizeExceeded', { limit, kind, name: entity.name });
      await repo.putInlinePolicy(entity.id, name, document);
      return undefined;
    });
  };
}

/** Get{User,Group,Role}Policy. */
function get<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PolicyName: string }) => {
    return ctx.services.store.read(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:Get${word}Policy`, kind, input[nameKey]);
      const policy = await repo.getInlinePolicy(entity.id, input.PolicyName);
      if (!policy) throw notFound(kind, input.PolicyName);
      return { ...holderNamed[kind](entity.name), PolicyName: policy.name, PolicyDocument: encodeDocument(policy.document) };
    });
  };
}

/** Delete{User,Group,Role}Policy. */
function remove<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { PolicyName: string }): Promise<undefined> => {
    return ctx.services.store.write(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:Delete${word}Policy`, kind, input[nameKey]);
      if (!(await repo.deleteInlinePolicy(entity.id, input.PolicyName))) throw notFound(kind, input.PolicyName);
      return undefined;
    });
  };
}

/** List{User,Group,Role}Policies. */
function list<K extends PolicyHolderKind>(kind: K) {
  const { word } = HOLDERS[kind];
  const nameKey = holderNameKey(kind);
  return async (ctx: ActionContext, input: HolderNamed<K> & { Marker?: string; MaxItems?: number }) => {
    return ctx.services.store.read(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:List${word}Policies`, kind, input[nameKey]);
      const names = (await repo.listInlinePolicies(entity.id)).map((p) => p.name);
      const page = pageArray(names, (n) => n.toLowerCase(), input.Marker, maxItemsOf(input));
      return { PolicyNames: page.items, ...pageInfo(page) };
    });
  };
}

export const inlinePolicyHandlers = {
  PutUserPolicy: put('user'),
  GetUserPolicy: get('user'),
  DeleteUserPolicy: remove('user'),
  ListUserPolicies: list('user'),
  PutGroupPolicy: put('group'),
  GetGroupPolicy: get('group'),
  DeleteGroupPolicy: remove('group'),
  ListGroupPolicies: list('group'),
  PutRolePolicy: put('role'),
  GetRolePolicy: get('role'),
  DeleteRolePolicy: remove('role'),
  ListRolePolicies: list('role'),
} satisfies IamHandlers;
