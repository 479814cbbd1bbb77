// Access keys: AKIA… ids with a 40-character secret that appears in CreateAccessKey's response and
// nowhere else, ever; at most 2 per user; sealed at rest.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html
import { awsError } from '../errors/messages.ts';
import { newAccessKeyId, newSecretAccessKey } from '../domain/ids.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { AccessKey, AccessKeyMetadata, StatusType } from '../actions/generated/iam.ts';
import type { Repo } from '../store/repo.ts';
import type { AccessKeyTable } from '../store/schema.ts';
import { maxItemsOf, pageArray, pageInfo } from './common.ts';
import { resolveUser } from './users.ts';

export const ACCESS_KEYS_PER_USER = 2;

/** The owner an access-key action applies to: a named user, the calling user, or root. */
async function keyOwner(repo: Repo, ctx: ActionContext, action: string, input: { UserName?: string }): Promise<{ userId: string | null; userName?: string }> {
  if (input.UserName === undefined && ctx.caller.type === 'Root') {
    await ctx.authorize(action, ctx.caller.arn);
    return { userId: null };
  }
  const user = await resolveUser(repo, ctx, action, input);
  return { userId: user.id, userName: user.name };
}

/** A stored key's status: the store keeps the StatusType UpdateAccessKey was given (or 'Active'). */
function statusOf(key: AccessKeyTable): StatusType {
  return key.status as StatusType;
}

function metadata(key: AccessKeyTable, userName: string | undefined): AccessKeyMetadata {
  return { UserName: userName, AccessKeyId: key.id, Status: statusOf(key), CreateDate: new Date(key.created_at) };
}

async function ownedKey(repo: Repo, ctx: ActionContext, owner: { userId: string | null }, accessKeyId: string): Promise<AccessKeyTable> {
  const key = await repo.getAccessKey(accessKeyId);
  if (!key || key.account_id !== ctx.caller.accountId || key.user_id !== owner.userId) {
    throw awsError('accessKeyNotFound', { accessKeyId });
  }
  return key;
}

export const accessKeyHandlers = {
  async CreateAccessKey(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await keyOwner(repo, ctx, 'iam:CreateAccessKey', input);
      const existing = await repo.listAccessKeys(ctx.caller.accountId, owner.userId);
      // INVARIANT: never more than 2 keys per user (checked inside the write transaction).
      if (existing.length >= ACCESS_KEYS_PER_USER) throw awsError('quotaExceeded', { quota: 'AccessKeysPerUser', limit: ACCESS_KEYS_PER_USER });
      const id = newAccessKeyId('AKIA');
      const secret = newSecretAccessKey();
      const row: AccessKeyTable = {
        id,
        account_id: ctx.caller.accountId,
        user_id: owner.userId,
        secret_sealed: ctx.services.secrets.seal(secret, id),
        status: 'Active',
        created_at: ctx.request.now.toISOString(),
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      };
      await repo.insertAccessKey(row);
      const accessKey: AccessKey = {
        // KNOWN WIRE MISMATCH: the model requires UserName; iamd leaves it out for the root user's keys.
        UserName: owner.userName as AccessKey['UserName'],
        AccessKeyId: row.id,
        Status: statusOf(row),
        CreateDate: new Date(row.created_at),
        SecretAccessKey: secret,
      };
      return { AccessKey: accessKey };
    });
  },

  async ListAccessKeys(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const owner = await keyOwner(repo, ctx, 'iam:ListAccessKeys', input);
      const keys = await repo.listAccessKeys(ctx.caller.accountId, owner.userId);
      const page = pageArray(keys, (k) => `${k.created_at}|${k.id}`, input.Marker, maxItemsOf(input));
      return { AccessKeyMetadata: page.items.map((k) => metadata(k, owner.userName)), ...pageInfo(page) };
    });
  },

  async UpdateAccessKey(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await keyOwner(repo, ctx, 'iam:UpdateAccessKey', input);
      const key = await ownedKey(repo, ctx, owner, input.AccessKeyId);
      await repo.setAccessKeyStatus(key.id, input.Status);
      return undefined;
    });
  },

  async DeleteAccessKey(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const owner = await keyOwner(repo, ctx, 'iam:DeleteAccessKey', input);
      const key = await ownedKey(repo, ctx, owner, input.AccessKeyId);
      await repo.deleteAccessKey(key.id);
      return undefined;
    });
  },

  async GetAccessKeyLastUsed(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const key = await repo.getAccessKey(input.AccessKeyId);
      const owner = key && key.account_id === ctx.caller.accountId && key.user_id ? await repo.getEntityById(key.user_id) : undefined;
      const resource = owner
        ? `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:user${owner.path}${owner.name}`
        : `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:root`;
      await ctx.authorize('iam:GetAccessKeyLastUsed', resource);
      if (!key || key.account_id !== ctx.caller.accountId) throw awsError('accessKeyNotFound', { accessKeyId: input.AccessKeyId });
      return {
        UserName: owner?.name ?? ctx.caller.accountId,
        // The store sets the three together (markAccessKeyUsed): service and region are not null once used.
        AccessKeyLastUsed: key.last_used_at
          ? { LastUsedDate: new Date(key.last_used_at), ServiceName: key.last_used_service ?? 'N/A', Region: key.last_used_region ?? 'N/A' }
          : { ServiceName: 'N/A', Region: 'N/A' },
      };
    });
  },
} satisfies IamHandlers;
