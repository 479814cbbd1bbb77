// Scale: the same measurements on a small account (100 users) and a large one (100,000 users,
// 10,000 roles, 20,000 customer-managed policies), both SQLite data folders written directly
// through the Store in bulk, then served by `iamd serve` as a child process.
// Run: npm run bench:scale  (bench/results/scale.json)
//
// BENCH_SCALE_USERS / _ROLES / _POLICIES override the large account's size;
// BENCH_DURATION (s, default 5), BENCH_WARMUP (s, default 2), BENCH_CONNECTIONS (default 16),
// BENCH_ROUNDS (default 2: each row measured that many times per account, interleaved, best kept).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap, loadMasterKey } from '../src/bootstrap.ts';
import { configFromEnv, type Config } from '../src/config.ts';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { newAccessKeyId, newSecretAccessKey, newUniqueId } from '../src/domain/ids.ts';
import type { UserData } from '../src/iam/common.ts';
import type { CustomerPolicyData } from '../src/iam/policy-lookup.ts';
import { encodeMarker, type EntityRow, type Repo } from '../src/store/repo.ts';
import { Store } from '../src/store/store.ts';
import { CALLER, callerPolicy, userName } from './lib/fixtures.ts';
import { ROUNDS, bestRound, load, type LoadResult } from './lib/load.ts';
import { ACCOUNT_ID, ROOT, peakRssBytes, rssBytes, startIamd, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';
import { send, signQuery, type Credentials, type SignedRequest } from './lib/signed.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

/** The shape CreateRole stores (src/iam/roles.ts RoleData). */
interface RoleData {
  trustPolicy: string;
  maxSessionDuration: number;
  description?: string;
}

export interface Size {
  users: number;
  roles: number;
  policies: number;
}

export interface ScaleMeasurement {
  size: Size;
  buildS: number;
  dataBytes: number;
  startMs: number;
  /** Start-up of a second process on the same folder, after the load. */
  restartMs?: number;
  rssBytes: number;
  peakRssBytes: number;
  authorizedGetUser: LoadResult;
  listUsersFirstPage: LoadResult;
  listUsersDeepPage: LoadResult;
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const fillerPolicy = (i: number) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::data-${i}`, `arn:aws:s3:::data-${i}/*`] }],
  });

/** Inserts `count` rows, `chunk` per write transaction. */
async function bulk(store: Store, count: number, insert: (repo: Repo, i: number) => Promise<void>, chunk = 5_000): Promise<void> {
  for (let start = 0; start < count; start += chunk) {
    await store.write(async (repo) => {
      for (let i = start; i < Math.min(count, start + chunk); i++) await insert(repo, i);
    });
  }
}

/**
 * A data folder with `size` entities, shaped as CreateUser / CreateRole / CreatePolicy write them.
 * The caller (one of the users) has the 10 benchmark policies attached and an access key;
 * every role has one policy attached.
 */
export async function buildDataFolder(dataDir: string, size: Size): Promise<Credentials> {
  const config: Config = { ...configFromEnv({}), dataDir, accountId: ACCOUNT_ID, rootAccessKeyId: ROOT.accessKeyId, rootSecretAccessKey: ROOT.secretAccessKey };
  const store = await Store.openSqlite({ dataDir });
  const key = { accessKeyId: newAccessKeyId('AKIA'), secretAccessKey: newSecretAccessKey() };
  try {
    const secrets = new SecretBox(loadMasterKey(config));
    const now = new Date();
    await bootstrap(store, secrets, config, now);
    const entity = <D>(kind: string, prefix: 'AIDA' | 'AROA' | 'ANPA', name: string, data: D): EntityRow<D> => ({
      id: newUniqueId(prefix),
      accountId: ACCOUNT_ID,
      kind,
      name,
      path: '/',
      createdAt: now,
      data,
    });

    const policyArns: string[] = [];
    const policyArn = (i: number): string => {
      const arn = policyArns[i];
      if (arn === undefined) throw new Error(`the account needs at least 10 policies (the caller's), it has ${size.policies}`);
      return arn;
    };
    await bulk(store, size.policies, async (repo, i) => {
      const name = `bench-policy-${i}`;
      const data: CustomerPolicyData = { defaultVersionId: 'v1', nextVersion: 2, updatedAt: now.toISOString() };
      const p = entity('policy', 'ANPA', name, data);
      await repo.insertEntity(p);
      await repo.insertPolicyVersion(p.id, 'v1', i < 10 ? callerPolicy(i, ACCOUNT_ID) : fillerPolicy(i), true, now);
      policyArns.push(`arn:aws:iam::${ACCOUNT_ID}:policy/${name}`);
    });
    await bulk(store, size.users - 1, (repo, i) => repo.insertEntity(entity<UserData>('user', 'AIDA', userName(i), {})));
    await bulk(store, size.roles, async (repo, i) => {
      const r = entity<RoleData>('role', 'AROA', `bench-role-${String(i).padStart(6, '0')}`, { trustPolicy: TRUST, maxSessionDuration: 3600 });
      await repo.insertEntity(r);
      await repo.attach(r.id, policyArns[10 + (i % Math.max(1, size.policies - 10))] ?? policyArn(0), now);
    });
    await store.write(async (repo) => {
      const caller = entity<UserData>('user', 'AIDA', CALLER, {});
      await repo.insertEntity(caller);
      for (let i = 0; i < 10; i++) await repo.attach(caller.id, policyArn(i), now);
      await repo.insertAccessKey({
        id: key.accessKeyId,
        account_id: ACCOUNT_ID,
        user_id: caller.id,
        secret_sealed: secrets.seal(key.secretAccessKey, key.accessKeyId),
        status: 'Active',
        created_at: now.toISOString(),
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      });
    });
  } finally {
    await store.close();
  }
  return key;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) total += statSync(join(dir, f)).size;
  return total;
}

async function sign(url: string, creds: Credentials, action: string, params: Record<string, string>[]): Promise<SignedRequest[]> {
  return Promise.all(params.map((p) => signQuery(url, creds, 'iam', action, p)));
}

async function checked(url: string, reqs: SignedRequest[], what: string, expectMembers?: number): Promise<SignedRequest[]> {
  const first = reqs[0];
  if (first === undefined) throw new Error(`${what}: no request was signed`);
  const res = await send(url, first);
  const members = (res.text.match(/<member>/g) ?? []).length;
  if (res.status !== 200 || (expectMembers !== undefined && members !== expectMembers))
    throw new Error(`${what}: HTTP ${res.status}, ${members} members: ${res.text.slice(0, 300)}`);
  return reqs;
}

interface Prepared {
  size: Size;
  dataDir: string;
  buildS: number;
  dataBytes: number;
  iamd: Child;
  rows: Record<Row, SignedRequest[]>;
}

type Row = 'authorizedGetUser' | 'listUsersFirstPage' | 'listUsersDeepPage';

/** Builds the data folder, starts iamd on it and signs the requests of every row. */
async function prepare(size: Size): Promise<Prepared> {
  const dataDir = mkdtempSync(join(tmpdir(), 'iamd-bench-scale-'));
  const t0 = performance.now();
  const caller = await buildDataFolder(dataDir, size);
  const buildS = (performance.now() - t0) / 1000;
  const dataBytes = folderBytes(dataDir);
  const iamd = await startIamd({ dataDir });
  const url = iamd.url;
  // GetUser of users spread over the whole account, by the caller with 10 policies.
  const targets = Array.from({ length: 2_000 }, (_, i) => ({ UserName: userName(Math.floor(((i * 7919) % 2_000) * ((size.users - 1) / 2_000))) }));
  const authorizedGetUser = await checked(url, await sign(url, caller, 'GetUser', targets), 'GetUser');
  const denied = await send(url, await signQuery(url, caller, 'iam', 'CreateUser', { UserName: 'not-allowed' }));
  if (denied.status !== 403) throw new Error(`the caller was allowed CreateUser (HTTP ${denied.status})`);
  const listUsersFirstPage = await checked(url, await sign(url, ROOT, 'ListUsers', [{ MaxItems: '100' }]), 'ListUsers', Math.min(100, size.users));
  // A page from the middle of the account (the Marker of the user halfway through).
  const middle = encodeMarker(userName(Math.floor((size.users - 1) / 2)).toLowerCase());
  const listUsersDeepPage = await checked(url, await sign(url, ROOT, 'ListUsers', [{ MaxItems: '100', Marker: middle }]), 'ListUsers (deep)');
  return { size, dataDir, buildS, dataBytes, iamd, rows: { authorizedGetUser, listUsersFirstPage, listUsersDeepPage } };
}

export const SMALL: Size = { users: 100, roles: 10, policies: 20 };
export const LARGE: Size = {
  users: Number(process.env.BENCH_SCALE_USERS ?? 100_000),
  roles: Number(process.env.BENCH_SCALE_ROLES ?? 10_000),
  policies: Number(process.env.BENCH_SCALE_POLICIES ?? 20_000),
};

/**
 * Both accounts are served at once (by two iamd processes) and each row is measured on the small
 * one and then the large one, back to back, so that other work on the machine hits both alike.
 */
export async function runScaleBench(): Promise<{ small: ScaleMeasurement; large: ScaleMeasurement }> {
  const prepared: Prepared[] = [];
  try {
    prepared.push(await prepare(SMALL));
    prepared.push(await prepare(LARGE));
    const rounds = prepared.map(() => ({ authorizedGetUser: [], listUsersFirstPage: [], listUsersDeepPage: [] }) as Record<Row, LoadResult[]>);
    for (const row of ['authorizedGetUser', 'listUsersFirstPage', 'listUsersDeepPage'] as Row[]) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [i, p] of prepared.entries()) {
          process.stderr.write(`  ${row} at ${fmt.int(p.size.users)} users (round ${round}/${ROUNDS}) … `);
          const r = await load({ url: p.iamd.url, connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, workload: { requests: p.rows[row] } });
          rounds[i]![row].push(r); // one entry of rounds per prepared account
          process.stderr.write(`${fmt.int(r.requestsPerSecond)} req/s, p99 ${fmt.ms(r.p99Ms)} ms\n`);
        }
      }
    }
    const results = rounds.map((r) => ({
      authorizedGetUser: bestRound(r.authorizedGetUser),
      listUsersFirstPage: bestRound(r.listUsersFirstPage),
      listUsersDeepPage: bestRound(r.listUsersDeepPage),
    }));
    // prepared, rounds, results and measured: one entry per account, the small one then the large one.
    const measured = prepared.map(
      (p, i): ScaleMeasurement => ({
        size: p.size,
        buildS: p.buildS,
        dataBytes: p.dataBytes,
        startMs: p.iamd.startMs,
        rssBytes: rssBytes(p.iamd.pid),
        peakRssBytes: peakRssBytes(p.iamd.pid),
        ...results[i]!,
      }),
    );
    // Start-up again, now that both folders exist and nothing else is being measured.
    for (const [i, p] of prepared.entries()) {
      await p.iamd.stop();
      const again = await startIamd({ dataDir: p.dataDir });
      measured[i]!.restartMs = again.startMs;
      await again.stop();
    }
    return { small: measured[0]!, large: measured[1]! };
  } finally {
    for (const p of prepared) {
      await p.iamd.stop();
      rmSync(p.dataDir, { recursive: true, force: true });
    }
  }
}

