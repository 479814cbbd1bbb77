// Compiles a validated policy once into matchers and a per-action statement index, reusable across any
// number of evaluations. Wildcards become prefix/suffix/equality checks where that is exact.
import { compileActions, type ActionMatcher } from './action.ts';
import { compileArnPattern, type ArnMatcher } from './arn.ts';
import { compileCondition, type CompiledCondition } from './condition.ts';
import { compilePrincipal, type CompiledPrincipal } from './principal.ts';
import type { CompiledPolicy, PolicyDocument, PolicySource } from './types.ts';

/** One statement, compiled. */
export interface CompiledStatement {
  readonly index: number;
  readonly sid?: string;
  readonly deny: boolean;
  readonly action: ActionMatcher;
  readonly notAction: boolean;
  /** `null` when the statement has no Resource element (trust policies): it applies to any resource. */
  readonly resources: readonly ArnMatcher[] | null;
  readonly notResource: boolean;
  /** `null` in identity policies. */
  readonly principal: CompiledPrincipal | null;
  readonly notPrincipal: boolean;
  readonly condition: CompiledCondition;
}

/** The statements of a policy that can apply to one action, split by effect. */
export interface ActionEntry {
  readonly deny: readonly CompiledStatement[];
  readonly allow: readonly CompiledStatement[];
}

/** What `CompiledPolicy.internal` holds. */
export interface PolicyInternals {
  readonly statements: readonly CompiledStatement[];
  /** Memo: request action (as given) → statements whose Action/NotAction matches it. */
  readonly byAction: Map<string, ActionEntry>;
}

const ACTION_MEMO_LIMIT = 4096;

/**
 * Compiles a document (from `parsePolicy`) for evaluation. Policy variables are substituted only for
 * Version 2012-10-17; otherwise `${...}` is literal text.
 */
export function compilePolicy(document: PolicyDocument, source: PolicySource): CompiledPolicy {
  const variables = document.Version === '2012-10-17';
  const statements = document.Statement.map((s, index): CompiledStatement => {
    const actions = s.Action ?? s.NotAction ?? [];
    const resources = s.Resource ?? s.NotResource;
    const principal = s.Principal ?? s.NotPrincipal;
    return {
      index,
      sid: s.Sid,
      deny: s.Effect === 'Deny',
      action: compileActions(actions),
      notAction: s.Action === undefined,
      resources: resources === undefined ? null : resources.map((r) => compileArnPattern(r, variables)),
      notResource: s.Resource === undefined && s.NotResource !== undefined,
      principal: principal === undefined ? null : compilePrincipal(principal),
      notPrincipal: s.Principal === undefined && s.NotPrincipal !== undefined,
      condition: compileCondition(s.Condition, variables),
    };
  });
  const internal: PolicyInternals = { statements, byAction: new Map() };
  return { source, document, internal };
}

/** The statements of `policy` whose Action/NotAction matches `action` (memoised per policy). */
export function statementsFor(policy: CompiledPolicy, action: string): ActionEntry {
  const internal = policy.internal as PolicyInternals;
  let entry = internal.byAction.get(action);
  if (entry === undefined) {
    const lower = action.toLowerCase();
    const deny: CompiledStatement[] = [];
    const allow: CompiledStatement[] = [];
    for (const s of internal.statements) {
      if (s.action(lower) !== s.notAction) (s.deny ? deny : allow).push(s);
    }
    entry = { deny, allow };
    if (internal.byAction.size >= ACTION_MEMO_LIMIT) internal.byAction.clear();
    internal.byAction.set(action, entry);
  }
  return entry;
}
