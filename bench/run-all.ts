// npm run bench: every benchmark, one after the other, each in its own process (so that one
// part's heap and JIT state do not colour the next), then their tables and one table against the
// targets.
// Writes bench/results/{policy,password,api,authorize,nginx,scale,revocation,federation,audit,pg}.json and bench/results/summary.json.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { apiTable, type ApiRow } from './api-bench.ts';
import { auditTable, type AuditRow } from './audit-bench.ts';
import { pgTable, type PairRow } from './pg-bench.ts';
import { authorizeTables, authorizeTargets, type AuthorizeResult } from './authorize-bench.ts';
import { federationTable, type FederationResult } from './federation-bench.ts';
import { nginxTable, nginxTargets, type NginxResult } from './nginx-bench.ts';
import { passwordTable, type PasswordResult } from './password-bench.ts';
import { RESULTS_DIR, fmt, machine, table, writeResult } from './lib/report.ts';
import { revocationTable, type RevocationResult } from './revocation-bench.ts';
import { scaleTable, type ScaleMeasurement } from './scale-bench.ts';

const ALL_PARTS = [
  ['policy', 'policy-bench.ts'],
  ['password', 'password-bench.ts'],
  ['api', 'api-bench.ts'],
  ['authorize', 'authorize-bench.ts'],
  ['nginx', 'nginx-bench.ts'],
  ['scale', 'scale-bench.ts'],
  ['revocation', 'revocation-bench.ts'],
  ['federation', 'federation-bench.ts'],
  ['audit', 'audit-bench.ts'],
  ['pg', 'pg-bench.ts'],
] as const;
// BENCH_PARTS=api,authorize runs only those parts (their tables and targets; the others are "not measured").
const only = process.env.BENCH_PARTS?.split(',').map((p) => p.trim());
const PARTS = ALL_PARTS.filter(([name]) => only === undefined || only.includes(name));
if (PARTS.length === 0) throw new Error(`BENCH_PARTS=${process.env.BENCH_PARTS}: no such part (${ALL_PARTS.map(([n]) => n).join(', ')})`);

const started = performance.now();
const status: Record<string, { exitCode: number | null; seconds: number }> = {};
for (const [name, file] of PARTS) {
  const result = new URL(`${name}.json`, RESULTS_DIR);
  rmSync(result, { force: true });
  process.stderr.write(`\n== ${name} ==\n`);
  const t0 = performance.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
    env: { ...process.env, BENCH_QUIET: '1' },
  });
  status[name] = { exitCode: run.status, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)) };
  if (run.status !== 0) process.stderr.write(`!! ${name} failed (exit ${run.status ?? run.signal})\n`);
}

const read = <T>(name: string): T | undefined => {
  if (!PARTS.some(([part]) => part === name)) return undefined; // not run now: an older result would mislead
  const f = new URL(`${name}.json`, RESULTS_DIR);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as T) : undefined;
};
const policy = read<{
  decisionsPerSecond: number;
  latencyMicros: { p50: number; p99: number };
  mismatches: number;
  explainedMismatches: number;
  requests: number;
}>('policy');
const password = read<PasswordResult>('password');
const api = read<{ rows: ApiRow[] }>('api');
const authorize = read<AuthorizeResult>('authorize');
const nginx = read<NginxResult>('nginx');
const scale = read<{ small: ScaleMeasurement; large: ScaleMeasurement }>('scale');
const revocation = read<RevocationResult>('revocation');
const federation = read<FederationResult>('federation');
const audit = read<{ rows: AuditRow[] }>('audit');
const pgResult = read<{ nodes?: PairRow[]; workers?: PairRow[]; workers4?: PairRow[] }>('pg');

