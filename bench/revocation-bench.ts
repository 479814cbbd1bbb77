// Revocation propagation: two iamd nodes on one PostgreSQL database (127.0.0.1:5432, a
// throwaway database created and dropped here). A key is created on node A and used on node B
// until B has it cached; then it is deleted on A, and B is asked again and again until it refuses
// the key. The time from A's DeleteAccessKey answer to B's first refusal is one sample.
// Run: npm run bench:revocation  (bench/results/revocation.json)
//
// BENCH_REVOCATIONS (default 50); IAMD_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT, startIamd, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';
import { call, send, signQuery, xmlText, type SignedRequest } from './lib/signed.ts';

const COUNT = Number(process.env.BENCH_REVOCATIONS ?? 50);
const GIVE_UP_MS = 10_000;
const PG_ADMIN_URL = process.env.IAMD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface RevocationResult {
  count: number;
  /** Revocations B had not noticed after GIVE_UP_MS (counted as GIVE_UP_MS in the percentiles). */
  notPropagated: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** How many requests B answered with the deleted key before refusing it, in total. */
  staleAnswers: number;
  samplesMs: number[];
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Repeats `req` on `url` until `done(status, text)` or the deadline; returns the number of tries. */
async function until(
  url: string,
  req: SignedRequest,
  done: (status: number, text: string) => boolean,
  deadline: number,
): Promise<{ ok: boolean; tries: number }> {
  let tries = 0;
  while (performance.now() < deadline) {
    tries++;
    const res = await send(url, req);
    if (done(res.status, res.text)) return { ok: true, tries };
  }
  return { ok: false, tries };
}

export async function runRevocationBench(): Promise<RevocationResult> {
  const dbName = `iamd_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${dbName}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'iamd-bench-pg-'));
  const nodes: Child[] = [];
  try {
    const env = { IAMD_DATABASE_URL: url.toString(), IAMD_MASTER_KEY: randomBytes(32).toString('hex') };
    // Started together: migrations run once, under the migrator's lock.
    const [a, b] = await Promise.all([startIamd({ dataDir, env }), startIamd({ dataDir, env })]);
    nodes.push(a, b);
    await call(a.url, ROOT, 'iam', 'CreateUser', { UserName: 'revoked' });
    const samples: number[] = [];
    let notPropagated = 0;
    let staleAnswers = 0;
    for (let i = 0; i < COUNT; i++) {
      const xml = await call(a.url, ROOT, 'iam', 'CreateAccessKey', { UserName: 'revoked' });
      const key = { accessKeyId: xmlText(xml, 'AccessKeyId')!, secretAccessKey: xmlText(xml, 'SecretAccessKey')! };
      const onB = await signQuery(b.url, key, 'sts', 'GetCallerIdentity');
      // B must know (and cache) the key before the revocation starts.
      const known = await until(b.url, onB, (status) => status === 200, performance.now() + GIVE_UP_MS);
      if (!known.ok) throw new Error(`node B never accepted the key created on A (${key.accessKeyId})`);
      for (let j = 0; j < 3; j++) if ((await send(b.url, onB)).status !== 200) throw new Error('node B stopped accepting a live key');
      await call(a.url, ROOT, 'iam', 'DeleteAccessKey', { UserName: 'revoked', AccessKeyId: key.accessKeyId });
      const t0 = performance.now();
      const refused = await until(b.url, onB, (status, text) => status === 403 && text.includes('InvalidClientTokenId'), t0 + GIVE_UP_MS);
      const ms = performance.now() - t0;
      staleAnswers += refused.tries - 1;
      if (!refused.ok) notPropagated++;
      samples.push(refused.ok ? ms : GIVE_UP_MS);
      // Spread the revocations out a little, as real ones would be.
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
    }
    const sorted = [...samples].sort((x, y) => x - y);
    if (sorted.length === 0) throw new Error(`no revocation measured (BENCH_REVOCATIONS=${COUNT})`);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!; // p > 0: an index in range
    return {
      count: COUNT,
      notPropagated,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      maxMs: sorted[sorted.length - 1]!,
      meanMs: samples.reduce((s, x) => s + x, 0) / samples.length,
      staleAnswers,
      samplesMs: samples.map((x) => Number(x.toFixed(2))),
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(dataDir, { recursive: true, force: true });
    await withAdmin((c) => c.query(`drop database if exists ${dbName} with (force)`));
  }
}

export function revocationTable(r: RevocationResult): string {
  return table([
    ['Revocation propagation (2 nodes, PostgreSQL)', 'p50 ms', 'p99 ms', 'max ms', 'stale answers', 'not propagated'],
    [`DeleteAccessKey on A → B refuses the key (${r.count} keys)`, fmt.ms(r.p50Ms), fmt.ms(r.p99Ms), fmt.ms(r.maxMs), r.staleAnswers, r.notPropagated],
  ]);
}

if (isMain(import.meta.url)) {
  const r = await runRevocationBench();
  writeResult('revocation', { machine: machine(), targets: { p99Ms: 1000, maxMs: 5000 }, ...r, date: new Date().toISOString() });
  if (!process.env.BENCH_QUIET) console.log(revocationTable(r));
}
