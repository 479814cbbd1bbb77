// The limits without an access key to charge: the unsigned STS operations (AssumeRoleWithSAML,
// AssumeRoleWithWebIdentity) per source IP, answered with STS's Throttling (HTTP 400, "Rate
// exceeded") before the assertion or token is verified, and the gateways' checks per gateway
// (HTTP 429, Throttling). Both off by default; the SDK retries a throttled unsigned call and
// succeeds. The signed limits: test/throttling.test.ts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateSAMLProviderCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, startTestApp, stsClient, type Credentials } from './helpers.ts';
import { AWS_RECIPIENT, b64, makeTestIdp, type TestIdp } from './saml-idp.ts';

const CATALOGUE = readFileSync(fileURLToPath(new URL('../examples/orders/orders.catalog.json', import.meta.url)), 'utf8');
const providerArn = `arn:aws:iam::${ACCOUNT_ID}:saml-provider/Idp`;
const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/Federated`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

const apps: App[] = [];
after(() => Promise.all(apps.map((a) => a.close())));
async function start(overrides: Parameters<typeof startTestApp>[0]): Promise<App> {
  const app = await startTestApp(overrides);
  apps.push(app);
  return app;
}

/** An unsigned AssumeRoleWithSAML, as the SDK sends it, read raw. */
async function unsignedSaml(app: App, assertion = 'bm90IGEgU0FNTCByZXNwb25zZQ=='): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithSAML',
    Version: '2011-06-15',
    RoleArn: roleArn,
    PrincipalArn: providerArn,
    SAMLAssertion: assertion,
  });
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return { status: res.status, body: await res.text() };
}

async function federation(app: App): Promise<TestIdp> {
  const idp = await makeTestIdp('https://idp.example.com/saml');
  const iam = iamClient(app);
  await iam.send(new CreateSAMLProviderCommand({ Name: 'Idp', SAMLMetadataDocument: idp.metadata() }));
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'Federated',
      AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithSAML' }),
    }),
  );
  return idp;
}

const assertion = (idp: TestIdp, name: string) =>
  b64(idp.response({ nameId: `${name}@example.com`, attributes: { Role: [`${roleArn},${providerArn}`], RoleSessionName: [name] }, recipient: AWS_RECIPIENT }));

describe('unsigned STS calls, per source IP', () => {
  test('off by default: a burst passes to verification', async () => {
    const app = await start({});
    const replies = await Promise.all(Array.from({ length: 30 }, () => unsignedSaml(app)));
    for (const r of replies) assert.doesNotMatch(r.body, /Throttling/);
  });

  test("over the limit: STS's Throttling, HTTP 400, before the assertion is read; signed calls keep their own budget", async () => {
    // 0.05/s: no bucket refills during the test, however slow the machine.
    const app = await start({ rateLimitUnsigned: '0.05:2' });
    const first = await unsignedSaml(app);
    assert.equal(first.status, 400);
    assert.match(first.body, /<Code>InvalidIdentityToken<\/Code>|<Code>ValidationError<\/Code>|<Code>MalformedInput<\/Code>/);
    assert.doesNotMatch((await unsignedSaml(app)).body, /Throttling/);
    const third = await unsignedSaml(app);
    assert.equal(third.status, 400);
    assert.match(third.body, /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/">/);
    assert.match(third.body, /<Type>Sender<\/Type><Code>Throttling<\/Code><Message>Rate exceeded<\/Message>/);
    // The same address signing its calls is not limited by this budget.
    for (let i = 0; i < 3; i++) assert.equal((await stsClient(app).send(new GetCallerIdentityCommand({}))).Account, ACCOUNT_ID);
  });

  test('SDK v3 (default retry strategy): throttled AssumeRoleWithSAML calls succeed by retrying', async () => {
    const app = await start({ rateLimitUnsigned: '2:1' });
    const idp = await federation(app);
    const sts = new STSClient({
      endpoint: app.url,
      region: 'us-east-1',
      maxAttempts: 10,
      credentials: async () => {
        throw new Error('AssumeRoleWithSAML must not sign');
      },
    });
    const results = await Promise.all(
      ['ana', 'ben', 'cy', 'dee'].map((name) =>
        sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: roleArn, PrincipalArn: providerArn, SAMLAssertion: assertion(idp, name) })),
      ),
    );
    assert.deepEqual(results.map((r) => r.AssumedRoleUser?.Arn?.split('/').at(-1)).sort(), ['ana', 'ben', 'cy', 'dee']);
    // Four at once against a bucket of one: some were throttled first, and retried (the assertion was not spent).
    assert.ok(
      results.some((r) => (r.$metadata.attempts ?? 1) > 1),
      JSON.stringify(results.map((r) => r.$metadata)),
    );
  });
});

describe('gateway checks, per gateway', () => {
  let alice: Credentials;

  /** A gateway check as nginx sends it (X-Original-*), for alice's signed GET of an order. */
  async function check(app: App, token: string): Promise<Response> {
    const url = 'https://orders.example/orders/42';
    const u = new URL(url);
    const signer = new SignatureV4({ credentials: alice, region: 'eu-west-1', service: 'orders', sha256: Sha256 });
    const signed = await signer.sign({ method: 'GET', protocol: 'https:', hostname: u.hostname, path: u.pathname, query: {}, headers: { host: u.host } });
    const headers: Record<string, string> = {
      'x-original-method': 'GET',
      'x-original-uri': u.pathname,
      'x-original-host': u.host,
      'x-iamd-gateway-token': token,
    };
    for (const [k, v] of Object.entries(signed.headers)) if (k !== 'host') headers[k] = v as string;
    return fetch(new URL('/iamd/gateway/check', app.url), { headers });
  }

  async function setUp(app: App): Promise<string[]> {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'orders:GetOrder', Resource: '*' }) }),
    );
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    alice = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    assert.equal((await signedJson(app, 'PUT', '/iamd/services/orders', CATALOGUE)).status, 200);
    const tokens: string[] = [];
    for (const name of ['nginx-1', 'nginx-2']) {
      const r = await signedJson(app, 'POST', '/iamd/gateways', JSON.stringify({ ServiceName: 'orders', Name: name }));
      assert.equal(r.status, 200, r.text);
      tokens.push(JSON.parse(r.text).Token);
    }
    return tokens;
  }

  test('off by default: a burst of checks is answered', async () => {
    const app = await start({});
    const [token] = await setUp(app);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => check(app, token!).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [200]);
  });

  test('over its limit a gateway gets 429 Throttling; another gateway and a bad token spend nothing of it', async () => {
    const app = await start({ rateLimitGateway: '0.05:2' });
    const [one, two] = await setUp(app);
    // A wrong token is refused before any budget is spent.
    assert.equal((await check(app, 'iamdg_wrong')).status, 401);
    assert.equal((await check(app, one!)).status, 200);
    assert.equal((await check(app, one!)).status, 200);
    const over = await check(app, one!);
    assert.equal(over.status, 429);
    assert.equal(over.headers.get('x-amzn-errortype'), 'Throttling');
    assert.equal(over.headers.get('retry-after'), '1');
    assert.deepEqual(await over.json(), { __type: 'Throttling', message: 'Rate exceeded' });
    assert.equal((await check(app, two!)).status, 200);
  });
});

/** A call to iamd's own JSON API as root, signed for `iam`. */
async function signedJson(app: App, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, app.url);
  const signer = new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const signed = await signer.sign({ method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers, body });
  const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body });
  return { status: res.status, text: await res.text() };
}
