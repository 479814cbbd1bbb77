// `iamd serve --workers 2` on one SQLite data folder (issue #18): the real CLI as a child process,
// requests landing on both workers (each answer names its worker in `x-iamd-worker`). What one
// worker writes, the other enforces on its very next request: a revoked key, a detached policy, a
// user removed from a group; rate limits hold for the whole, not per worker; the root credentials
// are printed once; SIGTERM stops every worker.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Agent } from 'node:http';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DetachUserPolicyCommand,
  EnableMFADeviceCommand,
  IAMClient,
  ListUsersCommand,
  RemoveUserFromGroupCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../src/crypto/totp.ts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ACCOUNT_ID, ROOT_KEY, tempDataDir, type Credentials } from './helpers.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

interface Cluster {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** `iamd serve --workers N` as a child process; resolves once a worker listens. */
function startWorkers(dataDir: string, workers: number, env: NodeJS.ProcessEnv = {}): Promise<Cluster> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--workers', String(workers)], {
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
function record<C extends { middlewareStack: IAMClient['middlewareStack'] }>(client: C): C {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const worker = (result.response as { headers?: Record<string, string> }).headers?.['x-iamd-worker'];
      if (worker) answeredBy.add(worker);
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'recordWorker' },
  );
  return client;
}
const iam = (url: string, c: Credentials = ROOT_KEY) => record(new IAMClient(clientOptions(url, c)) as never) as IAMClient;
const sts = (url: string, c: Credentials) => record(new STSClient(clientOptions(url, c)) as never) as STSClient;

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
    const workers = execFileSync('pgrep', ['-P', String(cluster.process.pid)], { encoding: 'utf8' })
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
