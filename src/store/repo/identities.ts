// The identities aggregate: accounts, entities (users, groups, roles, managed policies, instance
// profiles, MFA devices) with the boundaries index their writes keep, tags, group membership.
// Methods only (see core.ts): they are copied onto Repo.prototype by ../repo.ts.
import type { AccountTable, EntityTable } from '../schema.ts';
import { ReadCache } from '../read-cache.ts';
import { decodeMarker, encodeMarker, RepoCore, toEntity, type EntityRow, type Page, type Tag } from './core.ts';

export abstract class IdentityQueries extends RepoCore {
  // ---- accounts
  async getAccount(id: string): Promise<AccountTable | undefined> {
    return this.first('accountById', (a) => this.db.selectFrom('accounts').selectAll().where('id', '=', a(0)), [id]);
  }
  async getAccountByAlias(alias: string): Promise<AccountTable | undefined> {
    return this.first('accountByAlias', (a) => this.db.selectFrom('accounts').selectAll().where('alias', '=', a(0)), [alias]);
  }
  async listAccounts(): Promise<AccountTable[]> {
    return this.select('accounts', () => this.db.selectFrom('accounts').selectAll().orderBy('created_at'), []);
  }
  async insertAccount(row: AccountTable): Promise<void> {
    await this.insert('accounts', row);
  }
  async setAccountAlias(id: string, alias: string | null): Promise<void> {
    await this.change(
      'setAccountAlias',
      (a) =>
        this.db
          .updateTable('accounts')
          .set({ alias: a(1) })
          .where('id', '=', a(0)),
      [id, alias],
    );
  }
  async setRootPassword(id: string, email: string, passwordHash: string): Promise<void> {
    await this.change(
      'setRootPassword',
      (a) =>
        this.db
          .updateTable('accounts')
          .set({ root_email: a(1), root_password_hash: a(2) })
          .where('id', '=', a(0)),
      [id, email, passwordHash],
    );
  }

