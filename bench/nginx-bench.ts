// The gateway (issue #13) under load: the orders example behind Debian's nginx, protected by iamd
// through auth_request (examples/nginx/orders.conf as shipped, only its ports and token replaced),
// against the same example behind the same nginx configuration without auth_request (the X-Iamd-*
// headers the upstream believes then set to fixed values by nginx itself, so that the upstream does
// the same work). Run: node --import tsx bench/nginx-bench.ts  (bench/results/nginx.json)
//
// Processes: iamd (dist/, `--data-dir :memory:`), the orders example in gateway mode (tsx), two
// nginx (one worker each, test/nginx.ts), and this process as the load generator: five processes
// on the machine's cores. Every request is alice's `GET /orders/ID`, signed with @smithy/signature-v4
// for `orders` (x-amz-content-sha256 signed), one per order of 2,000 created through the protected
// nginx before the clock starts; iamd maps the route to orders:GetOrder on the order's ARN with the
// catalogue and decides with alice's policies (bench/authorize-bench.ts).
//
// BENCH_DURATION (s, 6), BENCH_WARMUP (s, 2), BENCH_CONNECTIONS (16), BENCH_ROUNDS (2), BENCH_RATE (1000).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NGINX, type RunningNginx, startNginxWith } from '../test/nginx.ts';
import { cpuMs, createAuthorizeFixture } from './authorize-bench.ts';
import { ROUNDS, bestRound, fixedRate, load, type LoadResult, type RateResult } from './lib/load.ts';
import { ACCOUNT_ID, ROOT, startIamd, startOrdersBehindGateway, type Child } from './lib/processes.ts';
import { fmt, isMain, machine, table, writeResult } from './lib/report.ts';
import { call, send, signClientRequest, signJson, xmlText, type Credentials, type SignedRequest } from './lib/signed.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const ORDERS = 2000;
const REGION = 'us-east-1';

const CONF = readFileSync(fileURLToPath(new URL('../examples/nginx/orders.conf', import.meta.url)), 'utf8');
const CATALOGUE = JSON.parse(readFileSync(fileURLToPath(new URL('../examples/orders/orders.catalog.json', import.meta.url)), 'utf8')) as unknown;

function replaced(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`examples/nginx/orders.conf no longer holds ${from}`);
  return out;
}

/** examples/nginx/orders.conf with these ports and token (as test/gateway-nginx.test.ts runs it), and keepalive_requests. */
function protectedConf(port: number, iamdPort: number, ordersPort: number, token: string): string {
  // One setting added for the load generator: nginx closes a client connection after 1,000
  // requests by default, and autocannon then loses the request it had already written.
  let conf = replaced(CONF, 'listen 8080;', `listen 127.0.0.1:${port};\n    keepalive_requests 1000000;`);
  conf = replaced(conf, 'server 127.0.0.1:8900;', `server 127.0.0.1:${iamdPort};`);
  conf = replaced(conf, 'server 127.0.0.1:8081;', `server 127.0.0.1:${ordersPort};`);
  return replaced(conf, 'iamdg_REPLACE_WITH_THE_TOKEN', token);
}

/**
 * The same, without auth_request: each `auth_request_set $v $upstream_http_…;` becomes `set $v
 * "…";` with the value iamd answers for alice, so that nginx sends the upstream the same headers.
 */
