// `iamd serve --workers 2` on one SQLite data folder (issue #18): the real CLI as a child process,
// requests landing on both workers (each answer names its worker in `x-iamd-worker`). What one
// worker writes, the other enforces on its very next request: a revoked key, a detached policy, a
// user removed from a group; an MFA code used once; console sign-in lockout, the one-time
// credentials page with its CSV and Add user's drafts (kept in the store, not in one worker's
// memory); rate limits hold for the whole, not per worker; /metrics counts every worker's
// requests, whichever answers it; the root credentials are printed once;
// SIGTERM stops every worker.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateGroupCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  EnableMFADeviceCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../src/crypto/totp.ts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ACCOUNT_ID, ROOT_KEY, tempDataDir, type Credentials } from './helpers.ts';
import { capture, ConsoleClient, parseCsv, type Reply } from './console/support.ts';
import { IAMD } from './iamd-cli.ts';

interface Cluster {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** `iamd serve --workers N` as a child process; resolves once a worker listens. */
function startWorkers(dataDir: string, workers: number, env: NodeJS.ProcessEnv = {}): Promise<Cluster> {
  const child = spawn(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', dataDir, '--workers', String(workers)], {
    env: { ...process.env, IAMD_ACCOUNT_ID: ACCOUNT_ID, IAMD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`iamd did not start:\n${out}`)), 90_000);
    const poll = setInterval(() => {
      // Every worker logs that it listens; wait for all of them.
      const urls = [...out.matchAll(/"url":"(https?:\/\/[^"]+)".*"msg":"iamd listening"/g)];
      if (urls.length >= workers) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve({ process: child, url: urls[0]![1]!, output: () => out });
      }
    }, 50);
    child.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`iamd exited with ${code}:\n${out}`));
    });
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** Which workers answered: recorded from every response's x-iamd-worker header. */
const answeredBy = new Set<string>();

/** A client with a new connection per request, so that requests are spread over the workers. */
function clientOptions(url: string, credentials: Credentials) {
  return {
    endpoint: url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    // A connection the primary handed to a worker as it was killed is never answered: give up on it.
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: false }), requestTimeout: 10_000, throwOnRequestTimeout: true }),
  };
}
function record<C extends { middlewareStack: IAMClient['middlewareStack'] }>(client: C, into: Set<string> = answeredBy): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const worker = (result.response as { headers?: Record<string, string> }).headers?.['x-iamd-worker'];
      if (worker) into.add(worker);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'recordWorker' },
  );
  return client;
}
const iam = (url: string, c: Credentials = ROOT_KEY) => record(new IAMClient(clientOptions(url, c)) as never) as IAMClient;
const sts = (url: string, c: Credentials) => record(new STSClient(clientOptions(url, c)) as never) as STSClient;

/** The console as a browser, but with a new connection per request: its pages land on both workers. */
class SpreadConsoleClient extends ConsoleClient {
  override request(method: string, path: string, body?: URLSearchParams | string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const text = body === undefined ? undefined : String(body);
      const req = httpRequest(
        this.base + path,
        {
          method,
          agent: false,
          headers: {
            cookie: this.cookieHeader(),
            'accept-language': this.acceptLanguage,
            ...(body instanceof URLSearchParams ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, x);
            this.remember({ headers: h });
            const worker = h.get('x-iamd-worker');
            if (worker) {
              answeredBy.add(worker);
              this.workers.push(worker);
            }
            const out = Buffer.concat(chunks).toString('utf8');
            if (h.get('content-type')?.startsWith('text/html')) this.lastBody = out;
            resolve({ status: res.statusCode ?? 0, location: h.get('location'), body: out, headers: h });
          });
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }
  /** The workers that answered, in order. */
  readonly workers: string[] = [];
}

const code_ = (p: Promise<unknown>) => code(p);
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { Code?: string; name: string }) => e.Code ?? e.name,
  );

