// Outbound web identity federation: IAM's switch (Enable/Get/Disable), STS GetWebIdentityToken,
// and the issuer's discovery document and JWKS, verified the way an external service would (jose,
// from the discovery document), against an iamd whose clock the test controls (expiry, rotation).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DisableOutboundWebIdentityFederationCommand,
  EnableOutboundWebIdentityFederationCommand,
  GetOutboundWebIdentityFederationInfoCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  TagUserCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetWebIdentityTokenCommand, type GetWebIdentityTokenCommandInput, STSClient } from '@aws-sdk/client-sts';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { App } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { IamdClient } from '../src/cli-tools/workload-client.ts';
import { WORKLOAD_CREDENTIALS_PATH } from '../src/api/workloads/workload-api.ts';
import { ACCOUNT_ID, awsError, ROOT_KEY, startTestApp, type Credentials } from './helpers.ts';

const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;
const AUDIENCE = 'https://api.example.com';
const AWS_CLAIMS = 'https://sts.amazonaws.com/';
const HOUR = 3600_000;
const DAY = 24 * HOUR;

interface AwsClaims {
  aws_account: string;
  source_region: string;
  principal_tags?: Record<string, string>;
  request_tags?: Record<string, string>;
}

describe('outbound web identity federation', () => {
  let app: App;
  // Near real time (SigV4 checks the request date); the clients follow the server's clock.
  let now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const tick = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  const opts = (credentials: Credentials) => ({
    endpoint: app.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    systemClockOffset: now.getTime() - Date.now(),
  });
  const iam = (c: Credentials = ROOT_KEY) => new IAMClient(opts(c));
  const sts = (c: Credentials = ROOT_KEY) => new STSClient(opts(c));
  let issuer: string;
  let minter: Credentials;

  async function userWithKey(name: string, statements: object[]): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: name }));
    await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(statements) }));
    const key = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  const token = (c: Credentials, input: Partial<GetWebIdentityTokenCommandInput> = {}) =>
    sts(c).send(new GetWebIdentityTokenCommand({ Audience: [AUDIENCE], SigningAlgorithm: 'RS256', ...input }));

  /** What a relying party does: discovery document → jwks_uri → verify issuer, audience, signature and time. */
  async function verify(jwt: string, options: { audience?: string; at?: Date } = {}): Promise<JWTPayload> {
    const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    assert.equal(discovery.issuer, issuer);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload } = await jwtVerify(jwt, jwks, {
      issuer,
      audience: options.audience ?? AUDIENCE,
      currentDate: options.at ?? now,
      algorithms: ['RS256', 'ES384'],
    });
    return payload;
  }
  const jwksKids = async () => ((await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

  before(async () => {
    app = await startTestApp({}, () => now);
    minter = await userWithKey('minter', [{ Effect: 'Allow', Action: ['sts:GetWebIdentityToken', 'sts:TagGetWebIdentityToken'], Resource: '*' }]);
    await iam().send(new TagUserCommand({ UserName: 'minter', Tags: [{ Key: 'team', Value: 'data' }] }));
  });
  after(() => app.close());

  test('never enabled: Get and Disable answer FeatureDisabled, tokens OutboundWebIdentityFederationDisabledException', async () => {
    const get = await awsError(() => iam().send(new GetOutboundWebIdentityFederationInfoCommand({})));
    assert.deepEqual([get.name, get.status], ['FeatureDisabled', 404]);
    const disable = await awsError(() => iam().send(new DisableOutboundWebIdentityFederationCommand({})));
    assert.deepEqual([disable.name, disable.status], ['FeatureDisabled', 404]);
    const refused = await awsError(() => token(minter));
    assert.deepEqual([refused.name, refused.status], ['OutboundWebIdentityFederationDisabledException', 403]);
    const unknown = await fetch(`${app.url}/oidc/00000000-0000-4000-8000-000000000000/.well-known/jwks.json`);
    assert.equal(unknown.status, 404);
  });

  test('the IAM operations are authorized like any other', async () => {
    const nobody = await userWithKey('nobody', [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }]);
    for (const command of [
      new EnableOutboundWebIdentityFederationCommand({}),
      new GetOutboundWebIdentityFederationInfoCommand({}),
      new DisableOutboundWebIdentityFederationCommand({}),
    ]) {
      const denied = await awsError(() => iam(nobody).send(command as never));
      assert.equal(denied.name, 'AccessDenied');
      assert.match(denied.message, /is not authorized to perform: iam:(Enable|Get|Disable)OutboundWebIdentityFederation/);
    }
    // Refused before anything changed.
    assert.equal((await awsError(() => iam().send(new GetOutboundWebIdentityFederationInfoCommand({})))).name, 'FeatureDisabled');
  });

  test('Enable gives the issuer URL once; Get reports it; the discovery document and JWKS are public', async () => {
    const enabled = await iam().send(new EnableOutboundWebIdentityFederationCommand({}));
    issuer = enabled.IssuerIdentifier!;
    assert.match(issuer, new RegExp(`^${app.url}/oidc/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`));
    const again = await awsError(() => iam().send(new EnableOutboundWebIdentityFederationCommand({})));
    assert.deepEqual([again.name, again.status], ['FeatureEnabled', 409]);
    const info = await iam().send(new GetOutboundWebIdentityFederationInfoCommand({}));
    assert.deepEqual([info.IssuerIdentifier, info.JwtVendingEnabled], [issuer, true]);

    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    assert.match(discovery.headers.get('cache-control') ?? '', /max-age=\d+/);
    assert.deepEqual(await discovery.json(), {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES384'],
      claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'jti', AWS_CLAIMS],
    });
    const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as { keys: Record<string, string>[] };
    assert.deepEqual(jwks.keys.map((k) => [k.kty, k.alg, k.use, k.crv ?? null]).sort(), [
      ['EC', 'ES384', 'sig', 'P-384'],
      ['RSA', 'RS256', 'sig', null],
    ]);
    for (const k of jwks.keys) {
      assert.match(k.kid!, /^[A-Za-z0-9_-]{43}$/);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[secret], undefined, `public keys only (${secret})`);
    }
    // The private halves are sealed at rest, never stored in the clear.
    const rows = await app.store.read((repo) => repo.listOutboundSigningKeys(ACCOUNT_ID));
    assert.equal(rows.length, 2);
    for (const row of rows) assert.doesNotMatch(row.private_sealed, /PRIVATE KEY/);

    assert.equal((await fetch(`${issuer}/.well-known/jwks.json`, { method: 'POST' })).status, 405);
    const head = await fetch(`${issuer}/.well-known/jwks.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  test('a token verifies with the published keys, with the documented claims; expired or altered, it does not', async () => {
    const r = await token(minter, { Tags: [{ Key: 'job-id', Value: 'job-42' }] });
    const jwt = r.WebIdentityToken!;
    const header = decodeProtectedHeader(jwt);
    assert.deepEqual([header.alg, header.typ], ['RS256', 'JWT']);
    assert.ok((await jwksKids()).includes(header.kid!));
    const claims = await verify(jwt);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.sub, userArn('minter'));
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.iat, Math.floor(now.getTime() / 1000));
    assert.equal(claims.exp! - claims.iat!, 300, 'DurationSeconds defaults to 300');
    assert.equal(r.Expiration!.getTime(), claims.exp! * 1000);
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
    assert.deepEqual(claims[AWS_CLAIMS] as AwsClaims, {
      aws_account: ACCOUNT_ID,
      source_region: 'us-east-1',
      principal_tags: { team: 'data' },
      request_tags: { 'job-id': 'job-42' },
    });

    const expired = await awsError(() => verify(jwt, { at: new Date(now.getTime() + 301_000) }));
    assert.equal(expired.name, 'JWTExpired');
    const [h, p, s] = jwt.split('.');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: userArn('root-ish') })).toString('base64url');
    assert.equal((await awsError(() => verify(`${h}.${altered}.${s}`))).name, 'JWSSignatureVerificationFailed');
    assert.equal((await awsError(() => verify(jwt, { audience: 'https://other.example.com' }))).name, 'JWTClaimValidationFailed');

    // ES384, several audiences (an array), the longest lifetime.
    const es = await token(minter, { SigningAlgorithm: 'ES384', Audience: [AUDIENCE, 'https://second.example.com'], DurationSeconds: 3600 });
    assert.equal(decodeProtectedHeader(es.WebIdentityToken!).alg, 'ES384');
    const esClaims = await verify(es.WebIdentityToken!, { audience: 'https://second.example.com' });
    assert.deepEqual(esClaims.aud, [AUDIENCE, 'https://second.example.com']);
    assert.equal(esClaims.exp! - esClaims.iat!, 3600);
    // Unique tokens.
    assert.notEqual((await verify((await token(minter)).WebIdentityToken!)).jti, claims.jti);
  });

  test('bad input is refused as AWS refuses it', async () => {
    const alg = await awsError(() => token(minter, { SigningAlgorithm: 'HS256' }));
    assert.deepEqual([alg.name, alg.status], ['ValidationError', 400]);
    assert.match(alg.message, /Value 'HS256' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: \[RS256, ES384\]/);
    assert.equal((await awsError(() => token(minter, { DurationSeconds: 59 }))).name, 'ValidationError');
    assert.equal((await awsError(() => token(minter, { DurationSeconds: 3601 }))).name, 'ValidationError');
    assert.equal(
      (await awsError(() => token(minter, { Audience: Array.from({ length: 11 }, (_, i) => `https://a${i}.example.com`) }))).name,
      'ValidationError',
    );
    assert.equal((await awsError(() => token(minter, { Audience: ['x'.repeat(1001)] }))).name, 'ValidationError');
    const dup = await awsError(() =>
      token(minter, {
        Tags: [
          { Key: 'Env', Value: 'a' },
          { Key: 'env', Value: 'b' },
        ],
      }),
    );
    assert.equal(dup.name, 'InvalidParameterValue');
    assert.equal((await awsError(() => token(minter, { Tags: [{ Key: 'aws:x', Value: 'a' }] }))).name, 'InvalidParameterValue');
    // Claims over the payload limit: JWTPayloadSizeExceededException.
    const big = Array.from({ length: 50 }, (_, i) => ({ Key: `k${String(i).padStart(2, '0')}${'k'.repeat(120)}`, Value: 'v'.repeat(256) }));
    const tooBig = await awsError(() => token(minter, { Tags: big }));
    assert.deepEqual([tooBig.name, tooBig.status], ['JWTPayloadSizeExceededException', 400]);
  });

  test('policies decide by sts:IdentityTokenAudience, sts:DurationSeconds and sts:SigningAlgorithm; tags need sts:TagGetWebIdentityToken', async () => {
    const limited = await userWithKey('limited', [
      {
        Effect: 'Allow',
        Action: 'sts:GetWebIdentityToken',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': AUDIENCE }, NumericLessThanEquals: { 'sts:DurationSeconds': 300 } },
      },
      { Effect: 'Deny', Action: 'sts:GetWebIdentityToken', Resource: '*', Condition: { StringEquals: { 'sts:SigningAlgorithm': 'ES384' } } },
    ]);
    assert.equal((await verify((await token(limited)).WebIdentityToken!)).sub, userArn('limited'));
    assert.ok((await token(limited, { DurationSeconds: 120 })).WebIdentityToken);
    const otherAudience = await awsError(() => token(limited, { Audience: [AUDIENCE, 'https://evil.example.com'] }));
    assert.equal(otherAudience.name, 'AccessDenied');
    assert.match(otherAudience.message, /user\/limited is not authorized to perform: sts:GetWebIdentityToken/);
    assert.equal((await awsError(() => token(limited, { DurationSeconds: 301 }))).name, 'AccessDenied');
    const es = await awsError(() => token(limited, { SigningAlgorithm: 'ES384' }));
    assert.match(es.message, /explicit deny in an identity-based policy/);
    const tagged = await awsError(() => token(limited, { Tags: [{ Key: 'k', Value: 'v' }] }));
    assert.match(tagged.message, /not authorized to perform: sts:TagGetWebIdentityToken/);
  });

  test('a role session gets a token whose subject is the role, never outliving the session', async () => {
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'caller-role',
        AssumeRolePolicyDocument: policy([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'sts:AssumeRole' }]),
      }),
    );
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'caller-role',
        PolicyName: 'p',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:GetWebIdentityToken', Resource: '*' }]),
      }),
    );
    const assumer = await userWithKey('assumer', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn('caller-role') }]);
    const c = (await sts(assumer).send(new AssumeRoleCommand({ RoleArn: roleArn('caller-role'), RoleSessionName: 's1', DurationSeconds: 900 }))).Credentials!;
    const session = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const claims = await verify((await token(session)).WebIdentityToken!);
    assert.equal(claims.sub, roleArn('caller-role'));
    const escalation = await awsError(() => token(session, { DurationSeconds: 901 }));
    assert.deepEqual([escalation.name, escalation.status], ['SessionDurationEscalationException', 403]);
    assert.ok((await token(session, { DurationSeconds: 900 })).WebIdentityToken);
    // The root user (no policy needed in its own account) is its own subject.
    assert.equal((await verify((await token(ROOT_KEY)).WebIdentityToken!)).sub, `arn:aws:iam::${ACCOUNT_ID}:root`);
  });

  test('a workload of an instance profile (iamd exec) gets a token for its role', async () => {
    await iam().send(
      new CreateRoleCommand({
        RoleName: 'worker',
        AssumeRolePolicyDocument: policy([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
      }),
    );
    await iam().send(
      new PutRolePolicyCommand({
        RoleName: 'worker',
        PolicyName: 'p',
        PolicyDocument: policy([{ Effect: 'Allow', Action: 'sts:GetWebIdentityToken', Resource: '*' }]),
      }),
    );
    await iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: 'worker' }));
    await iam().send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'worker', RoleName: 'worker' }));
    // The way `iamd exec` starts one: register the workload, then its process reads the credentials endpoint.
    const registered = await new IamdClient(app.url, ROOT_KEY).request<{ AuthorizationToken: string }>('POST', '/iamd/workloads', {
      InstanceProfileName: 'worker',
      Name: 'job-1',
    });
    const res = await fetch(app.url + WORKLOAD_CREDENTIALS_PATH, { headers: { authorization: registered.AuthorizationToken } });
    const creds = (await res.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
    const workload = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token };
    assert.equal((await verify((await token(workload)).WebIdentityToken!)).sub, roleArn('worker'));
  });

  test('keys rotate without breaking issued tokens: a new key is published an hour before it signs, the old one kept until its tokens expire', async () => {
    const first = (await token(minter, { DurationSeconds: 3600 })).WebIdentityToken!;
    const oldKid = decodeProtectedHeader(first).kid!;
    const issuedAt = new Date(now);

    tick(30 * DAY);
    // Due: the next request publishes a successor, and the old key still signs meanwhile.
    const stillOld = (await token(minter)).WebIdentityToken!;
    assert.equal(decodeProtectedHeader(stillOld).kid, oldKid);
    const published = await jwksKids();
    assert.equal(published.length, 4, 'a successor for each algorithm (both keys were made at Enable), beside the keys that still sign');
    assert.ok(published.includes(oldKid));
    const oldEs = decodeProtectedHeader((await token(minter, { SigningAlgorithm: 'ES384' })).WebIdentityToken!).kid!;

    tick(HOUR + 1000);
    const rotated = (await token(minter)).WebIdentityToken!;
    const newKid = decodeProtectedHeader(rotated).kid!;
    assert.notEqual(newKid, oldKid);
    assert.ok(published.includes(newKid), 'it signs only after it was published');
    const newEs = decodeProtectedHeader((await token(minter, { SigningAlgorithm: 'ES384' })).WebIdentityToken!).kid!;
    assert.notEqual(newEs, oldEs);
    assert.ok(published.includes(newEs));
    assert.equal((await verify(rotated)).sub, userArn('minter'));
    // A token the old key signed still verifies while it lives.
    assert.equal((await verify(first, { at: issuedAt })).sub, userArn('minter'));
    assert.equal((await verify(stillOld, { at: new Date(now.getTime() - HOUR) })).sub, userArn('minter'));

    // Once every token it signed has expired, the old key is no longer published.
    tick(2 * HOUR);
    assert.deepEqual((await jwksKids()).sort(), [newKid, newEs].sort());
    assert.equal((await awsError(() => verify(stillOld, { at: new Date(now.getTime() - 3 * HOUR) }))).name, 'JWKSNoMatchingKey');
    assert.equal((await verify((await token(minter)).WebIdentityToken!)).sub, userArn('minter'));
    // …and deleted from the store.
    const stored = await app.store.read((repo) => repo.listOutboundSigningKeys(ACCOUNT_ID));
    assert.deepEqual(stored.map((k) => k.kid).sort(), [newKid, newEs].sort());
  });

  test('Disable stops tokens; the issuer stays published until the tokens it signed expire; Enable again keeps the issuer', async () => {
    const last = (await token(minter, { DurationSeconds: 3600 })).WebIdentityToken!;
    const at = new Date(now);
    await iam().send(new DisableOutboundWebIdentityFederationCommand({}));
    const refused = await awsError(() => token(minter));
    assert.deepEqual([refused.name, refused.status], ['OutboundWebIdentityFederationDisabledException', 403]);
    const info = await iam().send(new GetOutboundWebIdentityFederationInfoCommand({}));
    assert.deepEqual([info.IssuerIdentifier, info.JwtVendingEnabled], [issuer, false]);
    assert.equal((await awsError(() => iam().send(new DisableOutboundWebIdentityFederationCommand({})))).name, 'FeatureDisabled');

    tick(30 * 60_000);
    assert.equal((await verify(last, { at })).sub, userArn('minter'));
    tick(2 * HOUR);
    assert.equal((await fetch(`${issuer}/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${issuer}/.well-known/jwks.json`)).status, 404);

    const again = await iam().send(new EnableOutboundWebIdentityFederationCommand({}));
    assert.equal(again.IssuerIdentifier, issuer);
    assert.equal((await verify((await token(minter)).WebIdentityToken!)).iss, issuer);
  });
});

