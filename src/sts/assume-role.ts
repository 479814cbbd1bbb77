// STS AssumeRole: temporary credentials for a role, when the role's trust policy (a resource-based
// policy, evaluated together with the caller's identity policies by AWS's rules) allows the caller.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
import { awsError } from '../errors/messages.ts';
import { assumedRoleArn, iamArn, parseArn } from '../domain/arn.ts';
import { arnParses } from '../domain/arn-syntax.ts';
import type { StsHandlers } from '../actions/registry.ts';
import { compileStored } from '../authz/principal-policies.ts';
import type { RoleData } from '../iam/roles.ts';
import { DEFAULT_MAX_SESSION_DURATION } from '../iam/roles.ts';
import type { EntityRow, Repo, Tag } from '../store/repo.ts';
import { checkMfa, checkSessionPolicies, issueCredentials, noteRoleUse, packedPolicySize } from './sessions.ts';

/** Role chaining: a role session assuming a role gets at most one hour. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;
export const DEFAULT_ASSUME_ROLE_SECONDS = 3600;

/** The role an ARN names (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`), with path and account checked. */
export async function roleOfArn(repo: Repo, arn: string): Promise<EntityRow<RoleData> | undefined> {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'iam' || !parsed.resource.startsWith('role/')) return undefined;
  const resource = parsed.resource.slice('role'.length);
  const slash = resource.lastIndexOf('/');
  const path = resource.slice(0, slash + 1);
  const name = resource.slice(slash + 1);
  const role = await repo.getEntityByName<RoleData>(parsed.account, 'role', name);
  return role && role.path === path && role.name === name ? role : undefined;
}

function tagsOf(list: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  for (const t of list ?? []) {
    const lower = t.Key.toLowerCase();
    if (seen.has(lower)) throw awsError('sessionTagKeysDuplicate');
    seen.add(lower);
    if (lower.startsWith('aws:')) throw awsError('sessionTagKeyReserved');
    out[t.Key] = t.Value;
  }
  return out;
}

