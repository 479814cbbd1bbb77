// Access key id → its secret and the principal it belongs to. Cached in memory for the hot path;
// a committed write drops the entries it touched (a key created, deactivated or deleted, its user
// renamed or deleted), so the change takes effect on the next request. A sealed secret that fails
// to open fails closed.
//
// Temporary credentials (ASIA…) carry their session in the security token (src/sts/sessions.ts):
// the request must present the exact token it was issued with, before it expires, and the role
// (or user) behind it must still exist — deleting a role ends its sessions on the next request.
import type { Caller, SessionFacts } from '../domain/caller.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { sameSecret } from '../crypto/same-secret.ts';
import { assumedRoleArn, iamArn, rootArn } from '../domain/arn.ts';
import { awsError } from '../errors/messages.ts';
import type { CompiledPolicy } from '../policy/index.ts';
import type { Store } from '../store/store.ts';
import type { Repo, RepoChanges } from '../store/repo.ts';
import { compileStored, managedPolicy } from '../authz/principal-policies.ts';
import { workloadHoldsRole } from '../workloads/workloads.ts';
import { isRoleSession, openSession, type SessionClaims } from '../sts/sessions.ts';
import type { Metrics } from '../metrics/metrics.ts';

export interface ResolvedCredential {
  secret: string;
  active: boolean;
  /** The caller, with the partition still to be set from the request's region. */
  caller: Omit<Caller, 'partition' | 'arn'> & { arnFor(partition: string): string; roleArnFor?(partition: string): string };
}

interface TemporaryEntry {
  token: string;
  claims: SessionClaims;
  resolved: ResolvedCredential | null;
}

export const invalidToken = () => awsError('securityTokenInvalid');
export const expiredToken = () => awsError('securityTokenExpired');

export class CredentialResolver {
  private cache = new Map<string, ResolvedCredential | null>();
  /** Counts hits and misses (iamd_cache_requests_total{cache="credentials"}) when set. */
  metrics?: Metrics;
  /** Entity id → the cached long-term keys whose caller it is. */
  private keysByEntity = new Map<string, Set<string>>();
  private temporary = new Map<string, TemporaryEntry>();
  private static readonly MAX_ENTRIES = 100_000;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
  ) {
    store.on('change', (changes: RepoChanges | undefined) => this.forget(changes));
  }

  /**
   * Drops what a committed write may have changed. Sessions depend on more (roles, workloads,
   * session policies) and are all dropped; long-term keys only when they or their user changed.
   */
  private forget(changes: RepoChanges | undefined): void {
    this.temporary.clear();
    if (!changes) {
      this.cache.clear();
      this.keysByEntity.clear();
      return;
    }
    for (const id of changes.accessKeys) this.cache.delete(id);
    for (const entityId of changes.entities) {
      for (const id of this.keysByEntity.get(entityId) ?? []) this.cache.delete(id);
      this.keysByEntity.delete(entityId);
    }
  }

  private remember(accessKeyId: string, resolved: ResolvedCredential | undefined): void {
    if (this.cache.size >= CredentialResolver.MAX_ENTRIES) {
      this.cache.clear();
      this.keysByEntity.clear();
    }
    this.cache.set(accessKeyId, resolved ?? null);
    const entityId = resolved?.caller.entityId;
    if (entityId !== undefined) {
      let keys = this.keysByEntity.get(entityId);
      if (!keys) {
        keys = new Set();
        this.keysByEntity.set(entityId, keys);
      }
      keys.add(accessKeyId);
    }
  }

  /**
   * The credential of a signed request. `securityToken` is the request's X-Amz-Security-Token;
   * `now` decides expiry; `service` is the signing scope's service. Throws ExpiredToken for an
   * expired session and InvalidClientTokenId for a token that is missing, altered or not allowed
   * for the service; returns undefined for an unknown key.
   */
  async resolve(accessKeyId: string, securityToken?: string, now: Date = new Date(), service = 'iam'): Promise<ResolvedCredential | undefined> {
    if (accessKeyId.startsWith('ASIA')) return this.resolveTemporary(accessKeyId, securityToken, now, service);
    // A long-term key does not take a session token.
    if (securityToken !== undefined) throw invalidToken();
    const cached = this.cache.get(accessKeyId);
    if (cached !== undefined) {
      this.metrics?.credentialCache.hit.inc();
      return cached ?? undefined;
    }
    this.metrics?.credentialCache.miss.inc();
    const generation = this.store.generation;
    const resolved = await this.load(accessKeyId);
    // Only cache what was read at the current generation: a write committed meanwhile wins.
    if (generation === this.store.generation) this.remember(accessKeyId, resolved);
    return resolved;
  }

  private async resolveTemporary(accessKeyId: string, token: string | undefined, now: Date, service: string): Promise<ResolvedCredential> {
    if (token === undefined) throw invalidToken();
    let entry = this.temporary.get(accessKeyId);
    if (entry && sameSecret(entry.token, token)) this.metrics?.credentialCache.hit.inc();
    else {
      this.metrics?.credentialCache.miss.inc();
      const claims = openSession(this.secrets, accessKeyId, token);
      if (!claims) throw invalidToken();
      const generation = this.store.generation;
      const resolved = await this.store.read((repo) => this.loadSession(repo, accessKeyId, claims));
      entry = { token, claims, resolved: resolved ?? null };
      if (generation === this.store.generation) {
        if (this.temporary.size >= CredentialResolver.MAX_ENTRIES) this.temporary.clear();
        this.temporary.set(accessKeyId, entry);
      }
    }
    if (now.getTime() >= entry.claims.expiresAt) throw expiredToken();
    if (!entry.resolved) throw invalidToken();
    // GetSessionToken credentials without MFA, and federated-user credentials, cannot call IAM.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html#stsapi_comparison
    if (service === 'iam' && ((entry.claims.kind === 'GetSessionToken' && entry.claims.mfaAt === undefined) || entry.claims.kind === 'GetFederationToken'))
      throw invalidToken();
    return entry.resolved;
  }

  /** The caller of a session, or undefined when its role or user no longer exists. */
  private async loadSession(repo: Repo, accessKeyId: string, c: SessionClaims): Promise<ResolvedCredential | undefined> {
    const accountId = c.accountId;
    const base = {
      secret: c.secret,
      active: true,
    };
    const facts: SessionFacts = {
      issuedAt: new Date(c.issuedAt),
      expiresAt: new Date(c.expiresAt),
      mfaAuthenticatedAt: c.mfaAt !== undefined ? new Date(c.mfaAt) : undefined,
      sourceIdentity: c.sourceIdentity,
      federatedProvider: c.federatedProvider,
    };
    if (c.tags && Object.keys(c.tags).length > 0) facts.tags = c.tags;
    if (c.transitiveTagKeys) facts.transitiveTagKeys = c.transitiveTagKeys;
    if (isRoleSession(c.kind)) {
      const role = c.principalId ? await repo.getEntityById(c.principalId) : undefined;
      if (role?.kind !== 'role' || role.accountId !== accountId || role.name !== c.roleName) return undefined;
      if (c.workloadId && !(await workloadHoldsRole(repo, c.workloadId, role.id))) return undefined;
      const sessionName = c.sessionName ?? '';
      facts.roleName = role.name;
      facts.sessionName = sessionName;
      const policies = await sessionPolicies(repo, c);
      if (policies) facts.compiledSessionPolicies = policies;
      return {
        ...base,
        caller: {
          type: 'AssumedRole',
          accountId,
          userId: `${role.id}:${sessionName}`,
          entityId: role.id,
          accessKeyId,
          session: facts,
          arnFor: (p) => assumedRoleArn(p, accountId, role.name, sessionName),
          roleArnFor: (p) => iamArn(p, accountId, 'role', role.path, role.name),
        },
      };
    }
    const user = c.principalId ? await repo.getEntityById(c.principalId) : undefined;
    if (c.principalId && (user?.kind !== 'user' || user.accountId !== accountId)) return undefined;
    if (c.kind === 'GetFederationToken') {
      const name = c.sessionName ?? '';
      facts.sessionName = name;
      // Federated users have exactly the intersection of their user's and the session's policies:
      // without session policies they have none.
      facts.compiledSessionPolicies = (await sessionPolicies(repo, c)) ?? [NOTHING];
      return {
        ...base,
        caller: {
          type: 'FederatedUser',
          accountId,
          userId: `${accountId}:${name}`,
          entityId: user?.id,
          accessKeyId,
          session: facts,
          arnFor: (p) => `arn:${p}:sts::${accountId}:federated-user/${name}`,
        },
      };
    }
    // GetSessionToken: the user (or root) itself, with session facts (MFA).
    if (!user) {
      return { ...base, caller: { ...rootCaller(accountId, accessKeyId), session: facts } };
    }
    return {
      ...base,
      caller: { ...userCaller(accountId, user, accessKeyId), session: facts },
    };
  }

  private async load(accessKeyId: string): Promise<ResolvedCredential | undefined> {
    return this.store.read(async (repo) => {
      const key = await repo.getAccessKey(accessKeyId);
      if (!key) return undefined;
      let secret: string;
      try {
        secret = this.secrets.open(key.secret_sealed, key.id);
      } catch {
        return undefined; // tampered or foreign ciphertext: this key authenticates nothing
      }
      const accountId = key.account_id;
      if (key.user_id === null) {
        return {
          secret,
          active: key.status === 'Active',
          caller: rootCaller(accountId, accessKeyId),
        };
      }
      const user = await repo.getEntityById(key.user_id);
      if (!user) return undefined;
      return {
        secret,
        active: key.status === 'Active',
        caller: userCaller(accountId, user, accessKeyId),
      };
    });
  }
}