describe('iamd serve --workers 2 on one SQLite data folder', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startWorkers(tempDataDir(), 2, { IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId, IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey });
  });
  after(async () => {
    if (cluster) assert.equal(await stop(cluster.process), 0, 'SIGTERM stops the workers and the primary cleanly');
  });

  test('both workers serve the one port', async () => {
    const root = iam(cluster.url);
    for (let i = 0; i < 10 && answeredBy.size < 2; i++) await root.send(new ListUsersCommand({}));
    assert.deepEqual([...answeredBy].sort(), ['1', '2']);
  });

  test('a key deactivated through one worker is refused by both on the very next requests', async () => {
    const root = iam(cluster.url);
    await root.send(new CreateUserCommand({ UserName: 'revoked' }));
    const key = (await root.send(new CreateAccessKeyCommand({ UserName: 'revoked' }))).AccessKey!;
    const user = sts(cluster.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    // Warm both workers' credential caches.
    for (let i = 0; i < 6; i++) assert.equal(await code(user.send(new GetCallerIdentityCommand({}))), 'ok');
    await root.send(new UpdateAccessKeyCommand({ UserName: 'revoked', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
    // No polling: each worker checks for another's write before it serves a request.
    for (let i = 0; i < 6; i++) assert.equal(await code(user.send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId', `request ${i}`);
    await root.send(new UpdateAccessKeyCommand({ UserName: 'revoked', AccessKeyId: key.AccessKeyId, Status: 'Active' }));
    for (let i = 0; i < 6; i++) assert.equal(await code(user.send(new GetCallerIdentityCommand({}))), 'ok', `request ${i} after reactivation`);
  });

  test('a policy detached, or a user removed from a group, through one worker: both deny on the next requests', async () => {
    const root = iam(cluster.url);
    const policy = 'arn:aws:iam::aws:policy/IAMReadOnlyAccess';
    await root.send(new CreateUserCommand({ UserName: 'reader' }));
    await root.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: policy }));
    await root.send(new CreateGroupCommand({ GroupName: 'readers' }));
    await root.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: policy }));
    await root.send(new AddUserToGroupCommand({ UserName: 'reader', GroupName: 'readers' }));
    const key = (await root.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const reader = iam(cluster.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    for (let i = 0; i < 6; i++) assert.equal(await code(reader.send(new ListUsersCommand({}))), 'ok');
    await root.send(new DetachUserPolicyCommand({ UserName: 'reader', PolicyArn: policy }));
    for (let i = 0; i < 4; i++) assert.equal(await code(reader.send(new ListUsersCommand({}))), 'ok', 'still allowed through the group');
    await root.send(new RemoveUserFromGroupCommand({ UserName: 'reader', GroupName: 'readers' }));
    for (let i = 0; i < 6; i++) assert.equal(await code(reader.send(new ListUsersCommand({}))), 'AccessDenied', `request ${i}`);
  });

  test('a worker that dies is replaced; the port keeps answering', { timeout: 180_000 }, async () => {
    // Named: tsx may have started an esbuild child in the primary too.
    const workers = execFileSync('pgrep', ['-x', 'node', '-P', String(cluster.process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    assert.equal(workers.length, 2, 'the primary runs two workers');
    process.kill(workers[0]!, 'SIGKILL');
    const root = iam(cluster.url);
    // Requests keep being answered (by the survivor) until a third worker joins; a connection the
    // primary handed to the dying worker may fail once.
    let failed = 0;
    for (let i = 0; i < 1200 && !answeredBy.has('3'); i++) {
      await root.send(new ListUsersCommand({})).catch(() => failed++);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(failed <= 2, `requests failed while a worker was replaced: ${failed}`);
    assert.ok(answeredBy.has('3'), 'a new worker (id 3) serves requests');
    assert.match(cluster.output(), /iamd worker \d+ exited \(SIGKILL\): starting another/);
  });

  test('an MFA code used on one worker is refused on the other (replay)', async () => {
    const root = iam(cluster.url);
    await root.send(new CreateUserCommand({ UserName: 'mfa-user' }));
    const key = (await root.send(new CreateAccessKeyCommand({ UserName: 'mfa-user' }))).AccessKey!;
    const device = (await root.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa-user' }))).VirtualMFADevice!;
    const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
    const now = new Date();
    const [c1, c2] = consecutiveCodesAt(seed, now);
    await root.send(new EnableMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: device.SerialNumber, AuthenticationCode1: c1, AuthenticationCode2: c2 }));
    // The next step's code: accepted once, within the clock window, by whichever worker serves it.
    const code = totpForStep(seed, timeStepAt(now) + 1);
    const user = sts(cluster.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const results: string[] = [];
    for (let i = 0; i < 4; i++) results.push(await code_(user.send(new GetSessionTokenCommand({ SerialNumber: device.SerialNumber, TokenCode: code }))));
    assert.deepEqual(results, ['ok', 'AccessDenied', 'AccessDenied', 'AccessDenied'], 'the code works once, on either worker');
  });
});

describe('iamd serve --workers 2: the console across workers', () => {
  let cluster: Cluster;
  const ADMIN_PASSWORD = 'Console-Adm1n-Passw0rd!';
  before(async () => {
    cluster = await startWorkers(tempDataDir(), 2, { IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId, IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey });
    const root = iam(cluster.url);
    for (const name of ['console-admin', 'locked-out']) {
      await root.send(new CreateUserCommand({ UserName: name }));
      await root.send(new CreateLoginProfileCommand({ UserName: name, Password: ADMIN_PASSWORD, PasswordResetRequired: false }));
    }
    await root.send(new AttachUserPolicyCommand({ UserName: 'console-admin', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  });
  after(async () => {
    if (cluster) await stop(cluster.process);
  });

  const signedIn = async () => {
    const c = new SpreadConsoleClient(cluster.url);
    await c.get(`/console/${ACCOUNT_ID}`);
    const r = await c.post(
      '/console/signin',
      { _pre: c.token('_pre'), kind: 'user', account: ACCOUNT_ID, name: 'console-admin', password: ADMIN_PASSWORD },
      { csrf: null },
    );
    assert.equal(r.status, 303, r.body.slice(0, 300));
    return c;
  };

  test('a new key: its one-time page and CSV kept by one worker, shown by either, downloaded once', async () => {
    const root = iam(cluster.url);
    await root.send(new CreateUserCommand({ UserName: 'key-owner' }));
    const c = await signedIn();
    await c.get('/console/iam/users/key-owner');
    const created = await c.post('/console/iam/users/key-owner/keys/create', {});
    assert.equal(created.status, 303, 'redirect-after-POST');
    const pagePath = created.location!;
    assert.match(pagePath, /^\/console\/iam\/credentials\/[\w-]+$/);
    // Shown again (reload, Back) on whichever worker the new connection lands.
    let page: Reply | undefined;
    for (let i = 0; i < 4; i++) {
      page = await c.get(pagePath);
      assert.equal(page.status, 200, `shown by worker ${c.workers.at(-1)}`);
    }
    assert.deepEqual(new Set(c.workers.slice(-4)), new Set(['1', '2']), `both workers showed the page: ${c.workers.join(',')}`);
    const secret = capture(/<span class="secret" hidden data-secret>([^<]+)<\/span>/, page!.body);
    const csv = await c.get(capture(/href="(\/console\/iam\/download\/[\w-]+)"/, page!.body));
    assert.equal(csv.status, 200);
    const [row] = parseCsv(csv.body);
    assert.equal(row?.['Secret access key'], secret);
    const keys = (await root.send(new ListAccessKeysCommand({ UserName: 'key-owner' }))).AccessKeyMetadata ?? [];
    assert.deepEqual(
      keys.map((k) => k.AccessKeyId),
      [row?.['Access key ID']],
    );
    for (let i = 0; i < 2; i++)
      assert.equal((await c.get(capture(/href="(\/console\/iam\/download\/[\w-]+)"/, page!.body))).status, 410, 'downloaded once, on any worker');
    assert.equal((await c.get(pagePath)).status, 410, 'the page is gone after the download');
  });

  test('leaving the one-time page on one worker makes it gone on the other', async () => {
    await iam(cluster.url).send(new CreateUserCommand({ UserName: 'key-owner-2' }));
    const c = await signedIn();
    await c.get('/console/iam/users/key-owner-2');
    const pagePath = (await c.post('/console/iam/users/key-owner-2/keys/create', {})).location!;
    assert.equal((await c.get(pagePath)).status, 200);
    assert.equal((await c.get('/console/iam/users')).status, 200, 'another page');
    for (let i = 0; i < 3; i++) assert.equal((await c.get(pagePath)).status, 410, `gone on worker ${c.workers.at(-1)}`);
  });

  test('Add user: the draft saved on one worker is reviewed and created on another, once for a double click', async () => {
    const c = await signedIn();
    await c.get('/console/iam/users/new');
    const next = await c.post('/console/iam/users/new', { name1: 'drafted', programmatic: '1', step: 'review' });
    assert.equal(next.status, 303, next.body.slice(0, 300));
    const reviews: Reply[] = [];
    for (let i = 0; i < 3; i++) reviews.push(await c.get(next.location!));
    for (const r of reviews) assert.match(r.body, /id="review-permissions"/, 'the review, from the draft, on either worker');
    const draft = capture(/name="draft" value="([\w-]+)"/, reviews[0]!.body);
    const csrf = c.token('_csrf');
    // A double click: two Creates of one draft at once, each on its own connection (so, worker).
    const answers = await Promise.all([1, 2].map(() => c.post('/console/iam/users/new', { draft, step: 'create' }, { csrf })));
    assert.deepEqual(
      answers.map((a) => a.status),
      [303, 303],
      answers.map((a) => a.body.slice(0, 200)).join('\n'),
    );
    assert.equal(answers[0]!.location, answers[1]!.location, "the second answer is the first one's page");
    const page = await c.get(answers[0]!.location!);
    assert.match(page.body, /id="credentials-table"/);
    assert.doesNotMatch(page.body, /EntityAlreadyExists/);
    const keys = (await iam(cluster.url).send(new ListAccessKeysCommand({ UserName: 'drafted' }))).AccessKeyMetadata ?? [];
    assert.equal(keys.length, 1, 'one user, one key');
  });

  test('console sign-in lockout counts failures on every worker together', async () => {
    const c = new SpreadConsoleClient(cluster.url);
    const attempt = async (password: string) => {
      await c.get(`/console/${ACCOUNT_ID}`);
      const r = await c.post('/console/signin', { _pre: c.token('_pre'), kind: 'user', account: ACCOUNT_ID, name: 'locked-out', password }, { csrf: null });
      return r.status;
    };
    const statuses: number[] = [];
    // Two failures are free, the third locks the name for a second: counted whichever worker serves each.
    for (let i = 0; i < 3; i++) statuses.push(await attempt('Wrong-Passw0rd!'));
    statuses.push(await attempt(ADMIN_PASSWORD));
    statuses.push(await attempt(ADMIN_PASSWORD));
    assert.deepEqual(statuses, [401, 401, 401, 429, 429], `statuses ${statuses} from workers ${c.workers}`);
    assert.deepEqual(new Set(c.workers), new Set(['1', '2']), 'attempts landed on both workers');
  });
});

describe('iamd serve --workers 2: first start and rate limits', () => {
  test('the generated root key is printed once, and works on both workers', async () => {
    const dir = tempDataDir();
    const first = await startWorkers(dir, 2);
    try {
      const out = first.output();
      assert.equal(out.match(/export AWS_ACCESS_KEY_ID=/g)?.length, 1, 'printed once, not once per worker');
      const id = /export AWS_ACCESS_KEY_ID=(\S+)/.exec(out)![1]!;
      const secret = /export AWS_SECRET_ACCESS_KEY=(\S+)/.exec(out)![1]!;
      assert.match(out, new RegExp(`export AWS_ENDPOINT_URL=${first.url.replace(/[.]/g, '\\.')}`));
      const root = sts(first.url, { accessKeyId: id, secretAccessKey: secret });
      for (let i = 0; i < 4; i++) assert.match((await root.send(new GetCallerIdentityCommand({}))).Arn ?? '', /:root$/);
    } finally {
      assert.equal(await stop(first.process), 0);
    }
    const again = await startWorkers(dir, 2);
    try {
      assert.doesNotMatch(again.output(), /AWS_SECRET_ACCESS_KEY/, 'a later start prints no secret');
    } finally {
      await stop(again.process);
    }
  });

  test('/metrics, whichever worker answers it, counts the requests of every worker', async () => {
    const c = await startWorkers(tempDataDir(), 2, {
      IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      IAMD_METRICS: 'on',
    });
    try {
      const served = new Set<string>();
      const root = record(new STSClient(clientOptions(c.url, ROOT_KEY)) as never, served) as STSClient;
      for (let i = 0; i < 12; i++) await root.send(new GetCallerIdentityCommand({}));
      assert.equal(served.size, 2, 'the calls were spread over both workers');
      // Scraped with a new connection each time: both workers answer, and each gives the sum.
      const scrapedBy = new Set<string>();
      for (let i = 0; i < 8 && scrapedBy.size < 2; i++) {
        const res = await fetch(`${c.url}/metrics`, { headers: { connection: 'close' } });
        assert.equal(res.status, 200);
        scrapedBy.add(res.headers.get('x-iamd-worker') ?? '');
        const text = await res.text();
        const line = text.split('\n').find((l) => l.startsWith('iamd_requests_total{') && l.includes('action="GetCallerIdentity"'));
        assert.ok(line, `GetCallerIdentity counted:\n${text.slice(0, 500)}`);
        assert.equal(Number(line.split(' ').at(-1)), 12, line);
      }
      assert.equal(scrapedBy.size, 2, 'both workers answered a scrape');
    } finally {
      await stop(c.process);
    }
  });

  test('a per-key rate limit holds for all workers together, not for each', async () => {
    // A burst of 2 and almost no refill: 2 requests pass in all, whichever worker serves them.
    const c = await startWorkers(tempDataDir(), 2, {
      IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      IAMD_RATE_LIMIT_PER_KEY: '0.001:2',
    });
    try {
      const root = sts(c.url, ROOT_KEY);
      const results: string[] = [];
      for (let i = 0; i < 8; i++) results.push(await code(root.send(new GetCallerIdentityCommand({}))));
      const passed = results.filter((r) => r === 'ok').length;
      assert.ok(passed <= 2, `at most the burst passes in all: ${results.join(' ')}`);
      assert.ok(
        results.every((r) => r === 'ok' || r === 'Throttling'),
        results.join(' '),
      );
    } finally {
      await stop(c.process);
    }
  });
});
