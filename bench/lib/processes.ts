// Child processes for the benchmarks: iamd (the real CLI), moto's server and a bare Node HTTP
// server. Every child is registered and killed when the benchmark exits, however it exits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = { accessKeyId: 'AKIABENCHROOTKEY0001', secretAccessKey: 'benchRootSecretKey/0000000000000000000000' };
export const ACCOUNT_ID = '123456789012';

const ROOT_DIR = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/iamd.js', import.meta.url));

let built = false;
function ensureBuilt(): void {
  if (built) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));

const children = new Set<ChildProcess>();

function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

export interface Child {
  process: ChildProcess;
  url: string;
  pid: number;
  /** Milliseconds from spawn until the server answered its first request. */
  startMs: number;
  output(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv, port: number, probePath: string, timeoutMs: number): Promise<Child> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = t0 + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${cmd} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}):\n${out}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${cmd} did not answer on ${url} within ${timeoutMs} ms:\n${out}`);
    }
    const ok = await fetch(url + probePath, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.arrayBuffer().then(() => true),
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const startMs = performance.now() - t0;
  return {
    process: child,
    url,
    pid: child.pid!,
    startMs,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          children.delete(child);
          return resolve();
        }
        // A CPU profile of a long run takes a while to write at exit (bench/profile.ts prof).
        const timer = setTimeout(() => child.kill('SIGKILL'), Number(process.env.BENCH_STOP_MS ?? 5000));
        child.once('exit', () => {
          clearTimeout(timer);
          children.delete(child);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * iamd through its CLI as `npm start` runs it: the build in dist/ (bin/iamd.js), rebuilt once
 * per benchmark run so that it is current — a benchmark of the tsx-transpiled sources would
 * measure tsx too.
 */
export async function startIamd(
  opts: { dataDir?: string; env?: NodeJS.ProcessEnv; logLevel?: string; build?: string; nodeArgs?: string[] } = {},
): Promise<Child> {
  // `build`: another folder holding a compiled cli.js (bench/profile.ts compares builds); BENCH_BUILD
  // sets it for a whole benchmark (a build kept aside, relative to the repository: distB).
  opts = { ...opts, build: opts.build ?? process.env.BENCH_BUILD };
  if (opts.build === undefined) ensureBuilt();
  const entry = opts.build === undefined ? BIN : fileURLToPath(new URL(`../../${opts.build}/cli.js`, import.meta.url));
  const port = await freePort();
  return launch(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      entry,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data-dir',
      // BENCH_DATA_DIR=tmp: a data folder of its own per process (the default deployment) instead of :memory:.
      opts.dataDir ?? (process.env.BENCH_DATA_DIR === 'tmp' ? mkdtempSync(join(tmpdir(), 'iamd-bench-')) : ':memory:'),
      '--log-level',
      opts.logLevel ?? 'warn',
    ],
    { IAMD_ACCOUNT_ID: ACCOUNT_ID, IAMD_ROOT_ACCESS_KEY_ID: ROOT.accessKeyId, IAMD_ROOT_SECRET_ACCESS_KEY: ROOT.secretAccessKey, ...opts.env },
    port,
    '/healthz',
    60_000,
  );
}

/** moto's standalone server (`python3 -m moto.server`); it accepts any credentials. */
export async function startMoto(): Promise<Child> {
  const port = await freePort();
  return launch('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { PYTHONUNBUFFERED: '1' }, port, '/moto-api/', 60_000);
}

/** A Node `http` server that answers every request with one fixed XML body: the ceiling. */
export async function startBare(): Promise<Child> {
  const port = await freePort();
  return launch(process.execPath, ['--import', 'tsx', BARE, String(port)], {}, port, '/', 30_000);
}

/**
 * The orders example (examples/orders/server.ts) in gateway mode: it serves the requests a gateway
 * on 127.0.0.1 lets through, taking who signed from its X-Iamd-* headers, and asks iamd nothing.
 * Run by tsx, as its README runs it.
 */
export async function startOrdersBehindGateway(): Promise<Child> {
  const port = await freePort();
  const server = fileURLToPath(new URL('../../examples/orders/server.ts', import.meta.url));
  return launch(
    process.execPath,
    ['--import', 'tsx', server],
    { ORDERS_MODE: 'gateway', ORDERS_PORT: String(port), NODE_ENV: 'production' },
    port,
    '/',
    60_000,
  );
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Peak resident set size of a process, in bytes (Linux /proc). */
export function peakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
