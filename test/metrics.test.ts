// Prometheus metrics and the readiness probe: known traffic from real clients, then a scrape of
// /metrics with exact counts; the bearer token; the separate metrics port; /readyz 200, then 503
// once the store is closed. Several apps run in this one process: each has its own registry.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { IamdClient } from '../src/cli-tools/workload-client.ts';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ACCOUNT_ID, awsError, iamClient, ROOT_KEY, startTestApp, stsClient } from './helpers.ts';
import { ConsoleClient, startConsoleApp } from './console/support.ts';
import { configFromEnv } from '../src/config.ts';
import { startChild, stopChild } from './child-process.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (what Prometheus reads). */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string, token?: string): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

test('known traffic gives exact counts on /metrics (main port, IAMD_METRICS=on)', async () => {
  const app = await startConsoleApp({ metrics: true });
  try {
    const iam = iamClient(app);
    for (const name of ['m1', 'm2', 'm3']) await iam.send(new CreateUserCommand({ UserName: name }));
    // A user with a key and no policy: one ListUsers is an implicit deny.
    await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!;
    const denied = await awsError(() =>
      iamClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new ListUsersCommand({})),
    );
    assert.equal(denied.name, 'AccessDenied');
    // Two requests signed with the wrong secret.
    const forger = stsClient(app, { accessKeyId: ROOT_KEY.accessKeyId, secretAccessKey: 'not-the-secret' });
    for (let i = 0; i < 2; i++) assert.equal((await awsError(() => forger.send(new GetCallerIdentityCommand({})))).name, 'SignatureDoesNotMatch');
    // An unsigned call of an operation that must be signed: refused, but no signature failed.
    const unsigned = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    assert.equal(unsigned.status, 403);
    // One console sign-in with a wrong password.
    const browser = new ConsoleClient(app.url);
    const signIn = await browser.signIn(ACCOUNT_ID, 'user', 'm1', 'Wrong-Passw0rd!');
    assert.notEqual(signIn.status, 303);

    const s = await scrape(app.url);
    assert.equal(value(s, 'iamd_requests_total', { service: 'iam', action: 'CreateUser', status: '2xx', code: '' }), 4);
    assert.equal(value(s, 'iamd_requests_total', { service: 'iam', action: 'CreateAccessKey', status: '2xx' }), 1);
    assert.equal(value(s, 'iamd_requests_total', { service: 'iam', action: 'ListUsers', status: '4xx', code: 'AccessDenied' }), 1);
    assert.equal(value(s, 'iamd_requests_total', { service: 'iam', action: 'ListUsers', status: '2xx' }), 0);
    // The forged requests never reached the dispatch: they are SigV4 failures.
    assert.equal(value(s, 'iamd_requests_total', { service: 'sts' }), 0);
    assert.equal(value(s, 'iamd_sigv4_failures_total', { reason: 'SignatureDoesNotMatch' }), 2);
    assert.equal(value(s, 'iamd_sigv4_failures_total'), 2);
    // The console's pages and an unsigned request are not signature failures.
    assert.equal(value(s, 'iamd_sigv4_failures_total', { reason: 'MissingAuthenticationToken' }), 0);
    assert.equal(value(s, 'iamd_authorization_decisions_total', { decision: 'implicit_deny' }), 1);
    assert.equal(value(s, 'iamd_authorization_decisions_total', { decision: 'explicit_deny' }), 0);
    assert.ok(value(s, 'iamd_authorization_decisions_total', { decision: 'allowed' }) >= 5);
    assert.equal(value(s, 'iamd_console_sign_ins_total', { outcome: 'failure' }), 1);
    assert.equal(value(s, 'iamd_console_sign_ins_total', { outcome: 'success' }), 0);
    assert.equal(value(s, 'iamd_request_duration_seconds_count', { service: 'iam', action: 'CreateUser' }), 4);
    // Root's key was resolved once and then found in the cache; nobody's policies were loaded once.
    assert.ok(value(s, 'iamd_cache_requests_total', { cache: 'credentials', result: 'hit' }) >= 5);
    assert.ok(value(s, 'iamd_cache_requests_total', { cache: 'credentials', result: 'miss' }) >= 2);
    assert.equal(value(s, 'iamd_cache_requests_total', { cache: 'principal_policies', result: 'miss' }), 1);
    assert.ok(value(s, 'iamd_store_transaction_duration_seconds_count', { kind: 'write' }) >= 5);
    assert.ok(value(s, 'iamd_store_transaction_duration_seconds_count', { kind: 'read' }) >= 1);
    // Node's runtime metrics, on the app's own registry.
    assert.ok(value(s, 'iamd_process_cpu_seconds_total') > 0);
    assert.ok(s.some((x) => x.name === 'iamd_nodejs_heap_size_used_bytes'));
    // Low cardinality: no user name or key id anywhere in the labels.
    for (const x of s) for (const v of Object.values(x.labels)) assert.ok(!/m1|m2|m3|nobody|AKIA/.test(v), `label value ${v} of ${x.name}`);

    // Every series the Grafana dashboard queries exists.
    const dashboard = readFileSync('docs/grafana-dashboard.json', 'utf8');
    const queried = new Set(dashboard.match(/iamd_[a-z0-9_]+/g));
    assert.ok(queried.size >= 10);
    for (const name of queried)
      assert.ok(
        s.some((x) => x.name === name),
        `the dashboard queries ${name}, which is not served`,
      );

    // Liveness and readiness stay open.
    assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
  } finally {
    await app.close();
  }
});

