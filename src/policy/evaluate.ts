// AWS's policy evaluation logic: an explicit deny in any policy wins; otherwise the identity-based policies
// (or, within one account, a resource-based policy) must allow, and a permissions boundary and session
// policies, when present, must allow too.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies_resource.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
//
// Same-account resource-based policies, by how they name the caller:
//  - its own ARN (IAM user, role session, federated-user session) or `*`: allowed, even when identity
//    policies, a permissions boundary or session policies do not allow (only an explicit deny blocks);
//  - its role's ARN (for a role session): counts as an identity-policy allow; boundary and session policies
//    still apply;
//  - its account (id or root ARN): grants nothing by itself; IAM policies decide.
// Cross-account, both the caller's policies and the resource policy must allow. KMS key policies and role
// trust policies must allow even within one account, and sts:GetCallerIdentity needs no permission at all
// (see service-rules.ts).
import { cutArn, newCuts, type ArnCuts } from './arn.ts';
import { statementsFor, type CompiledStatement } from './compile.ts';
import { conditionHolds, noteMissingKeys } from './condition.ts';
import { contextView, recordMissingKeys, type ContextView } from './context.ts';
import { BY_ROLE, callerOf, DIRECTLY, listedIn, NOT_NAMED, principalMatch, type Caller, type PrincipalMatch } from './principal.ts';
import { needsNoAuthorization, resourcePolicyRequired } from './service-rules.ts';
import type { CompiledPolicy, Decision, DeniedBy, EvaluationInput, MatchedStatement } from './types.ts';

/** Shared, frozen decisions returned when `explain` is false (no allocation per decision). */
const EMPTY: never[] = Object.freeze([]) as unknown as never[];
const plain = (decision: Decision['decision'], deniedBy?: DeniedBy): Decision =>
  Object.freeze(
    deniedBy === undefined
      ? { decision, matchedStatements: EMPTY, missingContextKeys: EMPTY }
      : { decision, matchedStatements: EMPTY, deniedBy, missingContextKeys: EMPTY },
  );
const ALLOWED = plain('Allowed');
const EXPLICIT = {
  identity: plain('ExplicitlyDenied', 'identity'),
  boundary: plain('ExplicitlyDenied', 'boundary'),
  session: plain('ExplicitlyDenied', 'session'),
  resource: plain('ExplicitlyDenied', 'resource'),
} as const;
const IMPLICIT = {
  identity: plain('ImplicitlyDenied', 'identity'),
  boundary: plain('ImplicitlyDenied', 'boundary'),
  session: plain('ImplicitlyDenied', 'session'),
  resource: plain('ImplicitlyDenied', 'resource'),
} as const;

/** Callers that have no identity-based policies: only a resource-based (or trust) policy can allow them. */
const POLICYLESS = new Set(['Service', 'WebIdentity', 'SAML', 'CanonicalUser', 'Anonymous']);

/** Per-evaluation state, reused (evaluation is synchronous and not re-entrant). */
interface Scope {
  resource: string;
  cuts: ArnCuts | null;
  view: ContextView;
  caller: Caller;
  hasBoundary: boolean;
  /** Collected matches when explaining, else `null`. */
  matched: MatchedStatement[] | null;
  errors: string[] | null;
  /** Not explaining: the statement of the best match of the last scan. */
  hit: CompiledStatement | null;
}

/**
 * The statements that allowed the last decision made without explaining: the first allowing
 * statement of each policy that had to allow (where the fast path stops), as references kept in
 * place — nothing is allocated unless `allowingStatements` is asked for.
 */
const allowPolicies: CompiledPolicy[] = [];
const allowStatements: CompiledStatement[] = [];
let allowCount = 0;

function noteAllow(policy: CompiledPolicy, statement: CompiledStatement | null): void {
  if (statement === null) return;
  allowPolicies[allowCount] = policy;
  allowStatements[allowCount] = statement;
  allowCount++;
}

/**
 * What allowed the last unexplained Allowed decision (call it before the next evaluation): per
 * policy type that had to allow, its first allowing statement. An explained decision lists them all.
 */
export function allowingStatements(): MatchedStatement[] {
  const out: MatchedStatement[] = [];
  for (let i = 0; i < allowCount; i++) {
    const s = allowStatements[i]!;
    const entry: MatchedStatement = { source: allowPolicies[i]!.source, index: s.index, effect: 'Allow' };
    if (s.sid !== undefined) entry.sid = s.sid;
    out.push(entry);
  }
  return out;
}
const scratchCuts = newCuts();

