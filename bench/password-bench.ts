// Password hashing: argon2id verifications per second on one core (one verification at a time,
// so one libuv thread works), with iamd's parameters (src/crypto/passwords.ts).
// Run: node --import tsx bench/password-bench.ts  (bench/results/password.json; part of npm run bench)
import { hashPassword, verifyPassword } from '../src/crypto/passwords.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';

const SECONDS = Number(process.env.BENCH_PASSWORD_SECONDS ?? 3);

export interface PasswordResult {
  verificationsPerSecond: number;
  verifyP50Ms: number;
  verifyP99Ms: number;
  hashMs: number;
  count: number;
}

export async function runPasswordBench(): Promise<PasswordResult> {
  const password = 'correct horse battery staple 42!';
  const t0 = performance.now();
  const hash = await hashPassword(password);
  const hashMs = performance.now() - t0;
  // Warm-up, and a wrong password must fail.
  if (!(await verifyPassword(hash, password)) || (await verifyPassword(hash, password + 'x'))) throw new Error('verifyPassword is broken');
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000 && times.length < 10_000) {
    const a = performance.now();
    if (!(await verifyPassword(hash, password))) throw new Error('verification failed');
    times.push(performance.now() - a);
  }
  const elapsed = (performance.now() - start) / 1000;
  times.sort((x, y) => x - y);
  if (times.length === 0) throw new Error(`no verification finished in ${SECONDS} s (BENCH_PASSWORD_SECONDS)`);
  return {
    verificationsPerSecond: times.length / elapsed,
    verifyP50Ms: times[Math.floor(times.length * 0.5)]!,
    verifyP99Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!,
    hashMs,
    count: times.length,
  };
}

export function passwordTable(r: PasswordResult): string {
  return table([
    ['Password hashing (argon2id, 19 MiB, t=2, p=1)', 'per second', 'p50 ms', 'p99 ms'],
    [`verifyPassword, one core (${r.count} verifications)`, fmt.int(r.verificationsPerSecond), fmt.ms(r.verifyP50Ms), fmt.ms(r.verifyP99Ms)],
  ]);
}

if (isMain(import.meta.url)) {
  const r = await runPasswordBench();
  writeResult('password', { machine: machine(), ...r, date: new Date().toISOString() });
  if (!process.env.BENCH_QUIET) console.log(passwordTable(r));
}