export const assumeRoleHandlers = {
  async AssumeRole(ctx, input) {
    const roleArnInput = input.RoleArn;
    const sessionName = input.RoleSessionName;
    const caller = ctx.caller;
    const chained = caller.type === 'AssumedRole';
    const notAuthorized = (action: string) => awsError('notAuthorized', { principal: caller.arn, action, resource: roleArnInput });
    // A RoleArn that is no ARN at all is a bad parameter; one that names no assumable role is refused as not authorized.
    if (!arnParses(roleArnInput)) throw awsError('roleArnInvalid', { arn: roleArnInput });

    // Session tags: the caller's transitive tags (role chaining) carry over and cannot be changed.
    const requestTags = tagsOf(input.Tags);
    const transitive = new Set<string>(input.TransitiveTagKeys ?? []);
    for (const key of transitive) {
      if (!Object.keys(requestTags).some((k) => k.toLowerCase() === key.toLowerCase())) {
        throw awsError('transitiveTagKeyNotRequested');
      }
    }
    const inherited: Record<string, string> = {};
    if (chained && caller.session?.tags) {
      const keys = new Set(caller.session.transitiveTagKeys ?? []);
      for (const [k, v] of Object.entries(caller.session.tags)) if (keys.has(k)) inherited[k] = v;
      // A transitive tag of the calling session cannot be set again, whatever the case of its key.
      const fixed = new Set(Object.keys(inherited).map((k) => k.toLowerCase()));
      if (Object.keys(requestTags).some((k) => fixed.has(k.toLowerCase()))) throw awsError('transitiveTagKeyConflict');
    }

    // AWS refuses root outright: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use.html
    if (caller.type === 'Root') {
      ctx.authorized = true;
      throw awsError('rootCannotAssumeRole');
    }

    // A read, unless an MFA code is to be spent (codes are single use): issuing a session writes nothing.
    const store = ctx.services.store;
    const inTransaction = input.SerialNumber !== undefined || input.TokenCode !== undefined ? store.write.bind(store) : store.read.bind(store);
    const { output, role } = await inTransaction(async (repo) => {
      const mfa = await checkMfa(repo, ctx, input.SerialNumber, input.TokenCode);
      const role = await roleOfArn(repo, roleArnInput);

      // The request's own condition keys, as the trust policy sees them.
      const extra: Record<string, string | string[]> = { 'sts:RoleSessionName': sessionName };
      if (input.ExternalId !== undefined) extra['sts:ExternalId'] = input.ExternalId;
      if (input.SourceIdentity !== undefined) extra['sts:SourceIdentity'] = input.SourceIdentity;
      const tagKeys = Object.keys(requestTags);
      if (tagKeys.length > 0) {
        for (const [k, v] of Object.entries(requestTags)) extra[`aws:RequestTag/${k}`] = v;
        extra['aws:TagKeys'] = tagKeys;
      }
      if (transitive.size > 0) extra['sts:TransitiveTagKeys'] = [...transitive];
      if (mfa) {
        extra['aws:MultiFactorAuthPresent'] = 'true';
        extra['aws:MultiFactorAuthAge'] = '0';
      }

      // The trust policy must allow (within one account too), and the caller's policies by AWS's rules.
      const trust = role ? compileStored(role.data.trustPolicy, { type: 'trust', name: `trust policy of ${role.name}` }, 'trust') : undefined;
      ctx.authorized = true;
      if (!role || !trust) throw notAuthorized('sts:AssumeRole');
      const roleArn = iamArn(caller.partition, role.accountId, 'role', role.path, role.name);
      const decide = (action: string) =>
        ctx.services.authorizer.decide(caller, action, roleArn, ctx.request, extra, {
          resourcePolicy: trust,
          resourceAccount: role.accountId,
          store: ctx.services.store,
        });
      if ((await decide('sts:AssumeRole')).decision !== 'Allowed') throw notAuthorized('sts:AssumeRole');
      if (tagKeys.length > 0 && (await decide('sts:TagSession')).decision !== 'Allowed') {
        throw notAuthorized('sts:TagSession');
      }
      if (input.SourceIdentity !== undefined && (await decide('sts:SetSourceIdentity')).decision !== 'Allowed') {
        throw notAuthorized('sts:SetSourceIdentity');
      }

      // Session policies are checked once the caller may assume the role (no probing for policy names).
      const sessionArns = await checkSessionPolicies(repo, ctx, input.Policy, input.PolicyArns);

      // A source identity, once set, stays for the whole chain.
      const previousSource = caller.session?.sourceIdentity;
      if (previousSource !== undefined && input.SourceIdentity !== undefined && input.SourceIdentity !== previousSource) {
        throw notAuthorized('sts:SetSourceIdentity');
      }

      const duration = input.DurationSeconds ?? DEFAULT_ASSUME_ROLE_SECONDS;
      if (chained && duration > ROLE_CHAINING_MAX_SECONDS) throw awsError('roleChainingDuration');
      if (duration > (role.data.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION)) throw awsError('maxSessionDurationExceeded');

      const tags = { ...requestTags, ...inherited };
      const transitiveKeys = [...new Set([...Object.keys(inherited), ...transitive])];
      const packed = packedPolicySize(input.Policy, sessionArns, tags);
      const now = ctx.request.now.getTime();
      const credentials = issueCredentials(ctx.services.secrets, role.accountId, {
        kind: 'AssumeRole',
        principalId: role.id,
        roleName: role.name,
        sessionName,
        issuedAt: now,
        expiresAt: now + duration * 1000,
        mfaAt: mfa ? now : undefined,
        tags: Object.keys(tags).length > 0 ? tags : undefined,
        transitiveTagKeys: transitiveKeys.length > 0 ? transitiveKeys : undefined,
        policy: input.Policy,
        policyArns: sessionArns.length > 0 ? sessionArns : undefined,
        sourceIdentity: previousSource ?? input.SourceIdentity,
        chained: chained || undefined,
      });
      const output = {
        Credentials: credentials,
        AssumedRoleUser: { AssumedRoleId: `${role.id}:${sessionName}`, Arn: assumedRoleArn(caller.partition, role.accountId, role.name, sessionName) },
        PackedPolicySize: packed,
        SourceIdentity: previousSource ?? input.SourceIdentity,
      };
      return { output, role };
    });
    await noteRoleUse(store, role, ctx.request.now, ctx.request.region);
    return output;
  },
} satisfies StsHandlers;
