// Service-specific credentials: a password an IAM user signs in to one service with (CodeCommit's
// Git over HTTPS, Amazon Keyspaces), or a long-term API key (Amazon Bedrock, CloudWatch Logs).
// At most 2 per user and service; the secret appears in Create's and Reset's answers and nowhere
// else, and is sealed at rest. The user name AWS generates is NAME-at-ACCOUNT, NAME+1-at-ACCOUNT
// for the user's second credential of the same service.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_service-specific-creds.html
import { randomBytes } from 'node:crypto';
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { ServiceSpecificCredential, ServiceSpecificCredentialMetadata, StatusType } from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import type { ServiceSpecificCredentialTable } from '../store/schema.ts';
import { arnFor, arnOf, findEntity, maxItemsOf, notFound, pageArray, pageInfo, resourceTagContext, type UserData } from './common.ts';
import { resolveUser, targetUserName } from './users.ts';

export const SERVICE_CREDENTIALS_PER_USER_PER_SERVICE = 2;

interface ServiceKind {
  /** API keys (Bedrock, CloudWatch Logs) answer ServiceCredentialAlias/Secret and may expire; passwords answer ServiceUserName/Password. */
  apiKey: boolean;
  /** The prefix of an API key's secret (ABSK: Bedrock's, which secret scanners match; CloudWatch Logs' is unverified). */
  keyPrefix?: string;
}

/** The services that accept service-specific credentials (CreateServiceSpecificCredential's documentation). */
const SERVICES: ReadonlyMap<string, ServiceKind> = new Map([
  ['codecommit.amazonaws.com', { apiKey: false }],
  ['cassandra.amazonaws.com', { apiKey: false }],
  ['bedrock.amazonaws.com', { apiKey: true, keyPrefix: 'ABSK' }],
  ['logs.amazonaws.com', { apiKey: true, keyPrefix: 'ACWL' }],
]);

function serviceOf(name: string): ServiceKind {
  const kind = SERVICES.get(name);
  if (!kind) throw awsError('serviceCredentialServiceNotSupported', { service: name });
  return kind;
}

// Ids as AWS's (ACCAQFODXMPL4YFHP7DZE): ACCA and 17 characters of the unique-id alphabet.
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function newCredentialId(): string {
  const bytes = randomBytes(17);
  let id = 'ACCA';
  // 32 divides 256: no modulo bias.
  for (const b of bytes) id += ID_ALPHABET[b % 32];
  return id;
}

/** A password as AWS generates them: 44 random bytes in base64, 60 characters ending in `=`. */
function newPassword(): string {
  return randomBytes(44).toString('base64');
}

/** The secret of a credential, as returned: the password, or the API key (its prefix and base64 of `ALIAS:SECRET`). */
function newSecret(kind: ServiceKind, login: string): string {
  const password = newPassword();
  return kind.apiKey ? `${kind.keyPrefix}${Buffer.from(`${login}:${password}`, 'utf8').toString('base64')}` : password;
}

/** Expired once its ExpirationDate has passed, whatever status it was given. */
function statusOf(row: ServiceSpecificCredentialTable, now: Date): StatusType {
  if (row.expires_at !== null && new Date(row.expires_at) <= now) return 'Expired';
  return row.status as StatusType;
}

function metadataOf(row: ServiceSpecificCredentialTable, userName: string, now: Date): ServiceSpecificCredentialMetadata {
  const kind = SERVICES.get(row.service_name);
  const out: ServiceSpecificCredentialMetadata = {
    UserName: userName,
    Status: statusOf(row, now),
    CreateDate: new Date(row.created_at),
    ServiceSpecificCredentialId: row.id,
    ServiceName: row.service_name,
  };
  if (kind?.apiKey) out.ServiceCredentialAlias = row.login;
  else out.ServiceUserName = row.login;
  if (row.expires_at !== null) out.ExpirationDate = new Date(row.expires_at);
  return out;
}

/** A credential with its secret, as Create and Reset return it (the only answers that carry it). */
function withSecret(row: ServiceSpecificCredentialTable, userName: string, secret: string, now: Date): ServiceSpecificCredential {
  const out: ServiceSpecificCredential = metadataOf(row, userName, now);
  if (SERVICES.get(row.service_name)?.apiKey) out.ServiceCredentialSecret = secret;
  else out.ServicePassword = secret;
  return out;
}

/**
 * The user and credential an Update/Reset/Delete names, authorized on the user's ARN with the
 * credential's service as iam:ServiceSpecificCredentialServiceName (nothing is answered before),
 * then NoSuchEntity for a missing user or a credential that is not the user's.
 */
async function ownedCredential(
  repo: Repo,
  ctx: ActionContext,
  action: string,
  input: { UserName?: string; ServiceSpecificCredentialId: string },
): Promise<{ user: EntityRow<UserData>; row: ServiceSpecificCredentialTable }> {
  const name = targetUserName(ctx, input);
  if (name === undefined) {
    // Root and role sessions must name the user (as resolveUser answers them).
    await ctx.authorize(action, ctx.caller.arn);
    throw awsError('userNameRequired');
  }
  const user = await findEntity<UserData>(repo, ctx, 'user', name);
  const found = user ? await repo.getServiceSpecificCredential(input.ServiceSpecificCredentialId) : undefined;
  const row = found && user && found.user_id === user.id && found.account_id === ctx.caller.accountId ? found : undefined;
  const context: Record<string, string> = { ...(user ? await resourceTagContext(repo, ctx, user.id) : undefined) };
  if (row) context['iam:ServiceSpecificCredentialServiceName'] = row.service_name;
  await ctx.authorize(action, user ? arnOf(ctx, user) : arnFor(ctx, 'user', name), context);
  if (!user) throw notFound('user', name);
  if (!row) throw awsError('serviceCredentialNotFound', { id: input.ServiceSpecificCredentialId });
  return { user, row };
}

