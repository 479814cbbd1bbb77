// The policy simulator, answered by the same policies, request context and engine as enforcement:
// SimulatePrincipalPolicy, SimulateCustomPolicy, GetContextKeysForPrincipalPolicy,
// GetContextKeysForCustomPolicy.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html
import { AwsError } from '../errors/aws-error.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { parseArn } from '../domain/arn.ts';
import {
  compilePolicy,
  contextKeysOf,
  evaluate,
  firstErrorMessage,
  parsePolicy,
  type CompiledPolicy,
  type Decision,
  type PolicySource,
} from '../policy/index.ts';
import { compileStored, managedPolicy, type PrincipalPolicies } from '../authz/principal-policies.ts';
import { policySourceOf } from '../authz/matched-statements.ts';
import type { ActionContext, Caller } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type {
  ContextEntry,
  EvaluationResult,
  PolicyEvaluationDecisionType,
  PolicySourceType,
  ResourceSpecificResult,
  SimulatePolicyResponse,
  Statement,
} from '../actions/generated/iam.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { arnOf, maxItemsOf, notFound, pageArray } from './common.ts';
import { defaultPolicyDocument } from './policy-lookup.ts';

/** Request facts of the simulate call itself: not facts of the simulated request (give them as ContextEntries). */
const REQUEST_FACT_KEYS = ['aws:SourceIp', 'aws:UserAgent', 'aws:SecureTransport', 'aws:RequestedRegion', 'aws:CurrentTime', 'aws:EpochTime'];

type Kind = 'user' | 'group' | 'role';
const KINDS: readonly Kind[] = ['user', 'group', 'role'];

/** The Kind a regular expression matched (one of KINDS). */
function kindOf(text: string): Kind | undefined {
  return KINDS.find((k) => k === text);
}

interface Principal {
  kind: Kind;
  entity: EntityRow<{ permissionsBoundary?: string }>;
  arn: string;
}

/** A policy document given in the request, compiled; `text` kept for statement positions. */
interface InputPolicy {
  compiled: CompiledPolicy;
  text: string;
}

function compileInputs(texts: string[] | undefined, label: string, type: PolicySource['type'], kind: 'identity' | 'resource'): InputPolicy[] {
  return (texts ?? []).map((text, i) => {
    const parsed = parsePolicy(text, kind);
    if (!parsed.document) {
      const detail = firstErrorMessage(parsed.findings) ?? messageText('policyLegacyParsing');
      throw awsError('simulationPolicyInvalid', { input: `${label}.${i + 1}`, detail });
    }
    return { compiled: compilePolicy(parsed.document, { type, name: `${label}.${i + 1}` }), text };
  });
}

/** Several boundary documents act as one boundary: their statements together. */
function oneBoundary(inputs: InputPolicy[]): CompiledPolicy | null {
  if (inputs.length === 0) return null;
  if (inputs.length === 1) return inputs[0]!.compiled;
  const statements = inputs.flatMap((p) => p.compiled.document.Statement);
  return compilePolicy({ Version: '2012-10-17', Statement: statements }, { type: 'boundary', name: 'PermissionsBoundaryPolicyInputList.1' });
}

/** Resolves PolicySourceArn (user, group or role of the caller's account), or the error that refuses it. */
async function resolvePrincipal(repo: Repo, ctx: ActionContext, arn: string): Promise<Principal | AwsError> {
  const parsed = parseArn(arn);
  const m = parsed && parsed.service === 'iam' ? /^(user|group|role)(\/(?:.*\/)?)?([^/]+)$/.exec(parsed.resource) : null;
  const kind = m ? kindOf(m[1]!) : undefined;
  const name = m?.[3];
  if (!parsed || !kind || !name) return awsError('simulationArnInvalid', { arn });
  const entity =
    parsed.account === ctx.caller.accountId ? await repo.getEntityByName<{ permissionsBoundary?: string }>(ctx.caller.accountId, kind, name) : undefined;
  if (!entity) return notFound(kind, name);
  return { kind, entity, arn: arnOf(ctx, entity) };
}

/** Authorizes `action` on the principal PolicySourceArn names: on its stored ARN when it exists. */
async function authorizedPrincipal(ctx: ActionContext, action: string, arn: string): Promise<Principal> {
  const principal = await ctx.services.store.read((repo) => resolvePrincipal(repo, ctx, arn));
  await ctx.authorize(action, principal instanceof AwsError ? arn : principal.arn);
  if (principal instanceof AwsError) throw principal;
  return principal;
}

