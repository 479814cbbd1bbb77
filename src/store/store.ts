// The one storage interface the rest of iamd uses. `read` and `write` each run a function in one
// transaction over a Repo; a committed write bumps `generation`, which the in-memory caches
// (credentials, compiled policies) check, so a change takes effect on the very next request.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { Kysely, Migrator, SqliteDialect, type Transaction } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './migrations.ts';
import { Repo } from './repo.ts';
import type { Database } from './schema.ts';

export interface StoreOptions {
  /** A data folder, or ':memory:' for a throwaway store that writes nothing to disk. */
  dataDir: string;
}

interface OpenTransaction {
  repo: Repo;
  wrote: boolean;
}

export class Store extends EventEmitter {
  // The transaction this async call chain is inside, if any: a read or write started inside it
  // joins it (the authorizer reads policies while a handler holds a write transaction).
  private readonly current = new AsyncLocalStorage<OpenTransaction>();
  /** Bumped after every committed write; caches compare it to decide whether they are current. */
  generation = 0;
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly sqlite?: BetterSqlite3.Database,
  ) {
    super();
  }

  static async openSqlite(options: StoreOptions): Promise<Store> {
    let file = ':memory:';
    if (options.dataDir !== ':memory:') {
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      file = join(options.dataDir, 'iamd.sqlite');
    }
    const sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is in the WAL before it is acknowledged, so a killed process
    // loses nothing; only an OS crash or power loss could lose the last transactions.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    const store = new Store(db, 'sqlite', sqlite);
    await store.migrate();
    return store;
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => migrations } });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) throw new Error(`migration failed: ${failed?.migrationName ?? ''} ${String(error)}`);
  }

  /** Runs fn in a read transaction. */
  read<T>(fn: (repo: Repo) => Promise<T>): Promise<T> {
    const open = this.current.getStore();
    if (open) return fn(open.repo);
    const tx: OpenTransaction = { repo: undefined as unknown as Repo, wrote: false };
    return this.db
      .transaction()
      .execute((trx) => {
        tx.repo = new Repo(trx as Transaction<Database>);
        return this.current.run(tx, () => fn(tx.repo));
      })
      .finally(() => {
        if (tx.wrote) this.committed();
      });
  }

  /**
   * Runs fn in one write transaction: all of it commits or none of it does. Writes are queued so
   * that each sees the last one's result (SQLite has one writer anyway).
   */
  write<T>(fn: (repo: Repo) => Promise<T>): Promise<T> {
    const open = this.current.getStore();
    if (open) {
      open.wrote = true;
      return fn(open.repo);
    }
    const run = this.writeQueue.then(async () => {
      const tx: OpenTransaction = { repo: undefined as unknown as Repo, wrote: true };
      try {
        return await this.db.transaction().execute((trx) => {
          tx.repo = new Repo(trx as Transaction<Database>);
          return this.current.run(tx, () => fn(tx.repo));
        });
      } finally {
        // Also after a rollback: a cache may have read the transaction's uncommitted rows.
        this.committed();
      }
    });
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /** True inside a transaction that may have written: caches must not keep what they read there. */
  inWriteTransaction(): boolean {
    const open = this.current.getStore();
    return open !== undefined && open.wrote;
  }

  private committed(): void {
    this.generation++;
    this.emit('change');
  }

  /** Best-effort bookkeeping (last-used times) that must not invalidate caches. */
  async touch(fn: (repo: Repo) => Promise<void>): Promise<void> {
    await this.db.transaction().execute((trx) => fn(new Repo(trx as Transaction<Database>)));
  }

  /** SQLite's own consistency check (for tests and `iamd doctor`). */
  integrityCheck(): string {
    return this.sqlite ? String(this.sqlite.pragma('integrity_check', { simple: true })) : 'ok';
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
