// Developer tool, not a benchmark of record: load one API row against one or more builds of iamd
// and either compare them (A/B, rounds interleaved) or CPU-profile one and list where time goes.
//
//   node --import tsx bench/profile.ts ab 'GetUser' dist distB      # req/s per build, interleaved
//   node --import tsx bench/profile.ts ab 'GetUser' dist dist:--max-semi-space-size=32  # node options
//   node --import tsx bench/profile.ts prof 'GetUser' [dist]         # top self-time functions
//   node --import tsx bench/profile.ts prof 'Authorize' [dist]       # also 'BatchAuthorize (30)' (bench/authorize-bench.ts)
//   node --import tsx bench/profile.ts rows 'GetCallerIdentity,Authorize,BatchAuthorize (30)' distB dist
//       # several rows against several builds, every (row, build) pair in each round: on a busy
//       # machine, the ratios between rows of one build and between builds stay comparable
//
// A "build" is a folder holding a compiled cli.js (cp -r dist distB after `npm run build`).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rowWorkload } from './api-bench.ts';
import { authorizeWorkloads, createAuthorizeFixture } from './authorize-bench.ts';
import { createApiFixture } from './lib/fixtures.ts';
import { load, type Workload } from './lib/load.ts';
import { ROOT, startIamd } from './lib/processes.ts';

const [mode, rowArg, ...builds] = process.argv.slice(2);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** The API row to load (the second argument): without it there is nothing to measure. */
function rowName(): string {
  if (rowArg === undefined) throw new Error(`usage: node --import tsx bench/profile.ts ${mode} ROW ${mode === 'ab' ? 'BUILD…' : '[BUILD]'}`);
  return rowArg;
}

/** iamd from a build folder, with the API fixture, and the CPU time its process has used. */
async function startBuild(build: string, nodeArgs: string[] = []) {
  const child = await startIamd({ build, nodeArgs });
  const fixture = await createApiFixture(child.url, ROOT);
  const cpuMs = () => {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1];
    if (stat === undefined) throw new Error(`/proc/${child.pid}/stat: no ') ' after the command name`);
    const f = stat.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in clock ticks of 10 ms
  };
  return { url: child.url, fixture, stop: () => child.stop(), cpuMs, child };
}

/** A row of bench/api-bench.ts, or of bench/authorize-bench.ts (its own fixture, a smaller pool). */
async function workloadOf(row: string, server: Awaited<ReturnType<typeof startBuild>>): Promise<Workload> {
  if (row !== 'Authorize' && row !== 'BatchAuthorize (30)') return rowWorkload(row, { name: 'iamd', child: server.child, fixture: server.fixture });
  // One fixture per server, whichever of its rows asks first.
  let workloads = authorizeFixtures.get(server);
  if (workloads === undefined) {
    workloads = createAuthorizeFixture(server.url).then((f) => authorizeWorkloads(server.url, f, 4000));
    authorizeFixtures.set(server, workloads);
  }
  return (await workloads)[row];
}
const authorizeFixtures = new WeakMap<object, ReturnType<typeof authorizeWorkloads>>();