  // ---- entities (users, groups, roles, policies, instance profiles, MFA devices)
  async insertEntity(e: EntityRow<unknown>): Promise<void> {
    this.tagMemo.set(e.id, []); // a new id has no tags yet
    await this.indexBoundary(e.id, e.accountId, e.data, true);
    await this.insert('entities', {
      id: e.id,
      account_id: e.accountId,
      kind: e.kind,
      name: e.name,
      name_key: e.name.toLowerCase(),
      path: e.path,
      created_at: e.createdAt.toISOString(),
      data: JSON.stringify(e.data),
    });
  }
  async getEntityByName<D>(accountId: string, kind: string, name: string): Promise<EntityRow<D> | undefined> {
    const nameKey = name.toLowerCase();
    return this.cachedEntity(ReadCache.byName(accountId, kind, nameKey), () =>
      this.first<EntityTable>(
        'entityByName',
        (a) => this.db.selectFrom('entities').selectAll().where('account_id', '=', a(0)).where('kind', '=', a(1)).where('name_key', '=', a(2)),
        [accountId, kind, nameKey],
      ),
    );
  }
  async getEntityById<D>(id: string): Promise<EntityRow<D> | undefined> {
    return this.cachedEntity(ReadCache.byId(id), () =>
      this.first<EntityTable>('entityById', (a) => this.db.selectFrom('entities').selectAll().where('id', '=', a(0)), [id]),
    );
  }
  /** An entity from the read cache when this transaction has one, else read (and cached). */
  private async cachedEntity<D>(key: string, read: () => Promise<EntityTable | undefined>): Promise<EntityRow<D> | undefined> {
    const hit = this.cache?.entity<D>(key);
    if (hit !== undefined) return hit ?? undefined;
    const row = await read();
    const entity = row && toEntity<D>(row);
    return this.cache ? this.cache.putEntity(key, entity, this.cacheStamp) : entity;
  }
  async getEntitiesByIds<D>(ids: string[]): Promise<EntityRow<D>[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('entities').selectAll().where('id', 'in', ids).orderBy('name_key').execute();
    return rows.map((r) => toEntity<D>(r));
  }
  /** A page of entities ordered by name (case-insensitively), optionally under a path prefix. */
  async listEntities<D>(
    accountId: string,
    kind: string,
    opts: { pathPrefix?: string; marker?: string; maxItems: number; filter?: (e: EntityRow<D>) => boolean },
  ): Promise<Page<EntityRow<D>>> {
    const prefix = opts.pathPrefix && opts.pathPrefix !== '/' ? opts.pathPrefix : undefined;
    if (this.cache && !opts.filter) {
      const key = `list\0${accountId}\0${kind}\0${prefix ?? ''}\0${opts.marker ?? ''}\0${opts.maxItems}`;
      return this.cache.page<D>(key) ?? this.cache.putPage(key, await this.readPage<D>(accountId, kind, prefix, opts), this.cacheStamp);
    }
    return this.readPage(accountId, kind, prefix, opts);
  }
  private async readPage<D>(
    accountId: string,
    kind: string,
    prefix: string | undefined,
    opts: { marker?: string; maxItems: number; filter?: (e: EntityRow<D>) => boolean },
  ): Promise<Page<EntityRow<D>>> {
    const items: EntityRow<D>[] = [];
    // Fetch in chunks so that a filter (e.g. OnlyAttached) still fills a page.
    let cursor = decodeMarker(opts.marker);
    for (;;) {
      const rows = await this.entityChunk(accountId, kind, prefix, cursor, opts.maxItems + 1);
      for (const row of rows) {
        const e: EntityRow<D> = {
          id: row.id,
          accountId,
          kind,
          name: row.name,
          path: row.path,
          createdAt: new Date(row.created_at),
          data: JSON.parse(row.data) as D,
        };
        if (opts.filter && !opts.filter(e)) continue;
        if (items.length === opts.maxItems) return { items, marker: encodeMarker(items[items.length - 1]!.name.toLowerCase()) };
        items.push(e);
      }
      if (rows.length <= opts.maxItems) return { items };
      cursor = rows[rows.length - 1]!.name.toLowerCase();
    }
  }
  /**
   * Up to `limit` entities of a kind in name order, after `cursor` and under `prefix` when given.
   * Only the columns the query does not already fix: each value read costs a string in V8.
   */
  private entityChunk(accountId: string, kind: string, prefix: string | undefined, cursor: string | undefined, limit: number) {
    return this.select<Pick<EntityTable, 'id' | 'name' | 'path' | 'created_at' | 'data'>>(
      `entityChunk ${prefix !== undefined} ${cursor !== undefined}`,
      (a) => {
        let q = this.db.selectFrom('entities').select(['id', 'name', 'path', 'created_at', 'data']).where('account_id', '=', a(0)).where('kind', '=', a(1));
        if (prefix !== undefined) q = q.where((eb) => eb(eb.fn('substr', ['path', eb.val(1), eb.val(a(2))]), '=', a(3)));
        if (cursor !== undefined) q = q.where('name_key', '>', a(4));
        return q.orderBy('name_key').limit(a(5) as never);
      },
      [accountId, kind, prefix?.length, prefix, cursor, limit],
    );
  }
  async countEntities(accountId: string, kind: string): Promise<number> {
    const r = await this.first<{ n: number }>(
      'countEntities',
      (a) =>
        this.db
          .selectFrom('entities')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', a(0))
          .where('kind', '=', a(1)),
      [accountId, kind],
    );
    return Number(r?.n ?? 0);
  }
  async updateEntity(id: string, changes: { name?: string; path?: string; data?: unknown }): Promise<void> {
    this.changes.entities.add(id);
    const set: Partial<EntityTable> = {};
    if (changes.name !== undefined) {
      set.name = changes.name;
      set.name_key = changes.name.toLowerCase();
    }
    if (changes.path !== undefined) set.path = changes.path;
    if (changes.data !== undefined) set.data = JSON.stringify(changes.data);
    const columns = Object.keys(set) as (keyof EntityTable)[];
    if (columns.length > 0) {
      await this.change(
        `updateEntity ${columns.join(',')}`,
        (a) =>
          this.db
            .updateTable('entities')
            .set(Object.fromEntries(columns.map((c, i) => [c, a(i + 1)])))
            .where('id', '=', a(0)),
        [id, ...columns.map((c) => set[c])],
      );
    }
    if (changes.data !== undefined) {
      const row = await this.first<{ account_id: string }>('entityAccount', (a) => this.db.selectFrom('entities').select('account_id').where('id', '=', a(0)), [
        id,
      ]);
      if (row) await this.indexBoundary(id, row.account_id, changes.data, false);
    }
  }

  /** Keeps the boundaries index in step with an entity's data (INVARIANT: one row per bounded user or role). */
  private async indexBoundary(entityId: string, accountId: string, data: unknown, isNew: boolean): Promise<void> {
    // A new entity has no row yet: only an update may need to drop the old one.
    if (!isNew) await this.change('unindexBoundary', (a) => this.db.deleteFrom('boundaries').where('entity_id', '=', a(0)), [entityId]);
    const arn = (data as { permissionsBoundary?: unknown } | null)?.permissionsBoundary;
    if (typeof arn === 'string') await this.insert('boundaries', { entity_id: entityId, account_id: accountId, policy_arn: arn });
  }

  async deleteEntity(id: string): Promise<void> {
    this.changes.entities.add(id);
    this.tagMemo.delete(id);
    await this.change('unindexBoundary', (a) => this.db.deleteFrom('boundaries').where('entity_id', '=', a(0)), [id]);
    await this.change('deleteEntity', (a) => this.db.deleteFrom('entities').where('id', '=', a(0)), [id]);
    await this.change('deleteTags', (a) => this.db.deleteFrom('tags').where('resource_id', '=', a(0)), [id]);
  }

