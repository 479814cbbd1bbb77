// The one seam between the store and the policy engine: gathers the caller's policies, builds
// the request context with AWS's global condition keys, asks the engine, and words AccessDenied
// the way AWS does.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { awsError } from '../errors/messages.ts';
import { accessDeniedMessage, evaluate, type CompiledPolicy, type Decision, type RequestContext } from '../policy/index.ts';
import type { Store, Transactions } from '../store/store.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { encodeAuthorizationMessage } from './authorization-message.ts';
import { compileStored, PrincipalPolicyCache, type PrincipalPolicies } from './principal-policies.ts';
import { ResourcePolicyCache } from './resource-policies.ts';
import { ActivityRecorder } from './activity.ts';
import type { Metrics } from '../metrics/metrics.ts';

const ALLOW_ALL = compileStored('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', { type: 'identity', name: 'root' })!;
const ALLOW_NOTHING = compileStored('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}', {
  type: 'session',
  name: 'no session policy',
})!;

export type ContextValues = Record<string, string | string[]>;

export interface AuthorizationOptions {
  /** The request's store session: policies are read in its open transaction, if it has one. */
  store?: Transactions;
  /** A resource-based policy of the target (a role's trust policy for sts:AssumeRole). */
  resourcePolicy?: CompiledPolicy | null;
  /** The account that owns the resource (defaults to the caller's). */
  resourceAccount?: string;
}

export class Authorizer {
  readonly policies: PrincipalPolicyCache;
  /** Resource-based policies protected services keep in iamd (the authorization API). */
  readonly resourcePolicies: ResourcePolicyCache;
  /** Every attempt authorize() decides, for the service last accessed reports (src/iam/last-accessed.ts). */
  readonly activity: ActivityRecorder;
  /** Counts decisions by outcome (iamd_authorization_decisions_total); set by the app when metrics are on. */
  private metrics?: Metrics;

  constructor(
    store: Store,
    /** Seals the encoded authorization message of AccessDenied errors, when given. */
    private readonly secrets?: SecretBox,
    /** Told when recording an attempt fails (the request goes on regardless). */
    onActivityError?: (error: unknown) => void,
  ) {
    this.policies = new PrincipalPolicyCache(store);
    this.resourcePolicies = new ResourcePolicyCache(store);
    this.activity = new ActivityRecorder(store, onActivityError);
  }

  /** Turns metrics on: decisions and the principal policy cache's hits are counted from now on. */
  useMetrics(metrics: Metrics): void {
    this.metrics = metrics;
    this.policies.metrics = metrics;
  }

  private count(decision: Decision): void {
    this.metrics?.decision(decision.decision === 'Allowed' ? 'allowed' : decision.decision === 'ExplicitlyDenied' ? 'explicit_deny' : 'implicit_deny');
  }

  /** The caller's policies as the engine sees them (empty for root, which needs none). */
  async policiesOf(caller: Caller, store?: Transactions): Promise<PrincipalPolicies & { session: CompiledPolicy[] | null }> {
    if (caller.type === 'User' && caller.entityId) return { ...(await this.policies.forUser(caller.entityId, caller.accountId, store)), session: null };
    if (caller.type === 'AssumedRole' && caller.entityId) {
      const role = await this.policies.forRole(caller.entityId, caller.accountId, store);
      return { ...role, tags: { ...role.tags, ...(caller.session?.tags ?? {}) }, session: caller.session?.compiledSessionPolicies ?? null };
    }
    if (caller.type === 'FederatedUser') {
      // GetFederationToken: the intersection of the issuing user's policies (all of root's, for
      // root) and the session policies; a session without policies has none.
      const base = caller.entityId
        ? await this.policies.forUser(caller.entityId, caller.accountId, store)
        : { identity: [ALLOW_ALL], boundary: null, tags: {} };
      return {
        ...base,
        tags: { ...base.tags, ...(caller.session?.tags ?? {}) },
        session: caller.session?.compiledSessionPolicies?.length ? caller.session.compiledSessionPolicies : [ALLOW_NOTHING],
      };
    }
    // A gateway holds exactly what registering it delegated, and nothing else.
    if (caller.type === 'Gateway') return { identity: caller.gatewayPolicy ? [caller.gatewayPolicy] : [], boundary: null, tags: {}, session: null };
    return { identity: [], boundary: null, tags: {}, session: null };
  }