/** A group's own policies (inline and attached), compiled the way enforcement compiles them. */
async function groupPolicies(repo: Repo, ctx: ActionContext, group: EntityRow<unknown>): Promise<CompiledPolicy[]> {
  const out: CompiledPolicy[] = [];
  for (const inline of await repo.listInlinePolicies(group.id)) {
    const c = compileStored(inline.document, { type: 'identity', name: `group/${group.name}/${inline.name}` });
    if (c) out.push(c);
  }
  for (const arn of await repo.attachedPolicyArns(group.id)) {
    const c = await managedPolicy(repo, ctx.caller.accountId, arn, 'identity');
    if (c) out.push(c);
  }
  return out;
}

/** The principal's policies, from the same cache the authorizer reads. */
async function principalPolicies(ctx: ActionContext, p: Principal): Promise<PrincipalPolicies> {
  const cache = ctx.services.authorizer.policies;
  if (p.kind === 'user') return cache.forUser(p.entity.id, ctx.caller.accountId);
  if (p.kind === 'role') return cache.forRole(p.entity.id, ctx.caller.accountId);
  const identity = await ctx.services.store.read((repo) => groupPolicies(repo, ctx, p.entity));
  return { identity, boundary: null, tags: {} };
}

/** The caller the simulated request would come from, for Authorizer.requestContext. */
function simulatedCaller(ctx: ActionContext, p: Principal | undefined, callerArn: string | undefined): Caller | undefined {
  const base = { accountId: ctx.caller.accountId, partition: ctx.caller.partition };
  if (p?.kind === 'user') return { ...base, type: 'User', arn: p.arn, userId: p.entity.id, userName: p.entity.name, entityId: p.entity.id };
  if (p?.kind === 'role') return { ...base, type: 'AssumedRole', arn: p.arn, roleArn: p.arn, userId: p.entity.id, entityId: p.entity.id };
  if (callerArn) {
    const name = /:user\/(?:.*\/)?([^/]+)$/.exec(callerArn)?.[1];
    return { ...base, type: 'User', arn: callerArn, userId: callerArn, userName: name };
  }
  return undefined;
}

function contextEntries(input: { ContextEntries?: ContextEntry[] }): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const e of input.ContextEntries ?? []) {
    if (!e.ContextKeyName) continue;
    const values = e.ContextKeyValues ?? [];
    out[e.ContextKeyName] = e.ContextKeyType?.endsWith('List') || values.length !== 1 ? values : values[0]!;
  }
  return out;
}

function resourceAccountOf(input: { ResourceOwner?: string }, fallback: string): string {
  const owner = input.ResourceOwner;
  if (!owner) return fallback;
  const m = /(\d{12})/.exec(owner);
  if (!m) throw awsError('simulationResourceOwnerInvalid', { owner });
  return m[1]!;
}

const DECISIONS: Record<Decision['decision'], PolicyEvaluationDecisionType> = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicitDeny',
  ImplicitlyDenied: 'implicitDeny',
};

interface Position {
  Line: number;
  Column: number;
}

/**
 * SourcePolicyType as the simulator sends it: by the kind of policy, whatever the identity policy's
 * form (inline, customer or AWS managed, given in PolicyInputList). AWS's model lists other values
 * (user, aws-managed, …) that its simulator does not send.
 */
const SOURCE_TYPES: Partial<Record<PolicySource['type'], string>> = {
  identity: 'IAM Policy',
  boundary: 'Permissions Boundary Policy',
  resource: 'Resource Policy',
};

function sourcePolicyType(source: PolicySource): PolicySourceType {
  return (SOURCE_TYPES[source.type] ?? 'none') as PolicySourceType;
}

/**
 * StartPosition and EndPosition of each statement of a JSON policy text, as AWS reports them: line
 * and column are 1-based; a statement starts right after the token before it (the `[` of the
 * Statement array for the first, the previous statement's `}` for the others: the separating comma
 * and white space belong to the next statement) and ends right after its own `}`. So in
 * `{"Statement":[{…},{…}]}` the first statement starts at its `{` and the second at the comma, and
 * in an indented document the first starts at the end of the `"Statement": [` line. (AWS's
 * published simulations: one-line documents, e.g. Start 38 / End 248 and Start 248 / End 470 for
 * the two statements of a bucket policy, and indented ones such as Start 3:17 / End 8:6.)
 */
