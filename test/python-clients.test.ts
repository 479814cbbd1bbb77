// Real AWS clients as users run them: boto3 (through pytest) and the aws CLI, against iamd.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './run-command.ts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, startTestApp } from './helpers.ts';

describe('real clients', () => {
  let app: App;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('boto3 (pytest test/python)', async () => {
    const r = await run('python3', ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'test/python'], {
      IAMD_TEST_ENDPOINT: app.url,
      IAMD_TEST_ROOT_KEY: ROOT_KEY.accessKeyId,
      IAMD_TEST_ROOT_SECRET: ROOT_KEY.secretAccessKey,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('aws CLI: the seed scenario and errors', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const aws = (...args: string[]) => run('aws', ['--endpoint-url', app.url, '--output', 'json', ...args], env);
    const created = await aws('iam', 'create-user', '--user-name', 'cli-admin');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).User.Arn, `arn:aws:iam::${ACCOUNT_ID}:user/cli-admin`);
    const key = JSON.parse((await aws('iam', 'create-access-key', '--user-name', 'cli-admin')).stdout).AccessKey;
    assert.equal((await aws('iam', 'create-login-profile', '--user-name', 'cli-admin', '--password', 'Cl1-Passw0rd!x', '--password-reset-required')).code, 0);
    assert.equal((await aws('iam', 'create-group', '--group-name', 'CliAdministrators')).code, 0);
    assert.equal((await aws('iam', 'add-user-to-group', '--group-name', 'CliAdministrators', '--user-name', 'cli-admin')).code, 0);

    const asAdmin = (...args: string[]) =>
      run('aws', ['--endpoint-url', app.url, '--output', 'json', ...args], {
        ...env,
        AWS_ACCESS_KEY_ID: key.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: key.SecretAccessKey,
      });
    const me = await asAdmin('sts', 'get-caller-identity');
    assert.equal(me.code, 0, me.stderr);
    assert.equal(JSON.parse(me.stdout).Arn, `arn:aws:iam::${ACCOUNT_ID}:user/cli-admin`);
    const denied = await asAdmin('iam', 'get-user');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /\(AccessDenied\).*is not authorized to perform: iam:GetUser/);

    const tooLong = await aws('iam', 'create-user', '--user-name', 'x'.repeat(65));
    assert.match(tooLong.stderr, /ValidationError/);
    const list = JSON.parse((await aws('iam', 'list-access-keys', '--user-name', 'cli-admin')).stdout);
    assert.equal(JSON.stringify(list).includes(key.SecretAccessKey), false);
  });
});