type UnboundCaller = ResolvedCredential['caller'];

/** The root user, signing with one of its keys (or a session of its own). */
function rootCaller(accountId: string, accessKeyId: string): UnboundCaller {
  return { type: 'Root', accountId, userId: accountId, accessKeyId, arnFor: (p) => rootArn(p, accountId) };
}

/** An IAM user, signing with one of its keys (or a session of its own). */
function userCaller(accountId: string, user: { id: string; name: string; path: string }, accessKeyId: string): UnboundCaller {
  return {
    type: 'User',
    accountId,
    userId: user.id,
    userName: user.name,
    entityId: user.id,
    accessKeyId,
    arnFor: (p) => iamArn(p, accountId, 'user', user.path, user.name),
  };
}

/** The session's policies compiled, or undefined when it has none. A policy ARN that no longer resolves grants nothing. */
async function sessionPolicies(repo: Repo, c: SessionClaims): Promise<CompiledPolicy[] | undefined> {
  if (c.policy === undefined && !(c.policyArns && c.policyArns.length > 0)) return undefined;
  const out: CompiledPolicy[] = [];
  if (c.policy !== undefined) {
    const compiled = compileStored(c.policy, { type: 'session', name: 'session policy' });
    if (compiled) out.push(compiled);
  }
  for (const arn of c.policyArns ?? []) {
    const compiled = await managedPolicy(repo, c.accountId, arn, 'session');
    if (compiled) out.push(compiled);
  }
  // A session whose policies all failed to compile is allowed nothing (never everything).
  if (out.length === 0) out.push(NOTHING);
  return out;
}

/** A session policy that allows nothing. */
const NOTHING: CompiledPolicy = compileStored('{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}', {
  type: 'session',
  name: 'no session permissions',
})!;
