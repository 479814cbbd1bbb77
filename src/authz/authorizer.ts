// The one seam between the store and the policy engine: gathers the caller's policies, builds
// the request context with AWS's global condition keys, asks the engine, and words AccessDenied
// the way AWS does.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { isoSeconds, isoSecondsOnce } from '../domain/time.ts';
import { awsError } from '../errors/messages.ts';
import {
  accessDeniedMessage,
  allowingStatements,
  contextWith,
  evaluate,
  type CompiledPolicy,
  type Decision,
  type MatchedStatement,
  type RequestContext,
} from '../policy/index.ts';
import type { Store, Transactions } from '../store/store.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { encodeAuthorizationMessage } from './authorization-message.ts';
import { compileStored, PrincipalPolicyCache, type PrincipalPolicies } from './principal-policies.ts';
import { ResourcePolicyCache } from './resource-policies.ts';
import { ActivityRecorder } from './activity.ts';
import { AllowedDecisions } from './allowed-decisions.ts';
import { decidingStatements } from './matched-statements.ts';

const NONE: readonly MatchedStatement[] = Object.freeze([]);
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
  /** Allowed decisions that read no fact of the request, until the next write (./allowed-decisions.ts). */
  private readonly allowed: AllowedDecisions;
  /** The last request context built without extra keys, shared while caller, facts and tags are the same objects (a batch's questions). */
  private lastContext?: { caller: Caller; facts: RequestFacts; tags: Record<string, string>; context: Record<string, string | string[]> };

  constructor(
    private readonly store: Store,
    /** Seals the encoded authorization message of AccessDenied errors, when given. */
    private readonly secrets?: SecretBox,
    /** Told when recording an attempt fails (the request goes on regardless). */
    onActivityError?: (error: unknown) => void,
  ) {
    this.policies = new PrincipalPolicyCache(store);
    this.resourcePolicies = new ResourcePolicyCache(store);
    this.activity = new ActivityRecorder(store, onActivityError);
    this.allowed = new AllowedDecisions(store);
  }

  /** The store's write generation: a cache of what was read from the store is current while it is unchanged. */
  get generation(): number {
    return this.store.generation;
  }

  /** Turns metrics on: decisions and the principal policy cache's hits are counted from now on. */
  useMetrics(metrics: Metrics): void {
    this.metrics = metrics;
    this.policies.metrics = metrics;
  }

  private count(decision: Decision): void {
    this.metrics?.decision(decision.decision === 'Allowed' ? 'allowed' : decision.decision === 'ExplicitlyDenied' ? 'explicit_deny' : 'implicit_deny');
  }

  /**
   * The caller's policies as the engine sees them (empty for root, which needs none). The last
   * caller's are kept while nothing is written (a batch's questions, the answer's principal).
   * INVARIANT: what this returns is only read.
   */
  async policiesOf(caller: Caller, store?: Transactions): Promise<PrincipalPolicies & { session: CompiledPolicy[] | null }> {
    const last = this.lastPolicies;
    const generation = this.store.generation;
    const reusable = store?.inWriteTransaction() !== true;
    if (reusable && last !== undefined && last.caller === caller && last.generation === generation) return last.policies;
    const policies = await this.loadPoliciesOf(caller, store);
    if (reusable && generation === this.store.generation) this.lastPolicies = { caller, generation, policies };
    return policies;
  }

  private lastPolicies?: { caller: Caller; generation: number; policies: PrincipalPolicies & { session: CompiledPolicy[] | null } };

  private async loadPoliciesOf(caller: Caller, store?: Transactions): Promise<PrincipalPolicies & { session: CompiledPolicy[] | null }> {
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
      'aws:CurrentTime': isoSeconds(facts.now),
      'aws:EpochTime': epochSeconds(facts.now),
      'aws:SecureTransport': facts.secureTransport ? 'true' : 'false',
      'aws:UserAgent': facts.userAgent,
      'aws:RequestedRegion': facts.region,
    };
    if (facts.sourceIp !== undefined) ctx['aws:SourceIp'] = facts.sourceIp;
    if (caller.type === 'User' && caller.userName) ctx['aws:username'] = caller.userName;
    const session = caller.session;
    if (session) {
      ctx['aws:TokenIssueTime'] = isoSecondsOnce(session.issuedAt);
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

  /**
   * requestContext's result, with the context without extra keys built once for consecutive
   * decisions of the same caller and request (a batch's questions). INVARIANT: the shared object is
   * never changed (the engine only reads a context; callers that change one use requestContext).
   */
  private sharedContext(caller: Caller, facts: RequestFacts, principalTags: Record<string, string>, extra?: ContextValues): Record<string, string | string[]> {
    let last = this.lastContext;
    if (last === undefined || last.caller !== caller || last.facts !== facts || last.tags !== principalTags) {
      last = { caller, facts, tags: principalTags, context: this.requestContext(caller, facts, principalTags) };
      this.lastContext = last;
    }
    return extra === undefined ? last.context : (contextWith(last.context as RequestContext, extra as RequestContext) as Record<string, string | string[]>);
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

  /** The decision, explained, without counting it (the audit trail names the statements that allowed a write). */
  async explain(
    caller: Caller,
    action: string,
    resource: string,
    facts: RequestFacts,
    extra?: ContextValues,
    options: AuthorizationOptions = {},
  ): Promise<Decision> {
    return (await this.evaluateFor(caller, action, resource, facts, extra, options, true)).decision;
  }

  private async evaluateFor(
    caller: Caller,
    action: string,
    resource: string,
    facts: RequestFacts,
    extra: ContextValues | undefined,
    options: AuthorizationOptions,
    explain: boolean,
  ): Promise<{
    decision: Decision;
    context: Record<string, string | string[]>;
    policies?: PrincipalPolicies & { session: CompiledPolicy[] | null };
    /** Not explained and Allowed: the first allowing statement of each policy that had to allow. */
    allowedBy?: readonly MatchedStatement[];
  }> {
    const resourceAccount = options.resourceAccount ?? caller.accountId;
    if (caller.type === 'Root' && resourceAccount === caller.accountId)
      return { decision: { decision: 'Allowed', matchedStatements: [], missingContextKeys: [] }, context: {} };
    const policies = await this.policiesOf(caller, options.store);
    const context = this.sharedContext(caller, facts, policies.tags, extra);
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
    // Taken now: the engine keeps them only until its next decision.
    if (!explain && decision.decision === 'Allowed') return { decision, context, policies, allowedBy: allowingStatements() };
    return { decision, context, policies };
  }

  /**
   * Throws AccessDenied, in AWS's words, unless the caller may perform the action; else returns
   * what allowed it (the first allowing statement of each policy that had to allow; none for root
   * in its own account), for the audit trail. The decision
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
  ): Promise<readonly MatchedStatement[]> {
    // AWS's last-accessed data counts every attempt, denied ones too.
    this.activity.note(caller, action, facts);
    // Allowed before, reading no fact of the request, and nothing written since: allowed (./allowed-decisions.ts).
    const reusable =
      extra === undefined &&
      (options.resourcePolicy ?? null) === null &&
      (options.resourceAccount ?? caller.accountId) === caller.accountId &&
      options.store?.inWriteTransaction() !== true;
    const known = reusable ? this.allowed.get(caller, action, resource) : undefined;
    if (known !== undefined) {
      this.metrics?.decision('allowed');
      return known;
    }
    const generation = this.store.generation;
    const fast = await this.evaluateFor(caller, action, resource, facts, extra, options, false);
    if (fast.decision.decision === 'Allowed') {
      const p = fast.policies;
      const allowedBy = fast.allowedBy ?? NONE;
      if (reusable && p !== undefined) this.allowed.add(caller, action, resource, generation, [...p.identity, p.boundary, ...(p.session ?? [])], allowedBy);
      this.metrics?.decision('allowed');
      return allowedBy;
    }
    const { decision, context } = await this.evaluateFor(caller, action, resource, facts, extra, options, true);
    this.count(decision);
    const message = accessDeniedMessage(decision, caller.arn, action, resource);
    const error = message === undefined ? awsError('accessDenied') : awsError('accessDeniedByPolicy', { detail: message });
    if (this.secrets) error.details = { EncodedAuthorizationMessage: encodeAuthorizationMessage(this.secrets, decision, caller, action, resource, context) };
    // The audit trail records which statements decided (src/audit).
    error.decision = { action, resource, decision: decision.decision, decidingStatements: decidingStatements(decision) as unknown as Record<string, string>[] };
    throw error;
  }
}

/** aws:EpochTime: the last second's string is kept, as isoSeconds keeps its form. */
function epochSeconds(d: Date): string {
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastEpoch) {
    lastEpoch = second;
    lastEpochText = String(second);
  }
  return lastEpochText;
}
let lastEpoch = Number.NaN;
let lastEpochText = '';
