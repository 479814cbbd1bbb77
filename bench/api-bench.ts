// API throughput and latency: SigV4-signed requests at saturation (autocannon, in this process)
// against iamd (`iamd serve --data-dir :memory:`, a child process), moto's server and a bare Node
// HTTP server, one row at a time, side by side. Run: npm run bench:api  (bench/results/api.json)
//
// BENCH_DURATION (s, default 6), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 16),
// BENCH_ROUNDS (default 2: each row is measured that many times per target, the best kept).
import { createApiFixture, type ApiFixture } from './lib/fixtures.ts';
import { ROUNDS, bestRound, load, type LoadResult, type Workload } from './lib/load.ts';
import { ROOT, startBare, startIamd, startMoto, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';
import { send, signQuery, type Credentials, type SignedRequest } from './lib/signed.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

export interface ApiRow {
  name: string;
  description: string;
  iamd: LoadResult;
  moto: LoadResult;
  bare?: LoadResult;
  iamdOverMoto: number;
  iamdOverBare?: number;
}

interface Target {
  name: 'iamd' | 'moto';
  child: Child;
  fixture: ApiFixture;
}

/** Signs `count` variants of one call, spreading the signing over the event loop. */
async function pool(
  url: string,
  creds: Credentials,
  service: 'iam' | 'sts',
  action: string,
  params: (i: number) => Record<string, string>,
  count: number,
): Promise<SignedRequest[]> {
  const out: SignedRequest[] = [];
  for (let i = 0; i < count; i += 500) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => signQuery(url, creds, service, action, params(i + j))))));
  }
  return out;
}

/** Checks that a precomputed request is answered 200 before loading with it. */
async function expectOk(url: string, req: SignedRequest | undefined, what: string): Promise<void> {
  if (req === undefined) throw new Error(`${what}: no request was signed (the fixture has no users?)`);
  const res = await send(url, req);
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
}

export async function rowWorkload(row: string, t: Target): Promise<Workload> {
  const url = t.child.url;
  const users = t.fixture.users;
  switch (row) {
    case 'GetCallerIdentity': {
      const r = await signQuery(url, ROOT, 'sts', 'GetCallerIdentity');
      await expectOk(url, r, `${t.name} ${row}`);
      return { requests: [r] };
    }
    case 'GetUser': {
      const rs = await pool(url, ROOT, 'iam', 'GetUser', (i) => ({ UserName: users[i]! }), users.length);
      await expectOk(url, rs[0], `${t.name} ${row}`);
      return { requests: rs };
    }
    case 'ListUsers': {
      const r = await signQuery(url, ROOT, 'iam', 'ListUsers');
      const res = await send(url, r);
      const n = (res.text.match(/<member>/g) ?? []).length;
      if (res.status !== 200 || n !== 100) throw new Error(`${t.name} ListUsers: HTTP ${res.status}, ${n} users`);
      return { requests: [r] };
    }
    case 'CreateUser+DeleteUser': {
      // Enough signed pairs that no name comes round again while it may still exist.
      const pairs = t.name === 'iamd' ? Number(process.env.BENCH_CREATE_PAIRS ?? 30_000) : 4_000;
      const name = (k: number) => `cd-${t.name}-${k}`;
      const first = await pool(url, ROOT, 'iam', 'CreateUser', (k) => ({ UserName: name(k) }), pairs);
      const second = await pool(url, ROOT, 'iam', 'DeleteUser', (k) => ({ UserName: name(k) }), pairs);
      return { pairs: { first, second } };
    }
    case 'GetUser (non-root, 10 policies)': {
      const rs = await pool(url, t.fixture.caller, 'iam', 'GetUser', (i) => ({ UserName: users[i]! }), users.length);
      await expectOk(url, rs[0], `${t.name} ${row}`);
      if (t.name === 'iamd') {
        // The policies must really be evaluated: the caller may read users but not create them.
        const denied = await send(url, await signQuery(url, t.fixture.caller, 'iam', 'CreateUser', { UserName: 'not-allowed' }));
        if (denied.status !== 403) throw new Error(`iamd let the bench caller CreateUser (HTTP ${denied.status})`);
      }
      return { requests: rs };
    }
  }
  throw new Error(`unknown row ${row}`);
}

const ROWS: [string, string][] = [
  ['GetCallerIdentity', 'sts:GetCallerIdentity by the root user'],
  ['GetUser', 'iam:GetUser by root, cycling over 99 users'],
  ['ListUsers', 'iam:ListUsers by root, one page of 100 users'],
  ['CreateUser+DeleteUser', 'root creates a user then deletes it (each request counted)'],
  ['GetUser (non-root, 10 policies)', 'iam:GetUser by an IAM user whose 10 attached managed policies are evaluated'],
];

