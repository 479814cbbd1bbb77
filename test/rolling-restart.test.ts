// A rolling restart loses nothing: two iamd nodes on one PostgreSQL database behind a round-robin
// proxy (written here, configured as docs/operations.md configures nginx: keep-alive connections to
// the nodes, and a request whose connection failed before any byte of an answer goes to the other
// node), steady SDK traffic with SDK retries off, one node stopped with SIGTERM and started again.
// The stopped node stops accepting, finishes what it was answering (a request whose body is still
// arriving when the signal comes included), closes its database and exits 0; no call fails, and
// the balancer has no failure either.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ROOT_KEY, startTestApp, tempDataDir } from './helpers.ts';
import { startChild, stopChild, type ChildIamd } from './child-process.ts';
import { createTestDatabase } from './pg.ts';

/**
 * A round-robin HTTP proxy over a list of upstreams that may change (a node restarted elsewhere),
 * keeping connections to them open between requests, as nginx does with `keepalive` in its
 * `upstream` block. Like nginx's `proxy_next_upstream error timeout non_idempotent` (see
 * docs/operations.md), it sends a request to the next node when its connection failed before any
 * byte of an answer came back: refused, or reset/closed unanswered. Honest only because iamd never
 * reads a request it does not answer (src/http/drain.ts); a request that was answered, even with
 * an error, is never sent again. Everything retried is recorded, and the test's CreateUser calls
 * (unique names, no SDK retries) would fail with EntityAlreadyExists if a retried request had run.
 */
class RoundRobinProxy {
  readonly server: Server;
  private next = 0;
  private readonly agents = new Map<string, Agent>();
  readonly served = new Map<string, number>();
  /** Requests the proxy could not place: answered 502. The test wants none. */
  readonly failures: string[] = [];
  /** Requests sent to another node after their connection failed unanswered (`upstream: code`). */
  readonly retried: string[] = [];

  constructor(public upstreams: string[]) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks), res));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
    for (const agent of this.agents.values()) agent.destroy();
  }

  private agent(upstream: string): Agent {
    let agent = this.agents.get(upstream);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: 8 });
      this.agents.set(upstream, agent);
    }
    return agent;
  }

  private forward(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    res: import('node:http').ServerResponse,
    tried: Set<string> = new Set(),
  ): void {
    // Round robin, skipping the nodes that already failed this request.
    const start = this.next++;
    const upstream = [...this.upstreams.keys()].map((i) => this.upstreams[(start + i) % this.upstreams.length]!).find((u) => !tried.has(u))!;
    const target = new URL(url, upstream);
    // The Host header is passed on as it came: the client signed it. Hop-by-hop headers are the proxy's own.
    const { connection: _c, 'keep-alive': _k, ...passed } = headers;
    let answered = false;
    const out = request(target, { method, headers: passed, agent: this.agent(upstream) }, (up) => {
      answered = true;
      const { connection: _uc, 'keep-alive': _uk, ...back } = up.headers;
      res.writeHead(up.statusCode ?? 502, back);
      up.pipe(res);
      up.on('end', () => this.served.set(upstream, (this.served.get(upstream) ?? 0) + 1));
    });
    out.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      if (!answered && tried.size + 1 < this.upstreams.length) {
        this.retried.push(`${upstream}: ${code}`);
        return this.forward(method, url, headers, body, res, new Set([...tried, upstream]));
      }
      this.failures.push(`${upstream}: ${code}${answered ? ' (after the answer began)' : ''}`);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    out.end(body);
  }
}

