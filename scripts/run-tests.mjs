// Runs every *.test.ts under src/, test/ and packages/ with Node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [substring-filter ...]
// Files run three at a time, the longest first (by scripts/test-order.json, seconds measured by the
// timings reporter): a long file started last would leave one core idle while it runs on alone.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    // test/long holds the long runs (npm run test:long); npm test leaves them out.
    if (name === 'long' && !includeLong) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const includeLong = process.argv.includes('--long');
const filters = process.argv.slice(2).filter((a) => a !== '--long');
const files = ['src', 'test', 'packages']
  .flatMap((d) => walk(d))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
// A file not measured yet counts as a typical one.
const ORDER = new URL('./test-order.json', import.meta.url);
const measured = existsSync(ORDER) ? JSON.parse(readFileSync(ORDER, 'utf8')) : {};
const TYPICAL_SECONDS = 5;
files.sort((a, b) => (measured[b] ?? TYPICAL_SECONDS) - (measured[a] ?? TYPICAL_SECONDS));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Three files at a time on two cores: most files wait on child processes, browsers and timers for
// much of their run (a full run kept ~1.3 of 2 cores busy at two at a time). IAMD_TEST_CONCURRENCY overrides.
const CONCURRENCY = Number(process.env.IAMD_TEST_CONCURRENCY ?? 3);
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/timings-reporter.mjs',
  '--test-reporter-destination=stdout',
];
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${CONCURRENCY}`, ...reporters, ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