export async function runApiBench(): Promise<{ rows: ApiRow[] }> {
  const children: Child[] = [];
  try {
    // BENCH_AUDIT=off measures iamd without its audit trail (bench/audit-bench.ts compares both in one run).
    const [iamd, moto, bare] = await Promise.all([
      startIamd(process.env.BENCH_AUDIT ? { env: { IAMD_AUDIT: process.env.BENCH_AUDIT } } : {}),
      startMoto(),
      startBare(),
    ]);
    children.push(iamd, moto, bare);
    const targets: Target[] = [
      { name: 'iamd', child: iamd, fixture: await createApiFixture(iamd.url, ROOT) },
      { name: 'moto', child: moto, fixture: await createApiFixture(moto.url, ROOT) },
    ];
    const opts = { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP };
    const rows: ApiRow[] = [];
    for (const [name, description] of ROWS) {
      const workloads = new Map<string, Workload>();
      for (const t of targets) workloads.set(t.name, await rowWorkload(name, t));
      const bareWorkload: Workload | undefined =
        name === 'GetCallerIdentity' ? { requests: [await signQuery(bare.url, ROOT, 'sts', 'GetCallerIdentity')] } : undefined;
      const rounds: Record<Target['name'] | 'bare', LoadResult[]> = { iamd: [], moto: [], bare: [] };
      // Rounds interleave the targets, so that other work on the machine hits them alike.
      for (let round = 1; round <= ROUNDS; round++) {
        for (const t of targets) {
          process.stderr.write(`  ${name} → ${t.name} (round ${round}/${ROUNDS}) … `);
          const r = await load({ url: t.child.url, workload: workloads.get(t.name)!, ...opts, connectionPerRequest: t.name === 'moto' });
          rounds[t.name].push(r);
          process.stderr.write(`${fmt.int(r.requestsPerSecond)} req/s\n`);
        }
        if (bareWorkload) {
          process.stderr.write(`  ${name} → bare node:http (round ${round}/${ROUNDS}) … `);
          const r = await load({ url: bare.url, workload: bareWorkload, ...opts });
          rounds.bare.push(r);
          process.stderr.write(`${fmt.int(r.requestsPerSecond)} req/s\n`);
        }
      }
      const iamdBest = bestRound(rounds.iamd);
      const motoBest = bestRound(rounds.moto);
      const row: ApiRow = { name, description, iamd: iamdBest, moto: motoBest, iamdOverMoto: iamdBest.requestsPerSecond / motoBest.requestsPerSecond };
      if (bareWorkload) {
        row.bare = bestRound(rounds.bare);
        row.iamdOverBare = row.iamd.requestsPerSecond / row.bare.requestsPerSecond;
      }
      rows.push(row);
    }
    return { rows };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

export function apiTable(rows: ApiRow[]): string {
  const flag = (r: LoadResult) => (r.non2xx + r.errors > 0 ? ` (${r.non2xx + r.errors} failed)` : '');
  return table([
    ['API row', 'iamd req/s', 'p50 ms', 'p99 ms', 'moto req/s', 'p50 ms', 'p99 ms', 'iamd/moto', 'iamd/bare'],
    ...rows.map((r) => [
      r.name,
      fmt.int(r.iamd.requestsPerSecond) + flag(r.iamd),
      fmt.ms(r.iamd.p50Ms),
      fmt.ms(r.iamd.p99Ms),
      fmt.int(r.moto.requestsPerSecond) + flag(r.moto),
      fmt.ms(r.moto.p50Ms),
      fmt.ms(r.moto.p99Ms),
      fmt.ratio(r.iamdOverMoto),
      r.iamdOverBare === undefined ? '' : `${fmt.ratio(r.iamdOverBare)} (bare ${fmt.int(r.bare!.requestsPerSecond)} req/s, p99 ${fmt.ms(r.bare!.p99Ms)} ms)`,
    ]),
  ]);
}

if (isMain(import.meta.url)) {
  const { rows } = await runApiBench();
  writeResult('api', {
    machine: machine(),
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS, rounds: ROUNDS },
    targets: { iamdOverMoto: 30, iamdOverBare: 0.5 },
    rows,
    date: new Date().toISOString(),
  });
  if (!process.env.BENCH_QUIET) console.log(apiTable(rows));
}
