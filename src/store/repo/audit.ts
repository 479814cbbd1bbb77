// The audit aggregate (migration 0013_audit_trail): the trail's events, its chain head and anchor,
// its signed digests and its sealed keys. The chain itself (hashes, what is recorded) is built by
// src/audit; these are its queries only. Methods only (see core.ts): copied onto Repo.prototype by
// ../repo.ts.
import type { AuditChainTable, AuditDigestTable, AuditEventTable, AuditKeyTable, AuditPendingTable } from '../schema.ts';
import { RepoCore } from './core.ts';

/** LookupEvents' filters, as the store answers them (src/audit/query.ts builds them). */
export interface AuditEventFilter {
  accountId?: string;
  eventId?: string;
  eventName?: string;
  readOnly?: boolean;
  username?: string;
  eventSource?: string;
  accessKeyId?: string;
  /** A line of `resources` starts with `TYPE ` (ResourceType). */
  resourceType?: string;
  /** A line of `resources` ends with ` NAME` (ResourceName). */
  resourceName?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** Newest first (LookupEvents) below this seq, or oldest first (export, tail) above it. */
  beforeSeq?: number;
  afterSeq?: number;
  order: 'newest' | 'oldest';
  limit: number;
}

/** A shape's argument slot where a number goes (the slot is a marker string until bound). */
const num = (slot: string): number => slot as unknown as number;

const isPostgres = (repo: RepoCore): boolean => repo.db.getExecutor().adapter.constructor.name.startsWith('Postgres');

export abstract class AuditQueries extends RepoCore {
  /**
   * The chain's `head` or `anchor` row. `lock`: on PostgreSQL the head row is locked until the
   * transaction ends (SELECT … FOR UPDATE), which serializes every node's appends to the one chain.
   */
  async auditChainRow(name: 'head' | 'anchor', lock = false): Promise<AuditChainTable | undefined> {
    if (lock && isPostgres(this)) {
      return this.first('auditChainRowLocked', (a) => this.db.selectFrom('audit_chain').selectAll().where('name', '=', a(0)).forUpdate(), [name]);
    }
    return this.first('auditChainRow', (a) => this.db.selectFrom('audit_chain').selectAll().where('name', '=', a(0)), [name]);
  }