/** Whether the statement's principal, resource and condition apply (its action already matched). */
function applies(s: CompiledStatement, scope: Scope): boolean {
  if (s.resources !== null) {
    let hit = false;
    for (let i = 0; i < s.resources.length && !hit; i++) hit = s.resources[i]!(scope.resource, scope.cuts, scope.view);
    if (hit === s.notResource) return false;
  }
  return conditionHolds(s.condition, scope.view);
}

/** How a resource-policy statement's Principal/NotPrincipal names the caller. */
function principalOf(s: CompiledStatement, scope: Scope): PrincipalMatch {
  if (s.principal === null) return DIRECTLY;
  if (!s.notPrincipal) return principalMatch(s.principal, scope.caller);
  // AWS: a Deny with NotPrincipal always denies principals that have a permissions boundary.
  if (s.deny && scope.hasBoundary) return DIRECTLY;
  return listedIn(s.principal, scope.caller) ? NOT_NAMED : DIRECTLY;
}

/**
 * Evaluates `list` (statements of one effect) of `policy`: the strongest principal match among the statements
 * that apply (DIRECTLY for policies without Principal), or NOT_NAMED. Stops at the first DIRECTLY match unless
 * explaining. INVARIANT: a statement that throws never allows; a Deny that throws denies.
 */
function scan(policy: CompiledPolicy, list: readonly CompiledStatement[], scope: Scope): PrincipalMatch {
  let best: PrincipalMatch = NOT_NAMED;
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    let m: PrincipalMatch;
    try {
      m = principalOf(s, scope);
      if (m !== NOT_NAMED && !applies(s, scope)) m = NOT_NAMED;
      if (scope.matched !== null) noteMissingKeys(s.condition, scope.view);
    } catch (e) {
      m = s.deny ? DIRECTLY : NOT_NAMED;
      if (scope.errors !== null) scope.errors.push(`statement ${s.index} of \`${policy.source.name}\` failed: ${(e as Error)?.message ?? String(e)}`);
    }
    if (m === NOT_NAMED) continue;
    if (m > best) {
      best = m;
      if (scope.matched === null) scope.hit = s;
    }
    if (scope.matched === null) {
      if (best === DIRECTLY) return best;
    } else {
      const entry: MatchedStatement = { source: policy.source, index: s.index, effect: s.deny ? 'Deny' : 'Allow' };
      if (s.sid !== undefined) entry.sid = s.sid;
      scope.matched.push(entry);
    }
  }
  return best;
}

function anyAllows(policies: readonly CompiledPolicy[], action: string, scope: Scope): boolean {
  let allowed = false;
  for (let i = 0; i < policies.length; i++) {
    if (scan(policies[i]!, statementsFor(policies[i]!, action).allow, scope) !== NOT_NAMED) {
      allowed = true;
      if (scope.matched === null) {
        noteAllow(policies[i]!, scope.hit);
        return true;
      }
    }
  }
  return allowed;
}

function anyDenies(policies: readonly CompiledPolicy[], action: string, scope: Scope): boolean {
  let denied = false;
  for (let i = 0; i < policies.length; i++) {
    if (scan(policies[i]!, statementsFor(policies[i]!, action).deny, scope) !== NOT_NAMED) {
      denied = true;
      if (scope.matched === null) return true;
    }
  }
  return denied;
}

const scope: Scope = {
  resource: '',
  cuts: null,
  view: new Map(),
  caller: callerOf({ arn: '', account: '' }),
  hasBoundary: false,
  matched: null,
  errors: null,
  hit: null,
};
const ONE: CompiledPolicy[] = [];

