// Entities, tags and list pages as read-only transactions read them, kept until the next write.
// Reads dominate IAM traffic (every request looks up its caller, most look up an entity), and a
// write of any kind drops everything. On SQLite every write goes through this process (or, with
// several workers, is noticed before the next request), so a cached answer is the committed state.
// On PostgreSQL another node's write is seen when its notice arrives (milliseconds): a node never
// serves a value older than the last write it has been notified of.
//
// INVARIANT: a read puts what it read only if no write (this process's, or a notice of another's)
// came between the read's start and the put: `stamp()` is taken when the transaction starts, and
// every put compares it to the current generation. Otherwise a read that began before a notice
// could put its older answer into the cache after the notice dropped it.
import type { EntityRow, Page, Tag } from './repo.ts';

const MAX_ENTRIES = 20_000;

/** Freezes a value parsed from JSON, all the way down: cached rows are shared by every request. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

export class ReadCache {
  private generation = -1;
  /** By `name\0account\0kind\0lower-case name` and by `id\0id`; null records a miss. */
  private readonly entities = new Map<string, EntityRow<unknown> | null>();
  private readonly tags = new Map<string, readonly Readonly<Tag>[]>();
  /** List pages (ListUsers, ListRoles…) by their query; bounded by the entities they hold. */
  private readonly pages = new Map<string, Page<EntityRow<unknown>>>();
  private pageItems = 0;

  constructor(private readonly source: { readonly generation: number }) {}

  /** The generation a transaction reads at: what it reads may be put only while it is still current. */
  stamp(): number {
    return this.source.generation;
  }

  /** Drops everything read before the last write. */
  private current(): void {
    if (this.generation !== this.source.generation) {
      this.entities.clear();
      this.tags.clear();
      this.pages.clear();
      this.pageItems = 0;
      this.generation = this.source.generation;
    }
  }

  static byName(accountId: string, kind: string, nameKey: string): string {
    return `name\0${accountId}\0${kind}\0${nameKey}`;
  }

  static byId(id: string): string {
    return `id\0${id}`;
  }

  /** The cached entity (frozen), null for a cached miss, undefined when not cached. */
  entity<D>(key: string): EntityRow<D> | null | undefined {
    this.current();
    return this.entities.get(key) as EntityRow<D> | null | undefined;
  }

  putEntity<D>(key: string, entity: EntityRow<D> | undefined, stamp: number): EntityRow<D> | undefined {
    this.current();
    if (entity) deepFreeze(entity);
    if (stamp !== this.generation) return entity;
    if (this.entities.size >= MAX_ENTRIES) this.entities.clear();
    this.entities.set(key, entity ?? null);
    return entity;
  }

  /** A copy of a cached page (its items frozen), or undefined. */
  page<D>(key: string): Page<EntityRow<D>> | undefined {
    this.current();
    const hit = this.pages.get(key) as Page<EntityRow<D>> | undefined;
    return hit && { ...hit, items: [...hit.items] };
  }

  putPage<D>(key: string, page: Page<EntityRow<D>>, stamp: number): Page<EntityRow<D>> {
    this.current();
    if (stamp !== this.generation) return page;
    // Pages of up to 1,000 entities each: bound what they hold in all, not how many there are.
    if (this.pageItems + page.items.length > MAX_ENTRIES) {
      this.pages.clear();
      this.pageItems = 0;
    }
    this.pageItems += page.items.length;
    for (const item of page.items) deepFreeze(item);
    this.pages.set(key, { ...page, items: [...page.items] });
    return page;
  }

  tagsOf(resourceId: string): readonly Readonly<Tag>[] | undefined {
    this.current();
    return this.tags.get(resourceId);
  }

  putTags(resourceId: string, tags: Tag[], stamp: number): void {
    this.current();
    if (stamp !== this.generation) return;
    if (this.tags.size >= MAX_ENTRIES) this.tags.clear();
    this.tags.set(resourceId, deepFreeze(tags));
  }
}