export const serviceSpecificCredentialHandlers = {
  async CreateServiceSpecificCredential(ctx, input) {
    const context: Record<string, string> = { 'iam:ServiceSpecificCredentialServiceName': input.ServiceName };
    if (input.CredentialAgeDays !== undefined) context['iam:ServiceSpecificCredentialAgeDays'] = String(input.CredentialAgeDays);
    return ctx.services.store.write(async (repo) => {
      const user = await findEntity<UserData>(repo, ctx, 'user', input.UserName);
      const tags = user ? await resourceTagContext(repo, ctx, user.id) : undefined;
      await ctx.authorize('iam:CreateServiceSpecificCredential', user ? arnOf(ctx, user) : arnFor(ctx, 'user', input.UserName), { ...tags, ...context });
      // AWS's order: the user, then the service.
      if (!user) throw notFound('user', input.UserName);
      const kind = serviceOf(input.ServiceName);
      if (input.CredentialAgeDays !== undefined && !kind.apiKey) throw awsError('serviceCredentialAgeDaysNotSupported');
      const existing = (await repo.listUserServiceSpecificCredentials(user.id)).filter((c) => c.service_name === input.ServiceName);
      // INVARIANT: at most 2 per user and service (checked inside the write transaction; the slot index backs it).
      if (existing.length >= SERVICE_CREDENTIALS_PER_USER_PER_SERVICE) {
        throw awsError('serviceCredentialQuotaExceeded', { limit: SERVICE_CREDENTIALS_PER_USER_PER_SERVICE });
      }
      const used = new Set(existing.map((c) => c.slot));
      let slot = 0;
      while (used.has(slot)) slot++;
      const login = `${user.name}${slot === 0 ? '' : `+${slot}`}-at-${ctx.caller.accountId}`;
      const now = ctx.request.now;
      const id = newCredentialId();
      const secret = newSecret(kind, login);
      const row: ServiceSpecificCredentialTable = {
        id,
        account_id: ctx.caller.accountId,
        user_id: user.id,
        service_name: input.ServiceName,
        login,
        slot,
        secret_sealed: ctx.services.secrets.seal(secret, id),
        status: 'Active',
        created_at: now.toISOString(),
        expires_at: input.CredentialAgeDays === undefined ? null : new Date(now.getTime() + input.CredentialAgeDays * 86_400_000).toISOString(),
      };
      await repo.insertServiceSpecificCredential(row);
      return { ServiceSpecificCredential: withSecret(row, user.name, secret, now) };
    });
  },

  async ListServiceSpecificCredentials(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const now = ctx.request.now;
      if (input.AllUsers) {
        // Every user's credentials: authorized on every user of the account.
        await ctx.authorize('iam:ListServiceSpecificCredentials', arnFor(ctx, 'user', '*'));
        if (input.UserName !== undefined) throw awsError('serviceCredentialsAllUsersWithUserName');
        if (input.ServiceName !== undefined) serviceOf(input.ServiceName);
        const all = (await repo.listAccountServiceSpecificCredentials(ctx.caller.accountId)).filter(
          (c) => input.ServiceName === undefined || c.service_name === input.ServiceName,
        );
        // The owners' current names (a credential whose user is gone is no one's: left out).
        const names = new Map<string, string | undefined>();
        for (const c of all) if (!names.has(c.user_id)) names.set(c.user_id, (await repo.getEntityById(c.user_id))?.name);
        const rows = all.filter((c) => names.get(c.user_id) !== undefined);
        const page = pageArray(rows, (c) => `${c.created_at}|${c.id}`, input.Marker, maxItemsOf(input));
        return { ServiceSpecificCredentials: page.items.map((c) => metadataOf(c, names.get(c.user_id)!, now)), ...pageInfo(page) };
      }
      const user = await resolveUser(repo, ctx, 'iam:ListServiceSpecificCredentials', input);
      if (input.ServiceName !== undefined) serviceOf(input.ServiceName);
      const rows = (await repo.listUserServiceSpecificCredentials(user.id)).filter(
        (c) => input.ServiceName === undefined || c.service_name === input.ServiceName,
      );
      const page = pageArray(rows, (c) => `${c.created_at}|${c.id}`, input.Marker, maxItemsOf(input));
      return { ServiceSpecificCredentials: page.items.map((c) => metadataOf(c, user.name, now)), ...pageInfo(page) };
    });
  },

  async UpdateServiceSpecificCredential(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const { row } = await ownedCredential(repo, ctx, 'iam:UpdateServiceSpecificCredential', input);
      if (input.Status === 'Expired') throw awsError('serviceCredentialStatusExpired');
      await repo.setServiceSpecificCredentialStatus(row.id, input.Status);
      return undefined;
    });
  },

  async ResetServiceSpecificCredential(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const { user, row } = await ownedCredential(repo, ctx, 'iam:ResetServiceSpecificCredential', input);
      // The previous secret stops working at once: only the new one is kept.
      const secret = newSecret(serviceOf(row.service_name), row.login);
      await repo.setServiceSpecificCredentialSecret(row.id, ctx.services.secrets.seal(secret, row.id));
      return { ServiceSpecificCredential: withSecret(row, user.name, secret, ctx.request.now) };
    });
  },

  async DeleteServiceSpecificCredential(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const { row } = await ownedCredential(repo, ctx, 'iam:DeleteServiceSpecificCredential', input);
      await repo.deleteServiceSpecificCredential(row.id);
      return undefined;
    });
  },
} satisfies IamHandlers;