  /** AWS's global condition keys for this caller and request, plus the action's own keys. */
  requestContext(caller: Caller, facts: RequestFacts, principalTags: Record<string, string>, extra?: ContextValues): Record<string, string | string[]> {
    const ctx: Record<string, string | string[]> = {
      'aws:PrincipalArn': caller.type === 'AssumedRole' && caller.roleArn ? caller.roleArn : caller.arn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:PrincipalType': caller.type === 'Root' ? 'Account' : caller.type,
      'aws:userid': caller.userId,
      'aws:CurrentTime': facts.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'aws:EpochTime': String(Math.floor(facts.now.getTime() / 1000)),
      'aws:SecureTransport': facts.secureTransport ? 'true' : 'false',
      'aws:UserAgent': facts.userAgent,
      'aws:RequestedRegion': facts.region,
    };
    if (facts.sourceIp !== undefined) ctx['aws:SourceIp'] = facts.sourceIp;
    if (caller.type === 'User' && caller.userName) ctx['aws:username'] = caller.userName;
    const session = caller.session;
    if (session) {
      ctx['aws:TokenIssueTime'] = session.issuedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
      ctx['aws:MultiFactorAuthPresent'] = session.mfaAuthenticatedAt ? 'true' : 'false';
      if (session.mfaAuthenticatedAt)
        ctx['aws:MultiFactorAuthAge'] = String(Math.max(0, Math.floor((facts.now.getTime() - session.mfaAuthenticatedAt.getTime()) / 1000)));
      if (session.sourceIdentity) ctx['aws:SourceIdentity'] = session.sourceIdentity;
      if (session.federatedProvider) ctx['aws:FederatedProvider'] = session.federatedProvider;
    }
    for (const [k, v] of Object.entries(principalTags)) ctx[`aws:PrincipalTag/${k}`] = v;
    if (extra) Object.assign(ctx, extra);
    return ctx;
  }

  /** Decides one action on one resource for the caller. Root may do anything in its own account. */
  async decide(
    caller: Caller,
    action: string,
    resource: string,
    facts: RequestFacts,
    extra?: ContextValues,
    options: AuthorizationOptions = {},
  ): Promise<Decision> {
    const { decision } = await this.evaluateFor(caller, action, resource, facts, extra, options, true);
    this.count(decision);
    return decision;
  }

  private async evaluateFor(
    caller: Caller,
    action: string,
    resource: string,
    facts: RequestFacts,
    extra: ContextValues | undefined,
    options: AuthorizationOptions,
    explain: boolean,
  ): Promise<{ decision: Decision; context: Record<string, string | string[]> }> {
    const resourceAccount = options.resourceAccount ?? caller.accountId;
    if (caller.type === 'Root' && resourceAccount === caller.accountId)
      return { decision: { decision: 'Allowed', matchedStatements: [], missingContextKeys: [] }, context: {} };
    const policies = await this.policiesOf(caller, options.store);
    const context = this.requestContext(caller, facts, policies.tags, extra);
    const decision = evaluate({
      // A gateway is evaluated as an identity whose one identity policy is its delegated right.
      principal: { arn: caller.arn, account: caller.accountId, type: caller.type === 'Gateway' ? 'User' : caller.type },
      identityPolicies: policies.identity,
      permissionsBoundary: policies.boundary,
      sessionPolicies: policies.session,
      resourcePolicy: options.resourcePolicy ?? null,
      request: { action, resource, resourceAccount, context: context as RequestContext },
      explain,
    });
    return { decision, context };
  }

  /**
   * Throws AccessDenied, in AWS's words, unless the caller may perform the action. The decision
   * is made without building an explanation (the hot path); a denial is decided again with one,
   * for the message and the encoded authorization message that DecodeAuthorizationMessage opens.
   */
  async authorize(
    caller: Caller,
    action: string,
    resource: string,
    facts: RequestFacts,
    extra?: ContextValues,
    options: AuthorizationOptions = {},
  ): Promise<void> {
    // AWS's last-accessed data counts every attempt, denied ones too.
    this.activity.note(caller, action, facts);
    const fast = await this.evaluateFor(caller, action, resource, facts, extra, options, false);
    if (fast.decision.decision === 'Allowed') {
      this.metrics?.decision('allowed');
      return;
    }
    const { decision, context } = await this.evaluateFor(caller, action, resource, facts, extra, options, true);
    this.count(decision);
    const message = accessDeniedMessage(decision, caller.arn, action, resource);
    const error = message === undefined ? awsError('accessDenied') : awsError('accessDeniedByPolicy', { detail: message });
    if (this.secrets) error.details = { EncodedAuthorizationMessage: encodeAuthorizationMessage(this.secrets, decision, caller, action, resource, context) };
    throw error;
  }
}
