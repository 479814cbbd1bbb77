// The PostgreSQL dialect, for several iamd nodes sharing one set of accounts. Writes run
// SERIALIZABLE (the Store retries them on a conflict), so invariants checked inside a transaction
// — unique names, at most 2 access keys — hold across nodes. Every write notifies the other nodes
// (LISTEN/NOTIFY, delivered at commit) to drop their caches.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import {
  holding,
  type ChangeEvents,
  type Holder,
  type OpenTransaction,
  type RepoFn,
  type StoreCapabilities,
  type StoreDriver,
  type TransactionHost,
} from './driver.ts';
import type { Repo } from './repo.ts';
import type { Database } from './schema.ts';

export interface PostgresOptions {
  /** How often caches are dropped anyway, as a backstop for a lost notice (5 s). */
  cacheTtlMs?: number;
  /** Connections in the pool (10): with several processes per host, each one's share (src/cli-workers.ts). */
  poolSize?: number;
}

/**
 * Named prepared statements: iamd's queries are a bounded set of fixed shapes, so each is parsed
 * and planned once per connection and then only bound and run (node-postgres skips the Parse
 * message for a name the connection has prepared). A name is never reused for another text.
 */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 1000;
let statementsNamed = 0;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `iamd_${statementsNamed++}`;
    statementNames.set(text, name);
  }
  return name;
}

/** 0A000 "cached plan must not change result type": a newer node migrated a table under a prepared statement. */
const PLAN_CHANGED = '0A000';

/** Makes a pooled connection run every query with parameters as a named prepared statement. */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown) => unknown;
  // Only queries with parameters: they are single statements sent with the extended protocol anyway.
  client.query = ((text: unknown, values?: unknown) => {
    const name = typeof text === 'string' && Array.isArray(values) && values.length > 0 ? statementName(text) : undefined;
    if (!name) return query(text, values);
    return (query({ name, text, values }) as Promise<unknown>).catch((error: { code?: string }) => {
      if (error?.code !== PLAN_CHANGED) throw error;
      // Every query is prepared afresh, under new names; this one runs again unnamed (outside a
      // transaction that works; inside one the original error makes the Store run the write again).
      statementNames.clear();
      return (query(text, values) as Promise<unknown>).catch(() => {
        throw error;
      });
    });
  }) as typeof client.query;
}

const POSTGRES: StoreCapabilities = Object.freeze({ readCache: true, directStatements: false, serializableRetries: true, notify: true });

export class PostgresDriver implements StoreDriver {
  readonly dialect = 'postgres' as const;
  readonly capabilities = POSTGRES;
  readonly db: Kysely<Database>;
  private listener?: ChangeListener;

  constructor(
    private readonly url: string,
    private readonly options: PostgresOptions = {},
  ) {
    const max = options.poolSize ?? 10;
    if (!Number.isInteger(max) || max < 1 || max > 1000) throw new Error(`IAMD_DATABASE_POOL_SIZE must be a whole number from 1 to 1000; not '${max}'`);
    const pool = new pg.Pool({ connectionString: url, max });
    pool.on('connect', prepareStatements);
    // An idle connection the server ends (a restart, an administrator) is dropped by the pool and
    // replaced on next use; without a listener its 'error' event would end the process.
    pool.on('error', () => undefined);
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  /**
   * A plain read takes no transaction: each statement runs on a pooled connection in autocommit,
   * which is READ COMMITTED as the BEGIN … COMMIT it replaced (two round trips fewer), and a read
   * the caches answer takes no connection at all. Nothing may write in it.
   */
  read<T>(host: TransactionHost, holder: Holder, fn: RepoFn<T>): Promise<T> {
    return holding(holder, { repo: host.newRepo(this.db, true), wrote: false, readOnly: true }, fn);
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

  /** 40001 serialization failure, 40P01 deadlock, 23505 a concurrent insert won: run again, and the write sees the other transaction's result (EntityAlreadyExists, a quota…); 0A000 a prepared statement's table changed (prepared afresh). */
  isConflict(error: unknown): boolean {
    const code = (error as { code?: string }).code;
    return code === '40001' || code === '40P01' || code === '23505' || code === PLAN_CHANGED;
  }

  async touch(host: TransactionHost, fn: RepoFn<void>): Promise<void> {
    await this.db.transaction().execute((trx) => fn(host.newRepo(trx, false)));
  }

  async listen(events: ChangeEvents): Promise<void> {
    this.listener = new ChangeListener(this.url, events, this.options.cacheTtlMs ?? 5_000);
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
 * Listens for other nodes' writes on a dedicated connection. Notices that arrive together (a
 * write storm elsewhere) drop the caches once: every notice of one network read is handled in one
 * turn of the event loop, and a read started after the first of them sends its query after every
 * one of those writes committed. While the connection is down the Store caches nothing
 * (`listening(false)`) until it is back; a time-to-live drops the caches anyway, as a backstop for
 * a lost notice.
 */
class ChangeListener {
  private client?: pg.Client;
  private stopped = false;
  private ttlTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  /** A notice was handled in this turn of the event loop: the next ones of the turn change nothing more. */
  private noticed = false;
  private readonly settle = (): void => {
    this.noticed = false;
  };

  constructor(
    private readonly url: string,
    private readonly events: ChangeEvents,
    private readonly ttlMs: number,
  ) {}

  async start(): Promise<void> {
    this.ttlTimer = setInterval(this.events.changed, this.ttlMs);
    this.ttlTimer.unref();
    await this.connect();
  }

  private readonly notice = (): void => {
    if (this.noticed) return;
    this.noticed = true;
    this.events.changed();
    queueMicrotask(this.settle);
  };

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', this.notice);
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query('LISTEN iamd_changes');
      if (this.stopped) throw new Error('stopped');
      this.client = client;
      this.events.listening(true); // and anything committed while we were not listening is dropped
    } catch {
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    if (!this.stopped) this.events.listening(false);
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
