// Every query iamd makes, written once with Kysely for both SQLite and PostgreSQL. A Repo is
// bound to one transaction; the action layer gets it from Store.read / Store.write.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { AccessKeyTable, AccountTable, Database, EntityTable, LoginProfileTable, WorkloadTable } from './schema.ts';

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

// SQL text of the hottest reads, compiled once per dialect: Kysely otherwise builds and compiles
// the query anew on every call, which costs more than running it.
const compiledSql = new Map<string, string>();

export class Repo {
  // Tags read in this transaction, by resource: an authorization context and the answer often
  // need the same entity's tags. Every tag write in the transaction drops its entry.
  private readonly tagMemo = new Map<string, Tag[]>();

  private readonly dialectKey: string;

  constructor(readonly db: Kysely<Database>) {
    this.dialectKey = db.getExecutor().adapter.constructor.name;
  }

  /**
   * Runs a query whose SQL is compiled once and reused. `params` must be given in the order the
   * built query takes them (the order of its where clauses).
   */
  private async hot<R>(name: string, build: () => Compilable, params: readonly unknown[]): Promise<R[]> {
    const key = `${this.dialectKey}|${name}`;
    let text = compiledSql.get(key);
    if (text === undefined) {
      text = build().compile().sql;
      compiledSql.set(key, text);
    }
    return (await this.db.executeQuery<R>(CompiledQuery.raw(text, [...params]))).rows;
  }