export function statementPositions(text: string): { start: Position; end: Position }[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const at = (offset: number): Position => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { Line: lo + 1, Column: offset - lineStarts[lo]! + 1 };
  };
  // A tiny scanner: skips strings, tracks depth, and records the spans of the top-level "Statement" value.
  let i = 0;
  const skipWs = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return '';
    }
  };
  /** Skips one value; returns the offset just after it. */
  const skipValue = (): number => {
    skipWs();
    if (text[i] === '"') {
      readString();
      return i;
    }
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      while (i < text.length) {
        const c = text[i];
        if (c === '"') {
          readString();
          continue;
        }
        if (c === '{' || c === '[') depth++;
        if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            return i;
          }
        }
        i++;
      }
      return i;
    }
    while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
    return i;
  };
  skipWs();
  if (text[i] !== '{') return [];
  i++;
  for (;;) {
    skipWs();
    if (text[i] !== '"') return [];
    const key = readString();
    skipWs();
    i++; // ':'
    if (key === 'Statement') {
      // One statement not in an array: it starts right after the colon.
      const afterColon = i;
      skipWs();
      if (text[i] === '{') return [{ start: at(afterColon), end: at(skipValue()) }];
      if (text[i] !== '[') return [];
      i++;
      const out: { start: Position; end: Position }[] = [];
      let from = i;
      for (;;) {
        skipWs();
        if (text[i] === ',') {
          i++;
          skipWs();
        }
        if (text[i] === ']' || i >= text.length) return out;
        const after = skipValue();
        out.push({ start: at(from), end: at(after) });
        from = after;
      }
    }
    skipValue();
    skipWs();
    if (text[i] !== ',') return [];
    i++;
  }
}

/** Finds the text of a stored policy a statement came from (for positions); undefined when unknown. */
async function storedText(repo: Repo, ctx: ActionContext, source: PolicySource): Promise<string | undefined> {
  if (source.arn) return defaultPolicyDocument(repo, ctx, source.arn);
  const s = policySourceOf(source);
  if (!s.inline) return undefined;
  const entity = await repo.getEntityByName(ctx.caller.accountId, s.inline.kind, s.inline.entity);
  return entity ? (await repo.getInlinePolicy(entity.id, s.inline.name))?.document : undefined;
}

interface Simulation {
  identity: CompiledPolicy[];
  boundary: CompiledPolicy | null;
  resourcePolicy: CompiledPolicy | null;
  principal: { arn: string; account: string; type?: 'User' | 'AssumedRole' };
  context: Record<string, string | string[]>;
  resourceAccount: string;
  /** Texts of the documents given in the request, by source name. */
  texts: Map<string, string>;
}

/** What SimulatePrincipalPolicy and SimulateCustomPolicy both ask for. */
interface SimulateInput {
  ActionNames: string[];
  ResourceArns?: string[];
  Marker?: string;
  MaxItems?: number;
}

/**
 * EvalDecisionDetails: empty when the resource is in the caller's account; for a cross-account
 * resource, each kind of policy's own decision (identity policies within their boundary, and the
 * resource policy when one is given), as the simulator summarises cross-account access.
 */
function decisionDetails(sim: Simulation, action: string, resource: string): Record<string, PolicyEvaluationDecisionType> {
  if (sim.resourceAccount === sim.principal.account) return {};
  // Each kind alone, as if nothing else had to agree (within one account either may grant).
  const request = { action, resource, resourceAccount: sim.principal.account, context: sim.context };
  const alone = (identity: CompiledPolicy[], boundary: CompiledPolicy | null, resourcePolicy: CompiledPolicy | null) =>
    DECISIONS[
      evaluate({ principal: sim.principal, identityPolicies: identity, permissionsBoundary: boundary, sessionPolicies: null, resourcePolicy, request }).decision
    ];
  const details: Record<string, PolicyEvaluationDecisionType> = { 'IAM Policy': alone(sim.identity, sim.boundary, null) };
  if (sim.resourcePolicy) details['Resource Policy'] = alone([], null, sim.resourcePolicy);
  return details;
}

