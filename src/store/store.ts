// The one storage interface the rest of iamd uses. `read` and `write` each run a function in one
// transaction over a Repo; a committed write bumps `generation`, which the in-memory caches
// (credentials, compiled policies) check, so a change takes effect on the very next request.
// A request works through a session (`store.session()`): a read or write it starts while it
// already holds a transaction joins that transaction.
import { EventEmitter } from 'node:events';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type SqliteDatabase, type Transaction } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './migrations.ts';
import { Repo, type DirectSql, type RepoChanges } from './repo.ts';
import { ReadCache } from './read-cache.ts';
import type { Database } from './schema.ts';

/** The files iamd keeps in a data folder. Every one is 0600 (owner only), whatever the umask. */
export const DATA_FILES = ['iamd.sqlite', 'iamd.sqlite-wal', 'iamd.sqlite-shm', 'iamd.sqlite-journal', 'master.key'] as const;

/** Creates the data folder if it does not exist, 0700 whatever the umask; an existing one is left as it is. */
export function ensureDataFolder(dir: string): void {
  // mkdir's mode is filtered by the umask: a folder iamd created is then set to exactly 0700.
  if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(dir, 0o700);
}

/** Makes iamd's files in a data folder 0600: also those an earlier version created 0644. */
export function restrictDataFiles(dir: string): void {
  for (const name of DATA_FILES) {
    const file = join(dir, name);
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') continue;
      throw error;
    }
    if (mode !== 0o600) chmodSync(file, 0o600);
  }
}


