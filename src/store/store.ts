// The one storage interface the rest of iamd uses. `read` and `write` each run a function in one
// transaction over a Repo; a committed write bumps `generation`, which the in-memory caches
// (credentials, compiled policies) check, so a change takes effect on the very next request.
// A request works through a session (`store.session()`): a read or write it starts while it
// already holds a transaction joins that transaction.
//
// The Store is the same for every database; a driver runs the transactions of one dialect
// (sqlite.ts, postgres.ts) and declares what its database can do as capability flags
// (driver.ts), which is all the Store looks at: the read cache, direct statements, retries of
// serializable writes, and listening for other nodes' writes.
import { EventEmitter } from 'node:events';
import { Migrator, type Kysely } from 'kysely';
import { migrations } from './migrations.ts';
import { Repo, type DirectSql, type RepoChanges } from './repo.ts';
import { ReadCache } from './read-cache.ts';
import type { Database } from './schema.ts';
import type { Holder, RepoFn, StoreCapabilities, StoreDriver, TransactionHost } from './driver.ts';
import { PostgresDriver, type PostgresOptions } from './postgres.ts';
import { SqliteDriver, type StoreOptions } from './sqlite.ts';
import { secondsSince, type Metrics } from '../metrics/metrics.ts';

export { DATA_FILES, ensureDataFolder, restrictDataFiles, type StoreOptions } from './sqlite.ts';
export type { StoreCapabilities } from './driver.ts';

/** A value of iamd's bookkeeping, read in repo's transaction (the meta aggregate, repo/meta.ts). */
export function getMeta(repo: Repo, key: string): Promise<string | undefined> {
  return repo.getMeta(key);
}

/** Sets a value of iamd's bookkeeping in repo's (write) transaction. */
export function setMeta(repo: Repo, key: string, value: string): Promise<void> {
  return repo.setMeta(key, value);
}

/** What the action layer uses of the store: transactions, and best-effort bookkeeping. */
export interface Transactions {
  /** Runs fn in a read transaction (joining the session's open transaction, if any). */
  read<T>(fn: (repo: Repo) => Promise<T>): Promise<T>;
  /** Runs fn in one write transaction: all of it commits or none of it does. */
  write<T>(fn: (repo: Repo) => Promise<T>): Promise<T>;
  /** Best-effort bookkeeping (last-used times) that must not invalidate caches. */
  touch(fn: (repo: Repo) => Promise<void>): Promise<void>;
  /** True inside a transaction that may have written: caches must not keep what they read there. */
  inWriteTransaction(): boolean;
  /** A view for one request, whose nested reads and writes join its open transaction. */
  session(): Transactions;
  /** A session's hook run in each write transaction it opens, just before COMMIT (driver.ts `Holder.beforeCommit`). */
  setBeforeCommit?(hook: ((repo: Repo, result: unknown) => Promise<void>) | undefined, afterCommit?: () => void): void;
}

/**
 * One request's way into the store. The authorizer reads policies while a handler holds a write
 * transaction: through the request's session that read joins the transaction instead of waiting
 * for it. (An AsyncLocalStorage did this implicitly; its promise hooks cost every request ~15 %.)
 */
export class StoreSession implements Transactions {
  private readonly holder: Holder = {};
  constructor(private readonly store: Store) {}
  read<T>(fn: (repo: Repo) => Promise<T>): Promise<T> {
    return this.store.readIn(this.holder, fn);
  }
  write<T>(fn: (repo: Repo) => Promise<T>): Promise<T> {
    const holder = this.holder;
    if (holder.open || !holder.afterCommit) return this.store.writeIn(holder, fn);
    return this.store.writeIn(holder, fn).then((result) => {
      holder.afterCommit?.();
      return result;
    });
  }
  touch(fn: (repo: Repo) => Promise<void>): Promise<void> {
    return this.store.touch(fn);
  }
  inWriteTransaction(): boolean {
    return this.holder.open?.wrote === true;
  }
  session(): Transactions {
    return this;
  }
  setBeforeCommit(hook: ((repo: Repo, result: unknown) => Promise<void>) | undefined, afterCommit?: () => void): void {
    this.holder.beforeCommit = hook;
    this.holder.afterCommit = afterCommit;
  }
}

export class Store extends EventEmitter implements Transactions {
  private gen = 0;
  /** While other processes' writes may go unnoticed (the listening connection is down): cache nothing. */
  private blind = false;

  /**
   * Bumped after every committed write (this process's, or a notice of another's); caches compare
   * it to decide whether they are current, and keep what they read only if it did not change
   * meanwhile. While the store is blind to other processes' writes every reading of it is a new
   * generation, so no cache keeps or serves anything until it can see them again.
   */
  get generation(): number {
    return this.blind ? ++this.gen : this.gen;
  }
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  /** What the database can do; the Store decides by these alone (see driver.ts). */
  readonly capabilities: StoreCapabilities;
  /** Times transactions (iamd_store_transaction_duration_seconds) when set; unset, nothing is measured. */
  metrics?: Metrics;

  /** directStatements: the connection's prepared statements, run directly by the Repo. */
  private readonly direct?: DirectSql;
  /** readCache: entities, tags and list pages read since the last write. */
  private readonly readCache?: ReadCache;
  /** What the driver calls around its transactions (made once: nothing is allocated per transaction). */
  private readonly host: TransactionHost = {
    newRepo: (db, cacheable) => new Repo(db, this.direct, cacheable ? this.readCache : undefined),
    ended: (changes) => this.committed(changes),
  };