describe('outbound federation: the public URL', () => {
  test('IAMD_PUBLIC_URL is the base of the issuer; its path is served, or stripped by a proxy', async () => {
    const app = await startTestApp({ publicUrl: 'https://iam.example.com/iamd/' });
    try {
      const iam = new IAMClient({ endpoint: app.url, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
      const issuer = (await iam.send(new EnableOutboundWebIdentityFederationCommand({}))).IssuerIdentifier!;
      assert.match(issuer, /^https:\/\/iam\.example\.com\/iamd\/oidc\/[0-9a-f-]{36}$/);
      const path = new URL(issuer).pathname;
      for (const local of [path, path.slice('/iamd'.length)]) {
        const res = await fetch(`${app.url}${local}/.well-known/openid-configuration`);
        assert.equal(res.status, 200, local);
        assert.deepEqual(
          await res.json().then((d) => {
            const doc = d as { issuer: string; jwks_uri: string };
            return [doc.issuer, doc.jwks_uri];
          }),
          [issuer, `${issuer}/.well-known/jwks.json`],
        );
      }
    } finally {
      await app.close();
    }
    assert.throws(() => configFromEnv({ IAMD_PUBLIC_URL: 'ftp://iam.example.com' }), /IAMD_PUBLIC_URL must be an http\(s\) URL/);
    assert.throws(() => configFromEnv({ IAMD_PUBLIC_URL: 'https://iam.example.com/?x=1' }), /no query/);
    assert.equal(configFromEnv({}, { publicUrl: 'http://127.0.0.1:8900/' }).publicUrl, 'http://127.0.0.1:8900');
  });
});
