// Developer tool: CPU per request of each thread of one iamd process under one API row's load —
// the request thread, the audit trail's appender thread, V8's GC helpers — read from
// /proc/PID/task. On a machine whose cores the load generator shares, throughput follows the sum.
//   IAMD_AUDIT=on BENCH_DATA_DIR=tmp node --import tsx bench/thread-cpu.ts 'GetUser'   (B=distB: another build)
import { readdirSync, readFileSync } from 'node:fs';
import { rowWorkload } from './api-bench.ts';
import { createApiFixture } from './lib/fixtures.ts';
import { load } from './lib/load.ts';
import { ROOT, startIamd } from './lib/processes.ts';
const row = process.argv[2] ?? 'GetUser';
const child = await startIamd({ build: process.env.B ?? 'dist' });
const fixture = await createApiFixture(child.url, ROOT);
const workload = await rowWorkload(row, { name: 'iamd', child, fixture });
const threads = () => {
  const m = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
    const s = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
    const name = s.slice(s.indexOf('(') + 1, s.indexOf(')'));
    const f = s.split(') ')[1]!.split(' ');
    m.set(`${tid} ${name}`, (Number(f[11]) + Number(f[12])) * 10);
  }
  return m;
};
await load({ url: child.url, workload, durationS: 2, warmupS: 0 });
const t0 = threads();
const r = await load({ url: child.url, workload, durationS: 5, warmupS: 0 });
const t1 = threads();
console.log(`audit ${process.env.IAMD_AUDIT ?? 'on'}, ${row}: ${Math.round(r.requestsPerSecond)} req/s`);
for (const [k, v] of t1) {
  const d = v - (t0.get(k) ?? 0);
  if (d > 20) console.log(`  ${k}: ${((d * 1000) / r.total).toFixed(1)} µs/req`);
}
await child.stop();