/** A value of iamd's bookkeeping, read in repo's transaction. */
export async function getMeta(repo: Repo, key: string): Promise<string | undefined> {
  const row = await repo.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Sets a value of iamd's bookkeeping in repo's (write) transaction. */
export async function setMeta(repo: Repo, key: string, value: string): Promise<void> {
  await repo.db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

export interface StoreOptions {
  /** A data folder, or ':memory:' for a throwaway store that writes nothing to disk. */
  dataDir: string;
}

interface OpenTransaction {
  repo: Repo;
  wrote: boolean;
  /** A SQLite read holds the one connection without BEGIN/COMMIT: nothing may write inside it. */
  readOnly?: boolean;
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
}

/** Where a caller keeps the transaction it has open (a session), so that nested calls join it. */
interface Holder {
  open?: OpenTransaction;
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
    return this.store.writeIn(this.holder, fn);
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
}

export class Store extends EventEmitter implements Transactions {
  /** Bumped after every committed write; caches compare it to decide whether they are current. */
  generation = 0;
  private sqliteBusy = false;
  private readonly sqliteWaiting: (() => void)[] = [];

  private listener?: ChangeListener;
  /** SQLite only: the connection's prepared statements, run directly by the Repo. */
  private readonly direct?: DirectSql;
  /** SQLite only: entities, tags and list pages read since the last write. */
  private readonly readCache?: ReadCache;

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly sqlite?: BetterSqlite3.Database,
    private readonly statements?: StatementCache,
  ) {
    super();
    if (statements) {
      this.readCache = new ReadCache(this);
      this.direct = {
        all: (text, params) => statements.get(text).all(params),
        run: (text, params) => statements.get(text).run(params).changes,
      };
    }
  }

  /** The store named by a URL: `postgres://…` for PostgreSQL, anything else is a data folder. */
  static async open(options: StoreOptions & { databaseUrl?: string }): Promise<Store> {
    return options.databaseUrl ? Store.openPostgres(options.databaseUrl) : Store.openSqlite(options);
  }

  /**
   * PostgreSQL, for several iamd nodes sharing one set of accounts. Writes run SERIALIZABLE (and
   * are retried on a serialization failure), so invariants checked inside a transaction — unique
   * names, at most 2 access keys — hold across nodes. Every write notifies the other nodes
   * (LISTEN/NOTIFY, delivered at commit) to drop their caches.
   */
  static async openPostgres(url: string, options: { cacheTtlMs?: number } = {}): Promise<Store> {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server ends (a restart, an administrator) is dropped by the pool and
    // replaced on next use; without a listener its 'error' event would end the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const store = new Store(db, 'postgres');
    await store.migrate();
    store.listener = new ChangeListener(url, () => store.externalChange(), options.cacheTtlMs ?? 5_000);
    await store.listener.start();
    return store;
  }

  /** Another node committed a write (or we may have missed one): drop every cache. */
  private externalChange(): void {
    this.committed(undefined);
  }

  static async openSqlite(options: StoreOptions): Promise<Store> {
    let file = ':memory:';
    if (options.dataDir !== ':memory:') {
      ensureDataFolder(options.dataDir);
      file = join(options.dataDir, 'iamd.sqlite');
      // The database file is created 0600 before SQLite opens it: SQLite gives the -wal and -shm
      // files it creates (lazily) the database file's mode, so they are owner-only too, whatever
      // the umask — also when iamd runs inside another process (tests), whose umask it leaves alone.
      closeSync(openSync(file, 'a', 0o600));
      restrictDataFiles(options.dataDir);
    }
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is in the WAL before it is acknowledged, so a killed process
    // loses nothing; only an OS crash or power loss could lose the last transactions.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const statements = new StatementCache(sqlite);
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({
        database: { close: () => sqlite.close(), prepare: (text: string) => statements.get(text) as unknown as ReturnType<SqliteDatabase['prepare']> },
      }),
    });
    const store = new Store(db, 'sqlite', sqlite, statements);
    await store.migrate();
    // After the first write, the WAL files exist: check them too.
    if (options.dataDir !== ':memory:') restrictDataFiles(options.dataDir);
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
  readIn<T>(holder: Holder, fn: (repo: Repo) => Promise<T>): Promise<T> {
    if (holder.open) return fn(holder.open.repo);
    if (this.dialect === 'sqlite') {
      // SQLite has one connection, and every write goes through it: holding it for the whole
      // read gives the read a consistent view without the cost of BEGIN/COMMIT.
      return this.inSqliteTurn(() => Store.holding(holder, { repo: new Repo(this.db, this.direct, this.readCache), wrote: false, readOnly: true }, fn));
    }
    const tx: OpenTransaction = { repo: undefined as unknown as Repo, wrote: false };
    return this.db
      .transaction()
      .execute((trx) => {
        tx.repo = new Repo(trx as Transaction<Database>);
        return Store.holding(holder, tx, fn);
      })
      .finally(() => {
        if (tx.wrote) this.committed(tx.repo?.changes);
      });
  }

  /**
   * A write in the holder's open transaction, or in a new one. On SQLite writes take turns on the
   * one connection, so each sees the last one's result; on PostgreSQL they run SERIALIZABLE.
   */
  writeIn<T>(holder: Holder, fn: (repo: Repo) => Promise<T>): Promise<T> {
    const open = holder.open;
    if (open) {
      // INVARIANT: writes happen in a write transaction (a write started inside a read is a bug).
      if (open.readOnly) return Promise.reject(new Error('store.write called inside store.read'));
      open.wrote = true;
      return fn(open.repo);
    }
    if (this.dialect === 'postgres') return this.writePostgres(holder, fn);
    return this.sqliteTransaction(holder, fn, true);
  }

  /** Runs fn with tx held open by the holder; afterwards the transaction's Repo refuses queries. */
  private static async holding<T>(holder: Holder, tx: OpenTransaction, fn: (repo: Repo) => Promise<T>): Promise<T> {
    holder.open = tx;
    try {
      return await fn(tx.repo);
    } finally {
      if (holder.open === tx) holder.open = undefined;
      tx.repo.close();
    }
  }

  /**
   * SQLite's one connection, taken in turn (first come, first served) by every read and write:
   * a read never sees a write's uncommitted rows, and writes apply one after another.
   */
  private inSqliteTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (this.sqliteBusy) return new Promise<void>((resolve) => this.sqliteWaiting.push(resolve)).then(() => this.holdSqliteTurn(fn));
    this.sqliteBusy = true;
    return this.holdSqliteTurn(fn);
  }

  private async holdSqliteTurn<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      // Hand the turn straight to the next in line (the connection stays busy), or free it.
      const next = this.sqliteWaiting.shift();
      if (next) next();
      else this.sqliteBusy = false;
    }
  }

  /** BEGIN … COMMIT on SQLite's connection in its turn, rolled back if fn throws. */
  private sqliteTransaction<T>(holder: Holder, fn: (repo: Repo) => Promise<T>, bumpsGeneration: boolean): Promise<T> {
    return this.inSqliteTurn(async () => {
      const sqlite = this.sqlite!;
      const tx: OpenTransaction = { repo: new Repo(this.db, this.direct), wrote: true };
      this.sqliteStatement('BEGIN').run();
      try {
        const result = await Store.holding(holder, tx, fn);
        this.sqliteStatement('COMMIT').run();
        return result;
      } catch (error) {
        if (sqlite.inTransaction) this.sqliteStatement('ROLLBACK').run();
        throw error;
      } finally {
        // Also after a rollback: a cache may have read the transaction's uncommitted rows.
        if (bumpsGeneration) this.committed(tx.repo.changes);
      }
    });
  }

  private async writePostgres<T>(holder: Holder, fn: (repo: Repo) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const tx: OpenTransaction = { repo: undefined as unknown as Repo, wrote: true };
      try {
        return await this.db
          .transaction()
          .setIsolationLevel('serializable')
          .execute(async (trx) => {
            tx.repo = new Repo(trx as Transaction<Database>);
            const result = await Store.holding(holder, tx, fn);
            await sql`select pg_notify('iamd_changes', '')`.execute(trx);
            return result;
          });
      } catch (error) {
        // 40001 serialization failure, 40P01 deadlock, 23505 a concurrent insert won: run again,
        // and the function sees the other transaction's result (EntityAlreadyExists, a quota…).
        const code = (error as { code?: string }).code;
        if ((code === '40001' || code === '40P01' || code === '23505') && attempt < 10) {
          await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
          continue;
        }
        throw error;
      } finally {
        this.committed(tx.repo?.changes);
      }
    }
  }

  private sqliteStatement(text: string): BetterSqlite3.Statement {
    return this.statements!.get(text);
  }

  /**
   * After a write transaction ends (committed or not): caches that check `generation` start over,
   * and 'change' listeners learn what changed (undefined: anything may have).
   */
  private committed(changes: RepoChanges | undefined): void {
    this.generation++;
    this.emit('change', changes);
  }

  /** Best-effort bookkeeping (last-used times) that must not invalidate caches. */
  async touch(fn: (repo: Repo) => Promise<void>): Promise<void> {
    if (this.dialect === 'sqlite') return this.sqliteTransaction({}, fn, false);
    await this.db.transaction().execute((trx) => fn(new Repo(trx as Transaction<Database>)));
  }

  /** SQLite's own consistency check (for tests and `iamd doctor`). */
  integrityCheck(): string {
    return this.sqlite ? String(this.sqlite.pragma('integrity_check', { simple: true })) : 'ok';
  }

  async close(): Promise<void> {
    await this.listener?.stop();
    await this.db.destroy();
  }
}

