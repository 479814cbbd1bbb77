// Pieces every IAM handler shares: entity lookups with AWS's NoSuchEntity wording, tag rules,
// pagination, and the output structures of users and groups.
import type { AwsError } from '../errors/aws-error.ts';
import { awsError } from '../errors/messages.ts';
import { iamArn, type EntityKind } from '../domain/arn.ts';
import type { ActionContext } from '../actions/context.ts';
import type { EntityRow, Page, Repo, Tag } from '../store/repo.ts';
import type { AttachedPermissionsBoundary, Group, User } from '../actions/generated/iam.ts';

export const DEFAULT_MAX_ITEMS = 100;

/** The word AWS uses for each kind in messages ("The user with name x cannot be found."). */
const KIND_WORDS: Record<EntityKind, string> = {
  user: 'user',
  group: 'group',
  role: 'role',
  policy: 'policy',
  'instance-profile': 'Instance Profile',
  mfa: 'MFA device',
  'oidc-provider': 'OpenIDConnect provider',
  'saml-provider': 'SAML provider',
  'server-certificate': 'Server Certificate',
  'signing-certificate': 'Certificate',
  'ssh-public-key': 'SSH Public Key',
};

export function arnOf(ctx: Pick<ActionContext, 'caller'>, e: Pick<EntityRow<unknown>, 'kind' | 'path' | 'name'>): string {
  return iamArn(ctx.caller.partition, ctx.caller.accountId, e.kind as EntityKind, e.path, e.name);
}

/** The resource ARN of a named entity for authorization, whether or not it exists yet. */
export function arnFor(ctx: Pick<ActionContext, 'caller'>, kind: EntityKind, name: string, path = '/'): string {
  return iamArn(ctx.caller.partition, ctx.caller.accountId, kind, path, name);
}

export async function findEntity<D>(repo: Repo, ctx: ActionContext, kind: EntityKind, name: string): Promise<EntityRow<D> | undefined> {
  return repo.getEntityByName<D>(ctx.caller.accountId, kind, name);
}

export function notFound(kind: EntityKind, name: string): AwsError {
  return awsError('entityNotFound', { kind: KIND_WORDS[kind], name });
}

/**
 * Looks up an entity, authorizes the action on its real ARN (or on the ARN its name would have,
 * when it does not exist, so that an unauthorized caller learns nothing), then fails with
 * NoSuchEntity if it is missing.
 */
export async function authorizeOnEntity<D>(repo: Repo, ctx: ActionContext, action: string, kind: EntityKind, name: string): Promise<EntityRow<D>> {
  const entity = await findEntity<D>(repo, ctx, kind, name);
  await ctx.authorize(action, entity ? arnOf(ctx, entity) : arnFor(ctx, kind, name), entity ? await resourceTagContext(repo, ctx, entity.id) : undefined);
  if (!entity) throw notFound(kind, name);
  return entity;
}

/** aws:ResourceTag/* and iam:ResourceTag/* of a tagged IAM resource (root needs no policy, so skip the read). */
export async function resourceTagContext(repo: Repo, ctx: ActionContext, entityId: string): Promise<Record<string, string> | undefined> {
  if (ctx.caller.type === 'Root') return undefined;
  const tags = await repo.getTags(entityId);
  if (tags.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags) {
    out[`aws:ResourceTag/${t.Key}`] = t.Value;
    out[`iam:ResourceTag/${t.Key}`] = t.Value;
  }
  return out;
}

export const MAX_TAGS = 50;

/** AWS's tag rules beyond the model's patterns: unique keys (case-insensitively), no `aws:` prefix, at most 50 in all. */
export function checkTags(tags: Tag[] | undefined, existing: Tag[] = []): Tag[] {
  if (!tags) return [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const key = tag.Key.toLowerCase();
    if (seen.has(key)) throw awsError('tagKeysDuplicate');
    seen.add(key);
    if (key.startsWith('aws:')) throw awsError('tagKeyReserved');
  }
  const total = new Set([...existing.map((t) => t.Key.toLowerCase()), ...seen]).size;
  if (total > MAX_TAGS) throw awsError('tagsExceeded', { limit: MAX_TAGS });
  return tags;
}

/** aws:RequestTag/* and aws:TagKeys for a request that sets tags. */
export function requestTagContext(tags: Tag[]): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  if (tags.length === 0) return context;
  for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
  context['aws:TagKeys'] = tags.map((t) => t.Key);
  return context;
}

export function maxItemsOf(input: { MaxItems?: number }): number {
  return input.MaxItems ?? DEFAULT_MAX_ITEMS;
}

/** IsTruncated and Marker of a List… output, next to the page's items: `{ Users: items, ...pageInfo(page) }`. */
export function pageInfo(page: Page<unknown>): { IsTruncated: boolean; Marker?: string } {
  return { IsTruncated: page.marker !== undefined, Marker: page.marker };
}

/** Pages an in-memory, already ordered list with the same opaque markers as the store. */
export function pageArray<T>(all: T[], keyOf: (t: T) => string, marker: string | undefined, maxItems: number): Page<T> {
  let start = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    start = all.findIndex((t) => keyOf(t) > after);
    if (start < 0) start = all.length;
  }
  const items = all.slice(start, start + maxItems);
  const more = start + maxItems < all.length;
  return { items, marker: more ? Buffer.from(keyOf(items[items.length - 1]!), 'utf8').toString('base64url') : undefined };
}

export interface UserData {
  permissionsBoundary?: string;
  passwordLastUsed?: string;
  /** Serial numbers of the MFA devices enabled for the user (src/iam/mfa.ts; DeleteUser checks the list). */
  mfaSerials?: string[];
}

/**
 * The PermissionsBoundary of users and roles (Get, Create, authorization details). AWS sends the type
 * `Policy` (its CLI examples, recorded answers), although its model's only enum value is
 * `PermissionsBoundaryPolicy`: what goes on the wire wins.
 */
export function attachedBoundary(arn: string): AttachedPermissionsBoundary {
  return { PermissionsBoundaryType: 'Policy' as unknown as AttachedPermissionsBoundary['PermissionsBoundaryType'], PermissionsBoundaryArn: arn };
}

/** A user as GetUser/CreateUser return it (with tags when it has any). */
export async function userOutput(repo: Repo, ctx: ActionContext, user: EntityRow<UserData>, withTags: boolean): Promise<User> {
  const out = userListOutput(ctx, user);
  if (user.data.permissionsBoundary) out.PermissionsBoundary = attachedBoundary(user.data.permissionsBoundary);
  if (withTags) {
    const tags = await repo.getTags(user.id);
    if (tags.length > 0) out.Tags = tags;
  }
  return out;
}

/** A user as list operations return it: no tags and no permissions boundary, as on AWS. */
export function userListOutput(ctx: ActionContext, user: EntityRow<UserData>): User {
  return {
    Path: user.path,
    UserName: user.name,
    UserId: user.id,
    Arn: arnOf(ctx, user),
    CreateDate: user.createdAt,
    PasswordLastUsed: user.data.passwordLastUsed ? new Date(user.data.passwordLastUsed) : undefined,
  };
}

export function groupOutput(ctx: ActionContext, group: EntityRow<unknown>): Group {
  return { Path: group.path, GroupName: group.name, GroupId: group.id, Arn: arnOf(ctx, group), CreateDate: group.createdAt };
}