test('the token, the separate port, and an unknown action', async () => {
  const app = await startTestApp({ metricsPort: 0, metricsToken: 'scrape-token-1' });
  try {
    assert.ok(app.metricsUrl);
    assert.notEqual(app.metricsUrl, app.url);
    const noToken = await fetch(`${app.metricsUrl}/metrics`);
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer');
    assert.doesNotMatch(await noToken.text(), /iamd_/);
    assert.equal((await fetch(`${app.metricsUrl}/metrics`, { headers: { authorization: 'Bearer scrape-token-2' } })).status, 401);
    // With a metrics port, the main port does not serve /metrics.
    const main = await fetch(`${app.url}/metrics`);
    assert.notEqual(main.status, 200);
    assert.doesNotMatch(await main.text(), /iamd_requests_total/);

    await stsClient(app).send(new GetCallerIdentityCommand({}));
    // A workload fetches its role's credentials twice, as the SDK's container provider does.
    const iam = iamClient(app);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'job-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'job' }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'job', RoleName: 'job-role' }));
    const reg = await new IamdClient(app.url, ROOT_KEY).request<{ AuthorizationToken: string; CredentialsPath: string }>('POST', '/iamd/workloads', {
      InstanceProfileName: 'job',
      Name: 'metered',
    });
    for (let i = 0; i < 2; i++) {
      const creds = await fromHttp({ awsContainerCredentialsFullUri: app.url + reg.CredentialsPath, awsContainerAuthorizationToken: reg.AuthorizationToken })();
      assert.match(creds.accessKeyId, /^ASIA/);
    }
    // A made-up action is counted, but not under its own name.
    const url = new URL(app.url);
    const body = 'Action=NoSuchThing12345&Version=2010-05-08';
    const signed = await new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'iam', sha256: Sha256 }).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    const made = await fetch(app.url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    assert.equal(made.status, 400);
    const s = await scrape(app.metricsUrl, 'scrape-token-1');
    assert.equal(value(s, 'iamd_requests_total', { service: 'sts', action: 'GetCallerIdentity', status: '2xx' }), 1);
    assert.ok(!s.some((x) => Object.values(x.labels).includes('NoSuchThing12345')));
    assert.equal(value(s, 'iamd_requests_total', { service: 'iam', action: 'unknown', status: '4xx', code: 'InvalidAction' }), 1);
    assert.equal(value(s, 'iamd_workload_credentials_issued_total'), 2);
    assert.equal(value(s, 'iamd_requests_total', { service: 'iamd', action: 'RegisterWorkload', status: '2xx' }), 1);

    assert.equal((await fetch(`${app.metricsUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${app.metricsUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${app.metricsUrl}/`)).status, 404);
  } finally {
    await app.close();
  }
});

test('/readyz answers 503 with a reason once the store is closed; /healthz stays 200', async () => {
  const app = await startTestApp();
  try {
    const ready = await fetch(`${app.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
    // Metrics are off by default: /metrics is not served.
    assert.notEqual((await fetch(`${app.url}/metrics`)).status, 200);
    await app.store.close();
    const down = await fetch(`${app.url}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), { status: 'not ready', reason: 'store unavailable' });
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
  } finally {
    await app.close().catch(() => {});
  }
});

test('/readyz answers 503 once a graceful shutdown began, while requests in flight finish', async () => {
  const app = await startTestApp({ metricsPort: 0, shutdownTimeout: 3 });
  // A request in flight: its headers sent, its body not yet (the drain waits for it).
  const url = new URL(app.url);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nA');
  await new Promise((r) => setTimeout(r, 100));
  const closing = app.close();
  try {
    const draining = await fetch(`${app.metricsUrl}/readyz`);
    assert.equal(draining.status, 503);
    assert.deepEqual(await draining.json(), { status: 'not ready', reason: 'shutting down' });
  } finally {
    socket.destroy();
    await closing;
  }
});

test('iamd serve with IAMD_METRICS_PORT and IAMD_METRICS_TOKEN (the real CLI)', async () => {
  const child = await startChild(':memory:', { IAMD_METRICS_PORT: '0', IAMD_METRICS_TOKEN: 'child-token' });
  try {
    const metricsUrl = /"metricsUrl":"(http:\/\/[^"]+)"/.exec(child.output())?.[1];
    assert.ok(metricsUrl, child.output());
    await stsClient(child.url).send(new GetCallerIdentityCommand({}));
    assert.equal((await fetch(`${metricsUrl}/metrics`)).status, 401);
    const s = await scrape(metricsUrl, 'child-token');
    assert.equal(value(s, 'iamd_requests_total', { service: 'sts', action: 'GetCallerIdentity', status: '2xx' }), 1);
    assert.doesNotMatch(child.output(), /child-token/);
  } finally {
    await stopChild(child);
  }
});

test('IAMD_METRICS, IAMD_METRICS_PORT and IAMD_METRICS_TOKEN; flags win', () => {
  assert.equal(configFromEnv({}).metrics, false);
  assert.equal(configFromEnv({ IAMD_METRICS: 'on' }).metrics, true);
  assert.equal(configFromEnv({ IAMD_METRICS: 'on' }, { metrics: false }).metrics, false);
  const c = configFromEnv({ IAMD_METRICS_PORT: '9464', IAMD_METRICS_TOKEN: 't' }, { metricsPort: 9465 });
  assert.equal(c.metricsPort, 9465);
  assert.equal(c.metrics, true);
  assert.equal(c.metricsToken, 't');
  assert.throws(() => configFromEnv({ IAMD_METRICS: 'yes please' }), /IAMD_METRICS must be on or off/);
  assert.throws(() => configFromEnv({ IAMD_METRICS_PORT: 'x' }), /IAMD_METRICS_PORT/);
});
