// STS temporary credentials through @aws-sdk/client-sts, client-iam and credential-providers,
// against a fresh iamd whose clock the test controls (expiry, MFA time steps).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  EnableMFADeviceCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListUsersCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetFederationTokenCommand,
  GetSessionTokenCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { App } from '../src/app.ts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../src/crypto/totp.ts';
import { accountOfKeyId, newKeyIdForAccount, openSession, sealSession } from '../src/sts/sessions.ts';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { ACCOUNT_ID, awsError, ROOT_KEY, startTestApp, type Credentials } from './helpers.ts';

const STEP_MS = 30_000;
const policy = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const trustFor = (principal: object, condition?: object, actions: string[] = ['sts:AssumeRole']) =>
  policy([{ Effect: 'Allow', Principal: principal, Action: actions, ...(condition ? { Condition: condition } : {}) }]);
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;

describe('STS temporary credentials', () => {
  let app: App;
  // Near real time (SigV4 checks the request date); the clients follow the server's clock.
  let now = new Date((Math.floor(Date.now() / STEP_MS) - 10) * STEP_MS + 5_000);
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
  const temp = (c: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string }): Credentials => ({
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
  });

  const keys = new Map<string, Credentials>();
  async function user(name: string, statements?: object[]): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: name }));
    if (statements) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(statements) }));
    const k = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const c = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    keys.set(name, c);
    return c;
  }
  async function role(name: string, trust: string, statements: object[] | undefined, maxSessionDuration?: number) {
    await iam().send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, MaxSessionDuration: maxSessionDuration }));
    if (statements) await iam().send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'perms', PolicyDocument: policy(statements) }));
  }

  before(async () => {
    app = await startTestApp({}, () => now);
    await user('alice');
    await user('bob');
    await user('eve', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]);
    await role('Reader', trustFor({ AWS: userArn('alice') }), [{ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetUser'], Resource: '*' }]);
  });
  after(() => app.close());

  test("a trusted user assumes the role: ASIA key, 40-char secret, session ARN, and exactly the role's permissions", async () => {
    const out = await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'alice-session' }));
    const c = out.Credentials!;
    assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(c.SecretAccessKey!.length, 40);
    assert.ok(c.SessionToken!.length > 100);
    assert.equal(c.Expiration!.getTime(), Math.floor(now.getTime() / 1000) * 1000 + 3600_000);
    const roleId = (await iam().send(new GetRoleCommand({ RoleName: 'Reader' }))).Role!.RoleId!;
    assert.deepEqual(out.AssumedRoleUser, { AssumedRoleId: `${roleId}:alice-session`, Arn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/Reader/alice-session` });

    const me = await sts(temp(c)).send(new GetCallerIdentityCommand({}));
    assert.deepEqual([me.Arn, me.UserId, me.Account], [`arn:aws:sts::${ACCOUNT_ID}:assumed-role/Reader/alice-session`, `${roleId}:alice-session`, ACCOUNT_ID]);
    assert.ok((await iam(temp(c)).send(new ListUsersCommand({}))).Users!.length >= 3);
    const denied = await awsError(() => iam(temp(c)).send(new CreateUserCommand({ UserName: 'x' })));
    assert.deepEqual([denied.name, denied.status], ['AccessDenied', 403]);
    assert.equal(
      denied.message,
      `User: arn:aws:sts::${ACCOUNT_ID}:assumed-role/Reader/alice-session is not authorized to perform: iam:CreateUser on resource: ${userArn('x')} because no identity-based policy allows the iam:CreateUser action`,
    );
    // RoleLastUsed records the assumption.
    assert.ok((await iam().send(new GetRoleCommand({ RoleName: 'Reader' }))).Role!.RoleLastUsed!.LastUsedDate);
    // GetAccessKeyInfo reads the account out of the key id.
    assert.equal((await sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: c.AccessKeyId! }))).Account, ACCOUNT_ID);
  });

  test('fromTemporaryCredentials (credential-providers) drives the AssumeRole flow', async () => {
    const provider = fromTemporaryCredentials({
      masterCredentials: keys.get('alice'),
      params: { RoleArn: roleArn('Reader'), RoleSessionName: 'provider' },
      clientConfig: { endpoint: app.url, region: 'us-east-1', maxAttempts: 1 },
    });
    const client = new IAMClient({
      endpoint: app.url,
      region: 'us-east-1',
      credentials: provider,
      maxAttempts: 1,
      systemClockOffset: now.getTime() - Date.now(),
    });
    const out = await client.send(new GetUserCommand({ UserName: 'bob' }));
    assert.equal(out.User!.UserName, 'bob');
  });

  test("a session policy narrows the role's permissions", async () => {
    const out = await sts(keys.get('alice')).send(
      new AssumeRoleCommand({
        RoleArn: roleArn('Reader'),
        RoleSessionName: 'narrow',
        Policy: policy([{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]),
      }),
    );
    assert.ok(out.PackedPolicySize! > 0);
    const c = temp(out.Credentials!);
    assert.equal((await iam(c).send(new GetUserCommand({ UserName: 'bob' }))).User!.UserName, 'bob');
    const denied = await awsError(() => iam(c).send(new ListUsersCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, /because no session policy allows the iam:ListUsers action$/);
    const malformed = await awsError(() =>
      sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'bad', Policy: '{"Statement": 1}' })),
    );
    assert.deepEqual([malformed.name, malformed.status], ['MalformedPolicyDocument', 400]);
  });

  test("untrusted callers are refused with AWS's message; account trust needs an identity policy", async () => {
    const denied = await awsError(() => sts(keys.get('bob')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'sess' })));
    assert.deepEqual(
      [denied.name, denied.status, denied.message],
      ['AccessDenied', 403, `User: ${userArn('bob')} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('Reader')}`],
    );
    const missing = await awsError(() => sts(keys.get('bob')).send(new AssumeRoleCommand({ RoleArn: roleArn('Nope'), RoleSessionName: 'sess' })));
    assert.deepEqual(
      [missing.name, missing.message],
      ['AccessDenied', `User: ${userArn('bob')} is not authorized to perform: sts:AssumeRole on resource: ${roleArn('Nope')}`],
    );

    await role('AccountTrust', trustFor({ AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }), [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]);
    assert.equal(
      (await awsError(() => sts(keys.get('bob')).send(new AssumeRoleCommand({ RoleArn: roleArn('AccountTrust'), RoleSessionName: 'sess' })))).name,
      'AccessDenied',
    );
    const ok = await sts(keys.get('eve')).send(new AssumeRoleCommand({ RoleArn: roleArn('AccountTrust'), RoleSessionName: 'eve' }));
    assert.equal(ok.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/AccountTrust/eve`);
  });

  test("ExternalId must match the trust policy's condition", async () => {
    await role('Partner', trustFor({ AWS: userArn('alice') }, { StringEquals: { 'sts:ExternalId': 'xyz-123' } }), undefined);
    const as = sts(keys.get('alice'));
    for (const ExternalId of [undefined, 'wrong-id']) {
      const e = await awsError(() => as.send(new AssumeRoleCommand({ RoleArn: roleArn('Partner'), RoleSessionName: 'sess', ExternalId })));
      assert.equal(e.name, 'AccessDenied');
    }
    const ok = await as.send(new AssumeRoleCommand({ RoleArn: roleArn('Partner'), RoleSessionName: 'sess', ExternalId: 'xyz-123' }));
    assert.ok(ok.Credentials!.AccessKeyId);
  });

  test("DurationSeconds: the role's MaxSessionDuration, and one hour for role chaining", async () => {
    const tooLong = await awsError(() =>
      sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'sess', DurationSeconds: 7200 })),
    );
    assert.deepEqual(
      [tooLong.name, tooLong.status, tooLong.message],
      ['ValidationError', 400, 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'],
    );
    await role('Long', trustFor({ AWS: roleArn('Reader') }), [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }], 43200);
    const first = await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'hop1' }));
    const chained = await awsError(() =>
      sts(temp(first.Credentials!)).send(new AssumeRoleCommand({ RoleArn: roleArn('Long'), RoleSessionName: 'hop2', DurationSeconds: 7200 })),
    );
    assert.deepEqual(
      [chained.name, chained.message],
      ['ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'],
    );
    const hop = await sts(temp(first.Credentials!)).send(new AssumeRoleCommand({ RoleArn: roleArn('Long'), RoleSessionName: 'hop2' }));
    assert.equal((await sts(temp(hop.Credentials!)).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/Long/hop2`);
    const direct = await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'xx', DurationSeconds: 900 }));
    assert.ok(direct.Credentials);
  });

  test('the exact session token is required: changed or missing token is InvalidClientTokenId', async () => {
    const c = (await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'tok' }))).Credentials!;
    const t = c.SessionToken!;
    const changed = t.slice(0, 40) + (t[40] === 'A' ? 'B' : 'A') + t.slice(41);
    for (const sessionToken of [changed, undefined as unknown as string]) {
      const e = await awsError(() =>
        sts({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken }).send(new GetCallerIdentityCommand({})),
      );
      assert.deepEqual([e.name, e.status, e.message], ['InvalidClientTokenId', 403, 'The security token included in the request is invalid.']);
    }
    // Another session's token under this key id does not open either.
    const other = (await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'tok2' }))).Credentials!;
    const swapped = await awsError(() =>
      sts({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: other.SessionToken! }).send(new GetCallerIdentityCommand({})),
    );
    assert.equal(swapped.name, 'InvalidClientTokenId');
  });

  test('deleting the role ends its sessions; revoking older sessions with aws:TokenIssueTime works', async () => {
    await role('Temp', trustFor({ AWS: userArn('alice') }), [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }]);
    const c = temp((await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Temp'), RoleSessionName: 'sess' }))).Credentials!);
    assert.ok(await iam(c).send(new GetUserCommand({ UserName: 'bob' })));
    // Revoke active sessions the AWS console's way: deny everything issued before now.
    tick(2_000);
    const revoke = policy([{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': now.toISOString() } } }]);
    await iam().send(new PutRolePolicyCommand({ RoleName: 'Temp', PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: revoke }));
    const revoked = await awsError(() => iam(c).send(new GetUserCommand({ UserName: 'bob' })));
    assert.equal(revoked.name, 'AccessDenied');
    assert.match(revoked.message, /with an explicit deny in an identity-based policy$/);
    tick(1_000);
    const fresh = temp((await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Temp'), RoleSessionName: 's2' }))).Credentials!);
    assert.ok(await iam(fresh).send(new GetUserCommand({ UserName: 'bob' })));

    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Temp', PolicyName: 'perms' }));
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'Temp', PolicyName: 'AWSRevokeOlderSessions' }));
    await iam().send(new DeleteRoleCommand({ RoleName: 'Temp' }));
    const ended = await awsError(() => sts(fresh).send(new GetCallerIdentityCommand({})));
    assert.deepEqual([ended.name, ended.status], ['InvalidClientTokenId', 403]);
    // A new role of the same name is another role: the old session stays dead.
    await role('Temp', trustFor({ AWS: userArn('alice') }), undefined);
    assert.equal((await awsError(() => sts(fresh).send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
  });

  describe('MFA', () => {
    let seed = '';
    let serial = '';
    let carol: Credentials;
    const codeNow = () => totpForStep(seed, timeStepAt(now));

    before(async () => {
      carol = await user('carol', [
        { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
      ]);
      const device = (await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'carol' }))).VirtualMFADevice!;
      seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
      serial = device.SerialNumber!;
      const [c1, c2] = consecutiveCodesAt(seed, now);
      await iam().send(new EnableMFADeviceCommand({ UserName: 'carol', SerialNumber: serial, AuthenticationCode1: c1, AuthenticationCode2: c2 }));
      tick(2 * STEP_MS);
      await role('Guarded', trustFor({ AWS: userArn('carol') }, { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }), [
        { Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' },
      ]);
    });

    test('GetSessionToken with an MFA code: only those credentials pass aws:MultiFactorAuthPresent', async () => {
      const denied = await awsError(() => iam(carol).send(new ListUsersCommand({})));
      assert.equal(denied.name, 'AccessDenied');
      const code = codeNow();
      const out = await sts(carol).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code, DurationSeconds: 3600 }));
      const c = temp(out.Credentials!);
      assert.match(c.accessKeyId, /^ASIA/);
      assert.equal(out.Credentials!.Expiration!.getTime(), Math.floor(now.getTime() / 1000) * 1000 + 3600_000);
      assert.equal((await sts(c).send(new GetCallerIdentityCommand({}))).Arn, userArn('carol'));
      assert.ok((await iam(c).send(new ListUsersCommand({}))).Users!.length > 0);

      const reused = await awsError(() => sts(carol).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code })));
      assert.deepEqual(
        [reused.name, reused.status, reused.message],
        ['AccessDenied', 403, 'MultiFactorAuthentication failed with invalid MFA one time pass code. '],
      );
      const stale = await awsError(() =>
        sts(carol).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: totpForStep(seed, timeStepAt(now) - 5) })),
      );
      assert.equal(stale.name, 'AccessDenied');
      const wrongDevice = await awsError(() => sts(keys.get('alice')).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: '123456' })));
      assert.match(wrongDevice.message, /^MultiFactorAuthentication failed, unable to validate MFA code/);

      // Without MFA, GetSessionToken credentials cannot call IAM at all; and sessions cannot get session tokens.
      const plain = temp((await sts(carol).send(new GetSessionTokenCommand({}))).Credentials!);
      assert.equal((await awsError(() => iam(plain).send(new ListUsersCommand({})))).name, 'InvalidClientTokenId');
      const again = await awsError(() => sts(c).send(new GetSessionTokenCommand({})));
      assert.deepEqual([again.name, again.message], ['AccessDenied', 'Cannot call GetSessionToken with session credentials']);
    });

    test('AssumeRole with SerialNumber and TokenCode for a trust policy that requires MFA; a refused request does not spend the code', async () => {
      tick(STEP_MS);
      const noMfa = await awsError(() => sts(carol).send(new AssumeRoleCommand({ RoleArn: roleArn('Guarded'), RoleSessionName: 'sess' })));
      assert.equal(noMfa.name, 'AccessDenied');
      const code = codeNow();
      // Refused for another reason (too long): the code stays unused.
      const refused = await awsError(() =>
        sts(carol).send(
          new AssumeRoleCommand({ RoleArn: roleArn('Guarded'), RoleSessionName: 'sess', SerialNumber: serial, TokenCode: code, DurationSeconds: 7200 }),
        ),
      );
      assert.equal(refused.name, 'ValidationError');
      const ok = await sts(carol).send(new AssumeRoleCommand({ RoleArn: roleArn('Guarded'), RoleSessionName: 'sess', SerialNumber: serial, TokenCode: code }));
      assert.ok(await iam(temp(ok.Credentials!)).send(new GetUserCommand({ UserName: 'bob' })));
      const reused = await awsError(() =>
        sts(carol).send(new AssumeRoleCommand({ RoleArn: roleArn('Guarded'), RoleSessionName: 'sess', SerialNumber: serial, TokenCode: code })),
      );
      assert.equal(reused.name, 'AccessDenied');
    });
  });

  test('GetFederationToken: federated-user ARN, permissions are the intersection with the session policy', async () => {
    const dave = await user('dave', [{ Effect: 'Allow', Action: ['sts:GetFederationToken', 'iam:GetUser'], Resource: '*' }]);
    const out = await sts(dave).send(new GetFederationTokenCommand({ Name: 'dave-fed', Policy: policy([{ Effect: 'Allow', Action: '*', Resource: '*' }]) }));
    assert.deepEqual(out.FederatedUser, { FederatedUserId: `${ACCOUNT_ID}:dave-fed`, Arn: `arn:aws:sts::${ACCOUNT_ID}:federated-user/dave-fed` });
    const c = temp(out.Credentials!);
    assert.equal((await sts(c).send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:sts::${ACCOUNT_ID}:federated-user/dave-fed`);
    const nope = await awsError(() => sts(keys.get('bob')).send(new GetFederationTokenCommand({ Name: 'bob-fed' })));
    assert.equal(nope.name, 'AccessDenied');
  });

  test('credentials stop working after DurationSeconds: ExpiredToken', async () => {
    const c = temp(
      (await sts(keys.get('alice')).send(new AssumeRoleCommand({ RoleArn: roleArn('Reader'), RoleSessionName: 'short', DurationSeconds: 900 }))).Credentials!,
    );
    tick(899_000);
    assert.ok(await sts(c).send(new GetCallerIdentityCommand({})));
    tick(2_000);
    const e = await awsError(() => sts(c).send(new GetCallerIdentityCommand({})));
    assert.deepEqual([e.name, e.status, e.message], ['ExpiredToken', 403, 'The security token included in the request is expired']);
  });
});

describe('session tokens (unit)', () => {
  test('sealed, bound to the key id, unforgeable', () => {
    const box = new SecretBox(Buffer.alloc(32, 7));
    const id = newKeyIdForAccount('ASIA', '111122223333');
    assert.match(id, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(accountOfKeyId(id), '111122223333');
    const claims = { v: 1 as const, kind: 'AssumeRole' as const, accountId: '111122223333', principalId: 'AROAX', issuedAt: 1, expiresAt: 2, secret: 's' };
    const token = sealSession(box, id, claims);
    assert.deepEqual(openSession(box, id, token), claims);
    assert.equal(openSession(box, newKeyIdForAccount('ASIA', '111122223333'), token), undefined);
    assert.equal(openSession(new SecretBox(Buffer.alloc(32, 8)), id, token), undefined);
    assert.equal(openSession(box, id, token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA')), undefined);
    assert.equal(openSession(box, id, 'not a token!'), undefined);
    // AWS's published example key id decodes to its account.
    assert.equal(accountOfKeyId('ASIAY34FZKBOKMUTVV7A'), '609629065308');
  });
});
