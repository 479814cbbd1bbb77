// The part of AssumeRoleWithWebIdentity and AssumeRoleWithSAML after the token or assertion is
// verified: the role's trust policy decides for the identity provider's principal (there is no
// signed caller, so no identity policy takes part), then a role session is issued exactly as
// AssumeRole issues one. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers.html
import type { ActionContext } from '../actions/context.ts';
import { assumedRoleArn, iamArn } from '../domain/arn.ts';
import { awsError } from '../errors/messages.ts';
import { compileStored } from '../authz/principal-policies.ts';
import { DEFAULT_MAX_SESSION_DURATION } from '../iam/roles.ts';
import { evaluate, type RequestContext } from '../policy/index.ts';
import { DEFAULT_ASSUME_ROLE_SECONDS, roleOfArn } from './assume-role.ts';
import { checkSessionPolicies, issueCredentials, noteRoleUse, packedPolicySize, type IssuedCredentials } from './sessions.ts';

export interface FederatedSessionRequest {
  kind: 'AssumeRoleWithWebIdentity' | 'AssumeRoleWithSAML';
  roleArn: string;
  sessionName: string;
  /** The IAM OIDC or SAML provider the token was verified against: the trust policy's `Federated` principal. */
  provider: { arn: string; accountId: string };
  /** The provider's condition keys (`ISSUER:aud`, `ISSUER:sub`, `SAML:sub`…) and any others the request sets. */
  conditionKeys: Record<string, string | string[]>;
  /** Session tags from the token or assertion, and which of them are transitive. */
  tags?: Record<string, string>;
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
  policy?: string;
  policyArns?: { arn?: string }[];
  durationSeconds?: number;
  /** The latest the session may last (SAML's SessionNotOnOrAfter), epoch milliseconds. */
  notAfter?: number;
}

export interface FederatedSession {
  Credentials: IssuedCredentials;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
}

/**
 * Decides with the role's trust policy and issues the session; throws AccessDenied ("Not
 * authorized to perform sts:AssumeRoleWith…") when the role is missing, in another account than
 * the provider, or its trust policy does not allow the provider for these claims.
 */
export async function issueFederatedSession(ctx: ActionContext, rq: FederatedSessionRequest): Promise<FederatedSession> {
  const action = `sts:${rq.kind}`;
  const partition = ctx.services.partition;
  ctx.authorized = true; // the trust policy below is this operation's whole authorization
  const store = ctx.services.store;
  const { session, role } = await store.read(async (repo) => {
    const role = await roleOfArn(repo, rq.roleArn);
    const trust =
      role && role.accountId === rq.provider.accountId
        ? compileStored(role.data.trustPolicy, { type: 'trust', name: `trust policy of ${role.name}` }, 'trust')
        : undefined;
    if (!role || !trust) throw awsError('federatedNotAuthorized', { action });
    const roleArn = iamArn(partition, role.accountId, 'role', role.path, role.name);

    const context: Record<string, string | string[]> = {
      'aws:CurrentTime': ctx.request.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'aws:EpochTime': String(Math.floor(ctx.request.now.getTime() / 1000)),
      'aws:SecureTransport': ctx.request.secureTransport ? 'true' : 'false',
      'aws:UserAgent': ctx.request.userAgent,
      'aws:RequestedRegion': ctx.request.region,
      'aws:FederatedProvider': rq.provider.arn,
      'sts:RoleSessionName': rq.sessionName,
      ...rq.conditionKeys,
    };
    if (ctx.request.sourceIp !== undefined) context['aws:SourceIp'] = ctx.request.sourceIp;
    const tags = rq.tags ?? {};
    const tagKeys = Object.keys(tags);
    if (tagKeys.length > 0) {
      for (const [k, v] of Object.entries(tags)) context[`aws:RequestTag/${k}`] = v;
      context['aws:TagKeys'] = tagKeys;
    }
    if (rq.transitiveTagKeys && rq.transitiveTagKeys.length > 0) context['sts:TransitiveTagKeys'] = rq.transitiveTagKeys;
    if (rq.sourceIdentity !== undefined) context['sts:SourceIdentity'] = rq.sourceIdentity;

    const allows = (what: string) =>
      evaluate({
        principal: { arn: rq.provider.arn, account: role.accountId, type: rq.kind === 'AssumeRoleWithSAML' ? 'SAML' : 'WebIdentity' },
        identityPolicies: [],
        resourcePolicy: trust,
        request: { action: what, resource: roleArn, resourceAccount: role.accountId, context: context as RequestContext },
        explain: false,
      }).decision === 'Allowed';
    if (!allows(action)) throw awsError('federatedNotAuthorized', { action });
    // Session tags and a source identity each need their own permission in the trust policy.
    if (tagKeys.length > 0 && !allows('sts:TagSession')) throw awsError('federatedNotAuthorized', { action: 'sts:TagSession' });
    if (rq.sourceIdentity !== undefined && !allows('sts:SetSourceIdentity')) throw awsError('federatedNotAuthorized', { action: 'sts:SetSourceIdentity' });

    const sessionArns = await checkSessionPolicies(repo, ctx, rq.policy, rq.policyArns, role.accountId);
    const duration = rq.durationSeconds ?? DEFAULT_ASSUME_ROLE_SECONDS;
    if (duration > (role.data.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION)) throw awsError('maxSessionDurationExceeded');
    const packed = packedPolicySize(rq.policy, sessionArns, tags);
    const now = ctx.request.now.getTime();
    const expiresAt = Math.min(now + duration * 1000, rq.notAfter ?? Number.POSITIVE_INFINITY);
    const transitive = rq.transitiveTagKeys ?? [];
    const credentials = issueCredentials(ctx.services.secrets, role.accountId, {
      kind: rq.kind,
      principalId: role.id,
      roleName: role.name,
      sessionName: rq.sessionName,
      issuedAt: now,
      expiresAt,
      tags: tagKeys.length > 0 ? tags : undefined,
      transitiveTagKeys: transitive.length > 0 ? transitive : undefined,
      policy: rq.policy,
      policyArns: sessionArns.length > 0 ? sessionArns : undefined,
      sourceIdentity: rq.sourceIdentity,
      federatedProvider: rq.provider.arn,
    });
    const session: FederatedSession = {
      Credentials: credentials,
      AssumedRoleUser: { AssumedRoleId: `${role.id}:${rq.sessionName}`, Arn: assumedRoleArn(partition, role.accountId, role.name, rq.sessionName) },
      PackedPolicySize: packed,
      SourceIdentity: rq.sourceIdentity,
    };
    return { session, role };
  });
  await noteRoleUse(store, role, ctx.request.now, ctx.request.region);
  return session;
}
