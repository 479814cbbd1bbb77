// Gateways (issue #13): registering, listing and revoking them through the signed API and `iamd
// gateway …`, authorized as iamd:Authorize on the service; their token stored only as a hash; and the
// check endpoints called as each proxy calls them (nginx's X-Original-*, Caddy's X-Forwarded-*,
// Envoy's path prefix), with requests signed by the SDK's signer for `orders`. The same endpoints
// behind a real nginx: test/gateway-nginx.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteUserPolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';
import { pino } from 'pino';
import { startApp, type App } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, type Credentials } from './helpers.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const CATALOGUE = readFileSync(fileURLToPath(new URL('../examples/orders/orders.catalog.json', import.meta.url)), 'utf8');
const REGION = 'eu-west-1';
const SERVICE_ARN = `arn:aws:iamd::${ACCOUNT_ID}:service/orders`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Reply {
  status: number;
  body: any;
}

/** A call to iamd's own JSON API, signed for `iam`. */
async function signedJson(app: App, method: string, path: string, body?: unknown, credentials: Credentials = ROOT_KEY): Promise<Reply> {
  const url = new URL(path, app.url);
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const headers: Record<string, string> = { host: url.host };
  if (text !== undefined) headers['content-type'] = 'application/json';
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body: text,
  });
  const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body: text });
  return { status: res.status, body: await res.json() };
}

/** The headers a client sends to `url` after signing for `service` (the SDK signs x-amz-content-sha256). */
async function clientHeaders(credentials: Credentials, method: string, url: string, body?: string, service = 'orders'): Promise<Record<string, string>> {
  const u = new URL(url);
  const signer = new SignatureV4({ credentials, region: REGION, service, sha256: Sha256 });
  const headers: Record<string, string> = { host: u.host };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const signed = await signer.sign({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    path: u.pathname,
    query: Object.fromEntries(u.searchParams),
    headers,
    body,
  });
  return signed.headers as Record<string, string>;
}

/** The check request nginx sends (examples/nginx/orders.conf) for a client request to `url`. */
function asNginx(
  token: string | undefined,
  method: string,
  url: string,
  client: Record<string, string>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(client)) if (k.toLowerCase() !== 'host') headers[k] = v;
  Object.assign(
    headers,
    { 'x-original-method': method, 'x-original-uri': u.pathname + u.search, 'x-original-host': u.host, 'x-forwarded-for': '203.0.113.7' },
    extra,
  );
  if (token !== undefined) headers['x-iamd-gateway-token'] = token;
  return headers;
}

