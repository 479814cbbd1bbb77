// The embedded SQLite dialect (better-sqlite3, WAL): one connection in one process, which every
// read and write takes in turn. Every write goes through this process, so reads may be answered
// from memory until the next write (readCache), and the connection is synchronous, so compiled
// queries run straight on it (directStatements).
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import cluster from 'node:cluster';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { holding, type Holder, type OpenTransaction, type RepoFn, type StoreCapabilities, type StoreDriver, type TransactionHost } from './driver.ts';
import type { DirectSql } from './repo.ts';
import type { Database } from './schema.ts';
import { ThreadLock } from './thread-lock.ts';

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

export interface StoreOptions {
  /** A data folder, or ':memory:' for a throwaway store that writes nothing to disk. */
  dataDir: string;
  /** Shared by the threads of this process that write to the data folder (thread-lock.ts). */
  threadLock?: SharedArrayBuffer;
}

const SQLITE: StoreCapabilities = Object.freeze({ readCache: true, directStatements: true, serializableRetries: false, notify: false });

export class SqliteDriver implements StoreDriver {
  readonly dialect = 'sqlite' as const;
  readonly capabilities = SQLITE;
  readonly db: Kysely<Database>;
  readonly direct: DirectSql;
  private readonly sqlite: BetterSqlite3.Database;
  private readonly statements: StatementCache;
  private busy = false;
  private readonly waiting: (() => void)[] = [];
  private readonly threadLock?: ThreadLock;

  constructor(private readonly options: StoreOptions) {
    let file = ':memory:';
    if (options.dataDir !== ':memory:') {
      ensureDataFolder(options.dataDir);
      file = join(options.dataDir, 'iamd.sqlite');
      // The database file is created 0600 before SQLite opens it: SQLite gives the -wal and -shm
      // files it creates (lazily) the database file's mode, so they are owner-only too, whatever
      // the umask — also when iamd runs inside another process (tests), whose umask it leaves alone.
      // Only when missing: closing any descriptor of the file drops every POSIX lock this process
      // holds on it, the locks of a connection already open here (the audit appender's thread
      // opens the folder after the request thread) included.
      if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
      restrictDataFiles(options.dataDir);
    }
    if (options.threadLock && file !== ':memory:') this.threadLock = new ThreadLock(options.threadLock);
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is in the WAL before it is acknowledged, so a killed process
    // loses nothing; only an OS crash or power loss could lose the last transactions.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const statements = new StatementCache(sqlite);
    this.sqlite = sqlite;
    this.statements = statements;
    this.db = new Kysely<Database>({
      dialect: new SqliteDialect({
        database: { close: () => sqlite.close(), prepare: (text: string) => statements.get(text) as unknown as ReturnType<SqliteDatabase['prepare']> },
      }),
    });
    this.direct = {
      all: (text, params) => statements.get(text).all(params),
      run: (text, params) => statements.get(text).run(params).changes,
    };
  }

  private dataVersion?: BetterSqlite3.Statement;
  private lastDataVersion = 0;
  /**
   * Other processes share the data folder (`--workers`): writes are counted for them (store_version)
   * from the start in a worker, and in any process once it looks for other processes' writes.
   */
  private countWrites = cluster.isWorker;
  private storeVersion?: BetterSqlite3.Statement;
  /** store_version.n as of this connection's last look or own write (-1: never looked). */
  private lastStoreVersion = -1;

  /**
   * True when another connection (another worker) committed a write since the last call. PRAGMA
   * data_version changes on any other connection's commit, its own commits aside; store_version,
   * bumped by write transactions only, then tells a write from bookkeeping (`touch`) and audit
   * records, which must not drop every cache — the audit appender commits many times a second.
   * Only workers count their writes: a process alone on its data folder skips the count's UPDATE.
   */
  foreignWrites(): boolean {
    if (this.options.dataDir === ':memory:') return false;
    this.countWrites = true;
    this.dataVersion ??= this.sqlite.prepare('PRAGMA data_version').pluck();
    const version = this.dataVersion.get() as number;
    if (version === this.lastDataVersion) return false;
    this.lastDataVersion = version;
    this.storeVersion ??= this.sqlite.prepare('SELECT n FROM store_version WHERE id = 1').pluck();
    const n = Number(this.storeVersion.get() ?? 0);
    if (n === this.lastStoreVersion) return false;
    this.lastStoreVersion = n;
    return true;
  }

  /** After the first write, the WAL files exist: check them too. */
  migrated(): void {
    if (this.options.dataDir !== ':memory:') restrictDataFiles(this.options.dataDir);
  }

  /**
   * SQLite has one connection, and every write goes through it: holding it for the whole read
   * gives the read a consistent view without the cost of BEGIN/COMMIT.
   */
  read<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T> {
    return this.inTurn(() => holding(holder, { repo: host.newRepo(this.db, true), wrote: false, readOnly: true }, fn));
  }

  /** Writes take turns on the one connection, so each sees the last one's result. */
  write<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T> {
    return this.transaction(host, holder, fn, true);
  }

  touch(host: TransactionHost, fn: RepoFn<void>): Promise<void> {
    return this.transaction(host, {}, fn, false);
  }

  /**
   * SQLite's one connection, taken in turn (first come, first served) by every read and write:
   * a read never sees a write's uncommitted rows, and writes apply one after another.
   */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy) return new Promise<void>((resolve) => this.waiting.push(resolve)).then(() => this.holdTurn(fn));
    this.busy = true;
    return this.holdTurn(fn);
  }

  private async holdTurn<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      // Hand the turn straight to the next in line (the connection stays busy), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.busy = false;
    }
  }

  /** BEGIN … COMMIT on SQLite's connection in its turn, rolled back if fn throws. */
  private transaction<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>, ends: boolean): Promise<T> {
    return this.inTurn(async () => {
      const sqlite = this.sqlite;
      const tx: OpenTransaction = { repo: host.newRepo(this.db, false), wrote: true };
      const lock = this.threadLock;
      if (lock && !lock.tryAcquire()) await lock.acquire();
      // IMMEDIATE: the write lock is taken at BEGIN, so another process on the same data folder
      // (a worker) waits its turn (busy_timeout) instead of failing on a snapshot that went stale.
      try {
        this.statements.get('BEGIN IMMEDIATE').run();
      } catch (error) {
        lock?.release();
        throw error;
      }
      try {
        const result = await holding(holder, tx, fn);
        // A write tells other processes so (foreignWrites); bookkeeping does not.
        const n = ends && this.countWrites ? Number(this.bumpVersion().get()) : undefined;
        this.statements.get('COMMIT').run();
        // Our own write: every cache starts over anyway (host.ended), so the count is seen.
        if (n !== undefined) this.lastStoreVersion = n;
        return result;
      } catch (error) {
        if (sqlite.inTransaction) this.statements.get('ROLLBACK').run();
        throw error;
      } finally {
        lock?.release();
        // Also after a rollback: a cache may have read the transaction's uncommitted rows.
        if (ends) host.ended(tx.repo.changes);
      }
    });
  }

  private bump?: BetterSqlite3.Statement;

  private bumpVersion(): BetterSqlite3.Statement {
    this.bump ??= this.sqlite.prepare('UPDATE store_version SET n = n + 1 WHERE id = 1 RETURNING n').pluck();
    return this.bump;
  }

  integrityCheck(): string {
    return String(this.sqlite.pragma('integrity_check', { simple: true }));
  }

  async close(): Promise<void> {
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
