// Every query iamd makes, written once with Kysely for both SQLite and PostgreSQL. A Repo is
// bound to one transaction; the action layer gets it from Store.read / Store.write.
//
// Queries of a fixed shape are built and compiled once per dialect (`select`/`change`/`insert`)
// and, on SQLite, run straight on the connection: building a Kysely query and going through its
// driver costs several times what SQLite takes to answer it.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { AccessKeyTable, AccountTable, Database, EntityTable, LoginProfileTable, WorkloadTable } from './schema.ts';
import { ReadCache } from './read-cache.ts';

export interface EntityRow<D = Record<string, unknown>> {
  id: string;
  accountId: string;
  kind: string;
  name: string;
  path: string;
  createdAt: Date;
  data: D;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque marker for the next page, when there is one. */
  marker?: string;
}

function toEntity<D>(row: EntityTable): EntityRow<D> {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind,
    name: row.name,
    path: row.path,
    createdAt: new Date(row.created_at),
    data: JSON.parse(row.data) as D,
  };
}

/** Markers are opaque to clients: base64url of the last item's sort key. */
export function encodeMarker(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}
export function decodeMarker(marker: string | undefined): string | undefined {
  return marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');
}

/**
 * Runs SQL straight on SQLite's one connection (better-sqlite3 is synchronous). Only used inside
 * the store's read/write, which hold that connection, so nothing else runs on it meanwhile.
 */
export interface DirectSql {
  all(sql: string, params: unknown[]): unknown[];
  /** Returns the number of rows changed. */
  run(sql: string, params: unknown[]): number;
}

// A shape is built with `arg(i)` where its i-th argument goes; any other value in it is a
// constant of the shape. The compiled parameters are mapped back to argument indexes.
const ARG = '\u0000iamd-arg:';
const arg = (i: number): string => `${ARG}${i}`;
type Arg = typeof arg;
interface Prepared {
  sql: string;
  /** Each compiled parameter: the index of the argument that fills it, or a constant. */
  slots: (number | { value: unknown })[];
}
const preparedByShape = new Map<string, Prepared>();

/**
 * What a transaction changed that in-memory credential caches depend on, so that a commit drops
 * only those entries. INVARIANT: access keys and entities are written only through Repo methods.
 */
export interface RepoChanges {
  /** Access keys created, updated or deleted. */
  accessKeys: Set<string>;
  /** Entities (users, roles…) updated or deleted; a new entity changes no existing credential. */
  entities: Set<string>;
}

export class Repo {
  readonly changes: RepoChanges = { accessKeys: new Set(), entities: new Set() };

  // Tags read in this transaction, by resource: an authorization context and the answer often
  // need the same entity's tags. Every tag write in the transaction drops its entry.
  private readonly tagMemo = new Map<string, Tag[]>();

  private readonly dialectKey: string;
  private closed = false;

  constructor(
    readonly db: Kysely<Database>,
    private readonly direct?: DirectSql,
    /** Only for a transaction that cannot write (a SQLite read). */
    private readonly cache?: ReadCache,
  ) {
    this.dialectKey = db.getExecutor().adapter.constructor.name;
  }

  /** Called when the transaction ends: a query after that would run outside it. */
  close(): void {
    this.closed = true;
  }

  private prepared(shape: string, build: (a: Arg) => Compilable): Prepared {
    // INVARIANT: a Repo runs queries only inside its transaction.
    if (this.closed) throw new Error('Repo used after its transaction ended');
    const key = `${this.dialectKey}|${shape}`;
    let p = preparedByShape.get(key);
    if (p === undefined) {
      const compiled = build(arg).compile();
      const slots = compiled.parameters.map((v) => (typeof v === 'string' && v.startsWith(ARG) ? Number(v.slice(ARG.length)) : { value: v }));
      p = { sql: compiled.sql, slots };
      preparedByShape.set(key, p);
    }
    return p;
  }

  private static bind(p: Prepared, args: readonly unknown[]): unknown[] {
    const params = new Array<unknown>(p.slots.length);
    for (let i = 0; i < params.length; i++) {
      const slot = p.slots[i];
      params[i] = typeof slot === 'number' ? args[slot] : slot.value;
    }
    return params;
  }

