// The audit trail's writer. A call that changes something is recorded in the transaction that
// changes it (`append`, run by the request's store session just before COMMIT, see call.ts): a
// change with no record cannot commit. Reads and refusals change nothing: their records are queued
// and appended in batches (every `flushMs` or `flushEvents`), never delaying the answer — unless
// the trail is fail-closed, where each is appended before the answer and a failure fails the call.
// Also here: periodic signed digests and retention (pruning from the oldest, the chain anchored at
// the last pruned event). docs/audit.md tells the whole design.
import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Repo } from '../store/repo.ts';
import type { Store } from '../store/store.ts';
import { appendToChain, chainEntry } from './append.ts';
import { AppenderThread } from './appender.ts';
import { GENESIS_HASH } from './chain.ts';
import { writeDigest } from './digest.ts';
import type { PreparedEvent } from './event.ts';
import { loadAuditKeys, type AuditKeys } from './keys.ts';
import { Redactor } from './redact.ts';

/** How protected services' authorization decisions are recorded: each, only denials, a sample, or none. */
export type DecisionLevel = { mode: 'all' } | { mode: 'denials' } | { mode: 'none' } | { mode: 'sample'; rate: number };

export interface AuditOptions {
  /** Off: nothing is recorded (IAMD_AUDIT=off). */
  enabled: boolean;
  /** When the trail cannot be written, the call fails (IAMD_AUDIT_FAIL_CLOSED=1). */
  failClosed: boolean;
  /** Queued records are appended at least this often (ms). */
  flushMs: number;
  /** …or as soon as this many are queued. */
  flushEvents: number;
  /** A signed digest after this many events appended by this process… */
  digestEvents: number;
  /** …or after this many minutes, if the chain grew. */
  digestMinutes: number;
  /** Records older than this many days are pruned (IAMD_AUDIT_RETENTION_DAYS). */
  retentionDays?: number;
  /** At most this many records are kept (IAMD_AUDIT_MAX_EVENTS). */
  maxEvents?: number;
  /** Protected services' decisions: the default level, and per service (IAMD_AUDIT_DECISIONS=denials,orders=all). */
  decisions: { default: DecisionLevel; services: Record<string, DecisionLevel> };
  /**
   * Which calls of iamd's AWS services are recorded, as a CloudTrail trail's management events
   * (IAMD_AUDIT_READ_WRITE_TYPE): All, or WriteOnly — read-only events (Get…, List…, allowed or
   * denied) are not, their cost goes with them, unless the call wrote: a change is always recorded.
   */
  readWriteType: 'All' | 'WriteOnly';
}

export const DEFAULT_AUDIT_OPTIONS: AuditOptions = {
  enabled: true,
  failClosed: false,
  flushMs: 200,
  flushEvents: 200,
  digestEvents: 1000,
  digestMinutes: 15,
  decisions: { default: { mode: 'denials' }, services: {} },
  readWriteType: 'All',
};

/** The most records queued: beyond it, the oldest are dropped (and counted) rather than memory exhausted. */
const MAX_QUEUED = 50_000;
/** Queued records appended per transaction on the request thread (see flush). */
const FLUSH_SLICE = 25;
/** Queued records sent to the appender thread per message. */
const THREAD_BATCH = 1000;

export class AuditRecorder {
  private pending: PreparedEvent[] = [];
  private flushTimer?: NodeJS.Timeout;
  private maintenanceTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private sinceDigest = 0;
  private lastDigestAt = Date.now();
  private closed = false;
  /** Records dropped because the queue was full (the trail could not be written for long). */
  dropped = 0;
  readonly redactor: Redactor;
  /** PostgreSQL: writes' records wait in audit_pending and are chained just after (appendInTransaction). */
  private readonly deferred: boolean;
  /** SQLite data folder: queued records are appended on a thread of their own (appender.ts). */
  private thread?: AppenderThread;

