// Protect your own services (issue #13), end to end: the orders example (examples/orders) behind
// @iamd/middleware on Express and Fastify, iamd in-process, identities made with the SDK, and real
// clients calling the orders service: SDK v3 (@smithy/signature-v4, given keys and the default
// credential chain), boto3 (test/python/test_protect_orders_boto3.py), and a process started by
// `iamd exec --instance-profile` that has no key at all.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FastifyInstance } from 'fastify';
import type { App } from '../src/app.ts';
import { timeStepAt, totpForStep, consecutiveCodesAt } from '../src/crypto/totp.ts';
import { createIamdClient, type IamdClient } from '../packages/iamd-middleware/src/index.ts';
import { signedFetch } from '../examples/orders/client.ts';
import { createOrdersExpressApp } from '../examples/orders/express-app.ts';
import { createOrdersFastifyApp } from '../examples/orders/fastify-app.ts';
import { OrderStore } from '../examples/orders/orders.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, startTestApp, stsClient, type Credentials } from './helpers.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const ORDERS_CLIENT = fileURLToPath(new URL('../examples/orders/client.ts', import.meta.url));
const CATALOGUE = fileURLToPath(new URL('../examples/orders/orders.catalog.json', import.meta.url));
const REGION = 'us-east-1';
const orderArn = (id: string) => `arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/${id}`;
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('protect your services: the orders example behind @iamd/middleware, with real clients', () => {
  let app: App;
  let store: OrderStore;
  let iamd: IamdClient;
  let express: Server;
  let ordersUrl: string;
  let fastify: FastifyInstance;
  let fastifyUrl: string;
  const serviceErrors: Error[] = [];
  const keys = new Map<string, Credentials>();
  const iam = () => iamClient(app);

  async function user(name: string, ...statements: object[]): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: name }));
    if (statements.length) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'orders', PolicyDocument: policy(...statements) }));
    const k = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const c = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    keys.set(name, c);
    return c;
  }

  /** A JSON call to iamd's own API, signed for `iam` (as `iamd service put` and the middleware sign theirs). */
  async function iamdJson(method: string, path: string, body: string | undefined, credentials: Credentials = ROOT_KEY): Promise<{ status: number; json: any }> {
    const url = new URL(path, app.url);
    const signer = new SignatureV4({ service: 'iam', region: REGION, credentials, sha256: Sha256 });
    const headers: Record<string, string> = { host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body });
    return { status: res.status, json: await res.json() };
  }

  const call = async (url: string, credentials: Credentials, method = 'GET', body?: string) => {
    const res = await signedFetch(url, { method, body, credentials, region: REGION });
    return { status: res.status, json: (await res.json()) as any };
  };
  const orders = (path: string, credentials: Credentials, method = 'GET', body?: string) => call(ordersUrl + path, credentials, method, body);

  before(async () => {
    app = await startTestApp();
    // The platform team registers the service's catalogue (examples/orders/orders.catalog.json).
    const put = await iamdJson('PUT', '/iamd/services/orders', readFileSync(CATALOGUE, 'utf8'));
    assert.equal(put.status, 200, JSON.stringify(put.json));

    // The orders service's own identity: allowed to ask iamd about requests signed for `orders`.
    const service = await user('orders-service', {
      Effect: 'Allow',
      Action: 'iamd:Authorize',
      Resource: `arn:aws:iamd::${ACCOUNT_ID}:service/orders`,
    });
    iamd = createIamdClient({ endpoint: app.url, region: REGION, credentials: service, onError: (e) => serviceErrors.push(e) });
    store = new OrderStore();
    store.create({ OrderId: '1', Item: 'coffee beans', Quantity: 2, Amount: 24, CreatedBy: 'seed' });
    store.create({ OrderId: '2', Item: 'espresso machine', Quantity: 1, Amount: 5000, CreatedBy: 'seed' });
    store.create({ OrderId: '3', Item: 'grinder', Quantity: 1, Amount: 300, CreatedBy: 'seed' });
    store.create({ OrderId: '4', Item: 'mugs', Quantity: 6, Amount: 30, CreatedBy: 'seed' });
    store.create({
      OrderId: '5',
      Item: 'filters',
      Quantity: 100,
      Amount: 8,
      CreatedBy: 'seed',
      // The order's own resource policy, which the service passes with each request (resourcePolicy option).
      Policy: policy({ Effect: 'Allow', Principal: { AWS: userArn('erin') }, Action: ['orders:GetOrder', 'orders:CancelOrder'], Resource: orderArn('5') }),
    });
    const config = { region: REGION, accountId: ACCOUNT_ID };
    express = createOrdersExpressApp(iamd, config, store).listen(0, '127.0.0.1');
    await new Promise((r) => express.once('listening', r));
    ordersUrl = `http://127.0.0.1:${(express.address() as AddressInfo).port}`;
    fastify = createOrdersFastifyApp(iamd, config, store);
    fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' });

    // alice reads orders, except order 2 (an explicit deny on one order).
    await user(
      'alice',
      { Effect: 'Allow', Action: ['orders:ListOrders', 'orders:GetOrder'], Resource: '*' },
      { Effect: 'Deny', Action: 'orders:GetOrder', Resource: orderArn('2') },
    );
    // bob has no policy of his own: the clerks group lets him list and create.
    await user('bob');
    await iam().send(new CreateGroupCommand({ GroupName: 'order-clerks' }));
    await iam().send(
      new PutGroupPolicyCommand({
        GroupName: 'order-clerks',
        PolicyName: 'clerks',
        PolicyDocument: policy({ Effect: 'Allow', Action: ['orders:ListOrders', 'orders:CreateOrder'], Resource: '*' }),
      }),
    );
    await iam().send(new AddUserToGroupCommand({ GroupName: 'order-clerks', UserName: 'bob' }));
    // carol may cancel orders of up to 1,000 through the OrdersOperator role.
    await user('carol', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'OrdersOperator',
        AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: userArn('carol') }, Action: 'sts:AssumeRole' }),
      }),
    );
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'OrdersOperator',
        PolicyName: 'cancel-small',
        PolicyDocument: policy({
          Effect: 'Allow',
          Action: ['orders:CancelOrder', 'orders:GetOrder'],
          Resource: `arn:aws:orders:${REGION}:${ACCOUNT_ID}:order/*`,
          Condition: { NumericLessThanEquals: { 'orders:Amount': '1000' } },
        }),
      }),
    );
    // erin has no identity policy at all; mallory neither.
    await user('erin');
    await user('mallory');
  });
  after(async () => {
    await fastify.close();
    await new Promise((r) => express.close(r));
    await app.close();
  });

  test('SDK v3 signing for `orders`: allowed calls pass, and the handler sees the principal iamd authenticated', async () => {
    const list = await orders('/orders', keys.get('alice')!);
    assert.equal(list.status, 200);
    assert.ok(list.json.Orders.length >= 5);
    const one = await orders('/orders/1', keys.get('alice')!);
    assert.deepEqual([one.status, one.json.Order.Item], [200, 'coffee beans']);
  });

  test("an explicit deny on one order wins over the Allow on every order: 403 with AWS's reason", async () => {
    const denied = await orders('/orders/2', keys.get('alice')!);
    assert.equal(denied.status, 403);
    assert.deepEqual(denied.json, {
      __type: 'AccessDenied',
      message: `User: ${userArn('alice')} is not authorized to perform: orders:GetOrder on resource: ${orderArn('2')} with an explicit deny in an identity-based policy`,
    });
    assert.equal((await orders('/orders/3', keys.get('alice')!)).status, 200);
  });

  test('a policy on a group: bob creates an order (CreatedBy is his ARN) but may not cancel one', async () => {
    const created = await orders('/orders', keys.get('bob')!, 'POST', JSON.stringify({ Item: 'tea', Quantity: 3, Amount: 12 }));
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.Order.CreatedBy, userArn('bob'));
    const cancel = await orders(`/orders/${created.json.Order.OrderId}/cancel`, keys.get('bob')!, 'POST');
    assert.equal(cancel.status, 403);
    assert.equal(
      cancel.json.message,
      `User: ${userArn('bob')} is not authorized to perform: orders:CancelOrder on resource: ${orderArn(created.json.Order.OrderId)} because no identity-based policy allows the orders:CancelOrder action`,
    );
  });

  test("a role session from AssumeRole: the role's policy with a condition on the service's own key (orders:Amount)", async () => {
    const out = await stsClient(app, keys.get('carol')!).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/OrdersOperator`, RoleSessionName: 'carol-shift' }),
    );
    const session = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const small = await orders('/orders/3/cancel', session, 'POST');
    assert.deepEqual([small.status, small.json.Order.Status], [200, 'Cancelled']);
    const big = await orders('/orders/2/cancel', session, 'POST');
    assert.equal(big.status, 403);
    assert.match(
      big.json.message,
      new RegExp(`^User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/OrdersOperator/carol-shift is not authorized to perform: orders:CancelOrder`),
    );
    // carol's own key does not carry the role's permissions.
    assert.equal((await orders('/orders/4/cancel', keys.get('carol')!, 'POST')).status, 403);
  });

  test('an MFA condition: aws:MultiFactorAuthPresent holds only for a GetSessionToken session made with a code', async () => {
    const dave = await user('dave', {
      Effect: 'Allow',
      Action: 'orders:CancelOrder',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    });
    const device = (await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'dave' }))).VirtualMFADevice!;
    const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
    // Enable with the codes of the two previous steps, then sign in with the next one (never reused).
    const [c1, c2] = consecutiveCodesAt(seed, new Date(Date.now() - 30_000));
    await iam().send(new EnableMFADeviceCommand({ UserName: 'dave', SerialNumber: device.SerialNumber!, AuthenticationCode1: c1, AuthenticationCode2: c2 }));

    const withoutMfa = await orders('/orders/4/cancel', dave, 'POST');
    assert.equal(withoutMfa.status, 403);
    assert.match(withoutMfa.json.message, /user\/dave is not authorized to perform: orders:CancelOrder .*because no identity-based policy allows/);

    const code = totpForStep(seed, timeStepAt(new Date()) + 1);
    const out = await stsClient(app, dave).send(new GetSessionTokenCommand({ SerialNumber: device.SerialNumber!, TokenCode: code }));
    const mfaSession = {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    };
    const withMfa = await orders('/orders/4/cancel', mfaSession, 'POST');
    assert.deepEqual([withMfa.status, withMfa.json.Order?.Status], [200, 'Cancelled']);
  });

  test('a resource policy grants a user with no identity policy: stored in iamd, or passed by the service', async () => {
    // Nothing allows erin yet.
    const before = await orders('/orders/1', keys.get('erin')!);
    assert.equal(before.status, 403);
    assert.match(before.json.message, /because no identity-based policy allows the orders:GetOrder action$/);

    // Stored in iamd for order 1 (PutResourcePolicy), evaluated with AWS's rules: same account, a named principal.
    const stored = await iamdJson(
      'POST',
      '/iamd/resource-policies',
      JSON.stringify({
        ResourceArn: orderArn('1'),
        PolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: userArn('erin') }, Action: 'orders:GetOrder', Resource: orderArn('1') }),
      }),
    );
    assert.equal(stored.status, 200, JSON.stringify(stored.json));
    // The deny above may be cached for the very same signed request (same second, same signature).
    iamd.clearCache();
    const after = await orders('/orders/1', keys.get('erin')!);
    assert.deepEqual([after.status, after.json.Order?.OrderId], [200, '1']);
    // It grants what it names, on what it names: not another order, not another action.
    assert.equal((await orders('/orders/3', keys.get('erin')!)).status, 403);
    assert.equal((await orders('/orders/1/cancel', keys.get('erin')!, 'POST')).status, 403);

    // Passed by the service with the request (the middleware's resourcePolicy option: order 5 keeps its own).
    const passed = await orders('/orders/5', keys.get('erin')!);
    assert.deepEqual([passed.status, passed.json.Order?.OrderId], [200, '5']);
    assert.equal((await orders('/orders/5', keys.get('mallory')!)).status, 403);
  });

  test("a user without permission: 403 AccessDenied with AWS's reason in the body (AWS JSON error style)", async () => {
    const res = await signedFetch(`${ordersUrl}/orders/1/cancel`, { method: 'POST', credentials: keys.get('mallory')!, region: REGION });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDenied');
    assert.ok(res.headers.get('x-amzn-requestid'));
    assert.deepEqual(await res.json(), {
      __type: 'AccessDenied',
      message: `User: ${userArn('mallory')} is not authorized to perform: orders:CancelOrder on resource: ${orderArn('1')} because no identity-based policy allows the orders:CancelOrder action`,
    });
  });

  test("not authentic: a tampered body, a tampered signature, an unknown key or no signature at all → 401 with SigV4's error", async () => {
    const alice = keys.get('alice')!;
    const signer = new SignatureV4({ service: 'orders', region: REGION, credentials: alice, sha256: Sha256 });
    const url = new URL(`${ordersUrl}/orders`);
    const body = JSON.stringify({ Item: 'pen', Amount: 1 });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/orders',
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const headers = signed.headers as Record<string, string>;

    // The SDK signs x-amz-content-sha256: the body the service received is not the one signed.
    const otherBody = await fetch(url, { method: 'POST', headers, body: body.replace('"Amount":1', '"Amount":9') });
    assert.equal(otherBody.status, 401);
    assert.equal(otherBody.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.deepEqual(await otherBody.json(), {
      __type: 'XAmzContentSHA256Mismatch',
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
    // Without that header (as botocore signs), a changed body is a signature that does not match.
    const noHashSigner = new SignatureV4({ service: 'orders', region: REGION, credentials: alice, sha256: Sha256, applyChecksum: false });
    const unhashed = await noHashSigner.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/orders',
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    assert.equal((unhashed.headers as Record<string, string>)['x-amz-content-sha256'], undefined);
    const swapped = await fetch(url, { method: 'POST', headers: unhashed.headers as Record<string, string>, body: body.replace('pen', 'gold') });
    assert.equal(swapped.status, 401);
    const swappedError = (await swapped.json()) as any;
    assert.equal(swappedError.__type, 'SignatureDoesNotMatch');
    assert.match(swappedError.message, /^The request signature we calculated does not match the signature you provided/);

    const flipped = headers.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    const otherSignature = await fetch(url, { method: 'POST', headers: { ...headers, authorization: flipped }, body });
    assert.deepEqual([otherSignature.status, ((await otherSignature.json()) as any).__type], [401, 'SignatureDoesNotMatch']);

    const unknown = await call(`${ordersUrl}/orders`, { accessKeyId: 'AKIAIOSFODNN7UNKNOWN', secretAccessKey: 'x'.repeat(40) });
    assert.deepEqual([unknown.status, unknown.json.__type], [401, 'InvalidClientTokenId']);

    // Signed for another service (a request to `billing` replayed here): refused as AWS refuses it.
    const replayed = await signedFetch(`${ordersUrl}/orders`, { credentials: alice, region: REGION, service: 'billing' });
    assert.equal(replayed.status, 401);
    assert.deepEqual(await replayed.json(), { __type: 'SignatureDoesNotMatch', message: "Credential should be scoped to correct service: 'orders'. " });

    const anonymous = await fetch(`${ordersUrl}/orders`);
    assert.deepEqual([anonymous.status, ((await anonymous.json()) as any).__type], [401, 'MissingAuthenticationToken']);

    // The untampered request passes.
    assert.equal((await fetch(url, { method: 'POST', headers, body })).status, 403, 'alice may not create: authentic, then denied');
  });

  test('Fastify 5: the same service as a preHandler — allow, deny (403) and a tampered signature (401)', async () => {
    const ok = await call(`${fastifyUrl}/orders/1`, keys.get('alice')!);
    assert.deepEqual([ok.status, ok.json.Order?.OrderId], [200, '1']);
    const created = await call(`${fastifyUrl}/orders`, keys.get('bob')!, 'POST', JSON.stringify({ Item: 'cups', Amount: 5 }));
    assert.deepEqual([created.status, created.json.Order?.CreatedBy], [201, userArn('bob')]);
    const denied = await call(`${fastifyUrl}/orders/2`, keys.get('alice')!);
    assert.equal(denied.status, 403);
    assert.match(denied.json.message, /with an explicit deny in an identity-based policy$/);

    const signer = new SignatureV4({ service: 'orders', region: REGION, credentials: keys.get('bob')!, sha256: Sha256 });
    const url = new URL(`${fastifyUrl}/orders`);
    const body = JSON.stringify({ Item: 'pen', Amount: 1 });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/orders',
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    });
    const tampered = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body: body.replace('pen', 'gold') });
    assert.equal(tampered.status, 401);
    assert.equal(((await tampered.json()) as any).__type, 'XAmzContentSHA256Mismatch');
    const headers = signed.headers as Record<string, string>;
    const flipped = headers.authorization!.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    const forged = await fetch(url, { method: 'POST', headers: { ...headers, authorization: flipped }, body });
    assert.deepEqual([forged.status, ((await forged.json()) as any).__type], [401, 'SignatureDoesNotMatch']);
    assert.equal((await fetch(url, { method: 'POST', headers, body })).status, 201, 'the untampered request passes');
  });

  test('SDK v3 default credential chain (fromNodeProviderChain) in a client process with keys in its environment', async () => {
    const alice = keys.get('alice')!;
    const r = await run(process.execPath, ['--import', 'tsx', ORDERS_CLIENT, 'GET', `${ordersUrl}/orders/1`], {
      AWS_ACCESS_KEY_ID: alice.accessKeyId,
      AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
      AWS_REGION: REGION,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PROFILE: '',
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^HTTP 200\n.*"OrderId":"1"/);
  });

  test("the seed's story: a process started with `iamd exec --instance-profile` calls the orders service with no key, and may do what its role allows", async () => {
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'orders-reporter',
        AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }),
      }),
    );
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'orders-reporter',
        PolicyName: 'read',
        PolicyDocument: policy({ Effect: 'Allow', Action: ['orders:ListOrders', 'orders:GetOrder'], Resource: '*' }),
      }),
    );
    await iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: 'orders-reporter' }));
    await iam().send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'orders-reporter', RoleName: 'orders-reporter' }));

    const exec = (...command: string[]) =>
      run(process.execPath, [...IAMD, 'exec', '--instance-profile', 'orders-reporter', '--name', 'nightly-report', '--', ...command], {
        // The operator's key starts the workload; the workload itself gets none (only container credentials).
        AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
        AWS_REGION: REGION,
        AWS_DEFAULT_REGION: REGION,
        AWS_ENDPOINT_URL: app.url,
        AWS_CONFIG_FILE: '/dev/null',
      });
    const script = [
      `test -z "$AWS_ACCESS_KEY_ID" && echo NO-KEY`,
      `${process.execPath} --import tsx ${ORDERS_CLIENT} GET ${ordersUrl}/orders/1`,
      `${process.execPath} --import tsx ${ORDERS_CLIENT} POST ${ordersUrl}/orders/1/cancel`,
      'true',
    ].join('; ');
    const r = await exec('sh', '-c', script);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^NO-KEY\n/);
    assert.match(r.stdout, /HTTP 200\n\{"Order":\{"OrderId":"1"/);
    assert.match(
      r.stdout,
      new RegExp(
        `HTTP 403\\n\\{"__type":"AccessDenied","message":"User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/orders-reporter/nightly-report is not authorized to perform: orders:CancelOrder`,
      ),
    );
  });

  test('boto3: SigV4Auth for `orders`, and a role_arn profile that boto3 assumes itself (pytest)', async () => {
    const r = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test/python/test_protect_orders_boto3.py'], {
      IAMD_TEST_ENDPOINT: app.url,
      IAMD_TEST_ROOT_KEY: ROOT_KEY.accessKeyId,
      IAMD_TEST_ROOT_SECRET: ROOT_KEY.secretAccessKey,
      IAMD_TEST_ORDERS_URL: ordersUrl,
      IAMD_TEST_ORDERS_FASTIFY_URL: fastifyUrl,
      IAMD_TEST_ACCOUNT_ID: ACCOUNT_ID,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /passed/);
    assert.doesNotMatch(r.stdout, /skipped/);
  });

  test('the service itself must be allowed iamd:Authorize for its service name: otherwise every request is refused (fail closed)', async () => {
    const errors: Error[] = [];
    const unprivileged = createIamdClient({ endpoint: app.url, region: REGION, credentials: keys.get('mallory')!, onError: (e) => errors.push(e) });
    const server = createOrdersExpressApp(unprivileged, { region: REGION, accountId: ACCOUNT_ID }, store).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await call(`http://127.0.0.1:${(server.address() as AddressInfo).port}/orders/1`, keys.get('alice')!);
      assert.deepEqual([res.status, res.json.__type], [500, 'InternalFailure']);
      assert.match(
        errors[0]!.message,
        /iamd answered 403 AccessDenied: User: .*user\/mallory is not authorized to perform: iamd:Authorize on resource: arn:aws:iamd::\d+:service\/orders/,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
    assert.deepEqual(serviceErrors, [], 'the real service never failed to ask iamd');
  });
});
