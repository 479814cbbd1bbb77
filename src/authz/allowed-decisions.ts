// Allowed decisions the authorizer may reuse until the store's next committed write (issue #13: a
// protected service's own `iamd:Authorize` was decided anew on each of its calls). Only a decision
// that depends on nothing but the principal, the action and the resource is kept: every policy that
// took part has no Condition and no policy variable in a Resource (either could read a fact of the
// request — aws:SourceIp, aws:CurrentTime — or a tag), and no resource-based policy or extra context
// key was given. Keyed by the Caller object, which the authenticator keeps per resolved credential
// (a new one after any write that touches it), so its session and session policies are part of the key.
import type { Caller } from '../domain/caller.ts';
import type { CompiledPolicy, MatchedStatement } from '../policy/index.ts';
import type { Store } from '../store/store.ts';

const factFree = new WeakMap<CompiledPolicy, boolean>();

/** True when no statement of the policy can read the request context (no Condition, no `${…}` in a Resource). */
export function dependsOnlyOnRequestTarget(policy: CompiledPolicy): boolean {
  let free = factFree.get(policy);
  if (free === undefined) {
    free = policy.document.Statement.every(
      (s) =>
        (s.Condition === undefined || Object.keys(s.Condition).length === 0) &&
        !(s.Resource ?? []).some((r) => r.includes('${')) &&
        !(s.NotResource ?? []).some((r) => r.includes('${')),
    );
    factFree.set(policy, free);
  }
  return free;
}

export class AllowedDecisions {
  private generation = -1;
  /** Caller → `action\nresource` of its decisions known to be Allowed → the statements that allowed each. */
  private byCaller = new WeakMap<Caller, Map<string, readonly MatchedStatement[]>>();
  private static readonly MAX_PER_CALLER = 1024;

  constructor(private readonly store: Store) {}

  private current(): void {
    const generation = this.store.generation;
    if (this.generation !== generation) {
      this.byCaller = new WeakMap();
      this.generation = generation;
    }
  }

  /** The statements that allowed the decision, when it is known to be Allowed. */
  get(caller: Caller, action: string, resource: string): readonly MatchedStatement[] | undefined {
    this.current();
    return this.byCaller.get(caller)?.get(`${action}\n${resource}`);
  }

  /**
   * Keeps an Allowed decision, if the policies it was made with allow it, and only if the store
   * did not change since `generation` (read before the policies were).
   */
  add(
    caller: Caller,
    action: string,
    resource: string,
    generation: number,
    policies: readonly (CompiledPolicy | null)[],
    allowedBy: readonly MatchedStatement[],
  ): void {
    if (generation !== this.store.generation) return;
    for (const p of policies) if (p !== null && !dependsOnlyOnRequestTarget(p)) return;
    this.current();
    let known = this.byCaller.get(caller);
    if (known === undefined) {
      known = new Map();
      this.byCaller.set(caller, known);
    }
    if (known.size >= AllowedDecisions.MAX_PER_CALLER) known.clear();
    known.set(`${action}\n${resource}`, allowedBy);
  }
}