  /** The rows of a query of a fixed shape. */
  private async select<R>(shape: string, build: (a: Arg) => Compilable, args: readonly unknown[]): Promise<R[]> {
    const p = this.prepared(shape, build);
    if (this.direct) return this.direct.all(p.sql, Repo.bind(p, args)) as R[];
    return (await this.db.executeQuery<R>(CompiledQuery.raw(p.sql, Repo.bind(p, args)))).rows;
  }

  private async first<R>(shape: string, build: (a: Arg) => Compilable, args: readonly unknown[]): Promise<R | undefined> {
    const rows = await this.select<R>(shape, build, args);
    return rows[0];
  }

  /** Runs an insert, update or delete of a fixed shape; returns how many rows it changed. */
  private async change(shape: string, build: (a: Arg) => Compilable, args: readonly unknown[]): Promise<number> {
    const p = this.prepared(shape, build);
    if (this.direct) return this.direct.run(p.sql, Repo.bind(p, args));
    const result = await this.db.executeQuery(CompiledQuery.raw(p.sql, Repo.bind(p, args)));
    return Number(result.numAffectedRows ?? 0);
  }

  /** Inserts one row; its table and columns are the shape. */
  private insert<T extends keyof Database & string>(table: T, row: Database[T]): Promise<number> {
    const columns = Object.keys(row as object);
    return this.change(
      `insert ${table} ${columns.join(',')}`,
      (a) => this.db.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, a(i)])) as never),
      Object.values(row as object),
    );
  }

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
    await this.change('setAccountAlias', (a) => this.db.updateTable('accounts').set({ alias: a(1) }).where('id', '=', a(0)), [id, alias]);
  }
  async setRootPassword(id: string, email: string, passwordHash: string): Promise<void> {
    await this.change('setRootPassword', (a) => this.db.updateTable('accounts').set({ root_email: a(1), root_password_hash: a(2) }).where('id', '=', a(0)), [id, email, passwordHash]);
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
    return this.cachedEntity(ReadCache.byId(id), () => this.first<EntityTable>('entityById', (a) => this.db.selectFrom('entities').selectAll().where('id', '=', a(0)), [id]));
  }
  /** An entity from the read cache when this transaction has one, else read (and cached). */
  private async cachedEntity<D>(key: string, read: () => Promise<EntityTable | undefined>): Promise<EntityRow<D> | undefined> {
    const hit = this.cache?.entity<D>(key);
    if (hit !== undefined) return hit ?? undefined;
    const row = await read();
    const entity = row && toEntity<D>(row);
    return this.cache ? this.cache.putEntity(key, entity) : entity;
  }
  async getEntitiesByIds<D>(ids: string[]): Promise<EntityRow<D>[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('entities').selectAll().where('id', 'in', ids).orderBy('name_key').execute();
    return rows.map((r) => toEntity<D>(r));
  }
  /** A page of entities ordered by name (case-insensitively), optionally under a path prefix. */
  async listEntities<D>(accountId: string, kind: string, opts: { pathPrefix?: string; marker?: string; maxItems: number; filter?: (e: EntityRow<D>) => boolean }): Promise<Page<EntityRow<D>>> {
    const prefix = opts.pathPrefix && opts.pathPrefix !== '/' ? opts.pathPrefix : undefined;
    if (this.cache && !opts.filter) {
      const key = `list\0${accountId}\0${kind}\0${prefix ?? ''}\0${opts.marker ?? ''}\0${opts.maxItems}`;
      return this.cache.page<D>(key) ?? this.cache.putPage(key, await this.readPage<D>(accountId, kind, prefix, opts));
    }
    return this.readPage(accountId, kind, prefix, opts);
  }
  private async readPage<D>(accountId: string, kind: string, prefix: string | undefined, opts: { marker?: string; maxItems: number; filter?: (e: EntityRow<D>) => boolean }): Promise<Page<EntityRow<D>>> {
    const items: EntityRow<D>[] = [];
    // Fetch in chunks so that a filter (e.g. OnlyAttached) still fills a page.
    let cursor = decodeMarker(opts.marker);
    for (;;) {
      const rows = await this.entityChunk(accountId, kind, prefix, cursor, opts.maxItems + 1);
      for (const row of rows) {
        const e: EntityRow<D> = { id: row.id, accountId, kind, name: row.name, path: row.path, createdAt: new Date(row.created_at), data: JSON.parse(row.data) as D };
        if (opts.filter && !opts.filter(e)) continue;
        if (items.length === opts.maxItems) return { items, marker: encodeMarker(items[items.length - 1].name.toLowerCase()) };
        items.push(e);
      }
      if (rows.length <= opts.maxItems) return { items };
      cursor = rows[rows.length - 1].name.toLowerCase();
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
      (a) => this.db.selectFrom('entities').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', a(0)).where('kind', '=', a(1)),
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
        (a) => this.db.updateTable('entities').set(Object.fromEntries(columns.map((c, i) => [c, a(i + 1)]))).where('id', '=', a(0)),
        [id, ...columns.map((c) => set[c])],
      );
    }
    if (changes.data !== undefined) {
      const row = await this.first<{ account_id: string }>('entityAccount', (a) => this.db.selectFrom('entities').select('account_id').where('id', '=', a(0)), [id]);
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

  /** Users and roles whose permissions boundary is this policy. */
  async entityIdsWithBoundary(accountId: string, policyArn: string): Promise<string[]> {
    const rows = await this.select<{ entity_id: string }>(
      'entityIdsWithBoundary',
      (a) => this.db.selectFrom('boundaries').select('entity_id').where('account_id', '=', a(0)).where('policy_arn', '=', a(1)),
      [accountId, policyArn],
    );
    return rows.map((r) => r.entity_id);
  }

  /** How many users and roles use each managed policy as their boundary. */
  async boundaryUseCounts(accountId: string): Promise<Map<string, number>> {
    const rows = await this.select<{ policy_arn: string; n: number }>(
      'boundaryUseCounts',
      (a) =>
        this.db
          .selectFrom('boundaries')
          .select((eb) => ['policy_arn', eb.fn.countAll<number>().as('n')])
          .where('account_id', '=', a(0))
          .groupBy('policy_arn'),
      [accountId],
    );
    return new Map(rows.map((r) => [r.policy_arn, Number(r.n)]));
  }
  async deleteEntity(id: string): Promise<void> {
    this.changes.entities.add(id);
    this.tagMemo.delete(id);
    await this.change('unindexBoundary', (a) => this.db.deleteFrom('boundaries').where('entity_id', '=', a(0)), [id]);
    await this.change('deleteEntity', (a) => this.db.deleteFrom('entities').where('id', '=', a(0)), [id]);
    await this.change('deleteTags', (a) => this.db.deleteFrom('tags').where('resource_id', '=', a(0)), [id]);
  }

  /** What still hangs on a user, each as a yes/no, in one query (DeleteUser's conflict checks). */
  async userDependents(accountId: string, userId: string): Promise<{ loginProfile: boolean; accessKeys: boolean; inlinePolicies: boolean; attachedPolicies: boolean; groups: boolean }> {
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
      this.cache?.putTags(resourceId, read.map((t) => ({ ...t })));
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
          (a) => this.db.updateTable('tags').set({ tag_key: a(2), tag_value: a(3) }).where('resource_id', '=', a(0)).where('key_lower', '=', a(1)),
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
    await this.db.deleteFrom('tags').where('resource_id', '=', resourceId).where('key_lower', 'in', keys.map((k) => k.toLowerCase())).execute();
  }

  // ---- group membership
  async addMembership(groupId: string, userId: string): Promise<void> {
    const exists = await this.first('membership', (a) => this.db.selectFrom('memberships').select('user_id').where('group_id', '=', a(0)).where('user_id', '=', a(1)), [groupId, userId]);
    if (!exists) await this.insert('memberships', { group_id: groupId, user_id: userId });
  }
  async removeMembership(groupId: string, userId: string): Promise<boolean> {
    const n = await this.change('removeMembership', (a) => this.db.deleteFrom('memberships').where('group_id', '=', a(0)).where('user_id', '=', a(1)), [groupId, userId]);
    return n > 0;
  }
  async groupIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.select<{ group_id: string }>('groupsOfUser', (a) => this.db.selectFrom('memberships').select('group_id').where('user_id', '=', a(0)), [userId]);
    return rows.map((r) => r.group_id);
  }
  async userIdsOfGroup(groupId: string): Promise<string[]> {
    const rows = await this.select<{ user_id: string }>('usersOfGroup', (a) => this.db.selectFrom('memberships').select('user_id').where('group_id', '=', a(0)), [groupId]);
    return rows.map((r) => r.user_id);
  }

  // ---- access keys
  async insertAccessKey(row: AccessKeyTable): Promise<void> {
    this.changes.accessKeys.add(row.id);
    await this.insert('access_keys', row);
  }
  async getAccessKey(id: string): Promise<AccessKeyTable | undefined> {
    return this.first('accessKey', (a) => this.db.selectFrom('access_keys').selectAll().where('id', '=', a(0)), [id]);
  }
  async listAccessKeys(accountId: string, userId: string | null): Promise<AccessKeyTable[]> {
    return this.select(
      `accessKeys ${userId === null ? 'root' : 'user'}`,
      (a) => {
        const q = this.db.selectFrom('access_keys').selectAll().where('account_id', '=', a(0));
        return (userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', a(1))).orderBy('created_at').orderBy('id');
      },
      [accountId, userId],
    );
  }
  async setAccessKeyStatus(id: string, status: string): Promise<void> {
    this.changes.accessKeys.add(id);
    await this.change('setAccessKeyStatus', (a) => this.db.updateTable('access_keys').set({ status: a(1) }).where('id', '=', a(0)), [id, status]);
  }
  async deleteAccessKey(id: string): Promise<void> {
    this.changes.accessKeys.add(id);
    await this.change('deleteAccessKey', (a) => this.db.deleteFrom('access_keys').where('id', '=', a(0)), [id]);
  }
  async markAccessKeyUsed(id: string, at: Date, service: string, region: string): Promise<void> {
    await this.change(
      'markAccessKeyUsed',
      (a) => this.db.updateTable('access_keys').set({ last_used_at: a(1), last_used_service: a(2), last_used_region: a(3) }).where('id', '=', a(0)),
      [id, at.toISOString(), service, region],
    );
  }

  // ---- login profiles and passwords
  async getLoginProfile(userId: string): Promise<LoginProfileTable | undefined> {
    return this.first('loginProfile', (a) => this.db.selectFrom('login_profiles').selectAll().where('user_id', '=', a(0)), [userId]);
  }
  async putLoginProfile(row: LoginProfileTable): Promise<void> {
    await this.deleteLoginProfile(row.user_id);
    await this.insert('login_profiles', row);
  }
  async deleteLoginProfile(userId: string): Promise<void> {
    await this.change('deleteLoginProfile', (a) => this.db.deleteFrom('login_profiles').where('user_id', '=', a(0)), [userId]);
  }
  async passwordHistory(userId: string, limit: number): Promise<string[]> {
    const rows = await this.select<{ password_hash: string }>(
      'passwordHistory',
      (a) => this.db.selectFrom('password_history').select('password_hash').where('user_id', '=', a(0)).orderBy('created_at', 'desc').limit(a(1) as never),
      [userId, limit],
    );
    return rows.map((r) => r.password_hash);
  }
  /** When the user's current password was set (its newest history entry). */
  async passwordChangedAt(userId: string): Promise<Date | undefined> {
    const row = await this.first<{ created_at: string }>(
      'passwordChangedAt',
      (a) => this.db.selectFrom('password_history').select('created_at').where('user_id', '=', a(0)).orderBy('created_at', 'desc').limit(1),
      [userId],
    );
    return row ? new Date(row.created_at) : undefined;
  }
  async addPasswordHistory(userId: string, hash: string, at: Date): Promise<void> {
    await this.insert('password_history', { user_id: userId, password_hash: hash, created_at: at.toISOString() });
  }
  async deletePasswordHistory(userId: string): Promise<void> {
    await this.change('deletePasswordHistory', (a) => this.db.deleteFrom('password_history').where('user_id', '=', a(0)), [userId]);
  }
  async getPasswordPolicy(accountId: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.first<{ document: string }>('passwordPolicy', (a) => this.db.selectFrom('password_policies').select('document').where('account_id', '=', a(0)), [accountId]);
    return row && (JSON.parse(row.document) as Record<string, unknown>);
  }
  async putPasswordPolicy(accountId: string, policy: Record<string, unknown>): Promise<void> {
    await this.deletePasswordPolicy(accountId);
    await this.insert('password_policies', { account_id: accountId, document: JSON.stringify(policy) });
  }
  async deletePasswordPolicy(accountId: string): Promise<boolean> {
    const n = await this.change('deletePasswordPolicy', (a) => this.db.deleteFrom('password_policies').where('account_id', '=', a(0)), [accountId]);
    return n > 0;
  }

  // ---- managed-policy attachments and inline policies
  async attach(entityId: string, policyArn: string, at: Date): Promise<void> {
    const exists = await this.first('attachment', (a) => this.db.selectFrom('attachments').select('entity_id').where('entity_id', '=', a(0)).where('policy_arn', '=', a(1)), [entityId, policyArn]);
    if (!exists) await this.insert('attachments', { entity_id: entityId, policy_arn: policyArn, attached_at: at.toISOString() });
  }
  async detach(entityId: string, policyArn: string): Promise<boolean> {
    const n = await this.change('detach', (a) => this.db.deleteFrom('attachments').where('entity_id', '=', a(0)).where('policy_arn', '=', a(1)), [entityId, policyArn]);
    return n > 0;
  }
  async attachedPolicyArns(entityId: string): Promise<string[]> {
    const rows = await this.select<{ policy_arn: string }>(
      'attachedPolicies',
      (a) => this.db.selectFrom('attachments').select('policy_arn').where('entity_id', '=', a(0)).orderBy('attached_at').orderBy('policy_arn'),
      [entityId],
    );
    return rows.map((r) => r.policy_arn);
  }
  async entityIdsAttachedTo(policyArn: string): Promise<string[]> {
    const rows = await this.select<{ entity_id: string }>('entitiesAttachedTo', (a) => this.db.selectFrom('attachments').select('entity_id').where('policy_arn', '=', a(0)), [policyArn]);
    return rows.map((r) => r.entity_id);
  }
  /** Every managed policy attached to some user, group or role of the account. */
  async attachedPolicyArnsInAccount(accountId: string): Promise<Set<string>> {
    const rows = await this.select<{ policy_arn: string }>(
      'attachedPolicyArnsInAccount',
      (a) => this.db.selectFrom('attachments').innerJoin('entities', 'entities.id', 'attachments.entity_id').select('attachments.policy_arn').distinct().where('entities.account_id', '=', a(0)),
      [accountId],
    );
    return new Set(rows.map((r) => r.policy_arn));
  }
  async countAttachments(policyArn: string): Promise<number> {
    const r = await this.first<{ n: number }>('countAttachments', (a) => this.db.selectFrom('attachments').select((eb) => eb.fn.countAll<number>().as('n')).where('policy_arn', '=', a(0)), [policyArn]);
    return Number(r?.n ?? 0);
  }
  async getInlinePolicy(entityId: string, name: string): Promise<{ name: string; document: string } | undefined> {
    return this.first(
      'inlinePolicy',
      (a) => this.db.selectFrom('inline_policies').select(['name', 'document']).where('entity_id', '=', a(0)).where('name_key', '=', a(1)),
      [entityId, name.toLowerCase()],
    );
  }
  async listInlinePolicies(entityId: string): Promise<{ name: string; document: string }[]> {
    return this.select('inlinePolicies', (a) => this.db.selectFrom('inline_policies').select(['name', 'document']).where('entity_id', '=', a(0)).orderBy('name_key'), [entityId]);
  }
  async putInlinePolicy(entityId: string, name: string, document: string): Promise<void> {
    await this.deleteInlinePolicy(entityId, name);
    await this.insert('inline_policies', { entity_id: entityId, name, name_key: name.toLowerCase(), document });
  }
  async deleteInlinePolicy(entityId: string, name: string): Promise<boolean> {
    const n = await this.change(
      'deleteInlinePolicy',
      (a) => this.db.deleteFrom('inline_policies').where('entity_id', '=', a(0)).where('name_key', '=', a(1)),
      [entityId, name.toLowerCase()],
    );
    return n > 0;
  }

  // ---- managed-policy versions
  async listPolicyVersions(policyId: string): Promise<{ versionId: string; document: string; isDefault: boolean; createdAt: Date }[]> {
    const rows = await this.select<{ version_id: string; document: string; is_default: number; created_at: string }>(
      'policyVersions',
      (a) => this.db.selectFrom('policy_versions').selectAll().where('policy_id', '=', a(0)).orderBy('created_at', 'desc'),
      [policyId],
    );
    return rows.map((r) => ({ versionId: r.version_id, document: r.document, isDefault: r.is_default === 1, createdAt: new Date(r.created_at) }));
  }
  async insertPolicyVersion(policyId: string, versionId: string, document: string, isDefault: boolean, at: Date): Promise<void> {
    await this.insert('policy_versions', { policy_id: policyId, version_id: versionId, document, is_default: isDefault ? 1 : 0, created_at: at.toISOString() });
  }
  async setDefaultPolicyVersion(policyId: string, versionId: string): Promise<void> {
    await this.change('clearDefaultVersion', (a) => this.db.updateTable('policy_versions').set({ is_default: 0 }).where('policy_id', '=', a(0)), [policyId]);
    await this.change(
      'setDefaultVersion',
      (a) => this.db.updateTable('policy_versions').set({ is_default: 1 }).where('policy_id', '=', a(0)).where('version_id', '=', a(1)),
      [policyId, versionId],
    );
  }
  async deletePolicyVersion(policyId: string, versionId: string): Promise<void> {
    await this.change('deletePolicyVersion', (a) => this.db.deleteFrom('policy_versions').where('policy_id', '=', a(0)).where('version_id', '=', a(1)), [policyId, versionId]);
  }

  // ---- workloads (processes given an instance profile)
  async insertWorkload(row: WorkloadTable): Promise<void> {
    await this.insert('workloads', row);
  }
  async getWorkload(id: string): Promise<WorkloadTable | undefined> {
    return this.first('workload', (a) => this.db.selectFrom('workloads').selectAll().where('id', '=', a(0)), [id]);
  }
  async getWorkloadByTokenHash(tokenHash: string): Promise<WorkloadTable | undefined> {
    return this.first('workloadByToken', (a) => this.db.selectFrom('workloads').selectAll().where('token_hash', '=', a(0)), [tokenHash]);
  }
  async listWorkloads(accountId: string, instanceProfileId?: string): Promise<WorkloadTable[]> {
    return this.select(
      `workloads ${Boolean(instanceProfileId)}`,
      (a) => {
        let q = this.db.selectFrom('workloads').selectAll().where('account_id', '=', a(0));
        if (instanceProfileId) q = q.where('instance_profile_id', '=', a(1));
        return q.orderBy('created_at').orderBy('id');
      },
      [accountId, instanceProfileId],
    );
  }
  async revokeWorkload(id: string, at: Date): Promise<void> {
    await this.change('revokeWorkload', (a) => this.db.updateTable('workloads').set({ revoked_at: a(1) }).where('id', '=', a(0)).where('revoked_at', 'is', null), [id, at.toISOString()]);
  }
  async markWorkloadIssued(id: string, at: Date): Promise<void> {
    await this.change('markWorkloadIssued', (a) => this.db.updateTable('workloads').set({ last_issued_at: a(1) }).where('id', '=', a(0)), [id, at.toISOString()]);
  }
}
