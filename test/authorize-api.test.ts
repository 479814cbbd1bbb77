// The authorization API (issue #13): a protected service (`orders`) relays the requests its clients
// signed with the AWS SDK's own signer (@smithy/signature-v4, service `orders`), calling iamd with
// its own credentials; iamd verifies the client's signature with the one verifier and decides with
// the one authorizer — identity policies, MFA from the session, Context keys, resource policies
// given or stored — and answers in the contract of docs/authorization-api.md.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagRoleCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import type { RawRequest } from '../src/sigv4/index.ts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../src/crypto/totp.ts';
import { awsEncode } from '../src/sigv4/test-helpers.ts';
import { ACCOUNT_ID, ROOT_KEY, startTestApp, type Credentials } from './helpers.ts';

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
const order = (id: string, account = ACCOUNT_ID, region = 'eu-west-1') => `arn:aws:orders:${region}:${account}:order/${id}`;
const OTHER_ACCOUNT = '999988887777';

/** Alice may read and cancel orders (not order 13), refund up to 100, approve with MFA, export from the office. */
const ALICE_POLICY = policy([
  { Sid: 'Orders', Effect: 'Allow', Action: ['orders:GetOrder', 'orders:CancelOrder'], Resource: 'arn:aws:orders:*:*:order/*' },
  { Sid: 'List', Effect: 'Allow', Action: 'orders:ListOrders', Resource: '*' },
  { Sid: 'NotOrder13', Effect: 'Deny', Action: 'orders:CancelOrder', Resource: 'arn:aws:orders:*:*:order/13' },
  { Sid: 'SmallRefunds', Effect: 'Allow', Action: 'orders:Refund', Resource: '*', Condition: { NumericLessThanEquals: { 'orders:Amount': '100' } } },
  { Sid: 'ApproveWithMfa', Effect: 'Allow', Action: 'orders:ApproveOrder', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
  { Sid: 'FromTheOffice', Effect: 'Allow', Action: 'orders:Export', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
]);
/** The orders service itself: it may ask about requests signed for `orders`, and keep resource policies. */
const GATEWAY_POLICY = policy([
  { Effect: 'Allow', Action: 'iamd:Authorize', Resource: `arn:aws:iamd::${ACCOUNT_ID}:service/orders` },
  { Effect: 'Allow', Action: ['iamd:PutResourcePolicy', 'iamd:GetResourcePolicy', 'iamd:DeleteResourcePolicy'], Resource: `arn:aws:orders:*:${ACCOUNT_ID}:*` },
  { Effect: 'Allow', Action: 'iamd:ListResourcePolicies', Resource: `arn:aws:iamd::${ACCOUNT_ID}:resource-policy/*` },
]);

/** The signed request as the contract carries it. */
interface Embedded {
  Method: string;
  Path: string;
  Query?: string;
  Headers: Record<string, string>;
  Body?: string;
  PayloadHash?: string;
  SourceIp?: string;
}

interface SignOptions {
  method?: string;
  path?: string;
  query?: Record<string, string>;
  body?: string;
  presign?: boolean;
  signingDate?: Date;
  service?: string;
  region?: string;
}

describe('authorization API', () => {
  let app: App;
  let now = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000);
  const keys = new Map<string, Credentials>();
  const opts = (credentials: Credentials) => ({
    endpoint: app.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    systemClockOffset: now.getTime() - Date.now(),
  });
  const iam = (c: Credentials = ROOT_KEY) => new IAMClient(opts(c));
  const sts = (c: Credentials) => new STSClient(opts(c));
  const temp = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): Credentials => ({
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  });
  let mfaSeed = '';

  /** A client request to the orders service, signed by the AWS SDK's signer. */
  async function signed(credentials: Credentials, o: SignOptions = {}): Promise<Embedded> {
    const signer = new SignatureV4({ credentials, region: o.region ?? 'eu-west-1', service: o.service ?? 'orders', sha256: Sha256 });
    const headers: Record<string, string> = { host: 'orders.local:8080' };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const request = {
      method: o.method ?? 'POST',
      protocol: 'http:',
      hostname: 'orders.local',
      port: 8080,
      path: o.path ?? '/orders/42/cancel',
      query: o.query ?? {},
      headers,
      body: o.body,
    } as unknown as HttpRequest;
    const signingDate = o.signingDate ?? now;
    const out = o.presign ? await signer.presign(request, { signingDate, expiresIn: 300 }) : await signer.sign(request, { signingDate });
    const query = Object.entries(out.query as Record<string, string>)
      .map(([k, v]) => `${awsEncode(k)}=${awsEncode(v)}`)
      .join('&');
    const embedded: Embedded = { Method: out.method, Path: out.path, Headers: out.headers };
    if (query !== '') embedded.Query = query;
    if (o.body !== undefined) embedded.Body = Buffer.from(o.body).toString('base64');
    return embedded;
  }

  /** A call to iamd's JSON API, signed by the protected service (`gateway` unless told). */
  async function call(path: string, body: unknown, as = 'gateway', method = 'POST', query: Record<string, string> = {}) {
    const credentials = keys.get(as) ?? ROOT_KEY;
    const url = new URL(path, app.url);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { host: url.host };
    if (text !== undefined) headers['content-type'] = 'application/json';
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'iam', sha256: Sha256 });
    const request = { method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: text };
    const out = await signer.sign(request as unknown as HttpRequest, { signingDate: now });
    const res = await fetch(url, { method, headers: out.headers, body: text });
    // The contract's JSON, checked field by field.
    return { status: res.status, body: (await res.json()) as any };
  }

  const authorize = async (request: Embedded, action: string, resource: string, extra: object = {}, as = 'gateway') =>
    call('/iamd/authorize', { Request: request, Action: action, Resource: resource, ...extra }, as);

  before(async () => {
    app = await startTestApp({}, () => now);
    for (const [name, doc] of [
      ['gateway', GATEWAY_POLICY],
      ['nocaller', undefined],
      ['alice', ALICE_POLICY],
      ['bob', undefined],
    ] as const) {
      await iam().send(new CreateUserCommand({ UserName: name }));
      if (doc) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: name === 'alice' ? 'orders' : 'iamd', PolicyDocument: doc }));
      const key = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
      keys.set(name, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    }
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'orders-reader',
        AssumeRolePolicyDocument: policy([{ Effect: 'Allow', Principal: { AWS: userArn('alice') }, Action: 'sts:AssumeRole' }]),
      }),
    );
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'orders-reader',
        PolicyName: 'read',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'orders:GetOrder', Resource: '*' }]),
      }),
    );
    await iam().send(new TagRoleCommand({ RoleName: 'orders-reader', Tags: [{ Key: 'team', Value: 'ops' }] }));
    const device = (await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice' }))).VirtualMFADevice!;
    mfaSeed = Buffer.from(device.Base32StringSeed!).toString('ascii');
    const [c1, c2] = consecutiveCodesAt(mfaSeed, now);
    await iam().send(new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: device.SerialNumber!, AuthenticationCode1: c1, AuthenticationCode2: c2 }));
  });
  after(() => app.close());

  const alice = () => keys.get('alice')!;

  test('Allow: the principal, the deciding statement in the simulator’s terms, a cache TTL of 60 s', async () => {
    const { status, body } = await authorize(await signed(alice(), { body: '{"reason":"late"}' }), 'orders:CancelOrder', order('42'));
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body, {
      Decision: 'Allow',
      Authenticated: true,
      Principal: {
        Arn: userArn('alice'),
        AccountId: ACCOUNT_ID,
        UserId: body.Principal.UserId,
        Type: 'User',
        UserName: 'alice',
        AccessKeyId: alice().accessKeyId,
        MfaAuthenticated: false,
        Tags: {},
      },
      MatchedStatements: [{ SourcePolicyId: 'orders', SourcePolicyType: 'user', Effect: 'Allow', Sid: 'Orders' }],
      CacheTtlSeconds: 60,
    });
    assert.match(body.Principal.UserId, /^AIDA/);
  });

  test('implicit deny with AWS’s reason; an explicit Deny on one order wins', async () => {
    const implicit = await authorize(await signed(alice()), 'orders:DeleteOrder', order('42'));
    assert.deepEqual([implicit.status, implicit.body.Decision, implicit.body.Authenticated, implicit.body.MatchedStatements], [200, 'Deny', true, []]);
    assert.equal(
      implicit.body.Reason,
      `User: ${userArn('alice')} is not authorized to perform: orders:DeleteOrder on resource: ${order('42')} because no identity-based policy allows the orders:DeleteOrder action`,
    );
    assert.equal(implicit.body.CacheTtlSeconds, 60);
    const explicit = await authorize(await signed(alice()), 'orders:CancelOrder', order('13'));
    assert.equal(explicit.body.Decision, 'Deny');
    assert.equal(
      explicit.body.Reason,
      `User: ${userArn('alice')} is not authorized to perform: orders:CancelOrder on resource: ${order('13')} with an explicit deny in an identity-based policy`,
    );
    assert.deepEqual(explicit.body.MatchedStatements, [{ SourcePolicyId: 'orders', SourcePolicyType: 'user', Effect: 'Deny', Sid: 'NotOrder13' }]);
    // Actions without a resource type are asked on `*`, as AWS words them (no "on resource").
    const list = await authorize(await signed(alice(), { method: 'GET', path: '/orders' }), 'orders:ListOrders', '*');
    assert.equal(list.body.Decision, 'Allow');
  });

  test('a Condition on orders:Amount from Context: a string, a number or a list; aws: keys are iamd’s alone', async () => {
    const decide = async (context?: object) =>
      (await authorize(await signed(alice()), 'orders:Refund', order('42'), context === undefined ? {} : { Context: context })).body.Decision;
    assert.equal(await decide({ 'orders:Amount': '100' }), 'Allow');
    assert.equal(await decide({ 'orders:Amount': 50 }), 'Allow');
    assert.equal(await decide({ 'orders:Amount': ['75'], 'orders:Tags': ['a', 'b'] }), 'Allow');
    assert.equal(await decide({ 'orders:Amount': '250' }), 'Deny');
    assert.equal(await decide(), 'Deny');
    const reserved = await authorize(await signed(alice()), 'orders:ApproveOrder', '*', { Context: { 'aws:MultiFactorAuthPresent': 'true' } });
    assert.deepEqual([reserved.status, reserved.body.Code], [400, 'ValidationError']);
    assert.match(reserved.body.Message, /reserved/);
    const bare = await authorize(await signed(alice()), 'orders:Refund', order('42'), { Context: { Amount: '5' } });
    assert.deepEqual([bare.status, bare.body.Code], [400, 'ValidationError']);
  });

  test('aws:MultiFactorAuthPresent comes from the client’s session: allowed only for a GetSessionToken session with MFA', async () => {
    const approve = async (c: Credentials) => (await authorize(await signed(c), 'orders:ApproveOrder', '*')).body;
    assert.equal((await approve(alice())).Decision, 'Deny');
    const plain = temp((await sts(alice()).send(new GetSessionTokenCommand({}))).Credentials!);
    const noMfa = await approve(plain);
    assert.deepEqual([noMfa.Authenticated, noMfa.Decision, noMfa.Principal.MfaAuthenticated], [true, 'Deny', false]);
    const serial = `arn:aws:iam::${ACCOUNT_ID}:mfa/alice`;
    const code = totpForStep(mfaSeed, timeStepAt(now) + 1);
    const withMfa = temp((await sts(alice()).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code }))).Credentials!);
    const allowed = await approve(withMfa);
    assert.deepEqual([allowed.Decision, allowed.Principal.Arn, allowed.Principal.MfaAuthenticated], ['Allow', userArn('alice'), true]);
    assert.match(allowed.Principal.AccessKeyId, /^ASIA/);
  });

  test('role sessions from AssumeRole: header form and presigned URL, with the session token; the TTL ends with the credential', async () => {
    const out = await sts(alice()).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/orders-reader`, RoleSessionName: 'web', DurationSeconds: 900 }),
    );
    const session = temp(out.Credentials!);
    for (const presign of [false, true]) {
      const request = await signed(session, { method: 'GET', path: '/orders/42', presign });
      if (presign) assert.match(request.Query ?? '', /X-Amz-Security-Token=/);
      else assert.ok(request.Headers['x-amz-security-token']);
      const { body } = await authorize(request, 'orders:GetOrder', order('42'));
      assert.equal(body.Decision, 'Allow', JSON.stringify(body));
      assert.deepEqual(
        [body.Principal.Type, body.Principal.Arn, body.Principal.RoleName, body.Principal.SessionName, body.Principal.Tags],
        ['AssumedRole', `arn:aws:sts::${ACCOUNT_ID}:assumed-role/orders-reader/web`, 'orders-reader', 'web', { team: 'ops' }],
      );
      assert.match(body.Principal.UserId, /^AROA.+:web$/);
      assert.equal(body.MatchedStatements[0].SourcePolicyType, 'role');
      assert.equal(body.CacheTtlSeconds, 60);
    }
    // 30 seconds before the session ends, an answer may be kept 30 seconds; once it ended, the request is not authentic.
    const start = now;
    try {
      now = new Date(out.Credentials!.Expiration!.getTime() - 30_000);
      assert.equal((await authorize(await signed(session, { method: 'GET', path: '/orders/42' }), 'orders:GetOrder', order('42'))).body.CacheTtlSeconds, 30);
      now = new Date(out.Credentials!.Expiration!.getTime() + 1_000);
      const expired = (await authorize(await signed(session, { method: 'GET', path: '/orders/42' }), 'orders:GetOrder', order('42'))).body;
      assert.deepEqual([expired.Authenticated, expired.Decision, expired.Error.Code, expired.CacheTtlSeconds], [false, 'Deny', 'ExpiredToken', 0]);
    } finally {
      now = start;
    }
  });

  test('a presigned URL with a long-term key: the TTL never outlives the URL', async () => {
    const request = await signed(alice(), { method: 'GET', path: '/orders/42', presign: true, signingDate: new Date(now.getTime() - 280_000) });
    const { body } = await authorize(request, 'orders:GetOrder', order('42'));
    assert.deepEqual([body.Decision, body.CacheTtlSeconds], ['Allow', 20]);
  });

  test('the payload hash instead of the body; a body that is not the signed one is refused', async () => {
    const text = '{"reason":"late"}';
    const request = await signed(alice(), { body: text });
    const { Body: _body, ...withoutBody } = request;
    const hash = createHash('sha256').update(text).digest('hex');
    assert.equal((await authorize({ ...withoutBody, PayloadHash: hash }, 'orders:CancelOrder', order('42'))).body.Decision, 'Allow');
    const tampered = (await authorize({ ...request, Body: Buffer.from('{"reason":"evil"}').toString('base64') }, 'orders:CancelOrder', order('42'))).body;
    assert.deepEqual([tampered.Authenticated, tampered.Error.Code], [false, 'XAmzContentSHA256Mismatch']);
    const both = await authorize({ ...request, PayloadHash: hash }, 'orders:CancelOrder', order('42'));
    assert.deepEqual([both.status, both.body.Code], [400, 'ValidationError']);
  });

  test('not authentic: a tampered signature, a wrong secret, an unknown key, a stale date, no signature → Authenticated false with SigV4’s error', async () => {
    const good = await signed(alice());
    const flipped = good.Headers.authorization!.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    const cases: [string, Embedded, string, number][] = [
      ['tampered signature', { ...good, Headers: { ...good.Headers, authorization: flipped } }, 'SignatureDoesNotMatch', 403],
      ['tampered path', { ...good, Path: '/orders/43/cancel' }, 'SignatureDoesNotMatch', 403],
      ['wrong secret', await signed({ ...alice(), secretAccessKey: 'not-the-secret' }), 'SignatureDoesNotMatch', 403],
      ['unknown key', await signed({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }), 'InvalidClientTokenId', 403],
      ['stale date', await signed(alice(), { signingDate: new Date(now.getTime() - 16 * 60_000) }), 'SignatureDoesNotMatch', 403],
      ['another partition', await signed(alice(), { region: 'cn-north-1' }), 'SignatureDoesNotMatch', 403],
      ['no signature', { Method: 'POST', Path: '/orders/42/cancel', Headers: { host: 'orders.local:8080' } }, 'MissingAuthenticationToken', 403],
    ];
    for (const [name, request, code, httpStatus] of cases) {
      const { status, body } = await authorize(request, 'orders:CancelOrder', order('42'));
      assert.equal(status, 200, name);
      assert.deepEqual(
        [body.Decision, body.Authenticated, body.Error.Code, body.Error.HttpStatus, body.CacheTtlSeconds],
        ['Deny', false, code, httpStatus, 0],
        name,
      );
      assert.equal(body.Principal, undefined, name);
      assert.equal(body.Reason, undefined, name);
    }
    const stale = (await authorize(cases[4]![1], 'orders:CancelOrder', order('42'))).body;
    assert.match(stale.Error.Message, /^Signature expired: /);
  });

  test('the caller needs iamd:Authorize for the service the request is signed for; iamd’s own services are refused', async () => {
    const denied = await authorize(await signed(alice()), 'orders:CancelOrder', order('42'), {}, 'nocaller');
    assert.deepEqual([denied.status, denied.body.Code], [403, 'AccessDenied']);
    assert.equal(
      denied.body.Message,
      `User: ${userArn('nocaller')} is not authorized to perform: iamd:Authorize on resource: arn:aws:iamd::${ACCOUNT_ID}:service/orders because no identity-based policy allows the iamd:Authorize action`,
    );
    const billing = await authorize(await signed(alice(), { service: 'billing' }), 'billing:Pay', '*');
    assert.deepEqual([billing.status, billing.body.Code], [403, 'AccessDenied']);
    for (const service of ['iam', 'sts']) {
      const own = await authorize(await signed(alice(), { service, region: 'us-east-1' }), 'iam:ListUsers', '*', {}, 'root');
      assert.deepEqual([own.status, own.body.Code], [400, 'ValidationError'], service);
      assert.equal(own.body.Message, `iamd's own services are not protected through this API: the request is signed for '${service}'.`);
    }
    // The caller's own call must be signed for iamd (`iam`), like every iamd JSON API.
    const unsigned = await fetch(`${app.url}/iamd/authorize`, { method: 'POST', body: '{}' });
    assert.equal(unsigned.status, 403);
  });

  test('malformed Action, Resource or request: ValidationError in AWS’s words', async () => {
    const request = await signed(alice());
    for (const [action, resource, pattern] of [
      ['CancelOrder', order('42'), /at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern/],
      ['orders:*', order('42'), /at 'action'/],
      ['orders:CancelOrder', 'order/42', /at 'resource' failed to satisfy constraint/],
      ['orders:CancelOrder', 'arn:aws-cn:orders:cn-north-1:111122223333:order/42', /^Invalid ARN partition$/],
    ] as const) {
      const { status, body } = await authorize(request, action, resource);
      assert.deepEqual([status, body.Code], [400, 'ValidationError'], `${action} ${resource}`);
      assert.match(body.Message, pattern);
    }
    const noPath = await authorize({ ...request, Path: 'orders/42' }, 'orders:CancelOrder', order('42'));
    assert.deepEqual([noPath.status, noPath.body.Code], [400, 'ValidationError']);
    const headersNotMap = await authorize({ ...request, Headers: ['host'] } as unknown as Embedded, 'orders:CancelOrder', order('42'));
    assert.deepEqual([headersNotMap.status, headersNotMap.body.Code], [400, 'ValidationError']);
    const badPolicy = await authorize(request, 'orders:CancelOrder', order('42'), { ResourcePolicy: '{"Statement":' });
    assert.deepEqual([badPolicy.status, badPolicy.body.Code], [400, 'MalformedPolicyDocument']);
    const notJson = await call('/iamd/authorize', undefined);
    assert.deepEqual([notJson.status, notJson.body.Code], [400, 'ValidationError']);
  });

  test('aws:SourceIp is the client address the protected service saw (Request.SourceIp), absent when it does not say', async () => {
    const exportWith = async (ip?: string) =>
      (await authorize({ ...(await signed(alice())), ...(ip === undefined ? {} : { SourceIp: ip }) }, 'orders:Export', '*')).body.Decision;
    assert.equal(await exportWith('10.1.2.3'), 'Allow');
    assert.equal(await exportWith('::ffff:10.1.2.3'), 'Allow');
    assert.equal(await exportWith('192.168.1.1'), 'Deny');
    assert.equal(await exportWith(), 'Deny');
    const bad = await authorize({ ...(await signed(alice())), SourceIp: '10.1.2' }, 'orders:Export', '*');
    assert.deepEqual([bad.status, bad.body.Code], [400, 'ValidationError']);
  });

  test('a resource policy given in the request grants a user with no identity policy; across accounts both must allow', async () => {
    const bob = keys.get('bob')!;
    const grant = (who: string, resource = `arn:aws:orders:*:*:order/*`) =>
      policy([{ Sid: 'Grant', Effect: 'Allow', Principal: { AWS: userArn(who) }, Action: 'orders:GetOrder', Resource: resource }]);
    const get = async (c: Credentials, resource: string, resourcePolicy?: string) =>
      (
        await authorize(
          await signed(c, { method: 'GET', path: '/orders/7' }),
          'orders:GetOrder',
          resource,
          resourcePolicy ? { ResourcePolicy: resourcePolicy } : {},
        )
      ).body;
    const without = await get(bob, order('7'));
    assert.match(without.Reason, /because no identity-based policy allows the orders:GetOrder action$/);
    const granted = await get(bob, order('7'), grant('bob'));
    assert.deepEqual(
      [granted.Decision, granted.MatchedStatements],
      ['Allow', [{ SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'resource', Effect: 'Allow', Sid: 'Grant' }]],
    );
    // Another account's resource: the resource policy and the identity policy must both allow.
    assert.equal((await get(bob, order('7', OTHER_ACCOUNT), grant('bob'))).Decision, 'Deny');
    const noGrant = await get(alice(), order('7', OTHER_ACCOUNT));
    assert.match(noGrant.Reason, /because no resource-based policy allows the orders:GetOrder action$/);
    assert.equal((await get(alice(), order('7', OTHER_ACCOUNT), grant('alice'))).Decision, 'Allow');
    // An explicit Deny in the resource policy wins over the identity policy's Allow.
    const deny = policy([{ Effect: 'Deny', Principal: '*', Action: 'orders:*', Resource: '*' }]);
    const denied = await get(alice(), order('7'), deny);
    assert.equal(
      denied.Reason,
      `User: ${userArn('alice')} is not authorized to perform: orders:GetOrder on resource: ${order('7')} with an explicit deny in a resource-based policy`,
    );
  });

  test('stored resource policies: the exact ARN wins over the longest prefix; a write takes effect on the next decision', async () => {
    const bob = keys.get('bob')!;
    const grant = (who: string) => policy([{ Effect: 'Allow', Principal: { AWS: userArn(who) }, Action: 'orders:GetOrder', Resource: '*' }]);
    const get = async (id: string) => (await authorize(await signed(bob, { method: 'GET', path: `/orders/${id}` }), 'orders:GetOrder', order(id))).body;
    assert.equal((await get('8')).Decision, 'Deny');
    const put = await call('/iamd/resource-policies', { ResourceArn: order('*'), PolicyDocument: grant('bob') });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.ResourcePolicy.ResourceArn, order('*'));
    const byPrefix = await get('8');
    assert.deepEqual(
      [byPrefix.Decision, byPrefix.MatchedStatements[0].SourcePolicyType, byPrefix.MatchedStatements[0].SourcePolicyId],
      ['Allow', 'resource', order('*')],
    );
    // A longer prefix, then the exact ARN, take over from it.
    assert.equal((await call('/iamd/resource-policies', { ResourceArn: order('7*'), PolicyDocument: grant('alice') })).status, 200);
    assert.equal((await get('77')).Decision, 'Deny');
    assert.equal((await call('/iamd/resource-policies', { ResourceArn: order('77'), PolicyDocument: grant('bob') })).status, 200);
    assert.equal((await get('77')).Decision, 'Allow');
    assert.equal((await get('78')).Decision, 'Deny');
    assert.equal((await get('8')).Decision, 'Allow');
    // Read back, listed, deleted.
    const got = await call('/iamd/resource-policies', undefined, 'gateway', 'GET', { ResourceArn: order('77') });
    assert.deepEqual([got.status, got.body.ResourcePolicy.PolicyDocument], [200, grant('bob')]);
    const listed = await call('/iamd/resource-policies', undefined, 'gateway', 'GET', { MaxItems: '2' });
    // Byte order of the ARNs: '*' sorts before the digits.
    assert.deepEqual(
      [listed.body.ResourcePolicies.map((p: { ResourceArn: string }) => p.ResourceArn), listed.body.IsTruncated],
      [[order('*'), order('7*')], true],
    );
    const rest = await call('/iamd/resource-policies', undefined, 'gateway', 'GET', { Marker: listed.body.Marker });
    assert.deepEqual([rest.body.ResourcePolicies.map((p: { ResourceArn: string }) => p.ResourceArn), rest.body.IsTruncated], [[order('77')], false]);
    assert.equal((await call('/iamd/resource-policies', undefined, 'gateway', 'DELETE', { ResourceArn: order('*') })).status, 200);
    assert.equal((await get('8')).Decision, 'Deny');
    const gone = await call('/iamd/resource-policies', undefined, 'gateway', 'DELETE', { ResourceArn: order('*') });
    assert.deepEqual([gone.status, gone.body.Code, gone.body.Message], [404, 'NoSuchEntity', `The resource policy for ${order('*')} cannot be found.`]);
  });

  test('resource-policy operations: permissions on the ARN, the owning account, AWS’s validation of resource-based policies', async () => {
    const doc = policy([{ Effect: 'Allow', Principal: { AWS: userArn('bob') }, Action: 'orders:GetOrder', Resource: '*' }]);
    const denied = await call('/iamd/resource-policies', { ResourceArn: order('1'), PolicyDocument: doc }, 'nocaller');
    assert.deepEqual([denied.status, denied.body.Code], [403, 'AccessDenied']);
    assert.match(denied.body.Message, /iamd:PutResourcePolicy on resource: arn:aws:orders:eu-west-1:111122223333:order\/1 because/);
    const listDenied = await call('/iamd/resource-policies', undefined, 'nocaller', 'GET');
    assert.match(listDenied.body.Message, new RegExp(`iamd:ListResourcePolicies on resource: arn:aws:iamd::${ACCOUNT_ID}:resource-policy/\\*`));
    const other = await call('/iamd/resource-policies', { ResourceArn: order('1', OTHER_ACCOUNT), PolicyDocument: doc });
    assert.deepEqual([other.status, other.body.Code], [400, 'ValidationError']);
    for (const arn of ['arn:aws:orders:*', 'arn:aws:orders:*:111122223333:order/1', 'orders/1', 'arn:aws-cn:orders:cn-north-1:111122223333:order/1']) {
      const bad = await call('/iamd/resource-policies', { ResourceArn: arn, PolicyDocument: doc });
      assert.deepEqual([bad.status, bad.body.Code], [400, 'ValidationError'], arn);
    }
    const noPrincipal = await call('/iamd/resource-policies', {
      ResourceArn: order('1'),
      PolicyDocument: policy([{ Effect: 'Allow', Action: 'orders:*', Resource: '*' }]),
    });
    assert.deepEqual([noPrincipal.status, noPrincipal.body.Code], [400, 'MalformedPolicyDocument']);
    const missing = await call('/iamd/resource-policies', undefined, 'gateway', 'GET', { ResourceArn: order('404') });
    assert.deepEqual([missing.status, missing.body.Code], [404, 'NoSuchEntity']);
  });

  test('BatchAuthorize: 30 mixed decisions for one signature check, in request order; 31 is a ValidationError', async () => {
    const authenticator = app.services.authenticator;
    const original = authenticator.verify;
    let checks = 0;
    authenticator.verify = (req: RawRequest, ...rest) => {
      if (req.url.startsWith('/orders')) checks++;
      return original.call(authenticator, req, ...rest);
    };
    try {
      const requests = Array.from({ length: 30 }, (_, i) => ({
        Action: i % 3 === 2 ? 'orders:DeleteOrder' : 'orders:CancelOrder',
        Resource: order(i % 3 === 1 ? '13' : String(i)),
      }));
      const { status, body } = await call('/iamd/authorize/batch', { Request: await signed(alice()), Requests: requests });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(checks, 1);
      assert.deepEqual([body.Authenticated, body.Principal.Arn, body.Results.length], [true, userArn('alice'), 30]);
      body.Results.forEach((r: { Decision: string; Reason?: string; CacheTtlSeconds: number }, i: number) => {
        assert.equal(r.Decision, i % 3 === 0 ? 'Allow' : 'Deny', `entry ${i}`);
        if (i % 3 === 1) assert.match(r.Reason!, /with an explicit deny in an identity-based policy$/);
        if (i % 3 === 2) assert.match(r.Reason!, /because no identity-based policy allows the orders:DeleteOrder action$/);
        assert.equal(r.CacheTtlSeconds, 60);
      });
      const tooMany = await call('/iamd/authorize/batch', { Request: await signed(alice()), Requests: [...requests, requests[0]] });
      assert.deepEqual([tooMany.status, tooMany.body.Code], [400, 'ValidationError']);
      assert.equal(
        tooMany.body.Message,
        "1 validation error detected: Value '[31 items]' at 'requests' failed to satisfy constraint: Member must have length less than or equal to 30",
      );
      const none = await call('/iamd/authorize/batch', { Request: await signed(alice()), Requests: [] });
      assert.deepEqual([none.status, none.body.Code], [400, 'ValidationError']);
      const notAuthentic = await call('/iamd/authorize/batch', { Request: await signed({ ...alice(), secretAccessKey: 'x' }), Requests: requests });
      assert.deepEqual([notAuthentic.body.Authenticated, notAuthentic.body.Error.Code, notAuthentic.body.Results], [false, 'SignatureDoesNotMatch', []]);
    } finally {
      authenticator.verify = original;
    }
  });

  test('Authenticate: who signed the request, or why it is not authentic', async () => {
    const { status, body } = await call('/iamd/authenticate', { Request: await signed(alice(), { method: 'GET', path: '/orders' }) });
    assert.equal(status, 200);
    assert.deepEqual([body.Authenticated, body.Principal.Arn, body.Principal.Type, body.CacheTtlSeconds], [true, userArn('alice'), 'User', 60]);
    const unsigned = await call('/iamd/authenticate', { Request: { Method: 'GET', Path: '/orders', Headers: { Host: 'orders.local' } } });
    // No service to check the caller's permission for: the caller needs iamd:Authorize on service/*.
    assert.deepEqual([unsigned.status, unsigned.body.Code], [403, 'AccessDenied']);
    const asRoot = await call('/iamd/authenticate', { Request: { Method: 'GET', Path: '/orders', Headers: { Host: 'orders.local' } } }, 'root');
    assert.deepEqual([asRoot.body.Authenticated, asRoot.body.Error.Code, asRoot.body.CacheTtlSeconds], [false, 'MissingAuthenticationToken', 0]);
  });

  test('a batch is recorded at its service’s own level (IAMD_AUDIT_DECISIONS=…,orders=all): every answer', async () => {
    const levels = app.services.audit!.options.decisions.services;
    levels.orders = { mode: 'all' };
    try {
      const requests = [0, 1, 2].map((i) => ({ Action: 'orders:GetOrder', Resource: order(`all-${i}`) }));
      const { body } = await call('/iamd/authorize/batch', { Request: await signed(alice()), Requests: requests });
      assert.deepEqual(
        body.Results.map((r: { Decision: string }) => r.Decision),
        ['Allow', 'Allow', 'Allow'],
      );
      await app.services.audit!.flush();
      const recorded = (await app.store.read((repo) => repo.findAuditEvents({ eventName: 'BatchAuthorize', order: 'newest', limit: 1 })))[0]!;
      const record = JSON.parse(recorded.body) as {
        requestParameters: { requests: { resource: string }[] };
        responseElements: { results: { decision: string }[] };
      };
      assert.deepEqual(
        record.requestParameters.requests.map((q) => q.resource),
        requests.map((q) => q.Resource),
      );
      assert.deepEqual(
        record.responseElements.results.map((r) => r.decision),
        ['Allow', 'Allow', 'Allow'],
      );
    } finally {
      delete levels.orders;
    }
  });

  test('the audit trail keeps the denials (its default level) with who was refused and why, never a signature or a token', async () => {
    // A presigned URL of temporary credentials, refused: its query carries a signature and a session token.
    const session = temp((await sts(alice()).send(new GetSessionTokenCommand({}))).Credentials!);
    const presigned = await signed(session, { method: 'DELETE', path: '/orders/42', presign: true });
    assert.match(presigned.Query ?? '', /X-Amz-Security-Token=/);
    assert.equal((await authorize(presigned, 'orders:DeleteOrder', order('42'))).body.Decision, 'Deny');
    await app.services.audit!.flush();
    const events = await app.store.read((repo) => repo.findAuditEvents({ eventSource: 'iamd.iamd.local', order: 'oldest', limit: 1000 }));
    type Decided = {
      userIdentity: { userName?: string };
      requestParameters: { action?: string; resource?: string; request?: { headers?: Record<string, string>; query?: string } };
      responseElements: { decision?: string; principal?: { arn?: string }; matchedStatements?: { sid?: string; effect?: string }[]; reason?: string } | null;
    };
    const records = events.map((e) => ({ name: e.event_name, record: JSON.parse(e.body) as Decided, body: e.body }));
    const decisions = records.filter((r) => r.name === 'Authorize');
    // The explicit deny on order 13: the gateway asked, alice was refused, by NotOrder13.
    const refused = decisions.find((r) => r.record.requestParameters.resource === order('13') && r.record.requestParameters.action === 'orders:CancelOrder');
    assert.ok(refused, 'the refusal is recorded');
    assert.equal(refused.record.userIdentity.userName, 'gateway');
    assert.equal(refused.record.responseElements?.decision, 'Deny');
    assert.equal(refused.record.responseElements?.principal?.arn, userArn('alice'));
    assert.deepEqual(
      refused.record.responseElements?.matchedStatements?.map((m) => [m.sid, m.effect]),
      [['NotOrder13', 'Deny']],
    );
    assert.equal(refused.record.responseElements?.reason, undefined, 'the decision and its statements, not the sentence');
    // Who signed stays readable; the signature does not.
    const authorization = refused.record.requestParameters.request?.headers?.authorization ?? '';
    assert.match(authorization, new RegExp(`Credential=${alice().accessKeyId}/`));
    assert.match(authorization, /Signature=HMAC-SHA256:/);
    // The batch of 30 (one in three allowed): at the denials level, only its 20 refusals, each with its place.
    const batch = events
      .filter((e) => e.event_name === 'BatchAuthorize')
      .map(
        (e) =>
          JSON.parse(e.body) as {
            requestParameters: { requests: { index: number; resource: string }[] };
            responseElements: { principal?: { arn?: string }; results: { index: number; decision: string }[] };
          },
      )
      .find((r) => r.requestParameters.requests.length === 20);
    assert.ok(batch, 'the mixed batch is recorded with its refusals only');
    assert.equal(batch.responseElements.principal?.arn, userArn('alice'));
    assert.deepEqual(
      batch.responseElements.results.map((r) => [r.index, r.decision]),
      Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i % 3 !== 0)
        .map((i) => [i, 'Deny']),
    );
    assert.deepEqual(
      batch.requestParameters.requests.map((q) => q.index),
      batch.responseElements.results.map((r) => r.index),
    );
    assert.equal(batch.requestParameters.requests[0]!.resource, order('13'));
    // Allowed decisions are not kept at the default level (denials).
    assert.equal(
      decisions.some((r) => r.record.responseElements?.decision === 'Allow'),
      false,
    );
    // No record holds a signature or a session token, in a header or a presigned query.
    for (const r of records) {
      assert.doesNotMatch(r.body, /Signature=[0-9a-f]{64}/i, r.name);
      assert.doesNotMatch(r.body, /X-Amz-Security-Token=(?!HMAC-SHA256)/i, r.name);
      assert.doesNotMatch(r.body, /"x-amz-security-token":"(?!HMAC-SHA256)/i, r.name);
    }
    assert.ok(
      records.some((r) => /X-Amz-Signature=HMAC-SHA256/i.test(r.body)),
      'a presigned request was recorded, its signature hashed',
    );
  });
});
