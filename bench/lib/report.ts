// Printing tables and writing bench/results/NAME.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export const RESULTS_DIR = new URL('../results/', import.meta.url);

/** A plain-text table: the first row is the header. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const [header, ...body] = cells;
  if (header === undefined) throw new Error('table: no header row');
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  // A cell past the header's columns is not padded (padEnd(0)).
  const line = (r: string[]) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ') + ' |';
  return [line(header), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|', ...body.map(line)].join(
    '\n',
  );
}

/** The commit measured: BENCH_GIT_COMMIT, else `git describe` of the checkout (with -dirty). */
function commit(): string {
  if (process.env.BENCH_GIT_COMMIT) return process.env.BENCH_GIT_COMMIT;
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], {
      cwd: new URL('../..', import.meta.url),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

export function machine() {
  return {
    commit: commit(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    totalMemMiB: Math.round(os.totalmem() / 2 ** 20),
  };
}

export function writeResult(name: string, result: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(new URL(`${name}.json`, RESULTS_DIR), JSON.stringify(result, null, 2) + '\n');
}

export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'),
  // autocannon reports whole milliseconds: 0 means under 1 ms.
  ms: (n: number) => (Number.isFinite(n) ? (n === 0 ? '<1' : n < 10 ? n.toFixed(2) : n.toFixed(1)) : '–'),
  ratio: (n: number) => (Number.isFinite(n) ? (n >= 10 ? n.toFixed(0) : n.toFixed(2)) + '×' : '–'),
  mib: (bytes: number) => (bytes / 2 ** 20).toFixed(1) + ' MiB',
};

/** True when run directly (`node --import tsx bench/x.ts`), not imported. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && new URL(url).pathname === new URL(`file://${process.argv[1]}`).pathname;
}
