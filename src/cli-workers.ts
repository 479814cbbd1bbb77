// `iamd serve --workers N`: N processes serving one port (node:cluster), so that every core of a
// host is used. The primary process serves nothing: it migrates the store and creates the account
// once, before forking, prints the generated root credentials once, restarts a worker that dies,
// and forwards SIGTERM/SIGINT (graceful drain) and SIGHUP (TLS reload) to the workers.
//
// What the workers share and how (docs/operations.md, "Workers"):
// - SQLite: the data folder. Writes take the write lock at BEGIN (BEGIN IMMEDIATE) and wait their
//   turn across processes; before each request a worker checks `PRAGMA data_version` and drops
//   every cache when another worker committed, so a revoked key is refused on the next request.
// - PostgreSQL: each worker is a node (its own pool and LISTEN connection).
// - State kept in the store is shared (console lockout, MFA codes' last step, sessions).
// - Rate limits are token buckets in each process: each worker gets 1/N of every limit (rate and
//   burst), and connections are handed to the workers in turn, so the total stays near the limit.
// - Metrics are counted in each process; /metrics, on any worker, asks the primary for the sum.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { App } from './app.ts';
import { bootstrap, openSecrets, type BootstrapResult } from './bootstrap.ts';
import type { Config } from './config.ts';
import { parseRateLimit } from './api/throttle.ts';
import { gatherWorkersMetrics } from './metrics/cluster-metrics.ts';
import { Store } from './store/store.ts';

/** The environment variable the primary tells each worker how many workers there are by. */
const WORKER_COUNT = 'IAMD_WORKER_COUNT';

/** `--workers`: a positive whole number, or `auto` (the cores this process may use). Default 1. */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new Error(`IAMD_WORKERS must be a whole number from 1 to 1024, or auto; not '${value}'`);
  return n;
}

/** In a worker of `--workers N`: N; else undefined. */
export function workerCount(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env[WORKER_COUNT]);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** A rate limit's share for one of n workers: RATE/n, with a burst of BURST/n (at least 1). */
export function shareOfLimit(value: string | undefined, what: string, n: number): string | undefined {
  const limit = parseRateLimit(value, what);
  if (!limit || n <= 1) return value;
  return `${limit.rate / n}:${Math.max(1, Math.ceil(limit.burst / n))}`;
}

/** A worker's configuration: every rate limit divided among the n workers. */
export function workerConfig(config: Config, n: number): Config {
  return {
    ...config,
    rateLimitPerKey: shareOfLimit(config.rateLimitPerKey, 'IAMD_RATE_LIMIT_PER_KEY', n),
    rateLimitPerAccount: shareOfLimit(config.rateLimitPerAccount, 'IAMD_RATE_LIMIT_PER_ACCOUNT', n),
    rateLimitSignIn: shareOfLimit(config.rateLimitSignIn, 'IAMD_RATE_LIMIT_SIGN_IN', n),
    rateLimitAuthorize: shareOfLimit(config.rateLimitAuthorize, 'IAMD_RATE_LIMIT_AUTHORIZE', n),
    rateLimitUnsigned: shareOfLimit(config.rateLimitUnsigned, 'IAMD_RATE_LIMIT_UNSIGNED', n),
    rateLimitGateway: shareOfLimit(config.rateLimitGateway, 'IAMD_RATE_LIMIT_GATEWAY', n),
    // PostgreSQL: each worker is a node with a pool of its own; together about 16 connections, at least 2 each.
    databasePoolSize: config.databasePoolSize ?? Math.max(2, Math.ceil(16 / n)),
  };
}

/**
 * In a worker, before the app's own handler: drop the caches if another worker wrote (SQLite),
 * and name the worker that answered (`x-iamd-worker`, for operators and tests).
 */
export function joinCluster(app: App): void {
  const id = String(cluster.worker?.id ?? 0);
  // /metrics, whichever worker answers it, describes them all (the primary gathers them).
  app.metrics?.describeCluster();
  app.server.prependListener('request', (_req, res) => {
    app.store.noticeForeignWrites();
    res.setHeader('x-iamd-worker', id);
  });
}

/**
 * The primary of `--workers N`: migrates and bootstraps once, forks the workers and keeps N of
 * them running until SIGTERM/SIGINT. `announce` prints the generated credentials, once, with the
 * URL the first worker listens at.
 */
export async function runPrimary(
  config: Config,
  workers: number,
  announce: (boot: BootstrapResult, url: string) => void,
  log: (message: string) => void,
): Promise<void> {
  if (workers > 1 && !config.databaseUrl && config.dataDir === ':memory:')
    throw new Error("--workers needs a data folder or a database: with ':memory:' each worker would have its own");
  // Migrations, the master key and the account: once, here, before any worker opens the store.
  const store = await Store.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  let boot: BootstrapResult;
  try {
    const secrets = await openSecrets(store, config);
    boot = await bootstrap(store, secrets, config, new Date());
  } finally {
    await store.close();
  }

  let stopping = false;
  let announced = false;
  const live = new Set<Worker>();
  const fork = (): void => {
    const worker = cluster.fork({ [WORKER_COUNT]: String(workers) });
    live.add(worker);
  };
  cluster.on('listening', (_worker, address) => {
    if (announced) return;
    announced = true;
    const host = address.addressType === 6 ? `[${address.address}]` : (address.address ?? config.host);
    announce(boot, `${config.tlsCert ? 'https' : 'http'}://${host}:${address.port}`);
  });
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(0);
      return;
    }
    // A worker that died is replaced; one that keeps dying at start is retried after a pause.
    log(`iamd worker ${worker.id} exited (${signal ?? code}): starting another`);
    setTimeout(fork, 1000).unref();
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    if (live.size === 0) process.exit(0);
    for (const worker of live) worker.process.kill('SIGTERM');
    // Each worker bounds its own drain; this bounds the whole, should one hang.
    setTimeout(() => process.exit(1), ((config.shutdownTimeout ?? 10) + 10) * 1000).unref();
    log(`iamd primary: ${signal}, stopping ${live.size} workers`);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    for (const worker of live) worker.process.kill('SIGHUP');
  });
  if (config.metrics || config.metricsPort !== undefined) gatherWorkersMetrics();
  for (let i = 0; i < workers; i++) fork();
}