export function scaleTable(r: { small: ScaleMeasurement; large: ScaleMeasurement }): string {
  const { small, large } = r;
  const label = (s: Size) => `${fmt.int(s.users)} users, ${fmt.int(s.roles)} roles, ${fmt.int(s.policies)} policies`;
  const row = (name: string, f: (m: ScaleMeasurement) => number, show: (n: number) => string) => [
    name,
    show(f(small)),
    show(f(large)),
    fmt.ratio(f(large) / f(small)),
  ];
  return table([
    ['Scale (SQLite data folder)', label(small.size), label(large.size), 'large/small'],
    row('GetUser by non-root (10 policies): p50 ms', (m) => m.authorizedGetUser.p50Ms, fmt.ms),
    row('GetUser by non-root (10 policies): p99 ms', (m) => m.authorizedGetUser.p99Ms, fmt.ms),
    row('GetUser by non-root (10 policies): req/s', (m) => m.authorizedGetUser.requestsPerSecond, fmt.int),
    row('ListUsers first page (100): p50 ms', (m) => m.listUsersFirstPage.p50Ms, fmt.ms),
    row('ListUsers first page (100): p99 ms', (m) => m.listUsersFirstPage.p99Ms, fmt.ms),
    row('ListUsers page from the middle: p99 ms', (m) => m.listUsersDeepPage.p99Ms, fmt.ms),
    row('start-up, spawn to first answer (ms)', (m) => m.startMs, fmt.int),
    row('start-up again, after the load (ms)', (m) => m.restartMs ?? NaN, fmt.int),
    row(
      'RSS after the load (MiB)',
      (m) => m.rssBytes / 2 ** 20,
      (n) => n.toFixed(1),
    ),
    row(
      'peak RSS (MiB)',
      (m) => m.peakRssBytes / 2 ** 20,
      (n) => n.toFixed(1),
    ),
    row(
      'data folder (MiB)',
      (m) => m.dataBytes / 2 ** 20,
      (n) => n.toFixed(1),
    ),
    row(
      'bulk load through the Store (s)',
      (m) => m.buildS,
      (n) => n.toFixed(1),
    ),
  ]);
}

if (isMain(import.meta.url)) {
  const r = await runScaleBench();
  writeResult('scale', {
    machine: machine(),
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS, rounds: ROUNDS },
    targets: { largeOverSmallP99: 2 },
    ...r,
    date: new Date().toISOString(),
  });
  if (!process.env.BENCH_QUIET) console.log(scaleTable(r));
}