/**
 * Kysely prepares every query anew; preparing costs more than running most of iamd's queries.
 * Statements are kept by their SQL text (a bounded set: iamd's queries are fixed shapes with
 * parameters) and reused — better-sqlite3 statements are reusable once a call has returned.
 */
class StatementCache {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  get(text: string): BetterSqlite3.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.sqlite.prepare(text);
      if (this.statements.size >= 2000) this.statements.clear();
      this.statements.set(text, statement);
    }
    return statement;
  }
}

/**
 * Listens for other nodes' writes on a dedicated connection. If the connection drops, caches are
 * dropped and it reconnects; a time-to-live drops them anyway, as a backstop for a lost notice.
 */
class ChangeListener {
  private client?: pg.Client;
  private stopped = false;
  private ttlTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly onChange: () => void,
    private readonly ttlMs: number,
  ) {}

  async start(): Promise<void> {
    this.ttlTimer = setInterval(this.onChange, this.ttlMs);
    this.ttlTimer.unref();
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.onChange());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query('LISTEN iamd_changes');
      this.client = client;
      this.onChange(); // anything committed while we were not listening
    } catch {
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    this.onChange();
    client.removeAllListeners();
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    if (!this.stopped && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.connect();
      }, 500);
      this.retryTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ttlTimer);
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined); // the server may end it while it closes
      await client.end().catch(() => undefined);
    }
  }
}
