// Rate limits as AWS throttles: over the limit a signed request gets AWS's Throttling (HTTP 400,
// "Rate exceeded") in the Query API's XML or the JSON APIs' {"Code","Message"}, so the SDKs back
// off and retry by themselves. Per key, per account, per source IP for console sign-in, and a
// separate budget for the authorization API. Off by default.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { parseRateLimit, TokenBuckets } from '../src/api/throttle.ts';
import { configFromEnv } from '../src/config.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, startTestApp, stsClient, type Credentials } from './helpers.ts';
import { ConsoleClient, ROOT_EMAIL, startConsoleApp } from './console/support.ts';
import { run } from './run-command.ts';

const apps: App[] = [];
after(() => Promise.all(apps.map((a) => a.close())));
async function start(overrides: Parameters<typeof startTestApp>[0]): Promise<App> {
  const app = await startTestApp(overrides);
  apps.push(app);
  return app;
}

async function newUserKey(app: App, name: string): Promise<Credentials> {
  await iamClient(app).send(new CreateUserCommand({ UserName: name }));
  const k = (await iamClient(app).send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}

/** A Query API call signed by hand, to read the raw answer. */
async function rawQuery(app: App, credentials: Credentials, path = '/', body = 'Action=GetCallerIdentity&Version=2011-06-15', service = 'sts') {
  const url = new URL(path, app.url);
  const headers = { host: url.host, 'content-type': path === '/' ? 'application/x-www-form-urlencoded' : 'application/json' };
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256 });
  const req = { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers, body };
  const signed = await signer.sign(req as unknown as HttpRequest);
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, body: await res.text() };
}

