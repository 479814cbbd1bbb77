// The authorization API (issue #13, docs/authorization-api.md) under load: POST /iamd/authorize and
// /iamd/authorize/batch against iamd (`iamd serve --data-dir :memory:`, a child process), beside
// iamd's own GetCallerIdentity measured back to back in the same run.
// Run: node --import tsx bench/authorize-bench.ts  (bench/results/authorize.json)
//
// Every call is what a protected service's middleware sends: the client's request to the `orders`
// service, signed by the client (alice) with her key, relayed as the contract's `Request` (signed
// headers, the body's SHA-256, the client's address), in a call to iamd signed by the service
// itself (the `orders-gateway` user, allowed iamd:Authorize on service/orders). Both signatures
// are made before the clock starts and every call in a pool is distinct (its own order, amount,
// body and embedded signature); a pool is used round and round, which iamd accepts within the
// 15-minute window as for any signed request (it keeps no memory of signatures seen).
//
// BENCH_DURATION (s, default 6), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (16), BENCH_ROUNDS (2),
// BENCH_RATE (requests/s of the fixed-rate rows, 1000), BENCH_AUTHORIZE_POOL (distinct signed
// Authorize calls, 20,000).
import { readFileSync } from 'node:fs';
import { LIST_LIMIT, ROUNDS, bestRound, fixedRate, load, type LoadResult, type RateResult, type Workload } from './lib/load.ts';
import { ACCOUNT_ID, ROOT, startIamd, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';
import { call, send, signEmbedded, signJson, signQuery, xmlText, type Credentials, type EmbeddedRequest, type SignedRequest } from './lib/signed.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const POOL = Number(process.env.BENCH_AUTHORIZE_POOL ?? 20_000);
const BATCH = 30;

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const order = (id: number | string, region = 'eu-west-1') => `arn:aws:orders:${region}:${ACCOUNT_ID}:order/${id}`;

/**
 * Alice's policies, as a team would write them for its service: a group's read access, her own
 * write access with a limit on a context key (`orders:Amount`) and a channel, guard rails (an
 * explicit Deny on one order and on deletes, and a Deny from outside the company's networks on a
 * global key), and an inline policy needing MFA. Four policies, eleven statements.
 */
const ALICE_POLICIES = {
  /** Managed, attached to the group `orders-ops`. */
  'orders-read': policy([
    {
      Sid: 'ReadOrders',
      Effect: 'Allow',
      Action: ['orders:GetOrder', 'orders:ListOrders', 'orders:Describe*'],
      Resource: `arn:aws:orders:*:${ACCOUNT_ID}:order/*`,
    },
    { Sid: 'ListAll', Effect: 'Allow', Action: 'orders:ListOrders', Resource: '*' },
  ]),
  /** Managed, attached to alice. */
  'orders-write': policy([
    {
      Sid: 'SmallRefundsAndCancels',
      Effect: 'Allow',
      Action: ['orders:CancelOrder', 'orders:Refund'],
      Resource: `arn:aws:orders:eu-west-1:${ACCOUNT_ID}:order/*`,
      Condition: { NumericLessThanEquals: { 'orders:Amount': '100' } },
    },
    {
      Sid: 'UpdateFromKnownChannels',
      Effect: 'Allow',
      Action: 'orders:UpdateOrder',
      Resource: `arn:aws:orders:*:${ACCOUNT_ID}:order/*`,
      Condition: { StringEquals: { 'orders:Channel': ['web', 'store'] } },
    },
    { Sid: 'CreateOrders', Effect: 'Allow', Action: 'orders:CreateOrder', Resource: '*' },
    { Sid: 'OwnNotes', Effect: 'Allow', Action: 'orders:*Note', Resource: `arn:aws:orders:*:${ACCOUNT_ID}:note/\${aws:username}/*` },
  ]),
  /** Managed, attached to alice. */
  guardrails: policy([
    { Sid: 'NeverDelete', Effect: 'Deny', Action: 'orders:DeleteOrder', Resource: '*' },
    { Sid: 'NotOrder13', Effect: 'Deny', Action: ['orders:CancelOrder', 'orders:Refund', 'orders:UpdateOrder'], Resource: order(13) },
    {
      Sid: 'CompanyNetworks',
      Effect: 'Deny',
      Action: 'orders:*',
      Resource: '*',
      Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.0/24', '127.0.0.0/8'] } },
    },
  ]),
  /** Inline, on alice. */
  approvals: policy([
    { Sid: 'ApproveWithMfa', Effect: 'Allow', Action: 'orders:ApproveOrder', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
    { Sid: 'ExportEu', Effect: 'Allow', Action: 'orders:Export', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
  ]),
};

/** The protected service: it may ask about requests signed for `orders` (and nothing else). */
const GATEWAY_POLICY = policy([{ Effect: 'Allow', Action: 'iamd:Authorize', Resource: `arn:aws:iamd::${ACCOUNT_ID}:service/orders` }]);

export interface AuthorizeFixture {
  gateway: Credentials;
  alice: Credentials;
}

/** The gateway user and alice (group, two attached managed policies, one inline), through iamd's API as root. */
export async function createAuthorizeFixture(url: string): Promise<AuthorizeFixture> {
  const q = (action: string, params: Record<string, string>) => call(url, ROOT, 'iam', action, params);
  const key = async (user: string): Promise<Credentials> => {
    const xml = await q('CreateAccessKey', { UserName: user });
    return { accessKeyId: xmlText(xml, 'AccessKeyId')!, secretAccessKey: xmlText(xml, 'SecretAccessKey')! };
  };
  const managed = async (name: keyof typeof ALICE_POLICIES) =>
    xmlText(await q('CreatePolicy', { PolicyName: name, PolicyDocument: ALICE_POLICIES[name] }), 'Arn')!;
  await q('CreateUser', { UserName: 'orders-gateway' });
  await q('PutUserPolicy', { UserName: 'orders-gateway', PolicyName: 'authorize-orders', PolicyDocument: GATEWAY_POLICY });
  await q('CreateUser', { UserName: 'alice' });
  await q('CreateGroup', { GroupName: 'orders-ops' });
  await q('AddUserToGroup', { GroupName: 'orders-ops', UserName: 'alice' });
  await q('AttachGroupPolicy', { GroupName: 'orders-ops', PolicyArn: await managed('orders-read') });
  await q('AttachUserPolicy', { UserName: 'alice', PolicyArn: await managed('orders-write') });
  await q('AttachUserPolicy', { UserName: 'alice', PolicyArn: await managed('guardrails') });
  await q('PutUserPolicy', { UserName: 'alice', PolicyName: 'approvals', PolicyDocument: ALICE_POLICIES.approvals });
  return { gateway: await key('orders-gateway'), alice: await key('alice') };
}

/** Alice's i-th client request: cancelling order 1000+i, with a reason in the body, from the office. */
function aliceCancels(f: AuthorizeFixture, i: number): Promise<EmbeddedRequest> {
  return signEmbedded(f.alice, {
    service: 'orders',
    region: 'eu-west-1',
    host: 'orders.internal:8080',
    method: 'POST',
    path: `/orders/${1000 + i}/cancel`,
    body: JSON.stringify({ reason: 'customer asked', ticket: `T-${i}` }),
    sourceIp: `10.1.${(i >> 8) & 255}.${i & 255}`,
  });
}

/** One Authorize call: CancelOrder on the order, with its amount (1–99: allowed by `SmallRefundsAndCancels`). */
async function authorizeCall(url: string, f: AuthorizeFixture, i: number): Promise<SignedRequest> {
  const embedded = await aliceCancels(f, i);
  return signJson(url, f.gateway, '/iamd/authorize', {
    Request: embedded,
    Action: 'orders:CancelOrder',
    Resource: order(1000 + i),
    Context: { 'orders:Amount': String(1 + (i % 99)) },
  });
}

/**
 * The 30 questions of one BatchAuthorize: what may alice do with the order (a UI deciding which
 * buttons to show) and with five others — six actions on five orders, with amounts and channels;
 * some allowed, some denied by a condition, by no statement, or by an explicit Deny.
 */
function batchQuestions(i: number): object[] {
  const out: object[] = [];
  const orders = [1000 + i, 2000 + i, 13, 3000 + i, 4000 + i];
  for (const [k, id] of orders.entries()) {
    const amount = String(((i + k * 37) % 150) + 1);
    out.push(
      { Action: 'orders:GetOrder', Resource: order(id) },
      { Action: 'orders:CancelOrder', Resource: order(id), Context: { 'orders:Amount': amount } },
      { Action: 'orders:Refund', Resource: order(id), Context: { 'orders:Amount': amount } },
      { Action: 'orders:UpdateOrder', Resource: order(id), Context: { 'orders:Channel': k % 2 ? 'web' : 'phone' } },
      { Action: 'orders:DeleteOrder', Resource: order(id) },
      { Action: 'orders:ApproveOrder', Resource: order(id) },
    );
  }
  return out;
}

async function batchCall(url: string, f: AuthorizeFixture, i: number): Promise<SignedRequest> {
  return signJson(url, f.gateway, '/iamd/authorize/batch', { Request: await aliceCancels(f, i), Requests: batchQuestions(i) });
}

/** Signs `count` calls, spreading the signing over the event loop. */
async function pool(count: number, sign: (i: number) => Promise<SignedRequest>): Promise<SignedRequest[]> {
  const out: SignedRequest[] = [];
  for (let i = 0; i < count; i += 500) out.push(...(await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => sign(i + j)))));
  return out;
}

async function json(url: string, req: SignedRequest): Promise<any> {
  const res = await send(url, req);
  if (res.status !== 200) throw new Error(`${req.path}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return JSON.parse(res.text);
}

/**
 * Before loading: a call of each pool is answered as the contract says (alice authenticated, the
 * cancel allowed by her write policy), and the policies are really evaluated (an amount over the
 * limit, order 13 and a request from outside the networks are denied; the batch's answers differ).
 */
async function check(url: string, f: AuthorizeFixture, one: SignedRequest, batch: SignedRequest): Promise<void> {
  const a = await json(url, one);
  const deciding = a.MatchedStatements?.map((m: { Sid: string }) => m.Sid).join();
  if (a.Decision !== 'Allow' || a.Authenticated !== true || a.Principal?.UserName !== 'alice' || deciding !== 'SmallRefundsAndCancels')
    throw new Error(`Authorize: unexpected answer ${JSON.stringify(a)}`);
  const embedded = await aliceCancels(f, 0);
  const deny = async (payload: object, why: string) => {
    const d = await json(url, await signJson(url, f.gateway, '/iamd/authorize', { Request: embedded, Action: 'orders:CancelOrder', ...payload }));
    if (d.Decision !== 'Deny' || d.Authenticated !== true) throw new Error(`Authorize ${why}: not denied: ${JSON.stringify(d)}`);
  };
  await deny({ Resource: order(1000), Context: { 'orders:Amount': '250' } }, 'over the amount');
  await deny({ Resource: order(13), Context: { 'orders:Amount': '5' } }, 'of order 13');
  const outside = await signEmbedded(f.alice, {
    service: 'orders',
    region: 'eu-west-1',
    host: 'orders.internal:8080',
    method: 'GET',
    path: '/orders/5',
    sourceIp: '198.51.100.7',
  });
  const d = await json(url, await signJson(url, f.gateway, '/iamd/authorize', { Request: outside, Action: 'orders:GetOrder', Resource: order(5) }));
  if (d.Decision !== 'Deny' || d.MatchedStatements?.[0]?.Sid !== 'CompanyNetworks') throw new Error(`Authorize from outside: ${JSON.stringify(d)}`);
  const b = await json(url, batch);
  const decisions = (b.Results ?? []).map((r: { Decision: string }) => r.Decision);
  const allowed = decisions.filter((x: string) => x === 'Allow').length;
  if (b.Authenticated !== true || decisions.length !== BATCH || allowed === 0 || allowed === BATCH)
    throw new Error(`BatchAuthorize: unexpected answer ${JSON.stringify(b).slice(0, 500)}`);
}

export const AUTHORIZE_ROWS = ['GetCallerIdentity', 'Authorize', 'BatchAuthorize (30)'] as const;
export type AuthorizeRowName = (typeof AUTHORIZE_ROWS)[number];

/** The signed requests of each row (also bench/profile.ts's, for `Authorize` and `BatchAuthorize (30)`). */
export async function authorizeWorkloads(
  url: string,
  f: AuthorizeFixture,
  count = POOL,
): Promise<Record<AuthorizeRowName, Workload & { requests: SignedRequest[] }>> {
  const one = await pool(count, (i) => authorizeCall(url, f, i));
  const batch = await pool(Math.max(1, Math.round(count / 4)), (i) => batchCall(url, f, i));
  await check(url, f, one[0]!, batch[0]!);
  return {
    GetCallerIdentity: { requests: [await signQuery(url, ROOT, 'sts', 'GetCallerIdentity')] },
    Authorize: { requests: one },
    'BatchAuthorize (30)': { requests: batch },
  };
}

/** CPU time (user + system) a process has used, in milliseconds (Linux /proc, 10 ms ticks). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1];
  if (stat === undefined) throw new Error(`/proc/${pid}/stat: no ') ' after the command name`);
  const f = stat.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

export interface SaturationRow {
  name: AuthorizeRowName;
  /** Decisions per request: 0 for GetCallerIdentity. */
  decisions: number;
  result: LoadResult;
  /** Server CPU per request (µs) in each round, and their median. */
  serverCpuUsRounds: number[];
  serverCpuUs: number;
}

export interface AuthorizeResult {
  saturation: SaturationRow[];
  /** At a fixed rate: the round with the lowest p99, and every round's p99. */
  atRate: { name: AuthorizeRowName; result: RateResult; roundsP99Ms: number[] }[];
  /** Authorize req/s over GetCallerIdentity req/s (best rounds, measured back to back). */
  authorizeOverGetCallerIdentity: number;
  /** The same ratio round by round (each round measures both, one after the other). */
  authorizeOverGetCallerIdentityRounds: number[];
  /** Server CPU per BatchAuthorize (30) over per Authorize. */
  batchOverOneCpu: number;
  /** Authorize req/s over BatchAuthorize req/s. */
  batchOverOneThroughput: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function runAuthorizeBench(): Promise<AuthorizeResult> {
  let iamd: Child | undefined;
  try {
    iamd = await startIamd();
    const url = iamd.url;
    const fixture = await createAuthorizeFixture(url);
    process.stderr.write(`  signing ${fmt.int(POOL)} Authorize and ${fmt.int(POOL / 4)} BatchAuthorize calls … `);
    const t0 = performance.now();
    const workloads = await authorizeWorkloads(url, fixture);
    process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const opts = { url, connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP };
    // At saturation, the server must be what saturates: each row is a list autocannon builds once
    // (as GetCallerIdentity's one request is), the first LIST_LIMIT calls of the pool. A pool past
    // that is sent through autocannon's per-request setup, which cost the load generator twice
    // GetCallerIdentity's CPU per request and, on 2 cores, capped Authorize at the generator's
    // rate. Connections then send the same calls at once: iamd keeps no memory of signatures,
    // so a repeated call costs it what a distinct one does. The fixed-rate rows use the whole pool.
    const saturated = (name: AuthorizeRowName): Workload => ({ requests: workloads[name].requests.slice(0, LIST_LIMIT) });
    const rounds = new Map<AuthorizeRowName, { results: LoadResult[]; cpu: number[] }>(AUTHORIZE_ROWS.map((r) => [r, { results: [], cpu: [] }]));
    // Rounds interleave the rows, so that other work on the machine hits them alike.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of AUTHORIZE_ROWS) {
        process.stderr.write(`  ${name} at saturation (round ${round}/${ROUNDS}) … `);
        await load({ ...opts, workload: saturated(name), durationS: WARMUP, warmupS: 0 });
        const c0 = cpuMs(iamd.pid);
        const r = await load({ ...opts, workload: saturated(name), warmupS: 0 });
        const us = ((cpuMs(iamd.pid) - c0) * 1000) / r.total;
        rounds.get(name)!.results.push(r);
        rounds.get(name)!.cpu.push(Number(us.toFixed(1)));
        process.stderr.write(
          `${fmt.int(r.requestsPerSecond)} req/s, server CPU ${us.toFixed(1)} µs per request${r.non2xx + r.errors ? ` (${r.non2xx + r.errors} failed)` : ''}\n`,
        );
      }
    }
    const saturation: SaturationRow[] = AUTHORIZE_ROWS.map((name) => {
      const { results, cpu } = rounds.get(name)!;
      return {
        name,
        decisions: name === 'GetCallerIdentity' ? 0 : name === 'Authorize' ? 1 : BATCH,
        result: bestRound(results),
        serverCpuUsRounds: cpu,
        serverCpuUs: median(cpu),
      };
    });
    // At a fixed rate, the rounds interleaved too; the round with the lowest p99 is reported (on a
    // shared machine, the least disturbed one), every round's p99 beside it.
    const rateRounds = new Map<'GetCallerIdentity' | 'Authorize', RateResult[]>([
      ['GetCallerIdentity', []],
      ['Authorize', []],
    ]);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, results] of rateRounds) {
        process.stderr.write(`  ${name} at ${fmt.int(RATE)} req/s (round ${round}/${ROUNDS}) … `);
        const result = await fixedRate({ url, requests: workloads[name].requests, rate: RATE, durationS: DURATION, warmupS: WARMUP });
        results.push(result);
        process.stderr.write(
          `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms${result.non2xx + result.errors ? ` (${result.non2xx + result.errors} failed)` : ''}\n`,
        );
      }
    }
    const atRate: AuthorizeResult['atRate'] = [...rateRounds].map(([name, results]) => ({
      name,
      result: results.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a)),
      roundsP99Ms: results.map((r) => r.p99Ms),
    }));
    const row = (name: AuthorizeRowName) => saturation.find((r) => r.name === name)!;
    const [gci, one, batch] = [row('GetCallerIdentity'), row('Authorize'), row('BatchAuthorize (30)')];
    return {
      saturation,
      atRate,
      authorizeOverGetCallerIdentity: one.result.requestsPerSecond / gci.result.requestsPerSecond,
      authorizeOverGetCallerIdentityRounds: rounds
        .get('Authorize')!
        .results.map((r, i) => Number((r.requestsPerSecond / rounds.get('GetCallerIdentity')!.results[i]!.requestsPerSecond).toFixed(3))),
      batchOverOneCpu: batch.serverCpuUs / one.serverCpuUs,
      batchOverOneThroughput: one.result.requestsPerSecond / batch.result.requestsPerSecond,
    };
  } finally {
    await iamd?.stop();
  }
}

export function authorizeTables(r: AuthorizeResult): string {
  const flag = (x: { non2xx: number; errors: number }) => (x.non2xx + x.errors > 0 ? ` (${x.non2xx + x.errors} failed)` : '');
  const gci = r.saturation.find((x) => x.name === 'GetCallerIdentity')!;
  const saturation = table([
    ['Authorization API, at saturation', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'vs GetCallerIdentity'],
    ...r.saturation.map((x) => [
      x.name === 'GetCallerIdentity'
        ? 'GetCallerIdentity (root), same run'
        : x.name === 'Authorize'
          ? 'Authorize (1 decision)'
          : `BatchAuthorize (${BATCH} decisions)`,
      fmt.int(x.result.requestsPerSecond) + flag(x.result),
      fmt.ms(x.result.p50Ms),
      fmt.ms(x.result.p99Ms),
      x.serverCpuUs.toFixed(1),
      x === gci ? '' : `${fmt.ratio(x.result.requestsPerSecond / gci.result.requestsPerSecond)} req/s, ${fmt.ratio(x.serverCpuUs / gci.serverCpuUs)} CPU`,
    ]),
  ]);
  const rate = table([
    [
      `At ${fmt.int(r.atRate[0]?.result.targetRate ?? RATE)} req/s (fixed rate, best round)`,
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'answered/s',
      'p99 ms, every round',
    ],
    ...r.atRate.map((x) => [
      x.name === 'GetCallerIdentity' ? 'GetCallerIdentity (root)' : 'Authorize (1 decision)',
      x.result.p50Ms.toFixed(3),
      x.result.p90Ms.toFixed(3),
      x.result.p99Ms.toFixed(3),
      x.result.p999Ms.toFixed(3),
      x.result.maxMs.toFixed(2),
      fmt.int(x.result.requestsPerSecond) + flag(x.result),
      x.roundsP99Ms.map((p) => p.toFixed(2)).join(', '),
    ]),
  ]);
  return `${saturation}\n\n${rate}`;
}

/** The rows of run-all's table of targets. */
export function authorizeTargets(r: AuthorizeResult, verdict: (ok: boolean) => string): (string | number)[][] {
  const one = r.atRate.find((x) => x.name === 'Authorize')!.result;
  const floor = r.atRate.find((x) => x.name === 'GetCallerIdentity')!.result;
  return [
    [
      'Authorize: req/s vs GetCallerIdentity, same run',
      fmt.ratio(r.authorizeOverGetCallerIdentity),
      '≥ 0.8×',
      verdict(r.authorizeOverGetCallerIdentity >= 0.8),
    ],
    [
      `Authorize: p99 at ${fmt.int(one.targetRate)} req/s (ms)`,
      one.p99Ms.toFixed(3),
      '≤ 2',
      // A machine whose cheapest request's tail is already past the bound cannot say whether Authorize's is.
      floor.p99Ms > 2
        ? `not judgeable: GetCallerIdentity's own p99 is ${floor.p99Ms.toFixed(2)} ms here`
        : verdict(one.p99Ms <= 2 && one.non2xx + one.errors === 0),
    ],
    [`BatchAuthorize (${BATCH}): server CPU vs 1 decision`, fmt.ratio(r.batchOverOneCpu), '≤ 4×', verdict(r.batchOverOneCpu <= 4)],
  ];
}

if (isMain(import.meta.url)) {
  const r = await runAuthorizeBench();
  writeResult('authorize', {
    machine: machine(),
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS, rounds: ROUNDS, rate: RATE, pool: POOL, batch: BATCH },
    targets: { authorizeOverGetCallerIdentity: 0.8, p99MsAtRate: 2, batchOverOneCpu: 4 },
    ...r,
    date: new Date().toISOString(),
  });
  if (!process.env.BENCH_QUIET) {
    console.log(authorizeTables(r));
    console.log(`\n${table([['Target', 'measured', 'target', ''], ...authorizeTargets(r, (ok) => (ok ? 'met' : 'MISSED'))])}`);
  }
}