async function simulate(ctx: ActionContext, input: SimulateInput, sim: Simulation): Promise<SimulatePolicyResponse> {
  const actions = input.ActionNames;
  const requested = input.ResourceArns ?? [];
  const resources = requested.length > 0 ? requested : ['*'];
  // Spellings of context keys as the policies write them (the engine reports them lower-cased).
  const spelling = new Map<string, string>();
  for (const p of [...sim.identity, ...(sim.boundary ? [sim.boundary] : []), ...(sim.resourcePolicy ? [sim.resourcePolicy] : [])]) {
    for (const k of contextKeysOf(p.document)) if (!spelling.has(k.toLowerCase())) spelling.set(k.toLowerCase(), k);
  }
  const results: { action: string; resource: string; decision: Decision }[] = [];
  for (const action of actions) {
    for (const resource of resources) {
      const decision = evaluate({
        principal: sim.principal,
        identityPolicies: sim.identity,
        permissionsBoundary: sim.boundary,
        sessionPolicies: null,
        resourcePolicy: sim.resourcePolicy,
        request: { action, resource, resourceAccount: sim.resourceAccount, context: sim.context },
        explain: true,
      });
      results.push({ action, resource, decision });
    }
  }
  const keyed = results.map((r, i) => ({ r, key: String(i).padStart(8, '0') }));
  const page = pageArray(keyed, (x) => x.key, input.Marker, maxItemsOf(input));
  const positions = new Map<string, { start: Position; end: Position }[]>();
  const positionsOf = async (source: PolicySource) => {
    const key = `${source.type}|${source.arn ?? source.name}`;
    if (!positions.has(key)) {
      const text = sim.texts.get(source.name) ?? (await ctx.services.store.read((repo) => storedText(repo, ctx, source)));
      positions.set(key, text ? statementPositions(text) : []);
    }
    return positions.get(key)!;
  };
  const evaluationResults: EvaluationResult[] = [];
  for (const { r } of page.items) {
    const d = r.decision;
    const matched: Statement[] = [];
    for (const m of d.matchedStatements) {
      // Report the statements that decided: the denies for a deny, the allows for an allow.
      if (d.decision === 'ExplicitlyDenied' ? m.effect !== 'Deny' : m.effect !== 'Allow') continue;
      const s = policySourceOf(m.source);
      const pos = (await positionsOf(m.source))[m.index];
      matched.push({ SourcePolicyId: s.id, SourcePolicyType: sourcePolicyType(m.source), StartPosition: pos?.start, EndPosition: pos?.end });
    }
    const decision = DECISIONS[d.decision];
    const statements = d.decision === 'ImplicitlyDenied' ? [] : matched;
    const missing = d.missingContextKeys.map((k) => spelling.get(k) ?? k);
    const result: EvaluationResult = {
      EvalActionName: r.action,
      EvalResourceName: r.resource,
      EvalDecision: decision,
      MatchedStatements: statements,
      MissingContextValues: missing,
    };
    if (sim.boundary) {
      const fromBoundary = d.matchedStatements.filter((m) => m.source.type === 'boundary');
      const allowed = fromBoundary.some((m) => m.effect === 'Allow') && !fromBoundary.some((m) => m.effect === 'Deny');
      result.PermissionsBoundaryDecisionDetail = { AllowedByPermissionsBoundary: allowed };
    }
    // A simulation of named resources details each resource; one of all resources ("*") does not.
    if (requested.length > 0) {
      result.EvalDecisionDetails = decisionDetails(sim, r.action, r.resource);
      const specific: ResourceSpecificResult = { EvalResourceName: r.resource, EvalResourceDecision: decision, MatchedStatements: statements };
      if (missing.length > 0) specific.MissingContextValues = missing;
      if (result.PermissionsBoundaryDecisionDetail) specific.PermissionsBoundaryDecisionDetail = result.PermissionsBoundaryDecisionDetail;
      result.ResourceSpecificResults = [specific];
    }
    evaluationResults.push(result);
  }
  return { EvaluationResults: evaluationResults, IsTruncated: page.marker !== undefined, Marker: page.marker };
}

/** The request context the simulated principal's call would carry, with the request's ContextEntries. */
function contextFor(
  ctx: ActionContext,
  caller: Caller | undefined,
  tags: Record<string, string>,
  input: { ContextEntries?: ContextEntry[] },
): Record<string, string | string[]> {
  const context = caller ? ctx.services.authorizer.requestContext(caller, ctx.request, tags) : {};
  for (const k of REQUEST_FACT_KEYS) delete context[k];
  return { ...context, ...contextEntries(input) };
}

function textsOf(...lists: InputPolicy[][]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const list of lists) for (const p of list) texts.set(p.compiled.source.name, p.text);
  return texts;
}