  private constructor(
    private readonly store: Store,
    readonly keys: AuditKeys,
    readonly options: AuditOptions,
    private readonly logger: Logger,
    private readonly clock: () => Date,
    sensitiveMembers: ReadonlySet<string>,
    private readonly metrics?: Metrics,
  ) {
    this.redactor = new Redactor(keys.hmac, sensitiveMembers);
    this.deferred = store.capabilities.serializableRetries;
  }

  /** Loads (or makes) the trail's keys and starts its timers. */
  static async open(
    store: Store,
    secrets: SecretBox,
    options: AuditOptions,
    logger: Logger,
    clock: () => Date,
    sensitiveMembers: ReadonlySet<string> = new Set(),
    metrics?: Metrics,
    appendThread?: { dataDir: string; threadLock: SharedArrayBuffer },
  ): Promise<AuditRecorder> {
    const keys = await loadAuditKeys(store, secrets, clock());
    // The head row exists before anything appends: on PostgreSQL every append locks it.
    await store.write(async (repo) => {
      if (!(await repo.auditChainRow('head'))) await repo.setAuditChainRow({ name: 'head', seq: 0, hash: GENESIS_HASH });
    });
    const recorder = new AuditRecorder(store, keys, options, logger, clock, sensitiveMembers, metrics);
    // Fail-closed records are written before the answer, on this thread: the appender would only add a hop.
    if (appendThread && !options.failClosed && !recorder.deferred) recorder.thread = await AppenderThread.start(appendThread.dataDir, appendThread.threadLock);
    recorder.maintenanceTimer = setInterval(() => void recorder.maintain(), 30_000);
    recorder.maintenanceTimer.unref();
    return recorder;
  }

  /**
   * A write's record, in the write's own transaction (the session's commit hook, call.ts). SQLite:
   * appended to the chain there. PostgreSQL: kept in `audit_pending`, committed with the write, and
   * chained just after by `chainPending` — appending in every serializable write would make them
   * all contend for the chain head and fail over one another.
   */
  async appendInTransaction(repo: Repo, events: readonly PreparedEvent[]): Promise<void> {
    if (!this.deferred) return this.append(repo, events);
    for (const e of events) {
      const c = chainEntry(e);
      await repo.insertAuditPending({
        event_id: c.eventId,
        created_at: new Date().toISOString(),
        account_id: c.accountId,
        username: c.username,
        access_key_id: c.accessKeyId,
        resources: c.resources,
        body: c.body,
      });
    }
  }

  /** A write committed a pending record: it is chained with the next batch. */
  committedPending(): void {
    if (this.deferred) this.schedule();
  }

  /** Chains the records writes committed (PostgreSQL), oldest first, in batches. */
  async chainPending(): Promise<void> {
    if (!this.deferred) return;
    for (;;) {
      let chained = 0;
      await this.store.touch(async (repo) => {
        // The head's lock first: another node chaining meanwhile has finished, and its rows are gone.
        await repo.auditChainRow('head', true);
        const rows = await repo.auditPending(500);
        await this.append(
          repo,
          rows.map((r) => {
            const event = JSON.parse(r.body) as PreparedEvent['event'];
            const resources = (r.resources ?? '')
              .split('\n')
              .filter((l) => l !== '')
              .map((l) => ({ type: l.slice(0, l.indexOf(' ')), name: l.slice(l.indexOf(' ') + 1) }));
            return { event, accountId: r.account_id, username: r.username, accessKeyId: r.access_key_id, resources };
          }),
        );
        for (const r of rows) await repo.deleteAuditPending(r.event_id);
        chained = rows.length;
      });
      if (chained < 500) return;
    }
  }

