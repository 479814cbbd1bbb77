// Load generation from the benchmark's own process against a server in another process: a
// warm-up run (discarded), then a measured run of fixed duration, at saturation (a fixed number
// of connections, each sending its next request as soon as the previous one is answered).
//
// autocannon drives servers that keep connections alive (iamd, the bare server). moto's server
// (werkzeug) answers every request with `Connection: close`, which autocannon cannot follow (it
// keeps writing to the closed socket, and its reconnectRate option drops the responses it
// counts), so moto gets a small closed-loop client that opens a connection per request.
import autocannon from 'autocannon';
import { request as httpRequest } from 'node:http';
import { send, type SignedRequest } from './signed.ts';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  total: number;
  /** Answers that were not 2xx, errors and timeouts: a row with any of these is suspect. */
  non2xx: number;
  errors: number;
  durationS: number;
  client: 'autocannon' | 'connection-per-request';
  /** With several rounds: every round's req/s (this result is the best round's). */
  roundsRequestsPerSecond?: number[];
}

/** BENCH_ROUNDS (default 2): measured runs per row and target, interleaved; the best is kept. */
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

/**
 * The round with the most requests per second, with every round's figure kept beside it. On a
 * machine shared with other work, the best round is the one least disturbed by it.
 */
export function bestRound(rounds: LoadResult[]): LoadResult {
  const best = rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return { ...best, roundsRequestsPerSecond: rounds.map((r) => Math.round(r.requestsPerSecond)) };
}

/**
 * What each connection sends: `requests` in order, round and round; or, with `pairs`, a
 * CreateUser and then the DeleteUser of the same name, each connection taking the next pair.
 */
export type Workload = { requests: SignedRequest[] } | { pairs: { first: SignedRequest[]; second: SignedRequest[] } };

export interface LoadOptions {
  url: string;
  workload: Workload;
  connections?: number;
  durationS?: number;
  warmupS?: number;
  /** Open a new connection for every request (for servers that answer `Connection: close`). */
  connectionPerRequest?: boolean;
}

const fixed = (req: SignedRequest): autocannon.Request => ({ method: req.method, path: req.path, headers: req.headers, body: req.body });

const nextPair = new WeakMap<object, { next: number }>();

/**
 * A workload with no request, or with pairs that do not match up, would index past the end of
 * its lists (every index into them below relies on this check).
 */
function checkWorkload(w: Workload): void {
  if ('requests' in w) {
    if (w.requests.length === 0) throw new Error('workload: no requests');
  } else if (w.pairs.first.length === 0 || w.pairs.first.length !== w.pairs.second.length) {
    throw new Error(`workload: ${w.pairs.first.length} first and ${w.pairs.second.length} second requests (want as many of each, at least one)`);
  }
}

/**
 * A counter shared by every connection and every run over the same pairs, so that no two
 * connections take the same pair and a later run does not start again from the first.
 */
function pairCounter(w: Workload): () => number {
  if (!('pairs' in w)) return () => 0;
  const state = nextPair.get(w.pairs) ?? { next: 0 };
  nextPair.set(w.pairs, state);
  const n = w.pairs.first.length;
  return () => state.next++ % n;
}

/**
 * When a run stops, a connection may have sent a pair's first request and not its second: the
 * user it created would make that pair fail when the counter comes round to it again. Sends the
 * second request of the last pairs taken (one per connection); a 404 for a finished pair is fine.
 */
async function finishPairs(o: LoadOptions): Promise<void> {
  if (!('pairs' in o.workload)) return;
  const { second } = o.workload.pairs;
  const state = nextPair.get(o.workload.pairs);
  if (!state) return;
  const n = second.length;
  const last = Array.from({ length: Math.min(o.connections ?? 16, state.next) }, (_, i) => (state.next - 1 - i) % n);
  await Promise.all(last.map((k) => send(o.url, second[k]!).catch(() => undefined)));
}

function autocannonRequests(w: Workload, take: () => number): autocannon.Request[] {
  if ('requests' in w) return w.requests.map(fixed);
  const { first, second } = w.pairs;
  // autocannon's context is per connection: the second request reuses the pair the first took.
  return [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const k = take();
        (context as { k: number }).k = k;
        return { ...req, ...fixed(first[k]!) };
      },
    },
    { method: 'POST', setupRequest: (req, context) => ({ ...req, ...fixed(second[(context as { k: number }).k]!) }) },
  ];
}

function runAutocannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function viaAutocannon(o: LoadOptions, durationS: number, take: () => number): Promise<LoadResult> {
  const r = await runAutocannon({
    url: o.url,
    connections: o.connections ?? 16,
    pipelining: 1,
    timeout: 10,
    duration: durationS,
    requests: autocannonRequests(o.workload, take),
  });
  return {
    requestsPerSecond: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    durationS: r.duration,
    client: 'autocannon',
  };
}

function once(url: URL, req: SignedRequest): Promise<number> {
  return new Promise((resolve) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, connection: 'close' },
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    r.on('error', () => resolve(0));
    r.on('timeout', () => r.destroy());
    r.end(req.body);
  });
}

async function viaClosedLoop(o: LoadOptions, durationS: number, take: () => number): Promise<LoadResult> {
  const url = new URL(o.url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + durationS * 1000;
  const worker = async (): Promise<void> => {
    let i = 0;
    while (performance.now() < end) {
      const sequence =
        'requests' in o.workload
          ? [o.workload.requests[i++ % o.workload.requests.length]!]
          : ((k) => [o.workload.pairs.first[k]!, o.workload.pairs.second[k]!])(take());
      for (const req of sequence) {
        const a = performance.now();
        const status = await once(url, req);
        latencies.push(performance.now() - a);
        if (status === 0) errors++;
        else if (status < 200 || status > 299) non2xx++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections ?? 16 }, worker));
  const elapsedS = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : NaN);
  return {
    requestsPerSecond: latencies.length / elapsedS,
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    maxMs: pct(1),
    total: latencies.length,
    non2xx,
    errors,
    durationS: elapsedS,
    client: 'connection-per-request',
  };
}

export async function load(o: LoadOptions): Promise<LoadResult> {
  checkWorkload(o.workload);
  const take = pairCounter(o.workload);
  const run = o.connectionPerRequest ? viaClosedLoop : viaAutocannon;
  if ((o.warmupS ?? 2) > 0) {
    await run(o, o.warmupS ?? 2, take);
    await finishPairs(o);
  }
  const result = await run(o, o.durationS ?? 6, take);
  await finishPairs(o);
  return result;
}