  // ---- accounts
  async getAccount(id: string): Promise<AccountTable | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async getAccountByAlias(alias: string): Promise<AccountTable | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('alias', '=', alias).executeTakeFirst();
  }
  async listAccounts(): Promise<AccountTable[]> {
    return this.db.selectFrom('accounts').selectAll().orderBy('created_at').execute();
  }
  async insertAccount(row: AccountTable): Promise<void> {
    await this.db.insertInto('accounts').values(row).execute();
  }
  async setAccountAlias(id: string, alias: string | null): Promise<void> {
    await this.db.updateTable('accounts').set({ alias }).where('id', '=', id).execute();
  }
  async setRootPassword(id: string, email: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('accounts').set({ root_email: email, root_password_hash: passwordHash }).where('id', '=', id).execute();
  }

  // ---- entities (users, groups, roles, policies, instance profiles, MFA devices)
  async insertEntity(e: EntityRow<unknown>): Promise<void> {
    await this.indexBoundary(e.id, e.accountId, e.data);
    await this.db
      .insertInto('entities')
      .values({
        id: e.id,
        account_id: e.accountId,
        kind: e.kind,
        name: e.name,
        name_key: e.name.toLowerCase(),
        path: e.path,
        created_at: e.createdAt.toISOString(),
        data: JSON.stringify(e.data),
      })
      .execute();
  }
  async getEntityByName<D>(accountId: string, kind: string, name: string): Promise<EntityRow<D> | undefined> {
    const [row] = await this.hot<EntityTable>(
      'entityByName',
      () => this.db.selectFrom('entities').selectAll().where('account_id', '=', '').where('kind', '=', '').where('name_key', '=', ''),
      [accountId, kind, name.toLowerCase()],
    );
    return row && toEntity<D>(row);
  }
  async getEntityById<D>(id: string): Promise<EntityRow<D> | undefined> {
    const [row] = await this.hot<EntityTable>('entityById', () => this.db.selectFrom('entities').selectAll().where('id', '=', ''), [id]);
    return row && toEntity<D>(row);
  }
  async getEntitiesByIds<D>(ids: string[]): Promise<EntityRow<D>[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('entities').selectAll().where('id', 'in', ids).orderBy('name_key').execute();
    return rows.map((r) => toEntity<D>(r));
  }
  /** A page of entities ordered by name (case-insensitively), optionally under a path prefix. */
  async listEntities<D>(accountId: string, kind: string, opts: { pathPrefix?: string; marker?: string; maxItems: number; filter?: (e: EntityRow<D>) => boolean }): Promise<Page<EntityRow<D>>> {
    let q = this.db.selectFrom('entities').selectAll().where('account_id', '=', accountId).where('kind', '=', kind);
    if (opts.pathPrefix && opts.pathPrefix !== '/') {
      const prefix = opts.pathPrefix;
      q = q.where((eb) => eb(eb.fn('substr', ['path', eb.val(1), eb.val(prefix.length)]), '=', prefix));
    }
    const after = decodeMarker(opts.marker);
    if (after !== undefined) q = q.where('name_key', '>', after);
    const items: EntityRow<D>[] = [];
    // Fetch in chunks so that a filter (e.g. OnlyAttached) still fills a page.
    let cursor = after;
    for (;;) {
      let chunk = q;
      if (cursor !== undefined) chunk = chunk.where('name_key', '>', cursor);
      const rows = await chunk.orderBy('name_key').limit(opts.maxItems + 1).execute();
      for (const row of rows) {
        const e = toEntity<D>(row);
        if (opts.filter && !opts.filter(e)) continue;
        if (items.length === opts.maxItems) return { items, marker: encodeMarker(items[items.length - 1].name.toLowerCase()) };
        items.push(e);
      }
      if (rows.length <= opts.maxItems) return { items };
      cursor = rows[rows.length - 1].name_key;
    }
  }
  async countEntities(accountId: string, kind: string): Promise<number> {
    const r = await this.db.selectFrom('entities').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).where('kind', '=', kind).executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async updateEntity(id: string, changes: { name?: string; path?: string; data?: unknown }): Promise<void> {
    const set: Partial<EntityTable> = {};
    if (changes.name !== undefined) {
      set.name = changes.name;
      set.name_key = changes.name.toLowerCase();
    }
    if (changes.path !== undefined) set.path = changes.path;
    if (changes.data !== undefined) set.data = JSON.stringify(changes.data);
    if (Object.keys(set).length > 0) await this.db.updateTable('entities').set(set).where('id', '=', id).execute();
    if (changes.data !== undefined) {
      const row = await this.db.selectFrom('entities').select('account_id').where('id', '=', id).executeTakeFirst();
      if (row) await this.indexBoundary(id, row.account_id, changes.data);
    }
  }

  /** Keeps the boundaries index in step with an entity's data (INVARIANT: one row per bounded user or role). */
  private async indexBoundary(entityId: string, accountId: string, data: unknown): Promise<void> {
    await this.db.deleteFrom('boundaries').where('entity_id', '=', entityId).execute();
    const arn = (data as { permissionsBoundary?: unknown } | null)?.permissionsBoundary;
    if (typeof arn === 'string') await this.db.insertInto('boundaries').values({ entity_id: entityId, account_id: accountId, policy_arn: arn }).execute();
  }

  /** Users and roles whose permissions boundary is this policy. */
  async entityIdsWithBoundary(accountId: string, policyArn: string): Promise<string[]> {
    const rows = await this.db.selectFrom('boundaries').select('entity_id').where('account_id', '=', accountId).where('policy_arn', '=', policyArn).execute();
    return rows.map((r) => r.entity_id);
  }

  /** How many users and roles use each managed policy as their boundary. */
  async boundaryUseCounts(accountId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('boundaries')
      .select((eb) => ['policy_arn', eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', accountId)
      .groupBy('policy_arn')
      .execute();
    return new Map(rows.map((r) => [r.policy_arn, Number(r.n)]));
  }
  async deleteEntity(id: string): Promise<void> {
    this.tagMemo.delete(id);
    await this.db.deleteFrom('boundaries').where('entity_id', '=', id).execute();
    await this.db.deleteFrom('entities').where('id', '=', id).execute();
    await this.db.deleteFrom('tags').where('resource_id', '=', id).execute();
  }

  // ---- tags
  async getTags(resourceId: string): Promise<Tag[]> {
    let tags = this.tagMemo.get(resourceId);
    if (!tags) {
      const rows = await this.hot<{ tag_key: string; tag_value: string }>(
        'tags',
        () => this.db.selectFrom('tags').select(['tag_key', 'tag_value']).where('resource_id', '=', '').orderBy('position'),
        [resourceId],
      );
      tags = rows.map((r) => ({ Key: r.tag_key, Value: r.tag_value }));
      this.tagMemo.set(resourceId, tags);
    }
    return tags.map((t) => ({ ...t }));
  }
  /** Adds or overwrites tags; keys match case-insensitively and keep the newest spelling. */
  async putTags(resourceId: string, tags: Tag[]): Promise<void> {
    this.tagMemo.delete(resourceId);
    const existing = await this.getTags(resourceId);
    let position = existing.length;
    for (const tag of tags) {
      const key_lower = tag.Key.toLowerCase();
      const found = existing.find((t) => t.Key.toLowerCase() === key_lower);
      if (found) {
        await this.db.updateTable('tags').set({ tag_key: tag.Key, tag_value: tag.Value }).where('resource_id', '=', resourceId).where('key_lower', '=', key_lower).execute();
      } else {
        await this.db.insertInto('tags').values({ resource_id: resourceId, tag_key: tag.Key, key_lower, tag_value: tag.Value, position: position++ }).execute();
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
    const exists = await this.db.selectFrom('memberships').select('user_id').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    if (!exists) await this.db.insertInto('memberships').values({ group_id: groupId, user_id: userId }).execute();
  }
  async removeMembership(groupId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('memberships').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async groupIdsOfUser(userId: string): Promise<string[]> {
    const rows = await this.hot<{ group_id: string }>('groupsOfUser', () => this.db.selectFrom('memberships').select('group_id').where('user_id', '=', ''), [userId]);
    return rows.map((r) => r.group_id);
  }
  async userIdsOfGroup(groupId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('memberships').select('user_id').where('group_id', '=', groupId).execute();
    return rows.map((r) => r.user_id);
  }

  // ---- access keys
  async insertAccessKey(row: AccessKeyTable): Promise<void> {
    await this.db.insertInto('access_keys').values(row).execute();
  }
  async getAccessKey(id: string): Promise<AccessKeyTable | undefined> {
    const [row] = await this.hot<AccessKeyTable>('accessKey', () => this.db.selectFrom('access_keys').selectAll().where('id', '=', ''), [id]);
    return row;
  }
  async listAccessKeys(accountId: string, userId: string | null): Promise<AccessKeyTable[]> {
    let q = this.db.selectFrom('access_keys').selectAll().where('account_id', '=', accountId);
    q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
    return q.orderBy('created_at').orderBy('id').execute();
  }
  async setAccessKeyStatus(id: string, status: string): Promise<void> {
    await this.db.updateTable('access_keys').set({ status }).where('id', '=', id).execute();
  }
  async deleteAccessKey(id: string): Promise<void> {
    await this.db.deleteFrom('access_keys').where('id', '=', id).execute();
  }
  async markAccessKeyUsed(id: string, at: Date, service: string, region: string): Promise<void> {
    await this.db.updateTable('access_keys').set({ last_used_at: at.toISOString(), last_used_service: service, last_used_region: region }).where('id', '=', id).execute();
  }

  // ---- login profiles and passwords
  async getLoginProfile(userId: string): Promise<LoginProfileTable | undefined> {
    return this.db.selectFrom('login_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }
  async putLoginProfile(row: LoginProfileTable): Promise<void> {
    await this.db.deleteFrom('login_profiles').where('user_id', '=', row.user_id).execute();
    await this.db.insertInto('login_profiles').values(row).execute();
  }
  async deleteLoginProfile(userId: string): Promise<void> {
    await this.db.deleteFrom('login_profiles').where('user_id', '=', userId).execute();
  }
  async passwordHistory(userId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('password_history').select('password_hash').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map((r) => r.password_hash);
  }
  /** When the user's current password was set (its newest history entry). */
  async passwordChangedAt(userId: string): Promise<Date | undefined> {
    const row = await this.db.selectFrom('password_history').select('created_at').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(1).executeTakeFirst();
    return row ? new Date(row.created_at) : undefined;
  }
  async addPasswordHistory(userId: string, hash: string, at: Date): Promise<void> {
    await this.db.insertInto('password_history').values({ user_id: userId, password_hash: hash, created_at: at.toISOString() }).execute();
  }
  async deletePasswordHistory(userId: string): Promise<void> {
    await this.db.deleteFrom('password_history').where('user_id', '=', userId).execute();
  }
  async getPasswordPolicy(accountId: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.db.selectFrom('password_policies').select('document').where('account_id', '=', accountId).executeTakeFirst();
    return row && (JSON.parse(row.document) as Record<string, unknown>);
  }
  async putPasswordPolicy(accountId: string, policy: Record<string, unknown>): Promise<void> {
    await this.db.deleteFrom('password_policies').where('account_id', '=', accountId).execute();
    await this.db.insertInto('password_policies').values({ account_id: accountId, document: JSON.stringify(policy) }).execute();
  }
  async deletePasswordPolicy(accountId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('password_policies').where('account_id', '=', accountId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- managed-policy attachments and inline policies
  async attach(entityId: string, policyArn: string, at: Date): Promise<void> {
    const exists = await this.db.selectFrom('attachments').select('entity_id').where('entity_id', '=', entityId).where('policy_arn', '=', policyArn).executeTakeFirst();
    if (!exists) await this.db.insertInto('attachments').values({ entity_id: entityId, policy_arn: policyArn, attached_at: at.toISOString() }).execute();
  }
  async detach(entityId: string, policyArn: string): Promise<boolean> {
    const r = await this.db.deleteFrom('attachments').where('entity_id', '=', entityId).where('policy_arn', '=', policyArn).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async attachedPolicyArns(entityId: string): Promise<string[]> {
    const rows = await this.hot<{ policy_arn: string }>(
      'attachedPolicies',
      () => this.db.selectFrom('attachments').select('policy_arn').where('entity_id', '=', '').orderBy('attached_at').orderBy('policy_arn'),
      [entityId],
    );
    return rows.map((r) => r.policy_arn);
  }
  async entityIdsAttachedTo(policyArn: string): Promise<string[]> {
    const rows = await this.db.selectFrom('attachments').select('entity_id').where('policy_arn', '=', policyArn).execute();
    return rows.map((r) => r.entity_id);
  }
  /** Every managed policy attached to some user, group or role of the account. */
  async attachedPolicyArnsInAccount(accountId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('attachments')
      .innerJoin('entities', 'entities.id', 'attachments.entity_id')
      .select('attachments.policy_arn')
      .distinct()
      .where('entities.account_id', '=', accountId)
      .execute();
    return new Set(rows.map((r) => r.policy_arn));
  }
  async countAttachments(policyArn: string): Promise<number> {
    const r = await this.db.selectFrom('attachments').select((eb) => eb.fn.countAll<number>().as('n')).where('policy_arn', '=', policyArn).executeTakeFirstOrThrow();
    return Number(r.n);
  }
  async getInlinePolicy(entityId: string, name: string): Promise<{ name: string; document: string } | undefined> {
    return this.db.selectFrom('inline_policies').select(['name', 'document']).where('entity_id', '=', entityId).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
  }
  async listInlinePolicies(entityId: string): Promise<{ name: string; document: string }[]> {
    return this.hot('inlinePolicies', () => this.db.selectFrom('inline_policies').select(['name', 'document']).where('entity_id', '=', '').orderBy('name_key'), [entityId]);
  }
  async putInlinePolicy(entityId: string, name: string, document: string): Promise<void> {
    await this.db.deleteFrom('inline_policies').where('entity_id', '=', entityId).where('name_key', '=', name.toLowerCase()).execute();
    await this.db.insertInto('inline_policies').values({ entity_id: entityId, name, name_key: name.toLowerCase(), document }).execute();
  }
  async deleteInlinePolicy(entityId: string, name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('inline_policies').where('entity_id', '=', entityId).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // ---- managed-policy versions
  async listPolicyVersions(policyId: string): Promise<{ versionId: string; document: string; isDefault: boolean; createdAt: Date }[]> {
    const rows = await this.db.selectFrom('policy_versions').selectAll().where('policy_id', '=', policyId).orderBy('created_at', 'desc').execute();
    return rows.map((r) => ({ versionId: r.version_id, document: r.document, isDefault: r.is_default === 1, createdAt: new Date(r.created_at) }));
  }
  async insertPolicyVersion(policyId: string, versionId: string, document: string, isDefault: boolean, at: Date): Promise<void> {
    await this.db.insertInto('policy_versions').values({ policy_id: policyId, version_id: versionId, document, is_default: isDefault ? 1 : 0, created_at: at.toISOString() }).execute();
  }
  async setDefaultPolicyVersion(policyId: string, versionId: string): Promise<void> {
    await this.db.updateTable('policy_versions').set({ is_default: 0 }).where('policy_id', '=', policyId).execute();
    await this.db.updateTable('policy_versions').set({ is_default: 1 }).where('policy_id', '=', policyId).where('version_id', '=', versionId).execute();
  }
  async deletePolicyVersion(policyId: string, versionId: string): Promise<void> {
    await this.db.deleteFrom('policy_versions').where('policy_id', '=', policyId).where('version_id', '=', versionId).execute();
  }

  // ---- workloads (processes given an instance profile)
  async insertWorkload(row: WorkloadTable): Promise<void> {
    await this.db.insertInto('workloads').values(row).execute();
  }
  async getWorkload(id: string): Promise<WorkloadTable | undefined> {
    return this.db.selectFrom('workloads').selectAll().where('id', '=', id).executeTakeFirst();
  }
  async getWorkloadByTokenHash(tokenHash: string): Promise<WorkloadTable | undefined> {
    return this.db.selectFrom('workloads').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }
  async listWorkloads(accountId: string, instanceProfileId?: string): Promise<WorkloadTable[]> {
    let q = this.db.selectFrom('workloads').selectAll().where('account_id', '=', accountId);
    if (instanceProfileId) q = q.where('instance_profile_id', '=', instanceProfileId);
    return q.orderBy('created_at').orderBy('id').execute();
  }
  async revokeWorkload(id: string, at: Date): Promise<void> {
    await this.db.updateTable('workloads').set({ revoked_at: at.toISOString() }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }
  async markWorkloadIssued(id: string, at: Date): Promise<void> {
    await this.db.updateTable('workloads').set({ last_issued_at: at.toISOString() }).where('id', '=', id).execute();
  }
}