if (mode === 'ab') {
  const row = rowName();
  // A build may carry node options after a colon: dist:--max-semi-space-size=32
  const servers = await Promise.all(builds.map((b) => startBuild(b.split(':')[0]!, b.split(':').slice(1))));
  const workloads = await Promise.all(servers.map((s) => workloadOf(row, s)));
  const results: number[][] = builds.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < builds.length; i++) {
      // servers, workloads and results have one entry per build.
      const server = servers[i]!;
      const workload = workloads[i]!;
      await load({ url: server.url, workload, durationS: 1, warmupS: 0 });
      const s0 = server.cpuMs();
      const c0 = process.cpuUsage();
      const r = await load({ url: server.url, workload, durationS: DURATION, warmupS: 0 });
      const c1 = process.cpuUsage(c0);
      const serverUs = ((server.cpuMs() - s0) * 1000) / r.total;
      const clientUs = (c1.user + c1.system) / r.total;
      results[i]!.push(Math.round(r.requestsPerSecond));
      process.stderr.write(
        `${builds[i]}: ${Math.round(r.requestsPerSecond)} req/s, p99 ${r.p99Ms} ms, CPU per request: server ${serverUs.toFixed(1)} µs, load generator ${clientUs.toFixed(1)} µs${r.non2xx + r.errors ? ` (${r.non2xx + r.errors} failed)` : ''}\n`,
      );
    }
  }
  for (const [i, build] of builds.entries()) console.log(`${build}\t${row}\tbest ${Math.max(...results[i]!)}\tall ${results[i]!.join(' ')}`);
  await Promise.all(servers.map((s) => s.stop()));
} else if (mode === 'rows') {
  const rows = rowName().split(',');
  const servers = await Promise.all(builds.map((b) => startBuild(b.split(':')[0]!, b.split(':').slice(1))));
  // The Authorize rows need their own fixture; GetCallerIdentity and the other API rows use the API fixture.
  const workloads = await Promise.all(servers.map(async (s) => Promise.all(rows.map((row) => workloadOf(row, s)))));
  const cpu: number[][][] = builds.map(() => rows.map(() => []));
  const rps: number[][][] = builds.map(() => rows.map(() => []));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [r, row] of rows.entries()) {
      for (const [i, server] of servers.entries()) {
        const workload = workloads[i]![r]!;
        await load({ url: server.url, workload, durationS: 1, warmupS: 0 });
        const s0 = server.cpuMs();
        const result = await load({ url: server.url, workload, durationS: DURATION, warmupS: 0 });
        const us = ((server.cpuMs() - s0) * 1000) / result.total;
        cpu[i]![r]!.push(us);
        rps[i]![r]!.push(result.requestsPerSecond);
        process.stderr.write(
          `round ${round + 1} ${row} ${builds[i]}: ${Math.round(result.requestsPerSecond)} req/s, server ${us.toFixed(1)} µs${result.non2xx + result.errors ? ` (${result.non2xx + result.errors} failed)` : ''}\n`,
        );
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // The least disturbed round of each pair (lowest CPU per request), beside the median.
  const least = (xs: number[]) => Math.min(...xs);
  for (const [i, build] of builds.entries()) {
    for (const [r, row] of rows.entries()) {
      const [c, c0] = [cpu[i]![r]!, cpu[i]![0]!];
      const ratio =
        r === 0
          ? ''
          : `\tCPU ×${(median(c) / median(c0)).toFixed(2)} of ${rows[0]} (least: ×${(least(c) / least(c0)).toFixed(2)}), req/s ×${(median(rps[i]![r]!) / median(rps[i]![0]!)).toFixed(2)}`;
      console.log(
        `${build}\t${row}\tserver CPU median ${median(c).toFixed(1)} µs, least ${least(c).toFixed(1)} (${c.map((x) => x.toFixed(0)).join(' ')})\treq/s median ${Math.round(median(rps[i]![r]!))}, best ${Math.round(Math.max(...rps[i]![r]!))}${ratio}`,
      );
    }
  }
  await Promise.all(servers.map((s) => s.stop()));
} else if (mode === 'prof') {
  const row = rowName();
  const dir = mkdtempSync(join(tmpdir(), 'iamd-prof-'));
  const server = await startBuild(builds[0] ?? 'dist', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const workload = await workloadOf(row, server);
  const r = await load({ url: server.url, workload, durationS: DURATION, warmupS: 1 });
  process.stderr.write(`${Math.round(r.requestsPerSecond)} req/s\n`);
  await server.stop();
  const written = readdirSync(dir)[0];
  if (written === undefined) throw new Error(`iamd wrote no CPU profile in ${dir}`);
  const file = join(dir, written);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount: number }[];
  };
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const where = n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|dist)\//, '$1/').replace(/^node:/, '');
    const key = `${n.callFrame.functionName || '(anon)'} ${where}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n.hitCount);
    total += n.hitCount;
  }
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.PROFILE_TOP ?? 45));
  for (const [k, v] of top) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log(`profile: ${file}`);
}
