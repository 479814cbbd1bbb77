// The audit trail's cost, A/B in one run: two iamd processes (each on a data folder), one with the
// trail on at its default level (IAMD_AUDIT=on) and one without it (IAMD_AUDIT=off), the API
// bench's rows measured on both, rounds interleaved so that other work on the machine hits both
// alike. Targets (issue #16): write rows ≥ 0.85× of their throughput without the trail, reads ≥ 0.95×.
// Run: node --import tsx bench/audit-bench.ts  (bench/results/audit.json)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowWorkload } from './api-bench.ts';
import { createApiFixture } from './lib/fixtures.ts';
import { ROUNDS, bestRound, load, type LoadResult, type Workload } from './lib/load.ts';
import { ROOT, startIamd, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const ROWS: { name: string; kind: 'read' | 'write'; target: number }[] = [
  { name: 'GetCallerIdentity', kind: 'read', target: 0.95 },
  { name: 'GetUser', kind: 'read', target: 0.95 },
  { name: 'ListUsers', kind: 'read', target: 0.95 },
  { name: 'GetUser (non-root, 10 policies)', kind: 'read', target: 0.95 },
  { name: 'CreateUser+DeleteUser', kind: 'write', target: 0.85 },
];

export interface AuditRow {
  name: string;
  kind: 'read' | 'write';
  on: LoadResult;
  off: LoadResult;
  ratio: number;
  target: number;
}

export async function runAuditBench(): Promise<AuditRow[]> {
  const children: Child[] = [];
  const folders: string[] = [];
  // Each in a data folder of its own, as iamd runs by default (the trail's appender thread works
  // on a data folder; BENCH_DATA_DIR=memory measures `--data-dir :memory:`, appending in-thread).
  const dataDir = () => {
    if (process.env.BENCH_DATA_DIR === 'memory') return ':memory:';
    const folder = mkdtempSync(join(tmpdir(), 'iamd-audit-bench-'));
    folders.push(folder);
    return folder;
  };
  try {
    const [on, off] = await Promise.all([
      startIamd({ dataDir: dataDir(), env: { IAMD_AUDIT: 'on' } }),
      startIamd({ dataDir: dataDir(), env: { IAMD_AUDIT: 'off' } }),
    ]);
    children.push(on, off);
    const targets = [
      { arm: 'on' as const, child: on, fixture: await createApiFixture(on.url, ROOT) },
      { arm: 'off' as const, child: off, fixture: await createApiFixture(off.url, ROOT) },
    ];
    const rows: AuditRow[] = [];
    for (const row of ROWS) {
      const workloads = new Map<string, Workload>();
      for (const t of targets) workloads.set(t.arm, await rowWorkload(row.name, { name: 'iamd', child: t.child, fixture: t.fixture }));
      const rounds: Record<'on' | 'off', LoadResult[]> = { on: [], off: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternate which arm goes first, so neither always follows the other's write backlog.
        const order = round % 2 === 1 ? targets : [...targets].reverse();
        for (const t of order) {
          process.stderr.write(`  ${row.name} → audit ${t.arm} (round ${round}/${ROUNDS}) … `);
          const r = await load({ url: t.child.url, workload: workloads.get(t.arm)!, connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP });
          rounds[t.arm].push(r);
          process.stderr.write(`${fmt.int(r.requestsPerSecond)} req/s\n`);
        }
      }
      const bestOn = bestRound(rounds.on);
      const bestOff = bestRound(rounds.off);
      rows.push({ name: row.name, kind: row.kind, on: bestOn, off: bestOff, ratio: bestOn.requestsPerSecond / bestOff.requestsPerSecond, target: row.target });
    }
    return rows;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  }
}

export function auditTable(rows: AuditRow[]): string {
  return table([
    ['row', 'kind', 'audit on req/s', 'p99 ms', 'audit off req/s', 'p99 ms', 'on/off', 'target', 'met'],
    ...rows.map((r) => [
      r.name,
      r.kind,
      fmt.int(r.on.requestsPerSecond),
      fmt.ms(r.on.p99Ms),
      fmt.int(r.off.requestsPerSecond),
      fmt.ms(r.off.p99Ms),
      fmt.ratio(r.ratio),
      `≥ ${r.target}`,
      r.ratio >= r.target ? 'yes' : 'NO',
    ]),
  ]);
}

if (isMain(import.meta.url)) {
  const rows = await runAuditBench();
  writeResult('audit', {
    machine: machine(),
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS, rounds: ROUNDS },
    rows,
    date: new Date().toISOString(),
  });
  if (!process.env.BENCH_QUIET) console.log(auditTable(rows));
}