describe('gateways', () => {
  let app: App;
  const logs: string[] = [];
  let ops: Credentials;
  let alice: Credentials;
  let mallory: Credentials;
  let token: string;
  let gatewayId: string;
  const iam = () => iamClient(app);

  async function user(name: string, statements: object[]): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: name }));
    if (statements.length) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
    const k = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  }

  const check = (path: string, headers: Record<string, string>, method = 'GET') => fetch(new URL(path, app.url), { method, headers });

  before(async () => {
    // Every log line, at debug level: the token must never be among them.
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
    assert.equal((await signedJson(app, 'PUT', '/iamd/services/orders', CATALOGUE)).status, 200);
    ops = await user('gateway-ops', [{ Effect: 'Allow', Action: 'iamd:Authorize', Resource: SERVICE_ARN }]);
    alice = await user('alice', [{ Effect: 'Allow', Action: ['orders:GetOrder', 'orders:ListOrders'], Resource: '*' }]);
    mallory = await user('mallory', []);
  });
  after(() => app.close());

  test('registering needs iamd:Authorize on the service: the token is shown once and stored only as its SHA-256', async () => {
    const billing = await signedJson(app, 'POST', '/iamd/gateways', { ServiceName: 'billing', Name: 'nginx-1' }, ops);
    assert.equal(billing.status, 403);
    assert.equal(billing.body.Code, 'AccessDenied');
    assert.match(billing.body.Message, /gateway-ops is not authorized to perform: iamd:Authorize on resource: arn:aws:iamd::111122223333:service\/billing/);

    const r = await signedJson(app, 'POST', '/iamd/gateways', { ServiceName: 'orders', Name: 'nginx-1' }, ops);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    token = r.body.Token;
    gatewayId = r.body.Gateway.GatewayId;
    assert.match(token, /^iamdg_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(
      { ...r.body.Gateway, GatewayId: undefined, CreateDate: undefined },
      {
        GatewayId: undefined,
        Name: 'nginx-1',
        ServiceName: 'orders',
        Arn: `arn:aws:iamd::${ACCOUNT_ID}:gateway/${gatewayId}`,
        CreatedBy: `arn:aws:iam::${ACCOUNT_ID}:user/gateway-ops`,
        CreateDate: undefined,
        Status: 'Active',
      },
    );
    const row = await app.store.read((repo) => repo.getGateway(gatewayId));
    assert.equal(row?.token_hash, sha256(token));
    assert.ok(!Object.values(row!).includes(token), 'the token itself is stored nowhere');

    const again = await signedJson(app, 'POST', '/iamd/gateways', { ServiceName: 'orders', Name: 'nginx-1' }, ops);
    assert.deepEqual([again.status, again.body.Code], [409, 'EntityAlreadyExists']);
    const noCatalogue = await signedJson(app, 'POST', '/iamd/gateways', { ServiceName: 'nosuch', Name: 'nginx-1' });
    assert.deepEqual(
      [noCatalogue.status, noCatalogue.body.Code, noCatalogue.body.Message],
      [404, 'NoSuchEntity', 'The service catalog with name nosuch cannot be found.'],
    );
    const badName = await signedJson(app, 'POST', '/iamd/gateways', { ServiceName: 'orders', Name: 'a b' });
    assert.deepEqual([badName.status, badName.body.Code], [400, 'ValidationError']);
  });

  test("listing: one service's with its right, every service's only with service/*; never a token", async () => {
    const mine = await signedJson(app, 'GET', '/iamd/gateways?ServiceName=orders', undefined, ops);
    assert.equal(mine.status, 200);
    assert.deepEqual(
      mine.body.Gateways.map((g: { Name: string; Status: string }) => [g.Name, g.Status]),
      [['nginx-1', 'Active']],
    );
    assert.ok(!JSON.stringify(mine.body).includes(token));
    const all = await signedJson(app, 'GET', '/iamd/gateways', undefined, ops);
    assert.deepEqual([all.status, all.body.Code], [403, 'AccessDenied']);
    assert.equal((await signedJson(app, 'GET', '/iamd/gateways')).body.Gateways.length, 1);
  });

  test('nginx convention: 200 with the principal headers and Cache-Control; the client address from X-Forwarded-For', async () => {
    const url = `https://orders.example:8443/orders/42?view=full`;
    const res = await check('/iamd/gateway/check', asNginx(token, 'GET', url, await clientHeaders(alice, 'GET', url)));
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('x-iamd-principal-arn'), `arn:aws:iam::${ACCOUNT_ID}:user/alice`);
    assert.equal(res.headers.get('x-iamd-account'), ACCOUNT_ID);
    assert.match(res.headers.get('x-iamd-user-id')!, /^AIDA/);
    assert.equal(res.headers.get('x-iamd-principal-type'), 'User');
    assert.equal(res.headers.get('x-iamd-mfa'), 'false');
    assert.equal(res.headers.get('x-iamd-action'), 'orders:GetOrder');
    assert.equal(res.headers.get('x-iamd-resource'), `arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/42`);
    assert.match(res.headers.get('cache-control')!, /^max-age=(5\d|60)$/);
    assert.equal(await res.text(), '');
  });

  test('not authentic → 401 with SigV4 error and WWW-Authenticate; denied → 403 AccessDenied; no route → 403; both with X-Iamd-Error', async () => {
    const url = 'https://orders.example/orders/42';
    const headers = await clientHeaders(alice, 'GET', url);
    const tampered = await check(
      '/iamd/gateway/check',
      asNginx(token, 'GET', url, { ...headers, authorization: headers.authorization!.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
    );
    assert.equal(tampered.status, 401);
    assert.equal(tampered.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.equal(tampered.headers.get('x-amzn-errortype'), 'SignatureDoesNotMatch');
    const body = await tampered.json();
    assert.equal(body.__type, 'SignatureDoesNotMatch');
    assert.deepEqual(JSON.parse(tampered.headers.get('x-iamd-error')!), body);

    const otherPath = await check('/iamd/gateway/check', asNginx(token, 'GET', 'https://orders.example/orders/43', headers));
    assert.equal(otherPath.status, 401, 'a signature is for one request only');

    const unsigned = await check('/iamd/gateway/check', asNginx(token, 'GET', url, {}));
    assert.deepEqual([unsigned.status, (await unsigned.json()).__type], [401, 'MissingAuthenticationToken']);

    const deniedUrl = 'https://orders.example/orders/42/cancel';
    const denied = await check('/iamd/gateway/check', asNginx(token, 'POST', deniedUrl, await clientHeaders(mallory, 'POST', deniedUrl)), 'GET');
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('www-authenticate'), null);
    assert.deepEqual(await denied.json(), {
      __type: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCOUNT_ID}:user/mallory is not authorized to perform: orders:CancelOrder on resource: arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/42 because no identity-based policy allows the orders:CancelOrder action`,
    });

    const nowhere = 'https://orders.example/admin';
    const noRoute = await check('/iamd/gateway/check', asNginx(token, 'GET', nowhere, await clientHeaders(alice, 'GET', nowhere)));
    assert.equal(noRoute.status, 403);
    assert.deepEqual(await noRoute.json(), { __type: 'AccessDenied', message: 'No route of service orders matches GET /admin.' });

    // Signed for another service: not authentic for this gateway's.
    const billing = await check('/iamd/gateway/check', asNginx(token, 'GET', url, await clientHeaders(alice, 'GET', url, undefined, 'billing')));
    assert.equal(billing.status, 401);
    assert.deepEqual(await billing.json(), { __type: 'SignatureDoesNotMatch', message: "Credential should be scoped to correct service: 'orders'. " });
  });

  test('a body the client announces without signing its SHA-256 is refused 401; the signed hash is what is verified', async () => {
    const url = 'https://orders.example/orders';
    const body = JSON.stringify({ Item: 'pen', Amount: 1 });
    const signed = await clientHeaders(alice, 'POST', url, body);
    const { 'x-amz-content-sha256': declared, ...withoutHash } = signed;
    assert.equal(declared, sha256(body));
    const refused = await check('/iamd/gateway/check', asNginx(token, 'POST', url, withoutHash, { 'x-original-content-length': String(body.length) }));
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.deepEqual(await refused.json(), { __type: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256' });
    // With the hash: authentic (alice may not CreateOrder: 403, a decision).
    const decided = await check('/iamd/gateway/check', asNginx(token, 'POST', url, signed, { 'x-original-content-length': String(body.length) }));
    assert.equal(decided.status, 403);
  });

  test('Caddy forward_auth (X-Forwarded-*) and Envoy ext_authz (path prefix) conventions', async () => {
    const url = 'https://orders.example/orders/7';
    const client = await clientHeaders(alice, 'GET', url);
    const caddy = await check('/iamd/gateway/forward-auth', {
      ...Object.fromEntries(Object.entries(client).filter(([k]) => k !== 'host')),
      'x-forwarded-method': 'GET',
      'x-forwarded-uri': '/orders/7',
      'x-forwarded-host': 'orders.example',
      'x-forwarded-for': '198.51.100.2',
      // What a client might send to fool a proxy that passes it on: not read at this endpoint.
      'x-original-uri': '/admin',
      'x-iamd-gateway-token': token,
    });
    assert.equal(caddy.status, 200, await caddy.clone().text());
    assert.equal(caddy.headers.get('x-iamd-resource'), `arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/7`);

    // Envoy keeps the client's Host on the check request: here iamd's own address is the client's target.
    const envoyUrl = new URL('/orders/7?x=1', app.url).toString();
    const envoyClient = await clientHeaders(alice, 'GET', envoyUrl);
    const envoy = await check('/iamd/gateway/ext-authz/orders/7?x=1', {
      ...Object.fromEntries(Object.entries(envoyClient).filter(([k]) => k !== 'host')),
      'x-iamd-gateway-token': token,
    });
    assert.equal(envoy.status, 200, await envoy.clone().text());
    assert.equal(envoy.headers.get('x-iamd-action'), 'orders:GetOrder');
  });

  test('the gateway keeps exactly the delegated right: its token signs nothing, and the registrant losing the right later does not matter', async () => {
    // The token is no credential for iamd's other APIs.
    const asAuthorization = await fetch(new URL('/iamd/gateways', app.url), { headers: { authorization: token, 'x-iamd-gateway-token': token } });
    assert.deepEqual([asAuthorization.status, (await asAuthorization.json()).Code], [400, 'IncompleteSignature']);
    const authorize = await fetch(new URL('/iamd/authorize', app.url), { method: 'POST', headers: { 'x-iamd-gateway-token': token }, body: '{}' });
    assert.deepEqual([authorize.status, (await authorize.json()).Code], [403, 'MissingAuthenticationToken']);
    // The registrant's policy goes; the gateway, registered, keeps asking until revoked.
    await iam().send(new DeleteUserPolicyCommand({ UserName: 'gateway-ops', PolicyName: 'p' }));
    const url = 'https://orders.example/orders/1';
    const res = await check('/iamd/gateway/check', asNginx(token, 'GET', url, await clientHeaders(alice, 'GET', url)));
    assert.equal(res.status, 200);
    await iam().send(
      new PutUserPolicyCommand({
        UserName: 'gateway-ops',
        PolicyName: 'p',
        PolicyDocument: policy({ Effect: 'Allow', Action: 'iamd:Authorize', Resource: SERVICE_ARN }),
      }),
    );
  });

  test('a missing, unknown or revoked token: 401 with the same body, no detail; revoking needs the right too', async () => {
    const url = 'https://orders.example/orders/1';
    const client = await clientHeaders(alice, 'GET', url);
    const expected = { __type: 'AccessDenied', message: 'The gateway could not be authenticated.' };
    for (const t of [undefined, 'iamdg_unknown', 'not-even-a-token', `${token}x`]) {
      const res = await check('/iamd/gateway/check', asNginx(t, 'GET', url, client));
      assert.equal(res.status, 401, String(t));
      assert.equal(res.headers.get('www-authenticate'), null);
      assert.deepEqual(await res.json(), expected);
    }
    const stranger = await signedJson(app, 'DELETE', `/iamd/gateways/${gatewayId}`, undefined, mallory);
    assert.deepEqual([stranger.status, stranger.body.Code], [403, 'AccessDenied']);
    const unknown = await signedJson(app, 'DELETE', '/iamd/gateways/gw-nosuch', undefined, ROOT_KEY);
    assert.deepEqual([unknown.status, unknown.body.Code], [404, 'NoSuchEntity']);
    const revoked = await signedJson(app, 'DELETE', `/iamd/gateways/${gatewayId}`, undefined, ops);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.Gateway.Status, 'Revoked');
    assert.ok(revoked.body.Gateway.RevokeDate);
    const res = await check('/iamd/gateway/check', asNginx(token, 'GET', url, client));
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), expected);
  });

  test('`iamd gateway register | list | revoke` with the operator credentials', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: ops.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ops.secretAccessKey,
      AWS_REGION: 'us-east-1',
      IAMD_ENDPOINT: app.url,
    };
    const cli = (...args: string[]) => run(process.execPath, [...IAMD, 'gateway', ...args], env);
    const registered = await cli('register', '--service', 'orders', '--name', 'nginx-2');
    assert.equal(registered.code, 0, registered.stderr);
    const cliToken = /^ {2}(iamdg_\S+)$/m.exec(registered.stdout)?.[1];
    assert.ok(cliToken, registered.stdout);
    const id = /^gateway (gw-[0-9a-f]+) \(nginx-2\)/.exec(registered.stdout)?.[1];
    assert.ok(id, registered.stdout);
    const url = 'https://orders.example/orders/1';
    assert.equal((await check('/iamd/gateway/check', asNginx(cliToken, 'GET', url, await clientHeaders(alice, 'GET', url)))).status, 200);

    const listed = await cli('list', '--service', 'orders');
    assert.equal(listed.code, 0, listed.stderr);
    const gateways = JSON.parse(listed.stdout).Gateways as { Name: string; Status: string }[];
    assert.deepEqual(
      gateways.map((g) => [g.Name, g.Status]),
      [
        ['nginx-1', 'Revoked'],
        ['nginx-2', 'Active'],
      ],
    );
    assert.ok(!listed.stdout.includes(cliToken));
    const revoked = await cli('revoke', id);
    assert.deepEqual([revoked.code, revoked.stdout], [0, `${id}: Revoked\n`]);
    const refused = await cli('register', '--service', 'billing', '--name', 'x');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^iamd: AccessDenied: /);
  });

  test('no log line holds a token, at debug level, allowed, refused or revoked', () => {
    const all = logs.join('');
    assert.ok(all.includes('gateway token refused'), 'the refusals were logged');
    assert.ok(all.includes('gateway check'), 'the checks were logged');
    assert.ok(!all.includes(token), 'the token is never logged');
    assert.ok(!/iamdg_[A-Za-z0-9_-]{20,}/.test(all), 'nor any other');
  });
});
