// The gateway integration with a real nginx (Debian's, auth_request) running examples/nginx/orders.conf
// as shipped (only its ports and token replaced): iamd in-process, the orders example in gateway mode
// behind nginx (examples/orders/gateway-app.ts), the catalogue and the gateway registered through
// iamd's API, and real clients calling through nginx: SDK v3's signer (@smithy/signature-v4, service
// `orders`, which signs x-amz-content-sha256) and boto3 (test/python/test_gateway_nginx_boto3.py:
// SigV4Auth with x-amz-content-sha256 set before signing).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import express from 'express';
import { pino } from 'pino';
import { startApp, type App } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { signedFetch } from '../examples/orders/client.ts';
import { createOrdersGatewayApp } from '../examples/orders/gateway-app.ts';
import { OrderStore } from '../examples/orders/orders.ts';
import { freePort, startNginxWith, type RunningNginx } from './nginx.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, stsClient, type Credentials } from './helpers.ts';
import { run } from './run-command.ts';

const CONF = readFileSync(fileURLToPath(new URL('../examples/nginx/orders.conf', import.meta.url)), 'utf8');
const CATALOGUE = readFileSync(fileURLToPath(new URL('../examples/orders/orders.catalog.json', import.meta.url)), 'utf8');
const REGION = 'us-east-1';
const SERVICE_ARN = `arn:aws:iamd::${ACCOUNT_ID}:service/orders`;
const orderArn = (id: string) => `arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/${id}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** examples/nginx/orders.conf with this test's addresses and token: nothing else changed. */
function configured(port: number, iamdPort: number, ordersPort: number, token: string): string {
  const replace = (text: string, from: string, to: string) => {
    assert.ok(text.includes(from), `orders.conf no longer holds ${from}`);
    return text.replace(from, to);
  };
  let conf = replace(CONF, 'listen 8080;', `listen 127.0.0.1:${port};`);
  conf = replace(conf, 'server 127.0.0.1:8900;', `server 127.0.0.1:${iamdPort};`);
  conf = replace(conf, 'server 127.0.0.1:8081;', `server 127.0.0.1:${ordersPort};`);
  return replace(conf, 'iamdg_REPLACE_WITH_THE_TOKEN', token);
}

describe('the orders example behind a real nginx whose auth_request asks iamd', () => {
  let app: App;
  const logs: string[] = [];
  let nginx: RunningNginx;
  let orders: Server;
  const store = new OrderStore();
  /** What the orders service received: method, URL and headers of each request. */
  const seen: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[] = [];
  const keys = new Map<string, Credentials>();
  let token: string;
  let gatewayId: string;
  let ops: Credentials;

  async function user(name: string, ...statements: object[]): Promise<Credentials> {
    await iamClient(app).send(new CreateUserCommand({ UserName: name }));
    if (statements.length) await iamClient(app).send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
    const k = (await iamClient(app).send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const c = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    keys.set(name, c);
    return c;
  }

  /** iamd's own JSON API, signed for `iam`. */
  async function iamdJson(method: string, path: string, body?: string, credentials: Credentials = ROOT_KEY): Promise<{ status: number; json: any }> {
    const url = new URL(path, app.url);
    const signer = new SignatureV4({ service: 'iam', region: REGION, credentials, sha256: Sha256 });
    const headers: Record<string, string> = { host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers, body });
    const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body });
    return { status: res.status, json: await res.json() };
  }

  /** A request through nginx signed with SDK v3's signer for `orders` (x-amz-content-sha256 signed: applyChecksum). */
  async function call(path: string, who: string | Credentials, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
    const credentials = typeof who === 'string' ? keys.get(who)! : who;
    const res = await signedFetch(`${nginx.url}${path}`, { ...init, credentials, region: REGION });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  }

  async function startNginxFor(gatewayToken: string, iamdPort: number): Promise<RunningNginx> {
    const ordersPort = (orders.address() as AddressInfo).port;
    return startNginxWith((port) => configured(port, iamdPort, ordersPort, gatewayToken));
  }

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(String(chunk));
        done();
      },
    });
    app = await startApp(
      {
        ...configFromEnv({}),
        host: '127.0.0.1',
        port: 0,
        dataDir: ':memory:',
        accountId: ACCOUNT_ID,
        rootAccessKeyId: ROOT_KEY.accessKeyId,
        rootSecretAccessKey: ROOT_KEY.secretAccessKey,
        logLevel: 'debug',
      },
      { logger: pino({ level: 'debug' }, sink) },
    );
    // The team registers its catalogue; an operator allowed iamd:Authorize on orders registers nginx.
    assert.equal((await iamdJson('PUT', '/iamd/services/orders', CATALOGUE)).status, 200);
    ops = await user('nginx-ops', { Effect: 'Allow', Action: 'iamd:Authorize', Resource: SERVICE_ARN });
    const registered = await iamdJson('POST', '/iamd/gateways', JSON.stringify({ ServiceName: 'orders', Name: 'nginx-1' }), ops);
    assert.equal(registered.status, 200, JSON.stringify(registered.json));
    token = registered.json.Token;
    gatewayId = registered.json.Gateway.GatewayId;

    await user(
      'alice',
      { Effect: 'Allow', Action: ['orders:ListOrders', 'orders:GetOrder', 'orders:CreateOrder', 'orders:CancelOrder'], Resource: '*' },
      { Effect: 'Deny', Action: 'orders:CancelOrder', Resource: orderArn('2') },
    );
    await user('mallory');
    await iamClient(app).send(
      new CreateRoleCommand({
        RoleName: 'order-reader',
        AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: userArn('alice') }, Action: 'sts:AssumeRole' }),
      }),
    );
    await iamClient(app).send(
      new PutRolePolicyCommand({
        RoleName: 'order-reader',
        PolicyName: 'read',
        PolicyDocument: policy({ Effect: 'Allow', Action: 'orders:GetOrder', Resource: '*' }),
      }),
    );

    store.create({ OrderId: '1', Item: 'coffee beans', Quantity: 2, Amount: 24, CreatedBy: 'seed' });
    store.create({ OrderId: '2', Item: 'espresso machine', Quantity: 1, Amount: 1450, CreatedBy: 'seed' });
    // The orders service in gateway mode, with a recorder in front of it.
    const outer = express();
    outer.use((req, _res, next) => {
      seen.push({ method: req.method, url: req.url, headers: { ...req.headers } });
      next();
    });
    outer.use(createOrdersGatewayApp(store));
    orders = await new Promise<Server>((resolve) => {
      const s = outer.listen(0, '127.0.0.1', () => resolve(s));
    });
    nginx = await startNginxFor(token, Number(new URL(app.url).port));
  });

  after(async () => {
    await nginx?.stop();
    if (orders) await new Promise((r) => orders.close(r));
    await app?.close();
  });

  test('allowed: the orders service gets the request with the principal iamd authenticated; forged principal headers are replaced', async () => {
    seen.length = 0;
    const res = await call('/orders/1', 'alice', { headers: { 'x-iamd-principal-arn': userArn('root-pretender'), 'x-iamd-mfa': 'true' } });
    assert.equal(res.status, 200, res.text + nginx.errors());
    assert.equal(res.json.Order.OrderId, '1');
    const upstream = seen.at(-1)!;
    assert.equal(upstream.url, '/orders/1');
    assert.equal(upstream.headers['x-iamd-principal-arn'], userArn('alice'));
    assert.equal(upstream.headers['x-iamd-account'], ACCOUNT_ID);
    assert.match(String(upstream.headers['x-iamd-user-id']), /^AIDA/);
    assert.equal(upstream.headers['x-iamd-principal-type'], 'User');
    assert.equal(upstream.headers['x-iamd-mfa'], 'false');
    assert.equal(upstream.headers['x-iamd-action'], 'orders:GetOrder');
    assert.equal(upstream.headers['x-iamd-resource'], orderArn('1'));
    // The query is part of the signed request nginx relays (X-Original-URI is $request_uri).
    const listed = await call('/orders?view=all&x=%2F', 'alice');
    assert.equal(listed.status, 200, listed.text);
    assert.equal(seen.at(-1)!.headers['x-iamd-action'], 'orders:ListOrders');
    assert.equal(seen.at(-1)!.headers['x-iamd-resource'], '*');
  });

  test('a body signed with its SHA-256 (and its Content-Length, as the SDK clients sign it) reaches the service as signed', async () => {
    const body = JSON.stringify({ Item: 'pen', Amount: 3 });
    const created = await call('/orders', 'alice', { method: 'POST', body, headers: { 'content-length': String(Buffer.byteLength(body)) } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.Order.CreatedBy, userArn('alice'));
    assert.equal(seen.at(-1)!.headers['x-iamd-action'], 'orders:CreateOrder');
  });

  test('a role session: the principal is the assumed role', async () => {
    const session = (
      await stsClient(app, keys.get('alice')!).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/order-reader`, RoleSessionName: 'via-nginx' }),
      )
    ).Credentials!;
    const res = await call('/orders/2', { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    assert.equal(res.status, 200, res.text);
    assert.equal(seen.at(-1)!.headers['x-iamd-principal-arn'], `arn:aws:sts::${ACCOUNT_ID}:assumed-role/order-reader/via-nginx`);
    assert.equal(seen.at(-1)!.headers['x-iamd-principal-type'], 'AssumedRole');
  });

  test("denied: 403 with AWS's reason as a JSON error (explicit deny, no permission); the service never sees it", async () => {
    seen.length = 0;
    const explicit = await call('/orders/2/cancel', 'alice', { method: 'POST' });
    assert.equal(explicit.status, 403);
    assert.equal(explicit.headers.get('x-amzn-errortype'), 'AccessDenied');
    assert.deepEqual(explicit.json, {
      __type: 'AccessDenied',
      message: `User: ${userArn('alice')} is not authorized to perform: orders:CancelOrder on resource: ${orderArn('2')} with an explicit deny in an identity-based policy`,
    });
    const none = await call('/orders/1', 'mallory');
    assert.equal(none.status, 403);
    assert.match(none.json.message, /mallory is not authorized to perform: orders:GetOrder .* because no identity-based policy allows/);
    assert.equal(store.get('2')!.Status, 'Open');
    assert.equal(seen.length, 0);
  });

  test('not authentic: no signature, a tampered signature, an unknown key → 401 with SigV4 error and WWW-Authenticate', async () => {
    seen.length = 0;
    const unsigned = await fetch(`${nginx.url}/orders/1`);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.deepEqual(await unsigned.json(), { __type: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' });

    const signer = new SignatureV4({ service: 'orders', region: REGION, credentials: keys.get('alice')!, sha256: Sha256 });
    const url = new URL(`${nginx.url}/orders/1`);
    const signed = await signer.sign({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host },
    });
    const headers = signed.headers as Record<string, string>;
    const tampered = await fetch(url, {
      headers: { ...headers, authorization: headers.authorization!.replace(/Signature=(.)/, (_, c) => `Signature=${c === 'a' ? 'b' : 'a'}`) },
    });
    assert.equal(tampered.status, 401);
    assert.equal(tampered.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.equal((await tampered.json()).__type, 'SignatureDoesNotMatch');
    // The same signature for another order.
    const replayed = await fetch(`${nginx.url}/orders/2`, { headers });
    assert.equal(replayed.status, 401);

    const unknown = await call('/orders/1', { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
    assert.deepEqual([unknown.status, unknown.json.__type], [401, 'InvalidClientTokenId']);
    assert.equal(seen.length, 0);
  });

  test('no route of the catalogue: 403, and the service never sees it', async () => {
    seen.length = 0;
    const res = await call('/admin/users', 'alice');
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, { __type: 'AccessDenied', message: 'No route of service orders matches GET /admin/users.' });
    // A long path is quoted only in part: the answer's headers stay within nginx's proxy buffer (else 500).
    const long = await call(`/admin/${'x'.repeat(5000)}`, 'alice');
    assert.equal(long.status, 403, nginx.errors());
    assert.ok(long.json.message.length <= 1025 && long.json.message.startsWith('No route of service orders matches GET /admin/xxx'));
    assert.equal(seen.length, 0);
  });

  test('a body changed after signing passes nginx (which sees only the signed hash) and is refused by the service (401)', async () => {
    const before = store.list().length;
    const body = JSON.stringify({ Item: 'pen', Amount: 1 });
    const signer = new SignatureV4({ service: 'orders', region: REGION, credentials: keys.get('alice')!, sha256: Sha256 });
    const url = new URL(`${nginx.url}/orders`);
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    seen.length = 0;
    const changed = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body: body.replace('"Amount":1', '"Amount":9') });
    assert.equal(changed.status, 401);
    assert.equal(changed.headers.get('x-amzn-errortype'), 'XAmzContentSHA256Mismatch');
    assert.deepEqual(await changed.json(), {
      __type: 'XAmzContentSHA256Mismatch',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
    assert.equal(seen.length, 1, 'iamd allowed what the client claimed; the service checked the body');
    assert.equal(store.list().length, before);
  });

  test('a body without x-amz-content-sha256 is refused by the gateway (401), before the service', async () => {
    seen.length = 0;
    const signer = new SignatureV4({ service: 'orders', region: REGION, credentials: keys.get('alice')!, sha256: Sha256, applyChecksum: false });
    const url = new URL(`${nginx.url}/orders`);
    const body = JSON.stringify({ Item: 'pen', Amount: 1 });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const res = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.deepEqual(await res.json(), { __type: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256' });
    assert.equal(seen.length, 0);
  });

  test('boto3: SigV4Auth with x-amz-content-sha256 set before signing, through nginx (pytest)', async () => {
    const r = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test/python/test_gateway_nginx_boto3.py'], {
      IAMD_TEST_NGINX_URL: nginx.url,
      IAMD_TEST_ACCOUNT_ID: ACCOUNT_ID,
      IAMD_TEST_ALICE_KEY: keys.get('alice')!.accessKeyId,
      IAMD_TEST_ALICE_SECRET: keys.get('alice')!.secretAccessKey,
      IAMD_TEST_MALLORY_KEY: keys.get('mallory')!.accessKeyId,
      IAMD_TEST_MALLORY_SECRET: keys.get('mallory')!.secretAccessKey,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /4 passed/);
  });

  test('iamd unreachable: nginx answers 500 and nothing passes (fail closed)', async () => {
    const dead = await startNginxFor(token, await freePort());
    try {
      seen.length = 0;
      const res = await signedFetch(`${dead.url}/orders/1`, { credentials: keys.get('alice')!, region: REGION });
      assert.equal(res.status, 500);
      assert.equal(seen.length, 0);
    } finally {
      await dead.stop();
    }
  });

  test('a revoked gateway token: iamd answers 401 without detail, which nginx passes on as 401; the service never sees it', async () => {
    const revoked = await iamdJson('DELETE', `/iamd/gateways/${gatewayId}`, undefined, ops);
    assert.equal(revoked.status, 200);
    seen.length = 0;
    const res = await call('/orders/1', 'alice');
    assert.equal(res.status, 401, 'auth_request passes a 401 on to the client');
    assert.equal(res.headers.get('www-authenticate'), null);
    assert.deepEqual(res.json, { __type: 'AccessDenied', message: 'The gateway could not be authenticated.' });
    assert.equal(seen.length, 0);
  });

  test('iamd never logs the gateway token (debug level, every answer above)', () => {
    const all = logs.join('');
    assert.ok(all.includes('"gateway check"') && all.includes('gateway token refused'), 'checks and the refusal were logged');
    assert.ok(!all.includes(token));
    assert.ok(!/iamdg_[A-Za-z0-9_-]{20,}/.test(all));
  });
});