/** Decides one request. With `explain: false` the result is a shared frozen object without explanation. */
export function evaluate(input: EvaluationInput): Decision {
  const explain = input.explain !== false;
  const { request } = input;
  const boundary = input.permissionsBoundary ?? null;
  const sessions = input.sessionPolicies != null && input.sessionPolicies.length > 0 ? input.sessionPolicies : null;
  const resourcePolicy = input.resourcePolicy ?? null;
  const action = request.action;
  allowCount = 0;
  if (needsNoAuthorization(action)) return explain ? { decision: 'Allowed', matchedStatements: [], missingContextKeys: [] } : ALLOWED;

  scope.resource = request.resource;
  scope.cuts = cutArn(request.resource, scratchCuts) ? scratchCuts : null;
  scope.view = contextView(request.context);
  scope.caller = callerOf(input.principal);
  scope.hasBoundary = boundary !== null;
  scope.matched = explain ? [] : null;
  scope.errors = explain ? [] : null;
  const missing = explain ? new Set<string>() : null;
  recordMissingKeys(missing);
  try {
    // 1. Explicit denies, in every policy.
    let deniedBy: DeniedBy | undefined;
    if (anyDenies(input.identityPolicies, action, scope)) deniedBy = 'identity';
    if ((explain || deniedBy === undefined) && resourcePolicy !== null && anyDenies(one(resourcePolicy), action, scope)) deniedBy ??= 'resource';
    if ((explain || deniedBy === undefined) && boundary !== null && anyDenies(one(boundary), action, scope)) deniedBy ??= 'boundary';
    if ((explain || deniedBy === undefined) && sessions !== null && anyDenies(sessions, action, scope)) deniedBy ??= 'session';
    if (deniedBy !== undefined) return explain ? explained('ExplicitlyDenied', deniedBy, missing!) : EXPLICIT[deniedBy];

    // 2. Allows. Each policy type is scanned only when the decision needs it, except when explaining:
    // then every policy is scanned so that every matching statement is reported.
    const caller = scope.caller;
    const sameAccount = request.resourceAccount === undefined || request.resourceAccount === caller.account;
    const named = resourcePolicy === null ? NOT_NAMED : scan(resourcePolicy, statementsFor(resourcePolicy, action).allow, scope);
    if (named !== NOT_NAMED && !explain) noteAllow(resourcePolicy!, scope.hit);
    const implicitBy = explain
      ? implicitDenial(
          input,
          action,
          sameAccount,
          named,
          identityAllows(input, action, sameAccount),
          boundaryAllows(boundary, action),
          sessionAllows(sessions, action),
        )
      : implicitDenial(input, action, sameAccount, named, undefined, undefined, undefined);
    if (implicitBy === undefined) return explain ? explained('Allowed', undefined, missing!) : ALLOWED;
    return explain ? explained('ImplicitlyDenied', implicitBy, missing!) : IMPLICIT[implicitBy];
  } finally {
    recordMissingKeys(null);
    scope.matched = null;
    scope.errors = null;
    scope.hit = null;
  }
}

function identityAllows(input: EvaluationInput, action: string, sameAccount: boolean): boolean {
  return (scope.caller.type === 'Root' && sameAccount) || anyAllows(input.identityPolicies, action, scope);
}
function boundaryAllows(boundary: CompiledPolicy | null, action: string): boolean {
  return boundary === null || anyAllows(one(boundary), action, scope);
}
function sessionAllows(sessions: readonly CompiledPolicy[] | null, action: string): boolean {
  return sessions === null || anyAllows(sessions, action, scope);
}

/**
 * Which policy type fails to allow, or `undefined` when the request is allowed. The `…Allowed` arguments are
 * precomputed when explaining, else `undefined` (then computed only if needed, in AWS's order).
 */
function implicitDenial(
  input: EvaluationInput,
  action: string,
  sameAccount: boolean,
  named: PrincipalMatch,
  identityAllowed: boolean | undefined,
  boundaryAllowed: boolean | undefined,
  sessionAllowed: boolean | undefined,
): DeniedBy | undefined {
  const caller = scope.caller;
  const boundary = input.permissionsBoundary ?? null;
  const sessions = input.sessionPolicies != null && input.sessionPolicies.length > 0 ? input.sessionPolicies : null;
  const resourcePolicy = input.resourcePolicy ?? null;
  if (POLICYLESS.has(caller.type)) return named === NOT_NAMED ? 'resource' : undefined;
  // Granted to the caller's own ARN within the account: nothing else needs to allow.
  if (sameAccount && named === DIRECTLY) return undefined;
  const required = !sameAccount || (resourcePolicy !== null && resourcePolicyRequired(resourcePolicy.source, action));
  if (required && named === NOT_NAMED) return 'resource';
  if (!(sameAccount && named === BY_ROLE) && !(identityAllowed ?? identityAllows(input, action, sameAccount))) return 'identity';
  if (!(boundaryAllowed ?? boundaryAllows(boundary, action))) return 'boundary';
  if (!(sessionAllowed ?? sessionAllows(sessions, action))) return 'session';
  return undefined;
}

function one(policy: CompiledPolicy): CompiledPolicy[] {
  ONE[0] = policy;
  return ONE;
}

function explained(decision: Decision['decision'], deniedBy: DeniedBy | undefined, missing: Set<string>): Decision {
  const d: Decision = { decision, matchedStatements: scope.matched!, missingContextKeys: [...missing].sort() };
  if (deniedBy !== undefined) d.deniedBy = deniedBy;
  if (scope.errors!.length > 0) d.errors = scope.errors!;
  return d;
}
