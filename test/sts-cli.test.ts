// The aws CLI assuming a role the way users configure it: a profile with role_arn and
// source_profile in AWS_CONFIG_FILE; the CLI calls AssumeRole itself and signs with the session.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, iamClient, startTestApp } from './helpers.ts';
import { run } from './run-command.ts';

describe('aws CLI with a role profile', () => {
  let app: App;
  let dir: string;
  before(async () => {
    app = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'iamd-cli-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app.close();
  });

  test("role_arn + source_profile: get-caller-identity shows the assumed role; the role's policy applies", async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'cli-source' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'cli-source' }))).AccessKey!;
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:user/cli-source` }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: 'CliOperator', AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'CliOperator',
        PolicyName: 'list',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }] }),
      }),
    );

    const config = join(dir, 'config');
    writeFileSync(
      config,
      [
        '[profile source]',
        `aws_access_key_id = ${key.AccessKeyId}`,
        `aws_secret_access_key = ${key.SecretAccessKey}`,
        'region = us-east-1',
        `endpoint_url = ${app.url}`,
        '',
        '[profile operator]',
        `role_arn = arn:aws:iam::${ACCOUNT_ID}:role/CliOperator`,
        'source_profile = source',
        'role_session_name = cli-session',
        'region = us-east-1',
        `endpoint_url = ${app.url}`,
        '',
      ].join('\n'),
    );
    // HOME: the CLI caches assumed-role credentials under ~/.aws/cli/cache, keyed by role and session name only.
    const env = {
      HOME: dir,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
    };
    const aws = (...args: string[]) => run('aws', ['--output', 'json', '--profile', 'operator', ...args], env);

    const me = await aws('sts', 'get-caller-identity');
    assert.equal(me.code, 0, me.stderr);
    assert.equal(JSON.parse(me.stdout).Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/CliOperator/cli-session`);
    const users = await aws('iam', 'list-users');
    assert.equal(users.code, 0, users.stderr);
    assert.deepEqual(
      JSON.parse(users.stdout).Users.map((u: { UserName: string }) => u.UserName),
      ['cli-source'],
    );
    const denied = await aws('iam', 'create-user', '--user-name', 'nope');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDenied.*assumed-role\/CliOperator\/cli-session is not authorized to perform: iam:CreateUser/);
  });
});