/** Waits until `output()` matches `re` (a node's log line). */
async function logged(node: ChildIamd, re: RegExp): Promise<void> {
  for (let i = 0; i < 2000 && !re.test(node.output()); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(node.output(), re);
}

describe('rolling restart behind a load balancer', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const nodes: ChildIamd[] = [];
  let proxy: RoundRobinProxy;
  let proxyUrl: string;
  const masterKey = randomBytes(32).toString('hex');
  const nodeEnv = () => ({ IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey, IAMD_SHUTDOWN_TIMEOUT: '30' });

  before(async () => {
    db = await createTestDatabase();
    // One after the other, as a rolling deployment starts them (the first migrates the new database).
    nodes.push(await startChild(tempDataDir(), nodeEnv()));
    nodes.push(await startChild(tempDataDir(), nodeEnv()));
    proxy = new RoundRobinProxy(nodes.map((n) => n.url));
    proxyUrl = await proxy.listen();
  });
  after(async () => {
    await Promise.all(nodes.map((n) => stopChild(n)));
    proxy.close();
    await db.drop();
  });

  test('SIGTERM one node, start it again: in-flight requests finish and no call fails', async () => {
    // No SDK retries: a request the balancer could not place would be a failed call here.
    const sts = new STSClient({ endpoint: proxyUrl, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    const iam = new IAMClient({ endpoint: proxyUrl, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    let running = true;
    let ok = 0;
    const failed: string[] = [];
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        try {
          if (i % 3 === 0) await iam.send(new CreateUserCommand({ UserName: `w${w}-u${i}` }));
          else if (i % 3 === 1) await iam.send(new ListUsersCommand({ MaxItems: 5 }));
          else await sts.send(new GetCallerIdentityCommand({}));
          ok++;
        } catch (err) {
          failed.push(`${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    const untilOk = async (n: number) => {
      const target = ok + n;
      while (ok < target && failed.length === 0) await new Promise((r) => setTimeout(r, 10));
    };
    await untilOk(40);

    const old = nodes[0]!;
    // A request in flight at the signal: its headers sent straight to the node, its body after the node has begun stopping.
    const url = new URL(old.url);
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const signer = new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'sts', sha256: Sha256 });
    const unsigned = {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) },
      body,
    };
    const signed = await signer.sign(unsigned as unknown as HttpRequest);
    // Expect: 100-continue: the node's `100 Continue` proves it holds the request before the signal.
    const slow = request(old.url, { method: 'POST', headers: { ...signed.headers, expect: '100-continue' }, agent: false });
    const received = new Promise((resolve) => slow.once('continue', resolve));
    const slowReply = new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
      slow.on('response', (r) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, connection: r.headers.connection, text }));
      });
      slow.on('error', reject);
    });
    slow.flushHeaders();
    await received;
    const exited = new Promise<number | null>((resolve) => old.process.once('exit', (code) => resolve(code)));
    old.process.kill('SIGTERM');
    await logged(old, /iamd stopping: no new connections/);
    // Stopping, it still answers the request it was reading; traffic goes on through the other node.
    slow.end(body);
    const reply = await slowReply;
    assert.equal(reply.status, 200, reply.text);
    assert.match(reply.text, /<GetCallerIdentityResult>/);
    assert.equal(reply.connection, 'close');
    assert.equal(await exited, 0, old.output());
    assert.match(old.output(), /"finished":[1-9]\d*.*"msg":"requests in flight finished"/);
    assert.match(old.output(), /"msg":"database closed"/);
    assert.match(old.output(), /"msg":"iamd stopped"/);
    await untilOk(20);

    // Started again (on a new port, which the balancer learns): it takes its share of the traffic.
    const restarted = await startChild(tempDataDir(), nodeEnv());
    nodes[0] = restarted;
    proxy.upstreams = [restarted.url, nodes[1]!.url];
    while ((proxy.served.get(restarted.url) ?? 0) < 20 && failed.length === 0) await new Promise((r) => setTimeout(r, 10));
    running = false;
    await Promise.all(workers);

    assert.deepEqual(failed, []);
    assert.deepEqual(proxy.failures, []);
    // What the balancer sent elsewhere came only from the stopping node: refused once it stopped
    // listening, or reset unread (a connection its kernel had queued as the listener closed, or an
    // idle keep-alive connection closed as a request arrived on it).
    for (const r of proxy.retried) assert.match(r, new RegExp(`^${old.url}: (ECONNREFUSED|ECONNRESET|EPIPE|socket hang up)$`));
    assert.ok(proxy.retried.length > 0, 'the balancer never met the stopped node');
    assert.ok((proxy.served.get(restarted.url) ?? 0) >= 20);
    assert.ok(ok > 60, `only ${ok} calls`);
  });
});

describe('shutdown is bounded', () => {
  test('a request that never completes is cut at the shutdown timeout; idle connections do not hold it', async () => {
    const app = await startTestApp({ shutdownTimeout: 0.2 });
    // An idle keep-alive connection (one request answered) and a request whose body never arrives.
    const idle = await fetch(`${app.url}/healthz`);
    assert.equal(idle.status, 200);
    await idle.text();
    const stuck = request(app.url, { method: 'POST', headers: { 'content-length': '100', expect: '100-continue' }, agent: false });
    const outcome = new Promise<string>((resolve) => {
      stuck.on('response', (r) => resolve(`answered ${r.statusCode}`));
      stuck.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    stuck.flushHeaders();
    await new Promise((resolve) => stuck.once('continue', resolve));
    await app.close();
    assert.equal(await outcome, 'ECONNRESET');
  });
});
