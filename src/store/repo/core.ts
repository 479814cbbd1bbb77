// What every aggregate of the Repo shares: the row types, the transaction a Repo is bound to, and
// the machinery that runs queries of a fixed shape. The aggregates (identities.ts, credentials.ts,
// policies.ts, workloads.ts, console.ts, meta.ts) extend RepoCore only to be type-checked against
// it; their methods are copied once, at module load, onto Repo.prototype (../repo.ts).
//
// INVARIANT: all per-transaction state is declared here. An aggregate class is never constructed,
// so a field it declared would never be initialised: aggregates hold methods only.
//
// Queries of a fixed shape are built and compiled once per dialect (`select`/`change`/`insert`)
// and, on SQLite, run straight on the connection: building a Kysely query and going through its
// driver costs several times what SQLite takes to answer it.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type { Database, EntityTable } from '../schema.ts';
import type { ReadCache } from '../read-cache.ts';

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

export function toEntity<D>(row: EntityTable): EntityRow<D> {
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

/**
 * Runs SQL straight on SQLite's one connection (better-sqlite3 is synchronous). Only used inside
 * the store's read/write, which hold that connection, so nothing else runs on it meanwhile.
 */
export interface DirectSql {
  all(sql: string, params: unknown[]): unknown[];
  /** Returns the number of rows changed. */
  run(sql: string, params: unknown[]): number;
}

// A shape is built with `arg(i)` where its i-th argument goes; any other value in it is a
// constant of the shape. The compiled parameters are mapped back to argument indexes.
const ARG = '\u0000iamd-arg:';
const arg = (i: number): string => `${ARG}${i}`;
export type Arg = typeof arg;
interface Prepared {
  sql: string;
  /** Each compiled parameter: the index of the argument that fills it, or a constant. */
  slots: (number | { value: unknown })[];
}
const preparedByShape = new Map<string, Prepared>();

function bind(p: Prepared, args: readonly unknown[]): unknown[] {
  const params = new Array<unknown>(p.slots.length);
  for (let i = 0; i < params.length; i++) {
    const slot = p.slots[i]!;
    params[i] = typeof slot === 'number' ? args[slot] : slot.value;
  }
  return params;
}

/**
 * What a transaction changed that in-memory credential caches depend on, so that a commit drops
 * only those entries. INVARIANT: access keys and entities are written only through Repo methods.
 */
export interface RepoChanges {
  /** Access keys created, updated or deleted. */
  accessKeys: Set<string>;
  /** Entities (users, roles…) updated or deleted; a new entity changes no existing credential. */
  entities: Set<string>;
}

export class RepoCore {
  readonly changes: RepoChanges = { accessKeys: new Set(), entities: new Set() };

  // Tags read in this transaction, by resource: an authorization context and the answer often
  // need the same entity's tags. Every tag write in the transaction drops its entry.
  protected readonly tagMemo = new Map<string, Tag[]>();

  private readonly dialectKey: string;
  private closed = false;
  /** The store's generation when this transaction began: the read cache keeps only what was read at it. */
  protected readonly cacheStamp: number;

  constructor(
    readonly db: Kysely<Database>,
    private readonly direct?: DirectSql,
    /** Only for a transaction that cannot write (a read). */
    protected readonly cache?: ReadCache,
  ) {
    this.dialectKey = db.getExecutor().adapter.constructor.name;
    this.cacheStamp = cache ? cache.stamp() : 0;
  }

  /** Called when the transaction ends: a query after that would run outside it. */
  close(): void {
    this.closed = true;
  }

  private prepared(shape: string, build: (a: Arg) => Compilable): Prepared {
    // INVARIANT: a Repo runs queries only inside its transaction.
    if (this.closed) throw new Error('Repo used after its transaction ended');
    const key = `${this.dialectKey}|${shape}`;
    let p = preparedByShape.get(key);
    if (p === undefined) {
      const compiled = build(arg).compile();
      const slots = compiled.parameters.map((v) => (typeof v === 'string' && v.startsWith(ARG) ? Number(v.slice(ARG.length)) : { value: v }));
      p = { sql: compiled.sql, slots };
      preparedByShape.set(key, p);
    }
    return p;
  }

  /** The rows of a query of a fixed shape. */
  protected async select<R>(shape: string, build: (a: Arg) => Compilable, args: readonly unknown[]): Promise<R[]> {
    const p = this.prepared(shape, build);
    if (this.direct) return this.direct.all(p.sql, bind(p, args)) as R[];
    return (await this.db.executeQuery<R>(CompiledQuery.raw(p.sql, bind(p, args)))).rows;
  }

  protected async first<R>(shape: string, build: (a: Arg) => Compilable, args: readonly unknown[]): Promise<R | undefined> {
    const rows = await this.select<R>(shape, build, args);
    return rows[0];
  }

  /** Runs an insert, update or delete of a fixed shape; returns how many rows it changed. */
  protected async change(shape: string, build: (a: Arg) => Compilable, args: readonly unknown[]): Promise<number> {
    const p = this.prepared(shape, build);
    if (this.direct) return this.direct.run(p.sql, bind(p, args));
    const result = await this.db.executeQuery(CompiledQuery.raw(p.sql, bind(p, args)));
    return Number(result.numAffectedRows ?? 0);
  }

  /** Inserts one row; its table and columns are the shape. */
  protected insert<T extends keyof Database & string>(table: T, row: Database[T]): Promise<number> {
    const columns = Object.keys(row as object);
    return this.change(
      `insert ${table} ${columns.join(',')}`,
      (a) => this.db.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, a(i)])) as never),
      Object.values(row as object),
    );
  }
}
