// STS GetSessionToken (temporary credentials for an IAM user or root, optionally MFA-authenticated),
// GetFederationToken (a federated-user session whose permissions are the intersection of the
// user's and the session policies) and GetAccessKeyInfo.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html
import { awsError } from '../errors/messages.ts';
import type { ActionContext } from '../actions/context.ts';
import type { StsHandlers } from '../actions/registry.ts';
import { accountOfKeyId, checkMfa, checkSessionPolicies, issueCredentials, packedPolicySize } from './sessions.ts';

/** IAM users: 900 s to 129,600 s, 43,200 s by default; root's sessions last at most an hour. */
export const DEFAULT_SESSION_TOKEN_SECONDS = 43_200;
export const ROOT_SESSION_MAX_SECONDS = 3600;

/** Long-term credentials only: GetSessionToken and GetFederationToken refuse session credentials. */
function longTermCaller(ctx: ActionContext, action: string): void {
  if (ctx.caller.session || (ctx.caller.type !== 'User' && ctx.caller.type !== 'Root')) {
    throw awsError('sessionCredentialsRefused', { operation: action });
  }
}

function durationFor(ctx: ActionContext, requested: number | undefined): number {
  const duration = requested ?? DEFAULT_SESSION_TOKEN_SECONDS;
  // "If the duration is longer than one hour, the session for AWS account owners defaults to one hour."
  return ctx.caller.type === 'Root' ? Math.min(duration, ROOT_SESSION_MAX_SECONDS) : duration;
}

export const sessionTokenHandlers = {
  // "No permissions are required for users to perform this operation."
  async GetSessionToken(ctx, input) {
    longTermCaller(ctx, 'GetSessionToken');
    const duration = durationFor(ctx, input.DurationSeconds);
    return ctx.services.store.write(async (repo) => {
      const mfa = await checkMfa(repo, ctx, input.SerialNumber, input.TokenCode);
      const now = ctx.request.now.getTime();
      const credentials = issueCredentials(ctx.services.secrets, ctx.caller.accountId, {
        kind: 'GetSessionToken',
        principalId: ctx.caller.type === 'User' ? (ctx.caller.entityId ?? null) : null,
        issuedAt: now,
        expiresAt: now + duration * 1000,
        mfaAt: mfa ? now : undefined,
      });
      return { Credentials: credentials };
    });
  },

  async GetFederationToken(ctx, input) {
    longTermCaller(ctx, 'GetFederationToken');
    const name = input.Name;
    const tags: Record<string, string> = {};
    for (const t of input.Tags ?? []) tags[t.Key] = t.Value;
    const extra: Record<string, string | string[]> = {};
    if (Object.keys(tags).length > 0) {
      for (const [k, v] of Object.entries(tags)) extra[`aws:RequestTag/${k}`] = v;
      extra['aws:TagKeys'] = Object.keys(tags);
    }
    const arn = `arn:${ctx.caller.partition}:sts::${ctx.caller.accountId}:federated-user/${name}`;
    await ctx.authorize('sts:GetFederationToken', arn, extra);
    if (Object.keys(tags).length > 0) await ctx.authorize('sts:TagSession', arn, extra);
    const duration = durationFor(ctx, input.DurationSeconds);
    return ctx.services.store.read(async (repo) => {
      const arns = await checkSessionPolicies(repo, ctx, input.Policy, input.PolicyArns);
      const packed = packedPolicySize(input.Policy, arns, tags);
      const now = ctx.request.now.getTime();
      const credentials = issueCredentials(ctx.services.secrets, ctx.caller.accountId, {
        kind: 'GetFederationToken',
        principalId: ctx.caller.type === 'User' ? (ctx.caller.entityId ?? null) : null,
        sessionName: name,
        issuedAt: now,
        expiresAt: now + duration * 1000,
        tags: Object.keys(tags).length > 0 ? tags : undefined,
        policy: input.Policy,
        policyArns: arns.length > 0 ? arns : undefined,
      });
      return {
        Credentials: credentials,
        FederatedUser: { FederatedUserId: `${ctx.caller.accountId}:${name}`, Arn: arn },
        // Unlike AssumeRole's, GetFederationToken's answer always has it: 0 without session policies or tags.
        PackedPolicySize: packed ?? 0,
      };
    });
  },

  async GetAccessKeyInfo(ctx, input) {
    await ctx.authorize('sts:GetAccessKeyInfo', '*');
    const id = input.AccessKeyId;
    const key = await ctx.services.store.read((repo) => repo.getAccessKey(id));
    const account = key?.account_id ?? accountOfKeyId(id);
    if (!account) throw awsError('accessKeyIdInvalid', { accessKeyId: id });
    return { Account: account };
  },
} satisfies StsHandlers;
