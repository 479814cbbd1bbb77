import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { load } from './lib/load.ts';
import { signQuery } from './lib/signed.ts';
import { ROOT } from './lib/processes.ts';
function cpu(pid: number) { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; }
function selfCpu() { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }
for (const script of process.argv.slice(2)) {
  const args = script.endsWith('cli.js') ? [script, 'serve', '--port', '8999', '--host', '127.0.0.1', '--data-dir', ':memory:', '--log-level', 'warn'] : ['--import', 'tsx', script, '8999'];
  const child = spawn(process.execPath, args, { stdio: 'ignore', env: { ...process.env, IAMD_ACCOUNT_ID: '123456789012', IAMD_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, IAMD_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey } });
  await new Promise((r) => setTimeout(r, 1500));
  const url = 'http://127.0.0.1:8999';
  const w = { requests: [await signQuery(url, ROOT, 'sts', 'GetCallerIdentity')] };
  await load({ url, workload: w, durationS: 1, warmupS: 0 });
  const c0 = cpu(child.pid!), s0 = selfCpu();
  const r = await load({ url, workload: w, durationS: 5, warmupS: 0 });
  const c1 = cpu(child.pid!), s1 = selfCpu();
  console.log(script, Math.round(r.requestsPerSecond), 'req/s; server cpu µs/req', ((c1 - c0) * 1000 / r.total).toFixed(1), 'client cpu µs/req', ((s1 - s0) * 1000 / r.total).toFixed(1), 'server util', ((c1 - c0) / 5000).toFixed(2), 'client util', ((s1-s0)/5000).toFixed(2));
  await new Promise<void>((res) => { child.once('exit', () => res()); child.kill('SIGTERM'); });
}
