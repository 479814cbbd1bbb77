// Workloads: processes given an instance profile, the way an EC2 instance is. A workload holds an
// authorization token (shown once, stored only as a SHA-256 hash) that fetches the profile's
// role credentials from iamd's container-credentials endpoint — the endpoint every AWS SDK's
// default chain reads through AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN — so the process never holds a long-lived key.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html
import { createHash, randomBytes } from 'node:crypto';
import type { ActionContext, Services } from '../actions/context.ts';
import { iamArn } from '../domain/arn.ts';
import { DEFAULT_REGION } from '../sigv4/index.ts';
import { awsError } from '../errors/messages.ts';
import { arnOf } from '../iam/common.ts';
import type { RoleData } from '../iam/roles.ts';
import { compilePolicy, evaluate, parsePolicy } from '../policy/index.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import type { WorkloadTable } from '../store/schema.ts';
import { issueCredentials } from '../sts/sessions.ts';
import { recordWorkloadCredentials } from '../audit/service-events.ts';

/** The service an instance profile's role must trust, as for EC2 instances. */
export const WORKLOAD_SERVICE_PRINCIPAL = 'ec2.amazonaws.com';
/** Workload sessions: at least a minute (short-lived jobs, tests), at most the role's MaxSessionDuration. */
export const MIN_WORKLOAD_SESSION_SECONDS = 60;
export const DEFAULT_WORKLOAD_SESSION_SECONDS = 3600;
const TOKEN_PREFIX = 'iamdw_';
const NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;

interface ProfileData {
  roleId?: string;
}

