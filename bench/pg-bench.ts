// Scale out (issue #18): a PostgreSQL node against an SQLite node on the same rows, and
// `--workers 2` against `--workers 1`, each pair measured in one run with interleaved rounds.
// Run: npm run bench:pg  (bench/results/pg.json). PostgreSQL at IAMD_TEST_PG_URL or
// postgres://postgres@127.0.0.1:5432/postgres (a throwaway database is created and dropped).
//
// BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 16),
// BENCH_ROUNDS (default 2), BENCH_PG_PARTS=nodes,workers,workers4 (default all three; workers4 is
// `--workers 4` against `--workers 1`, for the scale model's check in docs/benchmarks.md).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { rowWorkload } from './api-bench.ts';
import { createApiFixture } from './lib/fixtures.ts';
import { ROUNDS, bestRound, load, type LoadResult, type Workload } from './lib/load.ts';
import { ROOT, startIamd, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PARTS = (process.env.BENCH_PG_PARTS ?? 'nodes,workers,workers4').split(',');
const ADMIN_URL = process.env.IAMD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PairRow {
  row: string;
  a: LoadResult;
  b: LoadResult;
  /** b / a in requests per second. */
  ratio: number;
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `iamd_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** Measures each row on a then b, interleaved over ROUNDS rounds; the best round of each is kept. */
async function pairs(rows: string[], a: { name: string; child: Child }, b: { name: string; child: Child }): Promise<PairRow[]> {
  const fixtures = new Map<Child, Awaited<ReturnType<typeof createApiFixture>>>();
  for (const t of [a, b]) fixtures.set(t.child, await createApiFixture(t.child.url, ROOT));
  const opts = { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP };
  const out: PairRow[] = [];
  for (const row of rows) {
    const workloads = new Map<Child, Workload>();
    for (const t of [a, b]) workloads.set(t.child, await rowWorkload(row, { name: 'iamd', child: t.child, fixture: fixtures.get(t.child)! }));
    const rounds = new Map<Child, LoadResult[]>([
      [a.child, []],
      [b.child, []],
    ]);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of [a, b]) {
        process.stderr.write(`  ${row} → ${t.name} (round ${round}/${ROUNDS}) … `);
        const r = await load({ url: t.child.url, workload: workloads.get(t.child)!, ...opts });
        rounds.get(t.child)!.push(r);
        process.stderr.write(`${fmt.int(r.requestsPerSecond)} req/s\n`);
      }
    }
    const ra = bestRound(rounds.get(a.child)!);
    const rb = bestRound(rounds.get(b.child)!);
    out.push({ row, a: ra, b: rb, ratio: rb.requestsPerSecond / ra.requestsPerSecond });
  }
  return out;
}

export async function runPgBench(): Promise<{ nodes?: PairRow[]; workers?: PairRow[]; workers4?: PairRow[]; loadAverage: number[] }> {
  const result: { nodes?: PairRow[]; workers?: PairRow[]; workers4?: PairRow[]; loadAverage: number[] } = { loadAverage: loadavg() };
  const masterKey = randomBytes(32).toString('hex');
  if (PARTS.includes('nodes')) {
    await withDatabase(async (url) => {
      const sqlite = await startIamd({ dataDir: mkdtempSync(join(tmpdir(), 'iamd-bench-')) });
      const postgres = await startIamd({ env: { IAMD_DATABASE_URL: url, IAMD_MASTER_KEY: masterKey } });
      try {
        result.nodes = await pairs(
          ['GetUser', 'ListUsers', 'GetUser (non-root, 10 policies)'],
          { name: 'SQLite', child: sqlite },
          { name: 'PostgreSQL', child: postgres },
        );
      } finally {
        await Promise.all([sqlite.stop(), postgres.stop()]);
      }
    });
  }
  for (const [part, n] of [
    ['workers', 2],
    ['workers4', 4],
  ] as const) {
    if (!PARTS.includes(part)) continue;
    const one = await startIamd({ dataDir: mkdtempSync(join(tmpdir(), 'iamd-bench-')), env: { IAMD_WORKERS: '1' } });
    const many = await startIamd({ dataDir: mkdtempSync(join(tmpdir(), 'iamd-bench-')), env: { IAMD_WORKERS: String(n) } });
    try {
      result[part] = await pairs(
        ['GetCallerIdentity', 'GetUser (non-root, 10 policies)'],
        { name: '--workers 1', child: one },
        { name: `--workers ${n}`, child: many },
      );
    } finally {
      await Promise.all([one.stop(), many.stop()]);
    }
  }
  result.loadAverage = loadavg();
  return result;
}

export function pgTable(rows: PairRow[], a: string, b: string): string {
  return table([
    ['row', `${a} req/s`, `${b} req/s`, `${b} / ${a}`, `${a} p99 ms`, `${b} p99 ms`],
    ...rows.map((r) => [r.row, fmt.int(r.a.requestsPerSecond), fmt.int(r.b.requestsPerSecond), r.ratio.toFixed(2), r.a.p99Ms.toFixed(1), r.b.p99Ms.toFixed(1)]),
  ]);
}

if (isMain(import.meta.url)) {
  const before = loadavg();
  const result = await runPgBench();
  writeResult('pg', { machine: machine(), loadAverageBefore: before, ...result });
  if (result.nodes) process.stdout.write(`\nPostgreSQL node / SQLite node (one process each)\n${pgTable(result.nodes, 'SQLite', 'PostgreSQL')}\n`);
  if (result.workers) process.stdout.write(`\n--workers 2 / --workers 1 (SQLite data folder)\n${pgTable(result.workers, '--workers 1', '--workers 2')}\n`);
  if (result.workers4) process.stdout.write(`\n--workers 4 / --workers 1 (SQLite data folder)\n${pgTable(result.workers4, '--workers 1', '--workers 4')}\n`);
  process.stdout.write(`load average before ${before.map((l) => l.toFixed(2)).join(' ')}, after ${result.loadAverage.map((l) => l.toFixed(2)).join(' ')}\n`);
}
