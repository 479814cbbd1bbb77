// Secrets stay secret: after creation, an access key's secret, a console password, an MFA seed
// and a role session's secret and token appear in
// no response, no log line (even at debug level, even on error paths) and no byte of the
// database; a tampered sealed secret fails closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import BetterSqlite3 from 'better-sqlite3';
import {
  ChangePasswordCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  UpdateLoginProfileCommand,
  GetAccountAuthorizationDetailsCommand,
  CreateVirtualMFADeviceCommand,
  ListVirtualMFADevicesCommand,
  CreateRoleCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, stsClient, tempDataDir } from './helpers.ts';

const PASSWORD = 'Canary-Passw0rd-7f3a9c!';
const NEW_PASSWORD = 'Canary-Rotated-9b2e41!';

test('secrets never reach logs, later responses or the database file', async () => {
  const dir = tempDataDir();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const responses: string[] = [];
  let secret = '';
  let mfaSeed = '';
  let sessionSecret = '';
  const app = await startApp(
    {
      ...configFromEnv({}),
      host: '127.0.0.1',
      port: 0,
      dataDir: dir,
      accountId: ACCOUNT_ID,
      rootAccessKeyId: ROOT_KEY.accessKeyId,
      rootSecretAccessKey: ROOT_KEY.secretAccessKey,
      logLevel: 'trace',
    },
    { logger: pino({ level: 'trace' }, sink) },
  );
  try {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'canary' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'canary' }))).AccessKey!;
    secret = key.SecretAccessKey!;
    await iam.send(new CreateLoginProfileCommand({ UserName: 'canary', Password: PASSWORD }));

    // Drive read paths, error paths and the key itself.
    const asCanary = { accessKeyId: key.AccessKeyId!, secretAccessKey: secret };
    responses.push(JSON.stringify(await stsClient(app, asCanary).send(new GetCallerIdentityCommand({}))));
    responses.push((await awsError(() => iamClient(app, asCanary).send(new GetUserCommand({})))).message);
    responses.push(
      (
        await awsError(() =>
          stsClient(app, { ...asCanary, secretAccessKey: secret.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x')) }).send(new GetCallerIdentityCommand({})),
        )
      ).message,
    );
    responses.push((await awsError(() => iam.send(new CreateLoginProfileCommand({ UserName: 'canary', Password: PASSWORD })))).message);
    responses.push((await awsError(() => iam.send(new UpdateLoginProfileCommand({ UserName: 'canary', Password: 'short' })))).message);
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'canary', Password: NEW_PASSWORD }));
    responses.push(
      (await awsError(() => iamClient(app, asCanary).send(new ChangePasswordCommand({ OldPassword: PASSWORD, NewPassword: NEW_PASSWORD })))).message,
    );
    responses.push(JSON.stringify(await iam.send(new ListAccessKeysCommand({ UserName: 'canary' }))));
    responses.push(JSON.stringify(await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }))));
    responses.push(JSON.stringify(await iam.send(new GetLoginProfileCommand({ UserName: 'canary' }))));
    responses.push(JSON.stringify(await iam.send(new GetUserCommand({ UserName: 'canary' }))));
    try {
      responses.push(JSON.stringify(await iam.send(new GetAccountAuthorizationDetailsCommand({}))));
    } catch {
      // not every build has GetAccountAuthorizationDetails yet
    }

    // An MFA seed and a role session's secret and token, used after creation.
    const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'canary-mfa' }))).VirtualMFADevice!;
    mfaSeed = Buffer.from(device.Base32StringSeed!).toString('utf8');
    responses.push(JSON.stringify(await iam.send(new ListVirtualMFADevicesCommand({}))));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'canary-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const asUser = { accessKeyId: key.AccessKeyId!, secretAccessKey: secret };
    assert.equal(
      (await awsError(() => stsClient(app).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/canary-role`, RoleSessionName: 'root' }))))
        .message,
      'Roles may not be assumed by root accounts.',
    );
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'canary',
        PolicyName: 'assume',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }),
      }),
    );
    const session = (
      await stsClient(app, asUser).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/canary-role`, RoleSessionName: 'canary' }))
    ).Credentials!;
    sessionSecret = session.SecretAccessKey!;
    const asSession = { accessKeyId: session.AccessKeyId!, secretAccessKey: sessionSecret, sessionToken: session.SessionToken! };
    responses.push(JSON.stringify(await stsClient(app, asSession).send(new GetCallerIdentityCommand({}))));
    responses.push((await awsError(() => iamClient(app, asSession).send(new ListUsersCommand({})))).message);
    responses.push(
      (
        await awsError(() =>
          stsClient(app, { ...asSession, secretAccessKey: sessionSecret.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x')) }).send(new GetCallerIdentityCommand({})),
        )
      ).message,
    );
    responses.push(
      (await awsError(() => stsClient(app, { ...asSession, sessionToken: session.SessionToken!.slice(0, -3) + 'AAA' }).send(new GetCallerIdentityCommand({}))))
        .message,
    );

    for (const canary of [secret, PASSWORD, NEW_PASSWORD, mfaSeed, sessionSecret, session.SessionToken!]) {
      for (const r of responses) assert.equal(r.includes(canary), false, 'a secret in a response');
      for (const line of logs) assert.equal(line.includes(canary), false, `a secret in a log line: ${line}`);
    }
    assert.ok(mfaSeed.length >= 32 && sessionSecret.length === 40);
    assert.ok(logs.length > 5, 'requests were logged');
  } finally {
    await app.close();
  }
  // SQLite's main file and its WAL: secrets sealed, passwords hashed.
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file));
    for (const canary of [secret, PASSWORD, NEW_PASSWORD, mfaSeed, sessionSecret])
      assert.equal(bytes.includes(Buffer.from(canary)), false, `secret in ${file}`);
  }
});

test('a tampered sealed secret fails closed', async () => {
  const dir = tempDataDir();
  const config = {
    ...configFromEnv({}),
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    accountId: ACCOUNT_ID,
    rootAccessKeyId: ROOT_KEY.accessKeyId,
    rootSecretAccessKey: ROOT_KEY.secretAccessKey,
    logLevel: 'silent',
  };
  let app = await startApp(config);
  await iamClient(app).send(new CreateUserCommand({ UserName: 'victim' }));
  const key = (await iamClient(app).send(new CreateAccessKeyCommand({ UserName: 'victim' }))).AccessKey!;
  const creds = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  await stsClient(app, creds).send(new GetCallerIdentityCommand({}));
  await app.close();

  const db = new BetterSqlite3(join(dir, 'iamd.sqlite'));
  const row = db.prepare('select secret_sealed from access_keys where id = ?').get(key.AccessKeyId) as { secret_sealed: string };
  const raw = Buffer.from(row.secret_sealed.slice(3), 'base64');
  raw[raw.length - 1]! ^= 0x01; // one bit of the ciphertext
  db.prepare('update access_keys set secret_sealed = ? where id = ?').run(`v1.${raw.toString('base64')}`, key.AccessKeyId);
  db.close();

  app = await startApp(config);
  try {
    const err = await awsError(() => stsClient(app, creds).send(new GetCallerIdentityCommand({})));
    assert.equal(err.name, 'InvalidClientTokenId');
    // The rest of the service is unaffected.
    await stsClient(app).send(new GetCallerIdentityCommand({}));
  } finally {
    await app.close();
  }
});