function resourcePolicyOf(input: { ResourcePolicy?: string }): InputPolicy[] {
  const text = input.ResourcePolicy;
  if (text === undefined) return [];
  const parsed = parsePolicy(text, 'resource');
  if (!parsed.document) {
    const detail = firstErrorMessage(parsed.findings) ?? messageText('policyLegacyParsing');
    throw awsError('simulationPolicyInvalid', { input: 'ResourcePolicy', detail });
  }
  return [{ compiled: compilePolicy(parsed.document, { type: 'resource', name: 'ResourcePolicy' }), text }];
}

export const simulateHandlers = {
  async SimulatePrincipalPolicy(ctx, input) {
    const principal = await authorizedPrincipal(ctx, 'iam:SimulatePrincipalPolicy', input.PolicySourceArn);
    const extra = compileInputs(input.PolicyInputList, 'PolicyInputList', 'identity', 'identity');
    const boundaryInputs = compileInputs(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList', 'boundary', 'identity');
    const resource = resourcePolicyOf(input);
    if (resource.length > 0 && principal.kind === 'group' && !input.CallerArn) throw awsError('simulationCallerArnForGroup');
    const policies = await principalPolicies(ctx, principal);
    const caller = simulatedCaller(ctx, principal.kind === 'group' ? undefined : principal, input.CallerArn);
    return simulate(ctx, input, {
      identity: [...policies.identity, ...extra.map((p) => p.compiled)],
      boundary: boundaryInputs.length > 0 ? oneBoundary(boundaryInputs) : policies.boundary,
      resourcePolicy: resource[0]?.compiled ?? null,
      principal: { arn: caller?.arn ?? principal.arn, account: ctx.caller.accountId, type: caller?.type === 'AssumedRole' ? 'AssumedRole' : 'User' },
      context: contextFor(ctx, caller, policies.tags, input),
      resourceAccount: resourceAccountOf(input, ctx.caller.accountId),
      texts: textsOf(extra, boundaryInputs, resource),
    });
  },

  async SimulateCustomPolicy(ctx, input) {
    await ctx.authorize('iam:SimulateCustomPolicy', '*');
    const extra = compileInputs(input.PolicyInputList, 'PolicyInputList', 'identity', 'identity');
    const boundaryInputs = compileInputs(input.PermissionsBoundaryPolicyInputList, 'PermissionsBoundaryPolicyInputList', 'boundary', 'identity');
    const resource = resourcePolicyOf(input);
    if (resource.length > 0 && !input.CallerArn) throw awsError('simulationCallerArnRequired');
    const caller = simulatedCaller(ctx, undefined, input.CallerArn);
    return simulate(ctx, input, {
      identity: extra.map((p) => p.compiled),
      boundary: oneBoundary(boundaryInputs),
      resourcePolicy: resource[0]?.compiled ?? null,
      principal: { arn: caller?.arn ?? `arn:${ctx.caller.partition}:iam::${ctx.caller.accountId}:user/`, account: ctx.caller.accountId, type: 'User' },
      context: contextFor(ctx, caller, {}, input),
      resourceAccount: resourceAccountOf(input, ctx.caller.accountId),
      texts: textsOf(extra, boundaryInputs, resource),
    });
  },

  async GetContextKeysForPrincipalPolicy(ctx, input) {
    const principal = await authorizedPrincipal(ctx, 'iam:GetContextKeysForPrincipalPolicy', input.PolicySourceArn);
    const extra = compileInputs(input.PolicyInputList, 'PolicyInputList', 'identity', 'identity');
    const policies = await principalPolicies(ctx, principal);
    return { ContextKeyNames: keysOf([...policies.identity, ...extra.map((p) => p.compiled)]) };
  },

  async GetContextKeysForCustomPolicy(ctx, input) {
    await ctx.authorize('iam:GetContextKeysForCustomPolicy', '*');
    const extra = compileInputs(input.PolicyInputList, 'PolicyInputList', 'identity', 'identity');
    return { ContextKeyNames: keysOf(extra.map((p) => p.compiled)) };
  },
} satisfies IamHandlers;

function keysOf(policies: CompiledPolicy[]): string[] {
  const seen = new Map<string, string>();
  for (const p of policies) for (const k of contextKeysOf(p.document)) if (!seen.has(k.toLowerCase())) seen.set(k.toLowerCase(), k);
  return [...seen.values()];
}
