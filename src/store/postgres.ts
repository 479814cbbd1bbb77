// The PostgreSQL dialect, for several iamd nodes sharing one set of accounts. Writes run
// SERIALIZABLE (the Store retries them on a conflict), so invariants checked inside a transaction
// — unique names, at most 2 access keys — hold across nodes. Every write notifies the other nodes
// (LISTEN/NOTIFY, delivered at commit) to drop their caches.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { holding, type Holder, type OpenTransaction, type RepoFn, type StoreCapabilities, type StoreDriver, type TransactionHost } from './driver.ts';
import type { Repo } from './repo.ts';
import type { Database } from './schema.ts';

export interface PostgresOptions {
  /** How often caches are dropped anyway, as a backstop for a lost notice (5 s). */
  cacheTtlMs?: number;
}

const POSTGRES: StoreCapabilities = Object.freeze({ readCache: false, directStatements: false, serializableRetries: true, notify: true });

export class PostgresDriver implements StoreDriver {
  readonly dialect = 'postgres' as const;
  readonly capabilities = POSTGRES;
  readonly db: Kysely<Database>;
  private listener?: ChangeListener;

  constructor(
    private readonly url: string,
    private readonly options: PostgresOptions = {},
  ) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server ends (a restart, an administrator) is dropped by the pool and
    // replaced on next use; without a listener its 'error' event would end the process.
    pool.on('error', () => undefined);
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  read<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T> {
    const tx: OpenTransaction = { repo: undefined as unknown as Repo, wrote: false };
    return this.db
      .transaction()
      .execute((trx) => {
        tx.repo = host.newRepo(trx, false);
        return holding(holder, tx, fn);
      })
      .finally(() => {
        if (tx.wrote) host.ended(tx.repo?.changes);
      });
  }

  async write<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T> {
    const tx: OpenTransaction = { repo: undefined as unknown as Repo, wrote: true };
    try {
      return await this.db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(async (trx) => {
          tx.repo = host.newRepo(trx, false);
          const result = await holding(holder, tx, fn);
          await sql`select pg_notify('iamd_changes', '')`.execute(trx);
          return result;
        });
    } finally {
      host.ended(tx.repo?.changes);
    }
  }

  /** 40001 serialization failure, 40P01 deadlock, 23505 a concurrent insert won: run again, and the write sees the other transaction's result (EntityAlreadyExists, a quota…). */
  isConflict(error: unknown): boolean {
    const code = (error as { code?: string }).code;
    return code === '40001' || code === '40P01' || code === '23505';
  }

  async touch(host: TransactionHost, fn: RepoFn<void>): Promise<void> {
    await this.db.transaction().execute((trx) => fn(host.newRepo(trx, false)));
  }

  async listen(onChange: () => void): Promise<void> {
    this.listener = new ChangeListener(this.url, onChange, this.options.cacheTtlMs ?? 5_000);
    await this.listener.start();
  }

  integrityCheck(): string {
    return 'ok';
  }

  async close(): Promise<void> {
    await this.listener?.stop();
    await this.db.destroy();
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
