// Inline policies of users, groups and roles: Put/Get/Delete/List{User,Group,Role}Policy.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutUserPolicy.html
// Quotas: the inline policies of one entity together, without whitespace, at most 2,048 (user),
// 5,120 (group) or 10,240 (role) characters.
import { limitExceeded, noSuchEntity } from '../errors/aws-error.ts';
import { policySizeWithoutWhitespace, POLICY_SIZE_LIMITS } from '../policy/index.ts';
import type { Handler } from '../actions/registry.ts';
import { authorizeOnEntity, maxItemsOf, pageArray, pageOutput } from './common.ts';
import { HOLDERS, type PolicyHolderKind } from './attachments.ts';
import { checkIdentityDocument, encodeDocument } from './policies.ts';

export const INLINE_SIZE_LIMITS: Record<PolicyHolderKind, number> = {
  user: POLICY_SIZE_LIMITS.userInline,
  group: POLICY_SIZE_LIMITS.groupInline,
  role: POLICY_SIZE_LIMITS.roleInline,
};

const notFound = (kind: PolicyHolderKind, name: string) => noSuchEntity(`The ${kind} policy with name ${name} cannot be found.`);

function put(kind: PolicyHolderKind): Handler {
  const { word, nameKey } = HOLDERS[kind];
  return async (ctx, input) => {
    return ctx.services.store.write(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:Put${word}Policy`, kind, input[nameKey]);
      const document = input.PolicyDocument as string;
      checkIdentityDocument(document, ctx.caller.partition);
      const name = input.PolicyName as string;
      let total = policySizeWithoutWhitespace(document);
      for (const other of await repo.listInlinePolicies(entity.id)) {
        if (other.name.toLowerCase() !== name.toLowerCase()) total += policySizeWithoutWhitespace(other.document);
      }
      const limit = INLINE_SIZE_LIMITS[kind];
      if (total > limit) throw limitExceeded(`Maximum policy size of ${limit} bytes exceeded for ${kind} ${entity.name}`);
      await repo.putInlinePolicy(entity.id, name, document);
      return undefined;
    });
  };
}

function get(kind: PolicyHolderKind): Handler {
  const { word, nameKey } = HOLDERS[kind];
  return async (ctx, input) => {
    return ctx.services.store.read(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:Get${word}Policy`, kind, input[nameKey]);
      const policy = await repo.getInlinePolicy(entity.id, input.PolicyName);
      if (!policy) throw notFound(kind, input.PolicyName);
      return { [nameKey]: entity.name, PolicyName: policy.name, PolicyDocument: encodeDocument(policy.document) };
    });
  };
}

function remove(kind: PolicyHolderKind): Handler {
  const { word, nameKey } = HOLDERS[kind];
  return async (ctx, input) => {
    return ctx.services.store.write(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:Delete${word}Policy`, kind, input[nameKey]);
      if (!(await repo.deleteInlinePolicy(entity.id, input.PolicyName))) throw notFound(kind, input.PolicyName);
      return undefined;
    });
  };
}

function list(kind: PolicyHolderKind): Handler {
  const { word, nameKey } = HOLDERS[kind];
  return async (ctx, input) => {
    return ctx.services.store.read(async (repo) => {
      const entity = await authorizeOnEntity(repo, ctx, `iam:List${word}Policies`, kind, input[nameKey]);
      const names = (await repo.listInlinePolicies(entity.id)).map((p) => p.name);
      const page = pageArray(names, (n) => n.toLowerCase(), input.Marker, maxItemsOf(input));
      return pageOutput(page, 'PolicyNames', page.items);
    });
  };
}

export const inlinePolicyHandlers: Record<string, Handler> = {
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
};
