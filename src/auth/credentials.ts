// Access key id → its secret and the principal it belongs to. Cached in memory for the hot path
// and dropped whenever the store commits a write (deleting or deactivating a key, deleting a user
// takes effect on the next request). A sealed secret that fails to open fails closed.
import type { Caller } from '../actions/context.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { iamArn, rootArn } from '../domain/arn.ts';
import type { Store } from '../store/store.ts';

export interface ResolvedCredential {
  secret: string;
  active: boolean;
  /** The caller, with the partition still to be set from the request's region. */
  caller: Omit<Caller, 'partition' | 'arn'> & { arnFor(partition: string): string };
}

export class CredentialResolver {
  private cache = new Map<string, ResolvedCredential | null>();
  private generation = -1;
  private static readonly MAX_ENTRIES = 100_000;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
  ) {}

  async resolve(accessKeyId: string): Promise<ResolvedCredential | undefined> {
    if (this.generation !== this.store.generation) {
      this.cache.clear();
      this.generation = this.store.generation;
    }
    const cached = this.cache.get(accessKeyId);
    if (cached !== undefined) return cached ?? undefined;
    const generation = this.store.generation;
    const resolved = await this.load(accessKeyId);
    // Only cache what was read at the current generation: a write committed meanwhile wins.
    if (generation === this.store.generation && !this.store.inWriteTransaction()) {
      if (this.cache.size >= CredentialResolver.MAX_ENTRIES) this.cache.clear();
      this.cache.set(accessKeyId, resolved ?? null);
    }
    return resolved;
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
          caller: { type: 'Root', accountId, userId: accountId, accessKeyId, arnFor: (p: string) => rootArn(p, accountId) },
        };
      }
      const user = await repo.getEntityById(key.user_id);
      if (!user) return undefined;
      return {
        secret,
        active: key.status === 'Active',
        caller: {
          type: 'User',
          accountId,
          userId: user.id,
          userName: user.name,
          entityId: user.id,
          accessKeyId,
          arnFor: (p: string) => iamArn(p, accountId, 'user', user.path, user.name),
        },
      };
    });
  }
}
