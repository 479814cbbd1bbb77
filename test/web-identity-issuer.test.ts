// AssumeRoleWithWebIdentity with keys iamd fetches itself: real OpenID Connect issuers
// (oidc-provider) on https://localhost, a certificate from the test's CA that the iamd child process
// trusts through NODE_EXTRA_CA_CERTS, and real ID tokens from the authorization code flow. Covers
// discovery and the key cache (one fetch, then none), key rotation, the checks made before any
// fetch, and an issuer that is down.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, type IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { generateKeyPair, SignJWT } from 'jose';
import { type ChildIamd, startChild, stopChild } from './child-process.ts';
import { ACCOUNT_ID, awsError, iamClient } from './helpers.ts';
import { type ClientConfig, type IssuerKey, issuerKey, TestIssuers } from './oidc-issuer.ts';
import { makeTestCa } from './tls.ts';

const CLIENT: ClientConfig = { clientId: 'iamd-client', clientSecret: 'a-client-secret-for-tests-only' };
const OTHER_CLIENT: ClientConfig = { clientId: 'other-client', clientSecret: 'another-client-secret-for-tests' };
const ISSUER = TestIssuers.url('a');
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/localhost/a`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/idp-alice`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('AssumeRoleWithWebIdentity with a real OpenID Connect issuer', () => {
  let dir: string;
  let issuers: TestIssuers;
  let iamd: ChildIamd;
  let iam: IAMClient;
  let k1: IssuerKey;
  let k2: IssuerKey;
  let firstToken: string;
  const sts = () => new STSClient({ endpoint: iamd.url, region: 'us-east-1', maxAttempts: 1 });
  const assume = (token: string, sessionName = 'alice-session') =>
    sts().send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE_ARN, RoleSessionName: sessionName, WebIdentityToken: token }));
  const fetches = () => ({ discovery: issuers.hits.get('/a/.well-known/openid-configuration') ?? 0, jwks: issuers.hits.get('/a/jwks') ?? 0 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iamd-idp-'));
    const ca = await makeTestCa(dir);
    [k1, k2] = await Promise.all([issuerKey('key-1'), issuerKey('key-2')]);
    issuers = new TestIssuers(ca);
    await issuers.configure('a', [k1], [CLIENT, OTHER_CLIENT]);
    await issuers.configure('b', [await issuerKey('b-key')], [CLIENT]);
    await issuers.start();
    iamd = await startChild(join(dir, 'data'), { NODE_EXTRA_CA_CERTS: ca.certFile });
    iam = iamClient(iamd.url);
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [CLIENT.clientId] }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'idp-alice',
        AssumeRolePolicyDocument: policy({
          Effect: 'Allow',
          Principal: { Federated: PROVIDER_ARN },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'localhost/a:aud': CLIENT.clientId, 'localhost/a:sub': 'alice' } },
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'idp-alice',
        PolicyName: 'read',
        PolicyDocument: policy({ Effect: 'Allow', Action: 'iam:ListRoles', Resource: '*' }),
      }),
    );
  });
  after(async () => {
    await issuers?.close();
    if (iamd) await stopChild(iamd);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a real ID token: iamd fetches discovery and keys once, then verifies from its cache', async () => {
    firstToken = await issuers.idToken('a', CLIENT, 'alice');
    const out = await assume(firstToken);
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/idp-alice/alice-session`);
    assert.equal(out.SubjectFromWebIdentityToken, 'alice');
    assert.equal(out.Audience, CLIENT.clientId);
    assert.equal(out.Provider, PROVIDER_ARN);
    const me = await new STSClient({
      endpoint: iamd.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      },
    }).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, out.AssumedRoleUser!.Arn);
    assert.deepEqual(fetches(), { discovery: 1, jwks: 1 });

    await assume(await issuers.idToken('a', CLIENT, 'alice'), 'again');
    await assume(firstToken, 'and-again');
    assert.deepEqual(fetches(), { discovery: 1, jwks: 1 }, 'the keys are cached');
  });

  test('the trust policy decides on :sub; a wrong audience or another issuer is refused before any fetch', async () => {
    const before = fetches();
    const bob = await issuers.idToken('a', CLIENT, 'bob');
    assert.deepEqual(await awsError(() => assume(bob)), {
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      status: 403,
    });

    const otherAudience = await issuers.idToken('a', OTHER_CLIENT, 'alice');
    assert.deepEqual(await awsError(() => assume(otherAudience)), { name: 'InvalidIdentityToken', message: 'Incorrect token audience', status: 400 });

    const otherIssuer = await issuers.idToken('b', CLIENT, 'alice');
    assert.deepEqual(await awsError(() => assume(otherIssuer)), {
      name: 'InvalidIdentityToken',
      message: `No OpenIDConnect provider found in your account for ${TestIssuers.url('b')}`,
      status: 400,
    });
    assert.deepEqual(fetches(), before);
    assert.equal(issuers.hits.get('/b/jwks') ?? 0, 0);
  });

  test('an expired token (signed with the issuer’s own key: a real one cannot be waited for)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ sub: 'alice', aud: CLIENT.clientId })
      .setProtectedHeader({ alg: 'RS256', kid: k1.kid })
      .setIssuer(ISSUER)
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(k1.privateKey);
    const e = await awsError(() => assume(expired));
    assert.equal(e.name, 'ExpiredTokenException');
    assert.equal(e.status, 400);
    assert.match(e.message, new RegExp(`must be before the expiration date/time ${now - 3600}$`));
  });

  test('key rotation: a token with the new kid is accepted after one refetch; old-key tokens pass while the key is published', async () => {
    // The issuer now signs with key-2 and still publishes key-1.
    await issuers.configure('a', [k2, k1], [CLIENT, OTHER_CLIENT]);
    const before = fetches();
    const rotated = await issuers.idToken('a', CLIENT, 'alice');
    assert.equal(JSON.parse(Buffer.from(rotated.split('.')[0]!, 'base64url').toString()).kid, 'key-2');
    assert.equal((await assume(rotated, 'rotated')).SubjectFromWebIdentityToken, 'alice');
    assert.deepEqual(fetches(), { discovery: before.discovery + 1, jwks: before.jwks + 1 });
    assert.ok(await assume(firstToken, 'old-key'));
    assert.deepEqual(fetches(), { discovery: before.discovery + 1, jwks: before.jwks + 1 });

    // Made-up kids: refused, and the issuer is not asked again for each of them.
    const stranger = await generateKeyPair('RS256');
    for (let i = 0; i < 10; i++) {
      const forged = await new SignJWT({ sub: 'alice', aud: CLIENT.clientId })
        .setProtectedHeader({ alg: 'RS256', kid: `made-up-${i}` })
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(stranger.privateKey);
      const e = await awsError(() => assume(forged));
      assert.equal(e.name, 'InvalidIdentityToken');
      assert.match(e.message, /^Couldn't retrieve verification key from your identity provider/);
    }
    // At most one refetch (if 30 s passed since the rotation's), never one per token.
    assert.ok(fetches().jwks <= before.jwks + 2, JSON.stringify(fetches()));
  });

  test('the issuer down: IDPCommunicationError', async () => {
    // A provider iamd never fetched keys for, at an address where nothing listens any more.
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: TestIssuers.url('c'), ClientIDList: [CLIENT.clientId] }));
    await issuers.close();
    const stranger = await generateKeyPair('RS256');
    const token = await new SignJWT({ sub: 'alice', aud: CLIENT.clientId })
      .setProtectedHeader({ alg: 'RS256', kid: 'c-key' })
      .setIssuer(TestIssuers.url('c'))
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(stranger.privateKey);
    const e = await awsError(() =>
      sts().send(
        new AssumeRoleWithWebIdentityCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/idp-alice`, RoleSessionName: 'down', WebIdentityToken: token }),
      ),
    );
    assert.equal(e.name, 'IDPCommunicationError');
    assert.equal(e.status, 400);
    // The child's log line arrives through a pipe, maybe after the answer: wait for it a little.
    for (let i = 0; i < 50 && !/OIDC issuer keys could not be fetched/.test(iamd.output()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(iamd.output(), /OIDC issuer keys could not be fetched/);
  });
});