  private constructor(private readonly driver: StoreDriver) {
    super();
    this.db = driver.db;
    this.dialect = driver.dialect;
    this.capabilities = driver.capabilities;
    if (this.capabilities.directStatements) this.direct = driver.direct;
    if (this.capabilities.readCache) this.readCache = new ReadCache(this);
  }

  /** The store named by a URL: `postgres://…` for PostgreSQL, anything else is a data folder. */
  static async open(options: StoreOptions & { databaseUrl?: string; poolSize?: number }): Promise<Store> {
    return options.databaseUrl ? Store.openPostgres(options.databaseUrl, { poolSize: options.poolSize }) : Store.openSqlite(options);
  }

  /** PostgreSQL, for several iamd nodes sharing one set of accounts (postgres.ts). */
  static async openPostgres(url: string, options: PostgresOptions = {}): Promise<Store> {
    return Store.start(new PostgresDriver(url, options));
  }

  /** The embedded SQLite store in a data folder, or ':memory:' (sqlite.ts). */
  static async openSqlite(options: StoreOptions): Promise<Store> {
    return Store.start(new SqliteDriver(options));
  }

  private static async start(driver: StoreDriver): Promise<Store> {
    const store = new Store(driver);
    await store.migrate();
    driver.migrated?.();
    // Another node committed a write (or we may have missed one): drop every cache.
    if (store.capabilities.notify)
      await driver.listen!({
        changed: () => store.committed(undefined),
        listening: (on) => {
          store.blind = !on;
          store.committed(undefined);
        },
      });
    return store;
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => migrations } });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) throw new Error(`migration failed: ${failed?.migrationName ?? ''} ${String(error)}`);
  }

  /** Runs fn in a read transaction of its own (see session() to join one). */
  read<T>(fn: (repo: Repo) => Promise<T>): Promise<T> {
    return this.readIn({}, fn);
  }

  /** Runs fn in a write transaction of its own (see session() to join one). */
  write<T>(fn: (repo: Repo) => Promise<T>): Promise<T> {
    return this.writeIn({}, fn);
  }

  session(): Transactions {
    return new StoreSession(this);
  }

  /** Outside a session nothing is joined: no transaction is ever open here. */
  inWriteTransaction(): boolean {
    return false;
  }

  /** A read in the holder's open transaction, or in a new one it holds meanwhile. */
  readIn<T>(holder: Holder, fn: RepoFn<T>): Promise<T> {
    if (holder.open) return fn(holder.open.repo);
    if (this.metrics) return timed(this.driver.read(this.host, holder, fn), this.metrics.storeRead);
    return this.driver.read(this.host, holder, fn);
  }

  /** A write in the holder's open transaction, or in a new one (retried on a conflict where writes may conflict). */
  writeIn<T>(holder: Holder, fn: RepoFn<T>): Promise<T> {
    const open = holder.open;
    if (open) {
      // INVARIANT: writes happen in a write transaction (a write started inside a read is a bug).
      if (open.readOnly) return Promise.reject(new Error('store.write called inside store.read'));
      open.wrote = true;
      return fn(open.repo);
    }
    const written = this.capabilities.serializableRetries ? this.writeRetried(holder, fn) : this.driver.write(this.host, holder, fn);
    return this.metrics ? timed(written, this.metrics.storeWrite) : written;
  }

  /** Runs the write again when it lost a conflict, and the function sees the other transaction's result. */
  private async writeRetried<T>(holder: Holder, fn: RepoFn<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.driver.write(this.host, holder, fn);
      } catch (error) {
        if (attempt < 10 && this.driver.isConflict!(error)) {
          await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * After a write transaction ends (committed or not): caches that check `generation` start over,
   * and 'change' listeners learn what changed (undefined: anything may have).
   */
  private committed(changes: RepoChanges | undefined): void {
    this.gen++;
    this.emit('change', changes);
  }

  /**
   * With several processes on one SQLite data folder (`iamd serve --workers N`): drops every cache
   * if another process committed a write since the last call. Called before each request is
   * served, so a key revoked through one worker is refused by every other on its next request.
   */
  noticeForeignWrites(): void {
    if (this.driver.foreignWrites?.()) this.committed(undefined);
  }

  /** Best-effort bookkeeping (last-used times) that must not invalidate caches. */
  touch(fn: (repo: Repo) => Promise<void>): Promise<void> {
    return this.driver.touch(this.host, fn);
  }

  /**
   * Ready to serve (GET /readyz): undefined when every migration has run (which takes a read of
   * the database), else why not. Rejects when the database does not answer.
   */
  async readiness(): Promise<string | undefined> {
    const known = await new Migrator({ db: this.db, provider: { getMigrations: async () => migrations } }).getMigrations();
    const pending = known.filter((m) => m.executedAt === undefined).length;
    return pending > 0 ? `${pending} migrations pending` : undefined;
  }

  /** The database's own consistency check (for tests and `iamd doctor`). */
  integrityCheck(): string {
    return this.driver.integrityCheck();
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}

/** The promise, observed in `histogram` when it settles (either way). */
function timed<T>(promise: Promise<T>, histogram: { observe(seconds: number): void }): Promise<T> {
  const start = performance.now();
  return promise.finally(() => histogram.observe(secondsSince(start)));
}
