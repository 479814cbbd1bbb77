// A principal's policies, gathered from the store and compiled once: a user's inline and attached
// policies and those of its groups, and its permissions boundary. Cached per principal until the
// store's next committed write, so a change takes effect on the very next request.
import { awsManagedPolicy } from '../catalog/aws-managed-policies.ts';
import { compilePolicy, parsePolicy, type CompiledPolicy, type PolicySource } from '../policy/index.ts';
import type { Repo } from '../store/repo.ts';
import type { Store, Transactions } from '../store/store.ts';
import { parsePolicyArn } from '../domain/arn.ts';
import type { Metrics } from '../metrics/metrics.ts';

export interface PrincipalPolicies {
  identity: CompiledPolicy[];
  boundary: CompiledPolicy | null;
  /** The principal's tags (aws:PrincipalTag/*). */
  tags: Record<string, string>;
}

/** Compiles a stored document; a document that no longer parses grants nothing. */
export function compileStored(text: string, source: PolicySource, kind: 'identity' | 'trust' = 'identity'): CompiledPolicy | undefined {
  // Stored documents were validated when written; rules added since must not drop them (or their Denies).
  const parsed = parsePolicy(text, kind, { stored: true });
  return parsed.document ? compilePolicy(parsed.document, source) : undefined;
}

// AWS managed policies never change while iamd runs: compile each once.
const awsCompiled = new Map<string, CompiledPolicy | undefined>();

export class PrincipalPolicyCache {
  private cache = new Map<string, PrincipalPolicies>();
  /** Counts hits and misses (iamd_cache_requests_total{cache="principal_policies"}) when set. */
  metrics?: Metrics;
  private generation = -1;

  constructor(private readonly store: Store) {}

  private current(): void {
    if (this.generation !== this.store.generation) {
      this.cache.clear();
      this.generation = this.store.generation;
    }
  }

  /** The policies of an IAM user (by entity id). */
  async forUser(userId: string, accountId: string, tx: Transactions = this.store): Promise<PrincipalPolicies> {
    this.current();
    const hit = this.cache.get(userId);
    if (hit) {
      this.metrics?.policyCache.hit.inc();
      return hit;
    }
    this.metrics?.policyCache.miss.inc();
    const generation = this.store.generation;
    const loaded = await tx.read(async (repo) => {
      const user = await repo.getEntityById<{ permissionsBoundary?: string }>(userId);
      if (!user) return { identity: [], boundary: null, tags: {} };
      const identity = await entityPolicies(repo, accountId, userId, user.name, 'user');
      for (const groupId of await repo.groupIdsOfUser(userId)) {
        const group = await repo.getEntityById(groupId);
        if (group) identity.push(...(await entityPolicies(repo, accountId, groupId, group.name, 'group')));
      }
      const boundary = user.data.permissionsBoundary ? await managedPolicy(repo, accountId, user.data.permissionsBoundary, 'boundary') : null;
      const tags = Object.fromEntries((await repo.getTags(userId)).map((t) => [t.Key, t.Value]));
      return { identity, boundary: boundary ?? null, tags };
    });
    if (generation === this.store.generation && !tx.inWriteTransaction()) this.cache.set(userId, loaded);
    return loaded;
  }

  /** The policies of a role (by entity id), for its sessions. */
  async forRole(roleId: string, accountId: string, tx: Transactions = this.store): Promise<PrincipalPolicies> {
    this.current();
    const key = `role:${roleId}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.metrics?.policyCache.hit.inc();
      return hit;
    }
    this.metrics?.policyCache.miss.inc();
    const generation = this.store.generation;
    const loaded = await tx.read(async (repo) => {
      const role = await repo.getEntityById<{ permissionsBoundary?: string }>(roleId);
      if (!role) return { identity: [], boundary: null, tags: {} };
      const identity = await entityPolicies(repo, accountId, roleId, role.name, 'role');
      const boundary = role.data.permissionsBoundary ? await managedPolicy(repo, accountId, role.data.permissionsBoundary, 'boundary') : null;
      const tags = Object.fromEntries((await repo.getTags(roleId)).map((t) => [t.Key, t.Value]));
      return { identity, boundary: boundary ?? null, tags };
    });
    if (generation === this.store.generation && !tx.inWriteTransaction()) this.cache.set(key, loaded);
    return loaded;
  }
}

/** An entity's inline policies and the default versions of its attached managed policies. */
async function entityPolicies(repo: Repo, accountId: string, entityId: string, entityName: string, kind: string): Promise<CompiledPolicy[]> {
  const out: CompiledPolicy[] = [];
  for (const inline of await repo.listInlinePolicies(entityId)) {
    const compiled = compileStored(inline.document, { type: 'identity', name: `${kind}/${entityName}/${inline.name}` });
    if (compiled) out.push(compiled);
  }
  for (const arn of await repo.attachedPolicyArns(entityId)) {
    const compiled = await managedPolicy(repo, accountId, arn, 'identity');
    if (compiled) out.push(compiled);
  }
  return out;
}

/** The default version of a managed policy, compiled. */
export async function managedPolicy(
  repo: Repo,
  accountId: string,
  arn: string,
  type: 'identity' | 'boundary' | 'session',
): Promise<CompiledPolicy | undefined> {
  const parsed = parsePolicyArn(arn);
  if (!parsed) return undefined;
  if (parsed.account === 'aws') {
    const p = awsManagedPolicy(arn);
    if (!p) return undefined;
    const cacheKey = `${type}|${p.arn}`;
    if (!awsCompiled.has(cacheKey)) awsCompiled.set(cacheKey, compileStored(p.document, { type, name: p.name, arn: p.arn, versionId: p.defaultVersionId }));
    return awsCompiled.get(cacheKey);
  }
  if (parsed.account !== accountId) return undefined;
  const entity = await repo.getEntityByName<{ defaultVersionId: string }>(accountId, 'policy', parsed.name);
  if (!entity || entity.path !== parsed.path) return undefined;
  const version = (await repo.listPolicyVersions(entity.id)).find((v) => v.isDefault);
  if (!version) return undefined;
  return compileStored(version.document, { type, name: entity.name, arn, versionId: version.versionId });
}
