// Which roles of an account a verified OIDC identity may assume: those whose trust policy allows
// sts:AssumeRoleWithWebIdentity for the provider's Federated principal with the token's condition
// keys — the decision AssumeRoleWithWebIdentity makes for one role (./federated-session.ts), made
// for every role of the account. The console's sign-in through an OIDC provider offers these roles
// (as AWS's SAML sign-in offers the roles of the assertion); assuming the chosen one goes through
// issueFederatedSession, which decides again.
import type { RequestFacts } from '../actions/context.ts';
import { compileStored } from '../authz/principal-policies.ts';
import { iamArn } from '../domain/arn.ts';
import { DEFAULT_MAX_SESSION_DURATION, type RoleData } from '../iam/roles.ts';
import { evaluate, type RequestContext } from '../policy/index.ts';
import type { Repo } from '../store/repo.ts';

export interface TrustingRole {
  arn: string;
  name: string;
  /** The role's MaxSessionDuration, seconds. */
  maxSessionDuration: number;
}

export interface WebIdentityRequest {
  partition: string;
  provider: { arn: string; accountId: string };
  /** webIdentityConditionKeys(providerName, claims). */
  conditionKeys: Record<string, string | string[]>;
  sessionName: string;
  facts: RequestFacts;
}

/** The request context the trust policy sees (the keys issueFederatedSession sets, without session tags). */
function trustContext(rq: WebIdentityRequest): Record<string, string | string[]> {
  const now = rq.facts.now;
  const context: Record<string, string | string[]> = {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': rq.facts.secureTransport ? 'true' : 'false',
    'aws:UserAgent': rq.facts.userAgent,
    'aws:RequestedRegion': rq.facts.region,
    'aws:FederatedProvider': rq.provider.arn,
    'sts:RoleSessionName': rq.sessionName,
    ...rq.conditionKeys,
  };
  if (rq.facts.sourceIp !== undefined) context['aws:SourceIp'] = rq.facts.sourceIp;
  return context;
}

/** The provider account's roles that trust this identity, by name. */
export async function rolesTrustingWebIdentity(repo: Repo, rq: WebIdentityRequest): Promise<TrustingRole[]> {
  const accountId = rq.provider.accountId;
  const context = trustContext(rq) as RequestContext;
  const out: TrustingRole[] = [];
  let marker: string | undefined;
  do {
    const page = await repo.listEntities<RoleData>(accountId, 'role', { marker, maxItems: 1000 });
    for (const role of page.items) {
      // Service-linked roles trust their service only; a trust policy that no longer parses allows nothing.
      if (role.data.serviceLinked) continue;
      const trust = compileStored(role.data.trustPolicy, { type: 'trust', name: `trust policy of ${role.name}` }, 'trust');
      if (!trust) continue;
      const arn = iamArn(rq.partition, accountId, 'role', role.path, role.name);
      const decision = evaluate({
        principal: { arn: rq.provider.arn, account: accountId, type: 'WebIdentity' },
        identityPolicies: [],
        resourcePolicy: trust,
        request: { action: 'sts:AssumeRoleWithWebIdentity', resource: arn, resourceAccount: accountId, context },
        explain: false,
      }).decision;
      if (decision === 'Allowed') out.push({ arn, name: role.name, maxSessionDuration: role.data.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION });
    }
    marker = page.marker;
  } while (marker !== undefined);
  return out;
}
