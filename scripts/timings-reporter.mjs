// A node:test reporter that adds up each test file's top-level tests and, at the end, lists the
// slowest files and records every file's seconds in node_modules/.cache/test-timings.json
// (scripts/test-order.json, which orders the runs, is a copy of it taken after a full run).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export default async function* timings(source) {
  const seconds = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0 || !event.data.file) continue;
    const file = relative(process.cwd(), event.data.file);
    seconds.set(file, (seconds.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0) / 1000);
  }
  const sorted = [...seconds].sort((a, b) => b[1] - a[1]);
  // Merged into what earlier runs measured: a run of a few files updates only theirs.
  const FILE = 'node_modules/.cache/test-timings.json';
  const known = existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : {};
  for (const [f, s] of sorted) known[f] = Number(s.toFixed(1));
  mkdirSync('node_modules/.cache', { recursive: true });
  writeFileSync(FILE, `${JSON.stringify(Object.fromEntries(Object.entries(known).sort((a, b) => b[1] - a[1])), null, 1)}\n`);
  const total = sorted.reduce((sum, [, s]) => sum + s, 0);
  yield `\nslowest test files (of ${sorted.length}, ${total.toFixed(0)} s in all):\n`;
  for (const [file, s] of sorted.slice(0, 25)) yield `${s.toFixed(1).padStart(7)} s  ${file}\n`;
}
