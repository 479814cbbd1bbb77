// The contract between the Store (store.ts: sessions, joining, generations, retries, caches) and a
// dialect's driver (sqlite.ts, postgres.ts: connections, transactions, notices). As Kysely's
// dialect adapters declare `supportsReturning` and the like, a driver declares what its database
// can do as capability flags, and the Store decides by those flags, never by the dialect's name.
import type { Kysely } from 'kysely';
import type { DirectSql, Repo, RepoChanges } from './repo.ts';
import type { Database } from './schema.ts';

export interface StoreCapabilities {
  /**
   * What reads outside a write read (entities, tags, list pages) may be kept in memory until the
   * next write: this process's, or another's as soon as this process learns of it (SQLite: every
   * write goes through this process, or another worker's is noticed before the next request;
   * PostgreSQL: every write's notice, with `notify`).
   */
  readonly readCache: boolean;
  /** The connection is synchronous: compiled queries run straight on it, without Kysely's driver. (SQLite.) */
  readonly directStatements: boolean;
  /**
   * Writes run SERIALIZABLE, concurrently, and may fail with a conflict (`isConflict`) that running
   * the write again resolves; the Store retries them. (PostgreSQL.)
   */
  readonly serializableRetries: boolean;
  /**
   * Other processes write to the same database: every write sends a notice at commit, and the
   * Store listens (`listen`) for theirs to drop its caches. (PostgreSQL.)
   */
  readonly notify: boolean;
}

/** What a driver reports of other processes' writes (see `StoreDriver.listen`). */
export interface ChangeEvents {
  changed(): void;
  listening(on: boolean): void;
}

export type RepoFn<T> = (repo: Repo) => Promise<T>;

export interface OpenTransaction {
  repo: Repo;
  wrote: boolean;
  /** A transaction nothing may write in (a SQLite read holds the connection without BEGIN/COMMIT). */
  readOnly?: boolean;
}

/** Where a caller keeps the transaction it has open (a session), so that nested calls join it. */
export interface Holder {
  open?: OpenTransaction;
  /**
   * Runs inside each write transaction the holder opens, after its function returned and before
   * COMMIT, with that function's result: the audit trail records the change in the transaction
   * that makes it (src/audit). Throwing rolls the transaction back. Retried with the write.
   */
  beforeCommit?: (repo: Repo, result: unknown) => Promise<void>;
  /** After a write transaction the holder opened committed (a retried write's first attempts did not). */
  afterCommit?: () => void;
}

/** What a driver needs of the Store around the transactions it runs. */
export interface TransactionHost {
  /** The Repo of a new transaction on db; `cacheable` when nothing can write in it (it may use the read cache). */
  newRepo(db: Kysely<Database>, cacheable: boolean): Repo;
  /**
   * A transaction that may have written ended, committed or not (undefined: anything may have
   * changed). INVARIANT: called before the connection is handed to anything else, and after the
   * commit is visible to new transactions.
   */
  ended(changes: RepoChanges | undefined): void;
}

export interface StoreDriver {
  readonly dialect: 'sqlite' | 'postgres';
  readonly capabilities: StoreCapabilities;
  /** The Kysely handle (migrations, `repo.db`, and on PostgreSQL every query). */
  readonly db: Kysely<Database>;
  /** With `directStatements`: runs compiled SQL straight on the connection. */
  readonly direct?: DirectSql;
  /** Runs fn in a new read transaction, held open by holder meanwhile (see `holding`). */
  read<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T>;
  /** One attempt at a write transaction, held by holder; calls host.ended when it ends. */
  write<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T>;
  /** Best-effort bookkeeping in a transaction of its own; it does not call host.ended. */
  touch(host: TransactionHost, fn: RepoFn<void>): Promise<void>;
  /** With `serializableRetries`: whether a write failed on a conflict that running it again resolves. */
  isConflict?(error: unknown): boolean;
  /**
   * With `notify`: calls `changed` whenever another process may have written (and keeps doing so
   * until close), and `listening(false)` while it cannot learn of other processes' writes (its
   * listening connection dropped), `listening(true)` once it can again.
   */
  listen?(events: ChangeEvents): Promise<void>;
  /**
   * Whether another process (another worker on the same data folder) committed a write since the
   * last call (SQLite: `PRAGMA data_version`). Cheap: called before every request in a worker.
   */
  foreignWrites?(): boolean;
  /** After the migrations ran. */
  migrated?(): void;
  /** The database's own consistency check ('ok' when it has none). */
  integrityCheck(): string;
  close(): Promise<void>;
}

/** Runs fn with tx held open by the holder; afterwards the transaction's Repo refuses queries. */
export async function holding<T>(holder: Holder, tx: OpenTransaction, fn: RepoFn<T>): Promise<T> {
  holder.open = tx;
  try {
    const result = await fn(tx.repo);
    if (tx.wrote && holder.beforeCommit !== undefined) await holder.beforeCommit(tx.repo, result);
    return result;
  } finally {
    if (holder.open === tx) holder.open = undefined;
    tx.repo.close();
  }
}