function unprotectedConf(port: number, iamdPort: number, ordersPort: number, principal: Record<string, string>): string {
  let conf = replaced(protectedConf(port, iamdPort, ordersPort, 'unused'), /^\s*auth_request \/_iamd\/check;\s*$/m, '');
  conf = conf.replace(/auth_request_set (\$\w+) \$upstream_http_(\w+);/g, (_, variable: string, header: string) => {
    const value = principal[header.replace(/_/g, '-')] ?? '';
    return `set ${variable} "${value}";`;
  });
  if (/auth_request/.test(conf.replace(/^\s*#.*$/gm, ''))) throw new Error('the unprotected nginx configuration still uses auth_request');
  return conf;
}

export interface NginxRow {
  name: 'protected' | 'unprotected';
  saturation: LoadResult;
  /** CPU per request of iamd and of the orders example in the best saturation round (µs; nginx's is not measured). */
  cpuUs: { iamd: number; orders: number };
  atRate: RateResult;
  roundsP99Ms: number[];
}

export interface NginxResult {
  rows: NginxRow[];
  /** Protected over unprotected req/s at saturation (best rounds). */
  throughputRatio: number;
  /** At the fixed rate: protected minus unprotected (each the round with the lowest p99). */
  addedP50Ms: number;
  addedP99Ms: number;
}

export async function runNginxBench(): Promise<NginxResult> {
  const stops: (() => Promise<void>)[] = [];
  try {
    const iamd: Child = await startIamd();
    stops.push(() => iamd.stop());
    const orders = await startOrdersBehindGateway();
    stops.push(() => orders.stop());
    const f = await createAuthorizeFixture(iamd.url);
    const json = async (req: SignedRequest) => {
      const res = await send(iamd.url, req);
      if (res.status !== 200) throw new Error(`${req.method} ${req.path}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
      return JSON.parse(res.text) as Record<string, any>;
    };
    // The team registers its catalogue; the service's operator (allowed iamd:Authorize on orders) registers nginx.
    await json(await signJson(iamd.url, ROOT, '/iamd/services/orders', CATALOGUE, 'PUT'));
    const { Token: token } = await json(await signJson(iamd.url, f.gateway, '/iamd/gateways', { ServiceName: 'orders', Name: 'bench-nginx' }));
    const userId = xmlText(await call(iamd.url, ROOT, 'iam', 'GetUser', { UserName: 'alice' }), 'UserId')!;
    const port = (url: string) => Number(new URL(url).port);
    const guarded: RunningNginx = await startNginxWith((p) => protectedConf(p, port(iamd.url), port(orders.url), token));
    stops.push(() => guarded.stop());
    const principal = {
      'x-iamd-principal-arn': `arn:aws:iam::${ACCOUNT_ID}:user/alice`,
      'x-iamd-account': ACCOUNT_ID,
      'x-iamd-user-id': userId,
      'x-iamd-principal-type': 'User',
      'x-iamd-mfa': 'false',
      'x-iamd-action': 'orders:GetOrder',
      'x-iamd-resource': `arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/1`,
    };
    const open: RunningNginx = await startNginxWith((p) => unprotectedConf(p, port(iamd.url), port(orders.url), principal));
    stops.push(() => open.stop());

    // The orders, created by alice through the protected nginx (a body, checked upstream against the signed hash).
    const ids = await createOrders(guarded.url, f.alice);
    const pool = (url: string) =>
      Promise.all(ids.map((id) => signClientRequest(url, f.alice, { service: 'orders', region: REGION, method: 'GET', path: `/orders/${id}` })));
    const targets = [
      { name: 'protected' as const, url: guarded.url, requests: await pool(guarded.url) },
      { name: 'unprotected' as const, url: open.url, requests: await pool(open.url) },
    ];
    await check(targets[0]!.url, targets[0]!.requests[0]!, f.alice);
    const first = await send(targets[1]!.url, targets[1]!.requests[0]!);
    if (first.status !== 200) throw new Error(`unprotected nginx: HTTP ${first.status} ${first.text.slice(0, 300)}`);

    const saturation = new Map<NginxRow['name'], LoadResult[]>(targets.map((t) => [t.name, []]));
    const atRate = new Map<NginxRow['name'], RateResult[]>(targets.map((t) => [t.name, []]));
    const cpus = new Map<NginxRow['name'], { iamd: number; orders: number }[]>(targets.map((t) => [t.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        process.stderr.write(`  nginx ${t.name} at saturation (round ${round}/${ROUNDS}) … `);
        const workload = { requests: t.requests };
        await load({ url: t.url, workload, connections: CONNECTIONS, durationS: WARMUP, warmupS: 0 });
        const [i0, o0] = [cpuMs(iamd.pid), cpuMs(orders.pid)];
        const r = await load({ url: t.url, workload, connections: CONNECTIONS, durationS: DURATION, warmupS: 0 });
        const cpu = { iamd: ((cpuMs(iamd.pid) - i0) * 1000) / r.total, orders: ((cpuMs(orders.pid) - o0) * 1000) / r.total };
        saturation.get(t.name)!.push(r);
        cpus.get(t.name)!.push(cpu);
        process.stderr.write(
          `${fmt.int(r.requestsPerSecond)} req/s, CPU per request: iamd ${cpu.iamd.toFixed(1)} µs, orders ${cpu.orders.toFixed(1)} µs${r.non2xx + r.errors ? ` (${r.non2xx + r.errors} failed)` : ''}\n`,
        );
      }
      for (const t of targets) {
        process.stderr.write(`  nginx ${t.name} at ${fmt.int(RATE)} req/s (round ${round}/${ROUNDS}) … `);
        const r = await fixedRate({ url: t.url, requests: t.requests, rate: RATE, durationS: DURATION, warmupS: WARMUP });
        atRate.get(t.name)!.push(r);
        process.stderr.write(`p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms${r.non2xx + r.errors ? ` (${r.non2xx + r.errors} failed)` : ''}\n`);
      }
    }
    const rows: NginxRow[] = targets.map((t) => {
      const rates = atRate.get(t.name)!;
      const best = bestRound(saturation.get(t.name)!);
      const cpu = cpus.get(t.name)![saturation.get(t.name)!.findIndex((x) => x.requestsPerSecond === best.requestsPerSecond)]!;
      return {
        name: t.name,
        saturation: best,
        cpuUs: { iamd: Number(cpu.iamd.toFixed(1)), orders: Number(cpu.orders.toFixed(1)) },
        atRate: rates.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a)),
        roundsP99Ms: rates.map((r) => r.p99Ms),
      };
    });
    const [p, u] = rows as [NginxRow, NginxRow];
    return {
      rows,
      throughputRatio: p.saturation.requestsPerSecond / u.saturation.requestsPerSecond,
      addedP50Ms: Number((p.atRate.p50Ms - u.atRate.p50Ms).toFixed(3)),
      addedP99Ms: Number((p.atRate.p99Ms - u.atRate.p99Ms).toFixed(3)),
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** Creates the orders through the protected nginx; answers their ids. */
async function createOrders(url: string, alice: Credentials): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < ORDERS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, ORDERS - i) }, async (_, j) => {
        const body = JSON.stringify({ Item: `bench item ${i + j}`, Quantity: 1 + ((i + j) % 5), Amount: 5 + ((i + j) % 90) });
        const res = await send(url, await signClientRequest(url, alice, { service: 'orders', region: REGION, method: 'POST', path: '/orders', body }));
        if (res.status !== 201) throw new Error(`POST /orders through nginx: HTTP ${res.status} ${res.text.slice(0, 300)}`);
        return (JSON.parse(res.text) as { Order: { OrderId: string } }).Order.OrderId;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

/**
 * Before loading: the protected nginx lets alice's request through to the upstream, and really asks
 * iamd (a wrong signature is refused 401; an unknown order passes iamd and is the upstream's 404).
 */
async function check(url: string, req: SignedRequest, alice: Credentials): Promise<void> {
  const ok = await send(url, req);
  if (ok.status !== 200 || !ok.text.includes('"OrderId"')) throw new Error(`protected nginx: HTTP ${ok.status} ${ok.text.slice(0, 300)}`);
  const tampered = { ...req, headers: { ...req.headers, authorization: req.headers.authorization!.replace(/Signature=\w{8}/, 'Signature=00000000') } };
  const refused = await send(url, tampered);
  if (refused.status !== 401) throw new Error(`protected nginx let a tampered signature through (HTTP ${refused.status})`);
  const other = await signClientRequest(url, alice, { service: 'orders', region: REGION, method: 'GET', path: '/orders/does-not-exist' });
  const missing = await send(url, other);
  if (missing.status !== 404) throw new Error(`protected nginx, unknown order: HTTP ${missing.status} (want the upstream's 404)`);
}

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(3)}`;

export function nginxTable(r: NginxResult): string {
  const flag = (x: { non2xx: number; errors: number }) => (x.non2xx + x.errors > 0 ? ` (${x.non2xx + x.errors} failed)` : '');
  const rate = r.rows[0]?.atRate.targetRate ?? RATE;
  return table([
    [
      'orders example behind nginx',
      'req/s (saturation)',
      'p50 ms',
      'p99 ms',
      'CPU µs/req: iamd, orders',
      `p50 ms at ${fmt.int(rate)}/s`,
      `p99 ms at ${fmt.int(rate)}/s`,
      'p99 ms, every round',
    ],
    ...r.rows.map((x) => [
      x.name === 'protected' ? 'auth_request → iamd (examples/nginx/orders.conf)' : 'same nginx, no auth_request',
      fmt.int(x.saturation.requestsPerSecond) + flag(x.saturation),
      fmt.ms(x.saturation.p50Ms),
      fmt.ms(x.saturation.p99Ms),
      `${x.cpuUs.iamd.toFixed(1)}, ${x.cpuUs.orders.toFixed(1)}`,
      x.atRate.p50Ms.toFixed(3) + flag(x.atRate),
      x.atRate.p99Ms.toFixed(3),
      x.roundsP99Ms.map((p) => p.toFixed(2)).join(', '),
    ]),
    ['added by iamd', fmt.ratio(r.throughputRatio), '', '', '', signed(r.addedP50Ms), signed(r.addedP99Ms), ''],
  ]);
}

export function nginxTargets(r: NginxResult, verdict: (ok: boolean) => string): (string | number)[][] {
  const rate = fmt.int(r.rows[0]?.atRate.targetRate ?? RATE);
  const failed = r.rows.some((x) => x.atRate.non2xx + x.atRate.errors + x.saturation.non2xx + x.saturation.errors > 0);
  const alone = r.rows.find((x) => x.name === 'unprotected')?.atRate.p99Ms;
  return [
    [`nginx + iamd: added p50 at ${rate} req/s (ms)`, r.addedP50Ms.toFixed(3), '≤ 0.5', verdict(r.addedP50Ms <= 0.5 && !failed)],
    [
      `nginx + iamd: added p99 at ${rate} req/s (ms)`,
      r.addedP99Ms.toFixed(3),
      '≤ 2',
      // nginx alone with a tail past the bound: the difference of two such tails is noise, not iamd.
      alone !== undefined && alone > 2 ? `not judgeable: nginx alone's p99 is ${alone.toFixed(2)} ms here` : verdict(r.addedP99Ms <= 2 && !failed),
    ],
    ['nginx + iamd: req/s vs without auth_request', fmt.ratio(r.throughputRatio), '≥ 0.5×', verdict(r.throughputRatio >= 0.5 && !failed)],
  ];
}

if (isMain(import.meta.url)) {
  if (!existsSync(NGINX)) {
    // Not a failure of the benchmark: its rows show as not measured.
    console.error(`${NGINX} is missing (apt-get install nginx): the nginx rows are not measured`);
    process.exit(0);
  }
  const r = await runNginxBench();
  writeResult('nginx', {
    machine: machine(),
    settings: { durationS: DURATION, warmupS: WARMUP, connections: CONNECTIONS, rounds: ROUNDS, rate: RATE, orders: ORDERS },
    targets: { addedP50Ms: 0.5, addedP99Ms: 2, throughputRatio: 0.5 },
    ...r,
    date: new Date().toISOString(),
  });
  if (!process.env.BENCH_QUIET) {
    console.log(nginxTable(r));
    console.log(`\n${table([['Target', 'measured', 'target', ''], ...nginxTargets(r, (ok) => (ok ? 'met' : 'MISSED'))])}`);
  }
}