  async setAuditChainRow(row: AuditChainTable): Promise<void> {
    await this.change(
      'setAuditChainRow',
      (a) =>
        this.db
          .insertInto('audit_chain')
          .values({ name: a(0), seq: num(a(1)), hash: a(2) })
          .onConflict((oc) => oc.column('name').doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), hash: eb.ref('excluded.hash') }))),
      [row.name, row.seq, row.hash],
    );
  }

  async insertAuditEvent(row: AuditEventTable): Promise<void> {
    await this.insert('audit_events', row);
  }
  /**
   * Several events in one statement (a batch's rows go in groups of AUDIT_INSERT_GROUP): one
   * statement run instead of one per event is most of a batched append's saving.
   */
  async insertAuditEvents(rows: readonly AuditEventTable[]): Promise<void> {
    for (let i = 0; i < rows.length; i += AUDIT_INSERT_GROUP) {
      const group = rows.slice(i, i + AUDIT_INSERT_GROUP);
      const args: unknown[] = [];
      for (const r of group) {
        args.push(
          r.seq,
          r.event_id,
          r.event_time,
          r.account_id,
          r.event_name,
          r.event_source,
          r.read_only,
          r.username,
          r.access_key_id,
          r.resources,
          r.body,
          r.prev_hash,
          r.hash,
        );
      }
      await this.change(
        `insertAuditEvents ${group.length}`,
        (a) =>
          this.db.insertInto('audit_events').values(
            group.map((_, g) => {
              const at = (k: number) => a(g * AUDIT_COLUMNS + k);
              return {
                seq: at(0) as never,
                event_id: at(1),
                event_time: at(2),
                account_id: at(3),
                event_name: at(4),
                event_source: at(5),
                read_only: at(6) as never,
                username: at(7),
                access_key_id: at(8),
                resources: at(9),
                body: at(10),
                prev_hash: at(11),
                hash: at(12),
              };
            }),
          ),
        args,
      );
    }
  }

  // ---- records committed with their write, not chained yet (PostgreSQL)
  async insertAuditPending(row: AuditPendingTable): Promise<void> {
    await this.insert('audit_pending', row);
  }
  async auditPending(limit: number): Promise<AuditPendingTable[]> {
    return this.select(
      'auditPending',
      (a) =>
        this.db
          .selectFrom('audit_pending')
          .selectAll()
          .orderBy('created_at')
          .orderBy('event_id')
          .limit(num(a(0))),
      [limit],
    );
  }
  async deleteAuditPending(eventId: string): Promise<void> {
    await this.change('deleteAuditPending', (a) => this.db.deleteFrom('audit_pending').where('event_id', '=', a(0)), [eventId]);
  }

  /** Events in chain order after `afterSeq`, at most `limit` (verify, export). */
  async auditEventsAfter(afterSeq: number, limit: number): Promise<AuditEventTable[]> {
    return this.select(
      'auditEventsAfter',
      (a) =>
        this.db
          .selectFrom('audit_events')
          .selectAll()
          .where('seq', '>', num(a(0)))
          .orderBy('seq')
          .limit(num(a(1))),
      [afterSeq, limit],
    );
  }

  async auditEvent(seq: number): Promise<AuditEventTable | undefined> {
    return this.first(
      'auditEvent',
      (a) =>
        this.db
          .selectFrom('audit_events')
          .selectAll()
          .where('seq', '=', num(a(0))),
      [seq],
    );
  }

  /** Events matching the filter (LookupEvents, tail, export). */
  async findAuditEvents(f: AuditEventFilter): Promise<AuditEventTable[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (f.accountId !== undefined) q = q.where('account_id', '=', f.accountId);
    if (f.eventId !== undefined) q = q.where('event_id', '=', f.eventId);
    if (f.eventName !== undefined) q = q.where('event_name', '=', f.eventName);
    if (f.readOnly !== undefined) q = q.where('read_only', '=', f.readOnly ? 1 : 0);
    if (f.username !== undefined) q = q.where('username', '=', f.username);
    if (f.eventSource !== undefined) q = q.where('event_source', '=', f.eventSource);
    if (f.accessKeyId !== undefined) q = q.where('access_key_id', '=', f.accessKeyId);
    if (f.since !== undefined) q = q.where('event_time', '>=', f.since);
    if (f.until !== undefined) q = q.where('event_time', '<=', f.until);
    if (f.beforeSeq !== undefined) q = q.where('seq', '<', f.beforeSeq);
    if (f.afterSeq !== undefined) q = q.where('seq', '>', f.afterSeq);
    // Resources are matched in memory below (a LIKE would make `%` and `_` in a name wildcards).
    const matchesResource = f.resourceType !== undefined || f.resourceName !== undefined;
    q = q.orderBy('seq', f.order === 'newest' ? 'desc' : 'asc');
    if (!matchesResource) return q.limit(f.limit).execute();
    // Read in chunks along the chain, so a rare name costs a bounded amount of memory, not the trail.
    const out: AuditEventTable[] = [];
    const chunk = 500;
    const withResources = q.where('resources', 'is not', null);
    for (let cursor: number | undefined; ; ) {
      const at = cursor;
      const page = at === undefined ? withResources : withResources.where('seq', f.order === 'newest' ? '<' : '>', at);
      const rows = await page.limit(chunk).execute();
      for (const row of rows) {
        const hit = (row.resources ?? '').split('\n').some((line) => {
          const space = line.indexOf(' ');
          return (
            (f.resourceType === undefined || line.slice(0, space) === f.resourceType) &&
            (f.resourceName === undefined || line.slice(space + 1) === f.resourceName)
          );
        });
        if (hit) out.push(row);
        if (out.length >= f.limit) return out;
      }
      if (rows.length < chunk) break;
      cursor = Number(rows[rows.length - 1]!.seq);
    }
    return out;
  }

  /** The oldest events, at most `limit`, that are older than `before` (ISO time) or beyond `keep` newest (retention). */
  async auditEventsToPrune(before: string | undefined, keepAfterSeq: number | undefined, limit: number): Promise<AuditEventTable[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (before !== undefined && keepAfterSeq !== undefined) q = q.where((eb) => eb.or([eb('event_time', '<', before), eb('seq', '<=', keepAfterSeq)]));
    else if (before !== undefined) q = q.where('event_time', '<', before);
    else if (keepAfterSeq !== undefined) q = q.where('seq', '<=', keepAfterSeq);
    else return [];
    return q.orderBy('seq').limit(limit).execute();
  }

  /** Deletes every event up to and including `seq` (retention: the anchor moves to it). */
  async deleteAuditEventsThrough(seq: number): Promise<number> {
    return this.change('deleteAuditEventsThrough', (a) => this.db.deleteFrom('audit_events').where('seq', '<=', num(a(0))), [seq]);
  }

  async auditEventCount(): Promise<number> {
    const row = await this.first<{ n: number | string }>(
      'auditEventCount',
      (_a) => this.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')),
      [],
    );
    return Number(row?.n ?? 0);
  }

  // ---- digests
  async insertAuditDigest(row: AuditDigestTable): Promise<void> {
    await this.insert('audit_digests', row);
  }
  async auditDigests(): Promise<AuditDigestTable[]> {
    return this.select('auditDigests', (_a) => this.db.selectFrom('audit_digests').selectAll().orderBy('id'), []);
  }
  async lastAuditDigest(): Promise<AuditDigestTable | undefined> {
    return this.first('lastAuditDigest', (_a) => this.db.selectFrom('audit_digests').selectAll().orderBy('id', 'desc').limit(1), []);
  }

  // ---- keys
  async auditKey(kind: string): Promise<AuditKeyTable | undefined> {
    return this.first('auditKey', (a) => this.db.selectFrom('audit_keys').selectAll().where('kind', '=', a(0)), [kind]);
  }
  /** Adds a key unless one of its kind exists (another node made it first): the stored one wins. */
  async insertAuditKeyIfAbsent(row: AuditKeyTable): Promise<void> {
    await this.change(
      'insertAuditKeyIfAbsent',
      (a) =>
        this.db
          .insertInto('audit_keys')
          .values({ kind: a(0), sealed: a(1), public_key: a(2), created_at: a(3) })
          .onConflict((oc) => oc.column('kind').doNothing()),
      [row.kind, row.sealed, row.public_key, row.created_at],
    );
  }
  async updateAuditKeySealed(kind: string, from: string, to: string): Promise<number> {
    return this.change(
      'updateAuditKeySealed',
      (a) =>
        this.db
          .updateTable('audit_keys')
          .set({ sealed: a(2) })
          .where('kind', '=', a(0))
          .where('sealed', '=', a(1)),
      [kind, from, to],
    );
  }
}

/** Columns of audit_events, and events per multi-row INSERT (13 × 40 = 520 parameters, under every SQLite's limit of 999). */
const AUDIT_COLUMNS = 13;
const AUDIT_INSERT_GROUP = 40;
