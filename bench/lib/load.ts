// Load generation from the benchmark's own process against a server in another process: a
// warm-up run (discarded), then a measured run of fixed duration, at saturation (a fixed number
// of connections, each sending its next request as soon as the previous one is answered).
//
// autocannon drives servers that keep connections alive (iamd, the bare server). moto's server
// (werkzeug) answers every request with `Connection: close`, which autocannon cannot follow (it
// keeps writing to the closed socket, and its reconnectRate option drops the responses it
// counts), so moto gets a small closed-loop client that opens a connection per request.
//
// `fixedRate` is the other kind of load: a fixed number of requests per second whatever the
// answers take (autocannon's rate options keep latencies in whole milliseconds, too coarse for a
// 2 ms target), for latency at a given throughput.
import autocannon from 'autocannon';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
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

/**
 * Above this many requests, a workload is not handed to autocannon as a list: autocannon builds
 * every request of the list for each connection before it starts, inside the measured time
 * (16 connections × 20,000 requests took ~5 s, and a 2,000-request list ~0.5 s of a 3 s run).
 */
export const LIST_LIMIT = 500;
const nextRequest = new WeakMap<object, { next: number }>();

function autocannonRequests(w: Workload, take: () => number): autocannon.Request[] {
  if ('requests' in w && w.requests.length <= LIST_LIMIT) return w.requests.map(fixed);
  if ('requests' in w) {
    // One dynamic request instead, each connection taking the next of the pool (shared by every
    // connection and every run, so that the requests in flight are distinct).
    const { requests } = w;
    const state = nextRequest.get(requests) ?? { next: 0 };
    nextRequest.set(requests, state);
    return [{ method: 'POST', setupRequest: (req) => ({ ...req, ...fixed(requests[state.next++ % requests.length]!) }) }];
  }
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

/** What a fixed-rate run measured: latencies in fractional milliseconds (not autocannon's whole ones). */
export interface RateResult {
  /** Requests per second asked for, and answered per second over the run. */
  targetRate: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  total: number;
  non2xx: number;
  errors: number;
  /** How late requests were written against their schedule (the load generator's own lag): p99 and max. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Connections the run used: it opens one more whenever every open one is waiting for an answer. */
  connections: number;
  durationS: number;
  client: 'fixed-rate';
}

export interface RateOptions {
  url: string;
  requests: SignedRequest[];
  /** Requests per second, spread evenly (an open loop: a slow answer does not delay the next request). */
  rate: number;
  durationS?: number;
  warmupS?: number;
  /** Connections opened up front (keep-alive); more are opened when all of them are busy. */
  connections?: number;
}

/** The bytes of one HTTP/1.1 request, written as is. */
function wire(req: SignedRequest): Buffer {
  const body = Buffer.from(req.body);
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(req.headers)) if (name.toLowerCase() !== 'content-length') head += `${name}: ${value}\r\n`;
  head += `content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const CRLF2 = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** The end of the first complete response in `buf` and its status, or undefined while it is incomplete. */
function responseEnd(buf: Buffer): { end: number; status: number; close: boolean } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection: *close/.test(head);
  const length = /\r\ncontent-length: *(\d+)/.exec(head);
  if (length) {
    const end = headEnd + 4 + Number(length[1]);
    return buf.length >= end ? { end, status, close } : undefined;
  }
  if (/\r\ntransfer-encoding: *chunked/.test(head)) {
    // Enough for the servers measured here: the answer ends with the last chunk and no trailers.
    const last = buf.indexOf(LAST_CHUNK, headEnd + 4);
    if (last < 0 || (last !== headEnd + 4 && buf[last - 1] !== 0x0a)) return undefined;
    return { end: last + LAST_CHUNK.length, status, close };
  }
  return { end: headEnd + 4, status, close }; // no body (204, 304)
}

const wired = new WeakMap<SignedRequest[], Buffer[]>();

async function rateRun(o: RateOptions, durationS: number): Promise<RateResult> {
  const url = new URL(o.url);
  // Built once per pool (by the warm-up), so that the measured run allocates nothing big.
  const bytes = wired.get(o.requests) ?? o.requests.map(wire);
  wired.set(o.requests, bytes);
  const interval = 1000 / o.rate;
  const count = Math.round(durationS * o.rate);
  const latencies: number[] = [];
  const lags: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let opened = 0;
  let answered = 0;
  interface Conn {
    socket: Socket;
    buf: Buffer;
    sentAt: number;
    busy: boolean;
  }
  const idle: Conn[] = [];
  const all = new Set<Conn>();
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const settle = () => {
    answered++;
    if (answered === count) finish();
  };
  const open = (): Promise<Conn> =>
    new Promise((resolve) => {
      opened++;
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      socket.setNoDelay(true);
      const c: Conn = { socket, buf: Buffer.alloc(0), sentAt: 0, busy: false };
      all.add(c);
      socket.on('connect', () => resolve(c));
      socket.on('data', (d: Buffer) => {
        c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
        const r = responseEnd(c.buf);
        if (r === undefined) return;
        latencies.push(performance.now() - c.sentAt);
        if (r.status < 200 || r.status > 299) non2xx++;
        c.buf = c.buf.subarray(r.end);
        c.busy = false;
        settle();
        if (r.close) socket.destroy();
        else idle.push(c);
      });
      const lost = () => {
        all.delete(c);
        const i = idle.indexOf(c);
        if (i >= 0) idle.splice(i, 1);
        if (c.busy) {
          c.busy = false;
          errors++;
          settle();
        }
      };
      socket.on('error', lost);
      socket.on('close', lost);
    });
  const send = (c: Conn, i: number, due: number) => {
    c.busy = true;
    c.sentAt = performance.now();
    lags.push(c.sentAt - due);
    c.socket.write(bytes[i % bytes.length]!);
  };
  for (const c of await Promise.all(Array.from({ length: o.connections ?? 16 }, open))) idle.push(c);
  const t0 = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < count && t0 + next * interval <= now) {
        const i = next++;
        const due = t0 + i * interval;
        const c = idle.pop();
        if (c) send(c, i, due);
        else void open().then((fresh) => send(fresh, i, due));
      }
      if (next >= count) return resolve();
      setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    tick();
  });
  await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
  const elapsedS = (performance.now() - t0) / 1000;
  for (const c of all) c.socket.destroy();
  errors += count - answered;
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]! : NaN);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    targetRate: o.rate,
    requestsPerSecond: latencies.length / elapsedS,
    p50Ms: round(pct(latencies, 0.5)),
    p90Ms: round(pct(latencies, 0.9)),
    p99Ms: round(pct(latencies, 0.99)),
    p999Ms: round(pct(latencies, 0.999)),
    maxMs: round(pct(latencies, 1)),
    total: latencies.length,
    non2xx,
    errors,
    sendLagP99Ms: round(pct(lags, 0.99)),
    sendLagMaxMs: round(pct(lags, 1)),
    connections: opened,
    durationS: elapsedS,
    client: 'fixed-rate',
  };
}

/**
 * Load at a fixed rate (an open loop, as a gateway in front of many clients sees it), over
 * keep-alive connections, with latencies to the microsecond: each request's time from its write to
 * the last byte of its answer. A discarded warm-up at the same rate first.
 */
export async function fixedRate(o: RateOptions): Promise<RateResult> {
  if (o.requests.length === 0) throw new Error('fixedRate: no requests');
  if ((o.warmupS ?? 2) > 0) await rateRun(o, o.warmupS ?? 2);
  return rateRun(o, o.durationS ?? 6);
}
