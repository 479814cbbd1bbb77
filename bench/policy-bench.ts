// Policy-engine benchmark: decides the 100,000 requests of shared/bench/policy-workload.json, checks every
// decision against the expected one, and reports decisions/s and per-decision p50/p99 latency.
// Run: npm run bench:policy   (writes bench/results/policy.json)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { compilePolicy, evaluate, parsePolicy, type CompiledPolicy, type EvaluationInput, type PolicySource } from '../src/policy/index.ts';

interface Workload {
  principal: EvaluationInput['principal'];
  identityPolicies: { name: string; document: unknown }[];
  permissionsBoundary: { name: string; document: unknown } | null;
  sessionPolicy: { name: string; document: unknown } | null;
  resourcePolicy: { name: string; document: unknown } | null;
  actions: string[];
  resources: { arn: string; account: string }[];
  contexts: Record<string, string | string[]>[];
  requests: [number, number, number][];
  expected: string;
  expectedLegend: Record<string, string>;
}

const workload = JSON.parse(readFileSync(new URL('../../shared/bench/policy-workload.json', import.meta.url), 'utf8')) as Workload;

function load(p: { name: string; document: unknown }, type: PolicySource['type']): CompiledPolicy {
  const parsed = parsePolicy(JSON.stringify(p.document), type === 'resource' ? 'resource' : 'identity');
  if (parsed.document === undefined) throw new Error(`policy ${p.name} does not validate: ${JSON.stringify(parsed.findings)}`);
  return compilePolicy(parsed.document, { type, name: p.name });
}

const compileStart = process.hrtime.bigint();
const identityPolicies = workload.identityPolicies.map((p) => load(p, 'identity'));
const permissionsBoundary = workload.permissionsBoundary && load(workload.permissionsBoundary, 'boundary');
const sessionPolicies = workload.sessionPolicy ? [load(workload.sessionPolicy, 'session')] : null;
const resourcePolicy = workload.resourcePolicy && load(workload.resourcePolicy, 'resource');
const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;

// Inputs are built up front so that the timing measures decisions, not request assembly.
// The workload's requests are indices into its lists: one out of range is a broken workload file.
function entry<T>(list: T[], index: number, what: string, request: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`policy-workload.json: request ${request} names ${what} ${index}, but there are ${list.length}`);
  return item;
}
const inputs: EvaluationInput[] = workload.requests.map(([a, r, c], i) => {
  const resource = entry(workload.resources, r, 'resource', i);
  return {
    principal: workload.principal,
    identityPolicies,
    permissionsBoundary,
    sessionPolicies,
    resourcePolicy,
    request: {
      action: entry(workload.actions, a, 'action', i),
      resource: resource.arn,
      resourceAccount: resource.account,
      context: entry(workload.contexts, c, 'context', i),
    },
    explain: false,
  };
});
const n = inputs.length;
const expected = [...workload.expected].map((ch) => workload.expectedLegend[ch]);

function runAll(): number {
  let mismatches = 0;
  for (let i = 0; i < n; i++) if (evaluate(inputs[i]!).decision !== expected[i]) mismatches++;
  return mismatches;
}

// Warm-up: let the JIT settle and the per-policy action memos fill.
for (let round = 0; round < 5; round++) runAll();

// Correctness: every decision, fast path and explained path.
const mismatches = runAll();
let explainedMismatches = 0;
for (let i = 0; i < n; i++) if (evaluate({ ...inputs[i]!, explain: true }).decision !== expected[i]) explainedMismatches++;

// Throughput: whole passes over the workload.
const passes = 10;
const t0 = process.hrtime.bigint();
for (let round = 0; round < passes; round++) runAll();
const elapsedNs = Number(process.hrtime.bigint() - t0);
const decisionsPerSecond = (passes * n) / (elapsedNs / 1e9);

// Latency: each decision timed on its own (the timer's own cost, measured below, is subtracted).
const samples = new Float64Array(n * 3);
let k = 0;
let overhead = Infinity;
for (let i = 0; i < 10_000; i++) {
  const a = process.hrtime.bigint();
  const b = process.hrtime.bigint();
  overhead = Math.min(overhead, Number(b - a));
}
for (let round = 0; round < 3; round++) {
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    evaluate(inputs[i]!);
    const b = process.hrtime.bigint();
    samples[k++] = Math.max(0, Number(b - a) - overhead);
  }
}
samples.sort();
const pct = (p: number): number => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]! / 1000;

const results = {
  workload: 'shared/bench/policy-workload.json',
  node: process.version,
  requests: n,
  compileMs: Number(compileMs.toFixed(3)),
  mismatches,
  explainedMismatches,
  decisionsPerSecond: Math.round(decisionsPerSecond),
  latencyMicros: { p50: Number(pct(0.5).toFixed(3)), p90: Number(pct(0.9).toFixed(3)), p99: Number(pct(0.99).toFixed(3)), max: Number(pct(1).toFixed(3)) },
  timerOverheadNs: overhead,
  targets: { decisionsPerSecond: 500_000, p50Micros: 2, p99Micros: 20 },
  date: new Date().toISOString(),
};

console.log(`compiled ${identityPolicies.length + (permissionsBoundary ? 1 : 0)} policies in ${results.compileMs} ms`);
console.log(`decisions checked: ${n} (mismatches: ${mismatches}, explained-path mismatches: ${explainedMismatches})`);
console.log(`throughput: ${results.decisionsPerSecond.toLocaleString('en-US')} decisions/s`);
console.log(
  `latency per decision: p50 ${results.latencyMicros.p50} µs, p90 ${results.latencyMicros.p90} µs, p99 ${results.latencyMicros.p99} µs (timer overhead ${overhead} ns subtracted)`,
);

const out = new URL('./results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('policy.json', out), JSON.stringify(results, null, 2) + '\n');
if (mismatches > 0 || explainedMismatches > 0) process.exit(1);