  /** What still hangs on a user, each as a yes/no, in one query (DeleteUser's conflict checks). */
  async userDependents(
    accountId: string,
    userId: string,
  ): Promise<{ loginProfile: boolean; accessKeys: boolean; inlinePolicies: boolean; attachedPolicies: boolean; groups: boolean }> {
    const row = await this.first<Record<'lp' | 'ak' | 'ip' | 'ap' | 'gm', unknown>>(
      'userDependents',
      (a) =>
        this.db.selectNoFrom((eb) => [
          eb.exists(eb.selectFrom('login_profiles').select('user_id').where('user_id', '=', a(1))).as('lp'),
          eb.exists(eb.selectFrom('access_keys').select('id').where('account_id', '=', a(0)).where('user_id', '=', a(1))).as('ak'),
          eb.exists(eb.selectFrom('inline_policies').select('entity_id').where('entity_id', '=', a(1))).as('ip'),
          eb.exists(eb.selectFrom('attachments').select('entity_id').where('entity_id', '=', a(1))).as('ap'),
          eb.exists(eb.selectFrom('memberships').select('user_id').where('user_id', '=', a(1))).as('gm'),
        ]),
      [accountId, userId],
    );
    const yes = (v: unknown) => Number(v) === 1; // SQLite answers 0/1, PostgreSQL a boolean
    return { loginProfile: yes(row?.lp), accessKeys: yes(row?.ak), inlinePolicies: yes(row?.ip), attachedPolicies: yes(row?.ap), groups: yes(row?.gm) };
  }

  // ---- tags
  async getTags(resourceId: string): Promise<Tag[]> {
    let tags: readonly Tag[] | undefined = this.tagMemo.get(resourceId) ?? this.cache?.tagsOf(resourceId);
    if (!tags) {
      const rows = await this.select<{ tag_key: string; tag_value: string }>(
        'tags',
        (a) => this.db.selectFrom('tags').select(['tag_key', 'tag_value']).where('resource_id', '=', a(0)).orderBy('position'),
        [resourceId],
      );
      const read = rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
      this.tagMemo.set(resourceId, read);
      this.cache?.putTags(
        resourceId,
        read.map((t) => ({ ...t })),
        this.cacheStamp,
      );
      tags = read;
    }
    return tags.map((t) => ({ ...t }));
  }
  /** Adds or overwrites tags; keys match case-insensitively and keep the newest spelling. */
  async putTags(resourceId: string, tags: Tag[]): Promise<void> {
    if (tags.length === 0) return;
    this.tagMemo.delete(resourceId);
    const existing = await this.getTags(resourceId);
    let position = existing.length;
    for (const tag of tags) {
      const key_lower = tag.Key.toLowerCase();
      const found = existing.find((t) => t.Key.toLowerCase() === key_lower);
      if (found) {
        await this.change(
          'updateTag',
          (a) =>
            this.db
              .updateTable('tags')
              .set({ tag_key: a(2), tag_value: a(3) })
              .where('resource_id', '=', a(0))
              .where('key_lower', '=', a(1)),
          [resourceId, key_lower, tag.Key, tag.Value],
        );
      } else {
        await this.insert('tags', { resource_id: resourceId, tag_key: tag.Key, key_lower, tag_value: tag.Value, position: position++ });
        existing.push(tag);
      }
    }
    this.tagMemo.delete(resourceId); // getTags above filled it with the rows before these writes
  }
  async removeTags(resourceId: string, keys: string[]): Promise<void> {
    this.tagMemo.delete(resourceId);
    if (keys.length === 0) return;
    await this.db
      .deleteFrom('tags')
      .where('resource_id', '=', resourceId)
      .where(
        'key_lower',
        'in',
        keys.map((k) => k.toLowerCase()),
      )
      .execute();
  }

  // ---- group membership
  async addMembership(groupId: string, userId: string): Promise<void> {
    const exists = await this.first(
      'membership',
      (a) => this.db.selectFrom('memberships').select('user_id').where('group_id', '=', a(0)).where('user_id', '=', a(1)),
      [groupId, userId],
    );
    if (!exists) await this.insert('memberships', { group_id: groupId, user_id: userId });
  }
  async removeMembership(groupId: string, userId: string): Promise<boolean> {
    const n = await this.change('removeMembership', (a) => this.db.deleteFrom('memberships').where('group_id', '=', a(0)).where('user_id', '=', a(1)), [
      groupId,
      userId,
    ]);
    return n > 0;
  }
  async groupIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.select<{ group_id: string }>(
      'groupsOfUser',
      (a) => this.db.selectFrom('memberships').select('group_id').where('user_id', '=', a(0)),
      [userId],
    );
    return rows.map((r) => r.group_id);
  }
  async userIdsOfGroup(groupId: string): Promise<string[]> {
    const rows = await this.select<{ user_id: string }>(
      'usersOfGroup',
      (a) => this.db.selectFrom('memberships').select('user_id').where('group_id', '=', a(0)),
      [groupId],
    );
    return rows.map((r) => r.user_id);
  }
}