const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
const targets: (string | number)[][] = [['Target', 'measured', 'target', '']];
for (const r of api?.rows ?? []) targets.push([`API ${r.name}: iamd/moto`, fmt.ratio(r.iamdOverMoto), '≥ 30×', verdict(r.iamdOverMoto >= 30)]);
const gci = api?.rows.find((r) => r.iamdOverBare !== undefined);
targets.push(['API GetCallerIdentity: iamd/bare node:http', gci ? fmt.ratio(gci.iamdOverBare!) : '–', '≥ 0.5×', verdict(gci && gci.iamdOverBare! >= 0.5)]);
if (authorize) targets.push(...authorizeTargets(authorize, verdict));
else targets.push(['Authorization API', '–', '', verdict(undefined)]);
if (nginx) targets.push(...nginxTargets(nginx, verdict));
else targets.push(['nginx + iamd (auth_request)', '–', '', verdict(undefined)]);
if (scale) {
  const authz = scale.large.authorizedGetUser.p99Ms / scale.small.authorizedGetUser.p99Ms;
  const list = scale.large.listUsersFirstPage.p99Ms / scale.small.listUsersFirstPage.p99Ms;
  targets.push(['Scale: authorization p99, 100k users / 100 users', fmt.ratio(authz), '≤ 2×', verdict(authz <= 2)]);
  targets.push(['Scale: ListUsers page p99, 100k users / 100 users', fmt.ratio(list), '≤ 2×', verdict(list <= 2)]);
} else targets.push(['Scale', '–', '', verdict(undefined)]);
if (policy) {
  targets.push(['Policy engine: decisions/s', fmt.int(policy.decisionsPerSecond), '≥ 500,000', verdict(policy.decisionsPerSecond >= 500_000)]);
  targets.push([
    'Policy engine: p50 / p99 µs',
    `${policy.latencyMicros.p50} / ${policy.latencyMicros.p99}`,
    '≤ 2 / ≤ 20',
    verdict(policy.latencyMicros.p50 <= 2 && policy.latencyMicros.p99 <= 20),
  ]);
  targets.push([
    'Policy engine: wrong decisions',
    policy.mismatches + policy.explainedMismatches,
    `0 of ${fmt.int(policy.requests)}`,
    verdict(policy.mismatches + policy.explainedMismatches === 0),
  ]);
} else targets.push(['Policy engine', '–', '', verdict(undefined)]);
if (revocation) {
  targets.push(['Revocation propagation p99 (ms)', fmt.ms(revocation.p99Ms), '< 1,000', verdict(revocation.p99Ms < 1000)]);
  targets.push(['Revocation propagation max (ms)', fmt.ms(revocation.maxMs), '< 5,000', verdict(revocation.maxMs < 5000 && revocation.notPropagated === 0)]);
} else targets.push(['Revocation propagation', '–', '', verdict(undefined)]);
if (federation) {
  const perSecond = federation.webIdentity.requestsPerSecond;
  targets.push(['AssumeRoleWithWebIdentity sessions/s (keys known)', fmt.int(perSecond), '≥ 2,000', verdict(perSecond >= federation.targetSessionsPerSecond)]);
} else targets.push(['Federation', '–', '', verdict(undefined)]);
for (const r of audit?.rows ?? [])
  targets.push([`Audit trail on/off: ${r.name} (${r.kind})`, fmt.ratio(r.ratio), `≥ ${r.target}×`, verdict(r.ratio >= r.target)]);
if (!audit) targets.push(['Audit trail on/off', '–', '', verdict(undefined)]);
for (const r of pgResult?.nodes ?? []) targets.push([`PostgreSQL node / SQLite node: ${r.row}`, fmt.ratio(r.ratio), '≥ 0.7×', verdict(r.ratio >= 0.7)]);
for (const r of [...(pgResult?.workers ?? []), ...(pgResult?.workers4 ?? [])].filter((x) => x.row === 'GetCallerIdentity'))
  targets.push([`GetCallerIdentity ${r === pgResult?.workers4?.[0] ? '--workers 4' : '--workers 2'} / --workers 1`, fmt.ratio(r.ratio), '(reported)', '']);
if (!pgResult) targets.push(['PostgreSQL node / SQLite node, workers', '–', '', verdict(undefined)]);
if (password) targets.push(['argon2id verifications/s per core', fmt.int(password.verificationsPerSecond), '(none)', '']);

const sections = [
  api && apiTable(api.rows),
  authorize && authorizeTables(authorize),
  nginx && nginxTable(nginx),
  scale && scaleTable(scale),
  policy &&
    table([
      ['Policy engine (shared/bench/policy-workload.json)', 'decisions/s', 'p50 µs', 'p99 µs', 'wrong'],
      [
        `${fmt.int(policy.requests)} decisions, 10 policies + boundary`,
        fmt.int(policy.decisionsPerSecond),
        policy.latencyMicros.p50,
        policy.latencyMicros.p99,
        policy.mismatches + policy.explainedMismatches,
      ],
    ]),
  password && passwordTable(password),
  revocation && revocationTable(revocation),
  federation && federationTable(federation),
  audit && `Audit trail on / off (same run, rounds interleaved)\n${auditTable(audit.rows)}`,
  pgResult?.nodes && `PostgreSQL node / SQLite node (one process each)\n${pgTable(pgResult.nodes, 'SQLite', 'PostgreSQL')}`,
  pgResult?.workers && `--workers 2 / --workers 1 (SQLite data folder)\n${pgTable(pgResult.workers, '--workers 1', '--workers 2')}`,
  pgResult?.workers4 && `--workers 4 / --workers 1 (SQLite data folder)\n${pgTable(pgResult.workers4, '--workers 1', '--workers 4')}`,
  table(targets),
].filter(Boolean);

console.log('\n' + sections.join('\n\n'));
console.log(`\n${JSON.stringify(machine())}  total ${((performance.now() - started) / 1000).toFixed(0)} s`);
writeResult('summary', {
  machine: machine(),
  parts: status,
  targets: targets.slice(1).map(([what, measured, target, v]) => ({ what, measured, target, verdict: v })),
  date: new Date().toISOString(),
});
if (Object.values(status).some((s) => s.exitCode !== 0)) process.exit(1);
