// STS GetWebIdentityToken: a JWT, signed by the account's issuer (outbound web identity
// federation), that tells an external service which AWS principal is calling.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_token_claims.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_policies.html
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Caller } from '../actions/context.ts';
import type { StsHandlers } from '../actions/registry.ts';
import { awsError } from '../errors/messages.ts';
import { publicUrlOf } from '../iam/outbound-federation.ts';
import { expiredKeys, isSigningAlgorithm, issuerUrl, keysDue, privateKeyOf, rotateKeys, signingKey } from '../iam/outbound-issuer.ts';
import type { Tag } from '../store/repo.ts';

/** DurationSeconds when the request has none. */
export const DEFAULT_TOKEN_SECONDS = 300;
/** The claims' JSON may not exceed this (iamd's limit: AWS documents none, only the error). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** Where AWS puts its own claims, the principal's tags and the request's tags. */
export const AWS_CLAIMS = 'https://sts.amazonaws.com/';

/** Request tags: keys unique whatever their case, none in the aws: namespace (as AssumeRole's session tags). */
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

/** The token's subject: the principal's ARN; for a role session, "the ARN of the role". */
function subjectOf(caller: Caller): string {
  return caller.type === 'AssumedRole' && caller.roleArn ? caller.roleArn : caller.arn;
}

export const webIdentityTokenHandlers = {
  async GetWebIdentityToken(ctx, input) {
    const alg = input.SigningAlgorithm;
    if (!isSigningAlgorithm(alg)) throw awsError('signingAlgorithmInvalid', { value: alg });
    const audiences = input.Audience;
    const duration = input.DurationSeconds ?? DEFAULT_TOKEN_SECONDS;
    const requestTags = tagsOf(input.Tags);
    const tagKeys = Object.keys(requestTags);

    // sts:DurationSeconds is the token's lifetime, the default one too, so a policy capping it holds either way.
    const context: Record<string, string | string[]> = {
      'sts:IdentityTokenAudience': audiences,
      'sts:DurationSeconds': String(duration),
      'sts:SigningAlgorithm': alg,
    };
    if (tagKeys.length > 0) {
      for (const [k, v] of Object.entries(requestTags)) context[`aws:RequestTag/${k}`] = v;
      context['aws:TagKeys'] = tagKeys;
    }
    await ctx.authorize('sts:GetWebIdentityToken', '*', context);
    if (tagKeys.length > 0) await ctx.authorize('sts:TagGetWebIdentityToken', '*', context);

    const caller = ctx.caller;
    const account = caller.accountId;
    const now = ctx.request.now;
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + duration;
    const state = await ctx.services.store.read(async (repo) => ({
      federation: await repo.getOutboundFederation(account),
      keys: await repo.listOutboundSigningKeys(account),
    }));
    const federation = state.federation;
    if (federation?.enabled !== 1) throw awsError('outboundTokensDisabled');
    // Temporary credentials cannot mint a token that outlives them.
    if (caller.session && exp * 1000 > caller.session.expiresAt.getTime()) throw awsError('webIdentityTokenOutlivesSession');

    // Rotation happens here, when a key is due (outbound-issuer.ts); so does deleting the keys replaced long ago.
    let keys = state.keys;
    const fresh = await keysDue(ctx.services.secrets, account, keys, now);
    if (fresh.length > 0 || expiredKeys(keys, now).length > 0) {
      keys = await ctx.services.store.write(async (repo) => {
        await rotateKeys(repo, account, fresh, now);
        return repo.listOutboundSigningKeys(account);
      });
    }
    const key = signingKey(keys, alg, now);
    if (!key) throw new Error(`no ${alg} signing key for account ${account}`);

    const principalTags = (await ctx.services.authorizer.policiesOf(caller, ctx.services.store)).tags;
    const awsClaims: Record<string, unknown> = { aws_account: account, source_region: ctx.request.region };
    if (Object.keys(principalTags).length > 0) awsClaims.principal_tags = principalTags;
    if (tagKeys.length > 0) awsClaims.request_tags = requestTags;
    const payload = {
      iss: issuerUrl(publicUrlOf(ctx), federation.issuer_id),
      sub: subjectOf(caller),
      // One audience is a string, several an array (RFC 7519 section 4.1.3).
      aud: audiences.length === 1 ? audiences[0]! : audiences,
      iat,
      exp,
      jti: randomUUID(),
      [AWS_CLAIMS]: awsClaims,
    };
    if (Buffer.byteLength(JSON.stringify(payload), 'utf8') > MAX_PAYLOAD_BYTES) throw awsError('webIdentityTokenTooLarge');

    const token = await new SignJWT(payload).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).sign(privateKeyOf(ctx.services.secrets, key));
    return { WebIdentityToken: token, Expiration: new Date(exp * 1000) };
  },
} satisfies StsHandlers;