describe('rate limits', () => {
  test('RATE[:BURST] parses; bad values refuse to start; a bucket refills at its rate', async () => {
    assert.deepEqual(parseRateLimit('5', 'x'), { rate: 5, burst: 5 });
    assert.deepEqual(parseRateLimit('0.5:3', 'x'), { rate: 0.5, burst: 3 });
    assert.equal(parseRateLimit('', 'x'), undefined);
    assert.equal(parseRateLimit('0', 'x'), undefined);
    for (const bad of ['-1', 'fast', '5:0', '5:x']) assert.throws(() => parseRateLimit(bad, 'IAMD_RATE_LIMIT_PER_KEY'), /IAMD_RATE_LIMIT_PER_KEY/);
    await assert.rejects(start({ rateLimitPerKey: 'lots' }), /IAMD_RATE_LIMIT_PER_KEY must be RATE/);
    // Flags win over the environment.
    assert.equal(configFromEnv({ IAMD_RATE_LIMIT_PER_KEY: '1' }, { rateLimitPerKey: '2' }).rateLimitPerKey, '2');
    assert.equal(configFromEnv({ IAMD_RATE_LIMIT_SIGN_IN: '1:4' }).rateLimitSignIn, '1:4');
    assert.equal(configFromEnv({}).shutdownTimeout, 10);
    assert.equal(configFromEnv({ IAMD_SHUTDOWN_TIMEOUT: '3' }).shutdownTimeout, 3);

    // A fake clock: the bucket's arithmetic, without timing.
    let t = 0;
    const b = new TokenBuckets({ rate: 2, burst: 3 }, () => t);
    assert.deepEqual([b.take('k'), b.take('k'), b.take('k'), b.take('k')], [true, true, true, false]);
    assert.equal(b.take('other'), true);
    t += 499;
    assert.equal(b.take('k'), false);
    t += 1;
    assert.equal(b.take('k'), true);
    t += 60_000;
    assert.deepEqual([b.take('k'), b.take('k'), b.take('k'), b.take('k')], [true, true, true, false]);
  });

  test('off by default: a burst passes', async () => {
    const app = await start({});
    const sts = stsClient(app);
    const results = await Promise.all(Array.from({ length: 40 }, () => sts.send(new GetCallerIdentityCommand({}))));
    assert.equal(results.length, 40);
  });

  test('over the per-key limit: Throttling in XML, HTTP 400; another key is not throttled', async () => {
    // 0.05/s: no bucket refills during the test, however slow the machine.
    const app = await start({ rateLimitPerKey: '0.05:4' });
    const alice = await newUserKey(app, 'alice'); // root spent 2 of its 4
    const replies = await Promise.all(Array.from({ length: 4 }, () => rawQuery(app, ROOT_KEY)));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 200, 400, 400]);
    const refused = replies.find((r) => r.status === 400)!;
    assert.match(refused.body, /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
    assert.match(refused.body, /<Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message>/);
    // The SDK names it too (no retries here).
    const e = await awsError(() => iamClient(app).send(new CreateUserCommand({ UserName: 'never' })));
    assert.deepEqual(e, { name: 'Throttling', message: 'Rate exceeded', status: 400 });
    // Alice's key has its own bucket.
    assert.match((await stsClient(app, alice).send(new GetCallerIdentityCommand({}))).Arn!, /:user\/alice$/);
    // A bad signature spends nothing: Alice's remaining 3 still pass after it.
    const forged = await rawQuery(app, { accessKeyId: alice.accessKeyId, secretAccessKey: 'not-the-secret' });
    assert.equal(forged.status, 403);
    for (let i = 0; i < 3; i++) assert.equal((await rawQuery(app, alice)).status, 200);
    assert.equal((await rawQuery(app, alice)).status, 400);
  });

  test('per account: every key of the account shares one budget', async () => {
    const app = await start({ rateLimitPerAccount: '0.05:6' });
    const bob = await newUserKey(app, 'bob'); // 2 of 6
    assert.equal((await rawQuery(app, bob)).status, 200);
    assert.equal((await rawQuery(app, ROOT_KEY)).status, 200);
    assert.equal((await rawQuery(app, bob)).status, 200);
    assert.equal((await rawQuery(app, ROOT_KEY)).status, 200);
    assert.equal((await rawQuery(app, bob)).status, 400);
    assert.equal((await rawQuery(app, ROOT_KEY)).status, 400);
  });

  test('the authorization API has its own budget, answered in its JSON shape', async () => {
    const app = await start({ rateLimitAuthorize: '0.05:1', rateLimitPerKey: '0.05:10' });
    const body = JSON.stringify({ ResourceArn: 'arn:aws:orders:us-east-1:111122223333:order/1' });
    const path = '/iamd/resource-policies';
    const first = await rawQuery(app, ROOT_KEY, path, body, 'iam');
    assert.doesNotMatch(first.body, /Throttling/); // refused for its missing PolicyDocument, not its rate
    const second = await rawQuery(app, ROOT_KEY, path, body, 'iam');
    assert.equal(second.status, 400);
    assert.deepEqual(JSON.parse(second.body), { Code: 'Throttling', Message: 'Rate exceeded' });
    // The Query API's budget for the same key is untouched.
    assert.equal((await rawQuery(app, ROOT_KEY)).status, 200);
  });

  test('SDK v3 (default retry strategy) over the limit: every call succeeds by retrying', async () => {
    const app = await start({ rateLimitPerKey: '2:1' });
    // The default (standard) strategy, with more attempts than its default 3: the jittered backoff may be short.
    const sts = new STSClient({ endpoint: app.url, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 10 });
    const iam = new IAMClient({ endpoint: app.url, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 10 });
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => sts.send(new GetCallerIdentityCommand({}))),
      ...Array.from({ length: 2 }, (_, i) => iam.send(new CreateUserCommand({ UserName: `retried-${i}` }))),
    ]);
    assert.ok(results.every((r) => r.$metadata.httpStatusCode === 200));
    // Six at once against a bucket of one: some were throttled first, and retried.
    assert.ok(
      results.some((r) => (r.$metadata.attempts ?? 1) > 1),
      JSON.stringify(results.map((r) => r.$metadata)),
    );
  });

  test('boto3 (standard retry mode) over the limit: every call succeeds by retrying', async () => {
    const app = await start({ rateLimitPerKey: '4:1' });
    const r = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test/python/test_throttling_boto3.py'], {
      IAMD_TEST_THROTTLED_ENDPOINT: app.url,
      IAMD_TEST_ENDPOINT: app.url,
      IAMD_TEST_ROOT_KEY: ROOT_KEY.accessKeyId,
      IAMD_TEST_ROOT_SECRET: ROOT_KEY.secretAccessKey,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1 passed/);
  });

  test('console sign-in: limited per source IP, before any password is checked', async () => {
    const app = await startConsoleApp({ rateLimitSignIn: '0.05:2' });
    apps.push(app);
    const c = new ConsoleClient(app.url);
    assert.equal((await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, 'wrong-1')).status, 401);
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'nobody', 'wrong-2')).status, 401);
    // Another account name, another user: the same address is over its limit.
    const third = await c.signIn('999988887777', 'user', 'someone', 'wrong-3');
    assert.equal(third.status, 429);
    assert.match(third.body, /Too many sign-in attempts from your network/);
    // Pages are not sign-in attempts: the form still loads.
    assert.equal((await c.get(`/console/${ACCOUNT_ID}`)).status, 200);
  });
});