  private schedule(): void {
    if (!this.flushTimer && !this.closed) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, this.options.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Appends records to the chain in repo's write transaction (append.ts). */
  async append(repo: Repo, events: readonly PreparedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await appendToChain(repo, events.map(chainEntry));
    this.appended(events.length);
  }

  /** Records joined the chain (here or on the appender thread). */
  private appended(count: number): void {
    this.sinceDigest += count;
    this.metrics?.auditEvents.inc(count);
  }

  /** Records a call that changed nothing (a read, a refusal): queued, or written now when fail-closed (then the promise). */
  record(event: PreparedEvent): Promise<void> | undefined {
    if (this.options.failClosed) return this.store.touch((repo) => this.append(repo, [event]));
    this.enqueue(event);
    return undefined; // nothing to wait for: no promise, no turn of the microtask queue
  }

  /** A fail-closed record outside the dispatch (a console sign-in, a workload's credentials) could not be written. */
  failedRecord(error: unknown, eventName: string): void {
    this.metrics?.auditFailures.inc();
    this.logger.error({ err: String(error), eventName }, 'audit trail: a record could not be written (fail-closed: refused)');
  }

  /** Queues a record for the next batch. */
  enqueue(event: PreparedEvent): void {
    if (this.pending.length >= MAX_QUEUED) {
      this.pending.shift();
      this.dropped++;
    }
    this.pending.push(event);
    // One flush at a time: while one runs it drains what arrives (see flush), so a full queue
    // starts none — a flush per record queued meanwhile was thousands of waiters under load.
    if (this.pending.length >= this.options.flushEvents) {
      if (!this.flushing) void this.flush();
    } else this.schedule();
  }

  /** Appends every queued record, in one transaction; on failure they stay queued and are tried again. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.deferred) {
      this.flushing = this.chainPending()
        .catch((error: unknown) => {
          this.metrics?.auditFailures.inc();
          this.logger.error({ err: String(error) }, 'audit trail: could not chain committed records (tried again)');
          this.schedule();
        })
        .finally(() => {
          this.flushing = undefined;
        });
      await this.flushing;
    }
    if (this.pending.length === 0) return;
    let batch = this.pending;
    this.pending = [];
    const start = performance.now();
    let appended = 0;
    let failed = false;
    this.flushing = (async () => {
      // In slices, each its own transaction, yielding to the event loop between them: SQLite's
      // writes are synchronous, and a batch of 200 in one go held every request for milliseconds.
      for (;;) {
        if (appended >= batch.length) {
          // A full batch queued meanwhile is drained by this flush, not by one started per record.
          if (this.pending.length < this.options.flushEvents) break;
          batch = this.pending;
          this.pending = [];
          appended = 0;
        }
        const thread = this.thread;
        if (thread) {
          const result = await thread.append(batch.slice(appended, appended + THREAD_BATCH));
          appended += result.appended;
          this.appended(result.appended);
          if (result.error === undefined) continue;
          if (thread.alive) throw new Error(result.error);
          // The thread died: this one appends from now on, starting with what it did not. It may
          // have died after a commit it could not report: what its batch left is looked up first.
          this.logger.error({ err: result.error }, 'audit trail: the appender thread stopped; appending on the request thread');
          this.thread = undefined;
          const rest = batch.slice(appended, appended + THREAD_BATCH);
          const chained = await this.store.read(async (repo) => {
            const found = new Set<string>();
            for (const e of rest)
              if ((await repo.findAuditEvents({ eventId: e.event.eventID, order: 'newest', limit: 1 })).length > 0) found.add(e.event.eventID);
            return found;
          });
          if (chained.size > 0)
            batch = [...batch.slice(0, appended), ...rest.filter((e) => !chained.has(e.event.eventID)), ...batch.slice(appended + THREAD_BATCH)];
          continue;
        }
        if (appended > 0) await new Promise((resolve) => setImmediate(resolve));
        const slice = batch.slice(appended, appended + FLUSH_SLICE);
        await this.store.touch((repo) => this.append(repo, slice));
        appended += slice.length;
      }
    })()
      .then(
        () => {
          this.metrics?.auditFlushSeconds.observe((performance.now() - start) / 1000);
          if (this.sinceDigest >= this.options.digestEvents) void this.digest().catch(() => undefined);
        },
        (error: unknown) => {
          failed = true;
          this.metrics?.auditFailures.inc();
          const kept = batch.slice(appended);
          this.logger.error({ err: String(error), events: kept.length }, 'audit trail: could not append queued records (kept, tried again)');
          this.pending = kept.concat(this.pending).slice(-MAX_QUEUED);
          if (!this.flushTimer && !this.closed) {
            this.flushTimer = setTimeout(() => {
              this.flushTimer = undefined;
              void this.flush();
            }, 1000);
            this.flushTimer.unref();
          }
        },
      )
      .finally(() => {
        this.flushing = undefined;
        // Records queued after the last look: a full batch flushes now, a partial one on the
        // timer (after a failure, the retry timer set above).
        if (failed || this.closed) return;
        if (this.pending.length >= this.options.flushEvents) void this.flush();
        else if (this.pending.length > 0) this.schedule();
      });
    await this.flushing;
  }

  /** Signs a digest of the chain as it is now. */
  async digest(): Promise<void> {
    this.sinceDigest = 0;
    this.lastDigestAt = Date.now();
    await this.store.touch(async (repo) => {
      await writeDigest(repo, this.keys.signing, this.clock());
    });
  }

  /** Retention, then a digest when one is due. */
  async maintain(): Promise<void> {
    try {
      await this.flush();
      const pruned = await this.prune();
      const due =
        this.sinceDigest > 0 && (this.sinceDigest >= this.options.digestEvents || Date.now() - this.lastDigestAt >= this.options.digestMinutes * 60_000);
      if (pruned === 0 && due) await this.digest();
    } catch (error) {
      this.metrics?.auditFailures.inc();
      this.logger.error({ err: String(error) }, 'audit trail: maintenance failed');
    }
  }

  /**
   * Removes the oldest records beyond the retention limits, in batches; the chain's anchor moves to
   * the last one removed and a signed digest records it. Returns how many were removed.
   */
  async prune(): Promise<number> {
    const { retentionDays, maxEvents } = this.options;
    if (retentionDays === undefined && maxEvents === undefined) return 0;
    let total = 0;
    for (;;) {
      const removed = await new Promise<number>((resolve, reject) => {
        this.store
          .touch(async (repo) => {
            const head = await repo.auditChainRow('head', true);
            const headSeq = head ? Number(head.seq) : 0;
            const before = retentionDays === undefined ? undefined : new Date(this.clock().getTime() - retentionDays * 86_400_000).toISOString();
            const keepAfter = maxEvents === undefined ? undefined : headSeq - maxEvents;
            const rows = await repo.auditEventsToPrune(
              before,
              keepAfter !== undefined && keepAfter > 0 ? keepAfter : before === undefined ? 0 : undefined,
              5000,
            );
            const last = rows.at(-1);
            if (!last) return resolve(0);
            await repo.deleteAuditEventsThrough(Number(last.seq));
            await repo.setAuditChainRow({ name: 'anchor', seq: Number(last.seq), hash: last.hash });
            await writeDigest(repo, this.keys.signing, this.clock());
            resolve(rows.length);
          })
          .catch(reject);
      });
      total += removed;
      if (removed < 5000) break;
    }
    if (total > 0) {
      this.sinceDigest = 0;
      this.lastDigestAt = Date.now();
      this.logger.info({ pruned: total }, 'audit trail: records past retention removed');
    }
    return total;
  }

  /** The account (by id or alias) and, when named, its IAM user: who a console sign-in attempt was for. */
  async lookUpSignIn(account: string, userName: string | undefined): Promise<{ accountId: string; userId?: string } | undefined> {
    return this.store.read(async (repo) => {
      const ref = account.trim();
      const row = /^\d{12}$/.test(ref) ? await repo.getAccount(ref) : ref === '' ? undefined : await repo.getAccountByAlias(ref.toLowerCase());
      if (!row) return undefined;
      const user = userName ? await repo.getEntityByName(row.id, 'user', userName) : undefined;
      return { accountId: row.id, ...(user ? { userId: user.id } : {}) };
    });
  }

  /** Stops the timers and appends what is queued (graceful shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.flushTimer);
    clearInterval(this.maintenanceTimer);
    await this.flush().catch(() => undefined);
    await this.thread?.close();
  }
}