export interface WorkloadView {
  WorkloadId: string;
  Name: string;
  InstanceProfileName: string;
  InstanceProfileArn: string;
  RoleArn?: string;
  SessionDurationSeconds: number;
  CreateDate: string;
  Expiration?: string;
  RevokeDate?: string;
  LastCredentialsIssued?: string;
  Status: 'Active' | 'Revoked' | 'Expired';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

async function profileAndRole(repo: Repo, ctx: ActionContext, profileName: string): Promise<{ profile: EntityRow<ProfileData>; role?: EntityRow<RoleData> }> {
  const profile = await repo.getEntityByName<ProfileData>(ctx.caller.accountId, 'instance-profile', profileName);
  if (!profile) throw awsError('instanceProfileNotFound', { name: profileName });
  const role = profile.data.roleId ? await repo.getEntityById<RoleData>(profile.data.roleId) : undefined;
  return { profile, role };
}

export function workloadView(
  ctx: Pick<ActionContext, 'caller'>,
  w: WorkloadTable,
  profile: EntityRow<ProfileData> | undefined,
  role: EntityRow<RoleData> | undefined,
  now: Date,
): WorkloadView {
  const expired = w.expires_at !== null && new Date(w.expires_at).getTime() <= now.getTime();
  return {
    WorkloadId: w.id,
    Name: w.name,
    InstanceProfileName: profile?.name ?? '',
    InstanceProfileArn: profile ? arnOf(ctx, profile) : '',
    RoleArn: role ? arnOf(ctx, role) : undefined,
    SessionDurationSeconds: w.session_seconds,
    CreateDate: w.created_at,
    Expiration: w.expires_at ?? undefined,
    RevokeDate: w.revoked_at ?? undefined,
    LastCredentialsIssued: w.last_issued_at ?? undefined,
    Status: w.revoked_at ? 'Revoked' : expired ? 'Expired' : 'Active',
  };
}

/**
 * Gives a workload an instance profile. Like launching an instance with one, the caller must be
 * allowed to pass the profile's role to EC2 (iam:PassRole with iam:PassedToService). Returns the
 * authorization token: this is the only time it is shown.
 */
export async function registerWorkload(
  ctx: ActionContext,
  input: { instanceProfileName: string; name: string; sessionDurationSeconds?: number; expiresInSeconds?: number },
): Promise<{ workload: WorkloadView; token: string }> {
  if (!NAME_PATTERN.test(input.name)) throw awsError('workloadNameInvalid', { quotedName: JSON.stringify(input.name) });
  return ctx.services.store.write(async (repo) => {
    const { profile, role } = await profileAndRole(repo, ctx, input.instanceProfileName);
    if (!role) {
      await ctx.authorize('iam:PassRole', arnOf(ctx, profile));
      throw awsError('workloadProfileWithoutRole', { name: profile.name });
    }
    await ctx.authorize('iam:PassRole', arnOf(ctx, role), { 'iam:PassedToService': WORKLOAD_SERVICE_PRINCIPAL });
    const max = role.data.maxSessionDuration ?? 3600;
    const sessionSeconds = input.sessionDurationSeconds ?? Math.min(DEFAULT_WORKLOAD_SESSION_SECONDS, max);
    if (!Number.isInteger(sessionSeconds) || sessionSeconds < MIN_WORKLOAD_SESSION_SECONDS || sessionSeconds > max) {
      throw awsError('workloadSessionDuration', { seconds: sessionSeconds, min: MIN_WORKLOAD_SESSION_SECONDS, max });
    }
    if (input.expiresInSeconds !== undefined && (!Number.isInteger(input.expiresInSeconds) || input.expiresInSeconds < 60)) {
      throw awsError('workloadTokenLifetime');
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = ctx.request.now;
    const row: WorkloadTable = {
      id: `wl-${randomBytes(8).toString('hex')}`,
      account_id: ctx.caller.accountId,
      instance_profile_id: profile.id,
      name: input.name,
      token_hash: hashToken(token),
      session_seconds: sessionSeconds,
      created_at: now.toISOString(),
      expires_at: input.expiresInSeconds ? new Date(now.getTime() + input.expiresInSeconds * 1000).toISOString() : null,
      revoked_at: null,
      last_issued_at: null,
    };
    await repo.insertWorkload(row);
    return { workload: workloadView(ctx, row, profile, role, now), token };
  });
}

/** Ends a workload: its token fetches nothing more and the sessions it was given stop working. */
export async function revokeWorkload(ctx: ActionContext, workloadId: string): Promise<WorkloadView> {
  return ctx.services.store.write(async (repo) => {
    const w = await repo.getWorkload(workloadId);
    const profile = w && w.account_id === ctx.caller.accountId ? await repo.getEntityById<ProfileData>(w.instance_profile_id) : undefined;
    const resource = profile ? arnOf(ctx, profile) : iamArn(ctx.caller.partition, ctx.caller.accountId, 'instance-profile', '/', '*');
    await ctx.authorize('iam:RemoveRoleFromInstanceProfile', resource);
    if (!w || w.account_id !== ctx.caller.accountId) throw awsError('workloadNotFound', { workloadId });
    await repo.revokeWorkload(w.id, ctx.request.now);
    const role = profile?.data.roleId ? await repo.getEntityById<RoleData>(profile.data.roleId) : undefined;
    return workloadView(ctx, { ...w, revoked_at: w.revoked_at ?? ctx.request.now.toISOString() }, profile, role, ctx.request.now);
  });
}

export async function listWorkloads(ctx: ActionContext, instanceProfileName?: string): Promise<WorkloadView[]> {
  return ctx.services.store.read(async (repo) => {
    let profileId: string | undefined;
    if (instanceProfileName !== undefined) {
      const { profile } = await profileAndRole(repo, ctx, instanceProfileName).catch(async (e: unknown) => {
        await ctx.authorize('iam:GetInstanceProfile', iamArn(ctx.caller.partition, ctx.caller.accountId, 'instance-profile', '/', instanceProfileName));
        throw e;
      });
      await ctx.authorize('iam:GetInstanceProfile', arnOf(ctx, profile));
      profileId = profile.id;
    } else {
      await ctx.authorize('iam:ListInstanceProfiles', iamArn(ctx.caller.partition, ctx.caller.accountId, 'instance-profile', '/', ''));
    }
    const out: WorkloadView[] = [];
    for (const w of await repo.listWorkloads(ctx.caller.accountId, profileId)) {
      const profile = await repo.getEntityById<ProfileData>(w.instance_profile_id);
      const role = profile?.data.roleId ? await repo.getEntityById<RoleData>(profile.data.roleId) : undefined;
      out.push(workloadView(ctx, w, profile, role, ctx.request.now));
    }
    return out;
  });
}

/** True while a workload's sessions may be used: not revoked, and its profile still holds that role. */
export async function workloadHoldsRole(repo: Repo, workloadId: string, roleId: string): Promise<boolean> {
  const w = await repo.getWorkload(workloadId);
  if (!w || w.revoked_at) return false;
  const profile = await repo.getEntityById<ProfileData>(w.instance_profile_id);
  return profile?.data.roleId === roleId;
}

/** The container-credentials document every AWS SDK reads. */
export interface ContainerCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  RoleArn: string;
}

/**
 * Exchanges a workload's authorization token for temporary credentials of its profile's role,
 * named after the workload. Throws AccessDenied for a wrong, revoked or expired token, and when
 * the profile has no role or the role does not trust EC2.
 */
export async function issueWorkloadCredentials(services: Services, token: string): Promise<ContainerCredentials> {
  const partition = services.partition;
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) throw awsError('workloadTokenInvalid');
  const now = services.clock();
  const result = await services.store.read(async (repo) => {
    const w = await repo.getWorkloadByTokenHash(hashToken(token));
    if (!w || w.revoked_at) throw awsError('workloadTokenInvalid');
    if (w.expires_at && new Date(w.expires_at).getTime() <= now.getTime()) throw awsError('workloadTokenExpired');
    const profile = await repo.getEntityById<ProfileData>(w.instance_profile_id);
    const role = profile?.data.roleId ? await repo.getEntityById<RoleData>(profile.data.roleId) : undefined;
    if (!profile || !role) throw awsError('workloadProfileHasNoRole');
    const roleArn = iamArn(partition, role.accountId, 'role', role.path, role.name);
    const trust = parsePolicy(role.data.trustPolicy, 'trust', { stored: true });
    const decision = trust.document
      ? evaluate({
          principal: { arn: WORKLOAD_SERVICE_PRINCIPAL, account: '', type: 'Service' },
          identityPolicies: [],
          resourcePolicy: compilePolicy(trust.document, { type: 'trust', name: role.name, arn: roleArn }),
          request: { action: 'sts:AssumeRole', resource: roleArn, resourceAccount: role.accountId, context: { 'aws:CurrentTime': now.toISOString() } },
          explain: false,
        })
      : undefined;
    if (decision?.decision !== 'Allowed') throw awsError('workloadRoleNotTrusted', { name: role.name, principal: WORKLOAD_SERVICE_PRINCIPAL });
    const seconds = Math.min(w.session_seconds, role.data.maxSessionDuration ?? 3600);
    const issued = issueCredentials(services.secrets, role.accountId, {
      kind: 'AssumeRole',
      principalId: role.id,
      roleName: role.name,
      sessionName: w.name,
      issuedAt: now.getTime(),
      expiresAt: now.getTime() + seconds * 1000,
      workloadId: w.id,
    });
    const credentials: ContainerCredentials = {
      AccessKeyId: issued.AccessKeyId,
      SecretAccessKey: issued.SecretAccessKey,
      Token: issued.SessionToken,
      Expiration: issued.Expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      RoleArn: roleArn,
    };
    return { credentials, workloadId: w.id, role };
  });
  // Bookkeeping only (like an access key's last use): it must not invalidate every node's caches.
  await services.store.touch(async (repo) => {
    await repo.markWorkloadIssued(result.workloadId, now);
    const role = await repo.getEntityById<RoleData>(result.role.id);
    if (role) await repo.updateEntity(role.id, { data: { ...role.data, lastUsed: { date: now.toISOString(), region: DEFAULT_REGION[services.partition] } } });
  });
  services.metrics?.workloadCredentials.inc();
  // The audit trail: the issue, as the role session it starts (never the token or the credentials).
  // Fail-closed and unrecorded: the credentials are not handed out.
  const recorded = await recordWorkloadCredentials(services.audit, {
    accountId: result.role.accountId,
    partition: services.partition,
    roleArn: result.credentials.RoleArn,
    roleId: result.role.id,
    workloadId: result.workloadId,
    accessKeyId: result.credentials.AccessKeyId,
    now,
  });
  if (!recorded) throw awsError('auditTrailUnavailable');
  return result.credentials;
}
