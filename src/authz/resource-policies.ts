// Resource-based policies that protected services keep in iamd (the authorization API), found for
// a resource at decision time: the policy put for its exact ARN, else the one put for the longest
// ARN prefix (`…/orders/*`) that covers it. Compiled once and kept until the store's next committed
// write (on PostgreSQL, any node's), like the principals' policies, so a change takes effect on the
// very next decision.
import { compilePolicy, parsePolicy, type CompiledPolicy } from '../policy/index.ts';
import type { Repo } from '../store/repo.ts';
import type { ResourcePolicyTable } from '../store/schema.ts';
import type { Store, Transactions } from '../store/store.ts';

/** An ARN ending in `*` names every ARN that starts with the part before it. */
export function isArnPrefix(resourceArn: string): boolean {
  return resourceArn.endsWith('*');
}

interface Prefix {
  /** The ARN without its final `*`. */
  prefix: string;
  policy: CompiledPolicy;
}

/** A stored document, compiled (named by the ARN it was put for); one that no longer parses grants nothing. */
function compile(row: ResourcePolicyTable): CompiledPolicy {
  const parsed = parsePolicy(row.document, 'resource', { stored: true });
  return compilePolicy(parsed.document ?? { Version: '2012-10-17', Statement: [] }, { type: 'resource', name: row.resource_arn });
}

export class ResourcePolicyCache {
  private generation = -1;
  /** `account|arn` → the policy of that exact ARN, or null when there is none. */
  private exact = new Map<string, CompiledPolicy | null>();
  /** Account → its prefix policies, longest prefix first. */
  private prefixes = new Map<string, Prefix[]>();
  private static readonly MAX_ENTRIES = 100_000;

  constructor(private readonly store: Store) {}

  private current(): void {
    if (this.generation !== this.store.generation) {
      this.exact.clear();
      this.prefixes.clear();
      this.generation = this.store.generation;
    }
  }

  /** The policy that applies to `resourceArn` in the account that owns it, or null. */
  async forResource(accountId: string, resourceArn: string, tx: Transactions = this.store): Promise<CompiledPolicy | null> {
    this.current();
    const key = `${accountId}|${resourceArn}`;
    let exact = this.exact.get(key);
    let prefixes = this.prefixes.get(accountId);
    if (exact === undefined || prefixes === undefined) {
      const generation = this.store.generation;
      const loaded = await tx.read(async (repo: Repo) => {
        const row = exact === undefined ? await repo.getResourcePolicy(accountId, resourceArn) : undefined;
        const rows = prefixes === undefined ? await repo.listResourcePolicyPrefixes(accountId) : undefined;
        return { row, rows };
      });
      if (exact === undefined) exact = loaded.row ? compile(loaded.row) : null;
      if (prefixes === undefined) {
        prefixes = (loaded.rows ?? []).map((row) => ({ prefix: row.resource_arn.slice(0, -1), policy: compile(row) }));
        prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
      }
      // Only keep what was read at the current generation, outside a transaction that may have written.
      if (generation === this.store.generation && !tx.inWriteTransaction()) {
        if (this.exact.size >= ResourcePolicyCache.MAX_ENTRIES) this.exact.clear();
        this.exact.set(key, exact);
        this.prefixes.set(accountId, prefixes);
      }
    }
    if (exact !== null) return exact;
    for (const p of prefixes) if (resourceArn.startsWith(p.prefix)) return p.policy;
    return null;
  }
}
