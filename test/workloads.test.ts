// Workloads given an instance profile: `iamd exec` hands an unmodified process (aws CLI, boto3,
// the JS SDK's default chain) the role's credentials through the container-credentials endpoint,
// with no long-lived key; revocation, the role leaving the profile and expiry end them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { fromHttp } from '@aws-sdk/credential-providers';
import type { App } from '../src/app.ts';
import { IamdClient } from '../src/cli-tools/workload-client.ts';
import { WORKLOAD_CREDENTIALS_PATH } from '../src/api/workloads/workload-api.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, startTestApp, stsClient } from './helpers.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const LIST_USERS_ONLY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }] });

interface Registered {
  Workload: { WorkloadId: string; Name: string; Status: string };
  AuthorizationToken: string;
  CredentialsPath: string;
}
interface ContainerCreds {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  RoleArn: string;
}

describe('workloads', () => {
  let app: App;
  let now = new Date();
  let admin: IamdClient;
  before(async () => {
    app = await startTestApp({}, () => now);
    admin = new IamdClient(app.url, ROOT_KEY);
    const iam = iamClient(app);
    for (const name of ['app', 'other']) {
      await iam.send(new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: EC2_TRUST }));
      await iam.send(new PutRolePolicyCommand({ RoleName: `${name}-role`, PolicyName: 'list-users', PolicyDocument: LIST_USERS_ONLY }));
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: `${name}-role` }));
    }
  });
  after(() => app.close());

  const execEnv = () => ({
    AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: app.url,
    AWS_CONFIG_FILE: '/dev/null',
  });
  const exec = (name: string, ...command: string[]) =>
    run(process.execPath, [...IAMD, 'exec', '--instance-profile', 'app', '--name', name, '--', ...command], execEnv());

  async function credentialsFor(token: string): Promise<{ status: number; body: ContainerCreds & { Code?: string } }> {
    const res = await fetch(app.url + WORKLOAD_CREDENTIALS_PATH, { headers: { authorization: token } });
    return { status: res.status, body: (await res.json()) as ContainerCreds & { Code?: string } };
  }

  test('iamd exec: the aws CLI, boto3 and the JS SDK get the role with no key configured', async () => {
    const cli = await exec('cli-job', 'aws', 'sts', 'get-caller-identity', '--output', 'json');
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).Arn, `arn:aws:sts::${ACCOUNT_ID}:assumed-role/app-role/cli-job`);

    const py = await exec('py-job', 'python3', '-c', "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])");
    assert.equal(py.code, 0, py.stderr);
    assert.equal(py.stdout.trim(), `arn:aws:sts::${ACCOUNT_ID}:assumed-role/app-role/py-job`);

    const script =
      "import('@aws-sdk/client-sts').then(async ({ STSClient, GetCallerIdentityCommand }) => { const r = await new STSClient({}).send(new GetCallerIdentityCommand({})); console.log(r.Arn); })";
    const node = await exec('node-job', process.execPath, '-e', script);
    assert.equal(node.code, 0, node.stderr);
    assert.equal(node.stdout.trim().split('\n').pop(), `arn:aws:sts::${ACCOUNT_ID}:assumed-role/app-role/node-job`);

    // The workload ended with its process.
    const listed = await admin.request<{ Workloads: { Name: string; Status: string }[] }>('GET', '/iamd/workloads', undefined, { InstanceProfileName: 'app' });
    assert.deepEqual(
      listed.Workloads.filter((w) => w.Name.endsWith('-job')).map((w) => w.Status),
      ['Revoked', 'Revoked', 'Revoked'],
    );
  });

  test('the workload can do what the role allows and nothing more; no key is in its environment', async () => {
    const r = await exec(
      'limited',
      'sh',
      '-c',
      'env | grep -c "^AWS_ACCESS_KEY_ID=" ; aws iam list-users --output json >/dev/null && echo LIST-OK; aws iam create-user --user-name sneaky 2>&1; true',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^0\n/);
    assert.match(r.stdout, /LIST-OK/);
    assert.match(r.stdout, /AccessDenied.*assumed-role\/app-role\/limited is not authorized to perform: iam:CreateUser/);
  });

  test('iamd exec --imds: tools that only know the instance metadata service (IMDSv2) get the role', async () => {
    // The container-credentials variables are removed, so only IMDS can answer.
    const onlyImds = (program: string) => `unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN; ${program}`;
    const py = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'exec',
        '--imds',
        '--instance-profile',
        'app',
        '--name',
        'imds-py',
        '--',
        'sh',
        '-c',
        onlyImds(`python3 -c "import boto3; print(boto3.client('sts').get_caller_identity()['Arn'])"`),
      ],
      execEnv(),
    );
    assert.equal(py.code, 0, py.stderr);
    assert.equal(py.stdout.trim(), `arn:aws:sts::${ACCOUNT_ID}:assumed-role/app-role/imds-py`);
    const js =
      "import('@aws-sdk/client-sts').then(async ({ STSClient, GetCallerIdentityCommand }) => console.log((await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn))";
    const node = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'exec',
        '--imds',
        '--instance-profile',
        'app',
        '--name',
        'imds-js',
        '--',
        'sh',
        '-c',
        onlyImds(`"${process.execPath}" -e "${js.replace(/"/g, '\\"')}"`),
      ],
      execEnv(),
    );
    assert.equal(node.code, 0, node.stderr);
    assert.equal(node.stdout.trim().split('\n').pop(), `arn:aws:sts::${ACCOUNT_ID}:assumed-role/app-role/imds-js`);
    // IMDSv2 only: a read without a session token is refused.
    const probe = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'exec',
        '--imds',
        '--instance-profile',
        'app',
        '--name',
        'imds-v1',
        '--',
        'sh',
        '-c',
        'curl -s -o /dev/null -w "%{http_code}" "$AWS_EC2_METADATA_SERVICE_ENDPOINT"latest/meta-data/iam/security-credentials/',
      ],
      execEnv(),
    );
    assert.equal(probe.stdout.trim(), '401');
  });

  test('credentials refresh many times; revocation ends the token and the sessions it got', async () => {
    const reg = await admin.request<Registered>('POST', '/iamd/workloads', { InstanceProfileName: 'app', Name: 'refresher', SessionDurationSeconds: 60 });
    const provider = fromHttp({ awsContainerCredentialsFullUri: app.url + reg.CredentialsPath, awsContainerAuthorizationToken: reg.AuthorizationToken });
    // The SDK refreshes credentials that expire within minutes: every call here fetches anew.
    const sts = stsClient(app, provider as never);
    for (let i = 0; i < 4; i++) {
      assert.match((await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '', /assumed-role\/app-role\/refresher$/);
      now = new Date(now.getTime() + 61_000); // the previous set has expired on the server
    }
    const held = (await credentialsFor(reg.AuthorizationToken)).body;
    const heldClient = stsClient(app, { accessKeyId: held.AccessKeyId, secretAccessKey: held.SecretAccessKey, sessionToken: held.Token });
    await heldClient.send(new GetCallerIdentityCommand({}));
    now = new Date(now.getTime() + 61_000);
    assert.equal((await awsError(() => heldClient.send(new GetCallerIdentityCommand({})))).name, 'ExpiredToken');

    const fresh = (await credentialsFor(reg.AuthorizationToken)).body;
    const freshClient = stsClient(app, { accessKeyId: fresh.AccessKeyId, secretAccessKey: fresh.SecretAccessKey, sessionToken: fresh.Token });
    await freshClient.send(new GetCallerIdentityCommand({}));
    const revoked = await admin.request<{ Workload: { Status: string } }>('DELETE', `/iamd/workloads/${reg.Workload.WorkloadId}`);
    assert.equal(revoked.Workload.Status, 'Revoked');
    assert.equal((await credentialsFor(reg.AuthorizationToken)).status, 403);
    assert.equal((await awsError(() => freshClient.send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
  });

  test('a role taken out of the instance profile takes its sessions with it', async () => {
    const reg = await admin.request<Registered>('POST', '/iamd/workloads', { InstanceProfileName: 'other', Name: 'leaver' });
    const creds = (await credentialsFor(reg.AuthorizationToken)).body;
    assert.equal(creds.RoleArn, `arn:aws:iam::${ACCOUNT_ID}:role/other-role`);
    const client = iamClient(app, { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token });
    await client.send(new ListUsersCommand({}));
    await iamClient(app).send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'other', RoleName: 'other-role' }));
    assert.equal((await awsError(() => client.send(new ListUsersCommand({})))).name, 'InvalidClientTokenId');
    const denied = await credentialsFor(reg.AuthorizationToken);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.Code, 'AccessDenied');
  });

  test('a token is useless anywhere else; a wrong token gets 403; registering needs iam:PassRole', async () => {
    const reg = await admin.request<Registered>('POST', '/iamd/workloads', { InstanceProfileName: 'app', Name: 'probe' });
    const asAuth = await fetch(app.url, {
      method: 'POST',
      headers: { authorization: reg.AuthorizationToken, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListUsers&Version=2010-05-08',
    });
    assert.ok(asAuth.status === 400 || asAuth.status === 403);
    assert.match(await asAuth.text(), /<Code>(IncompleteSignature|MissingAuthenticationToken)<\/Code>/);
    const onWorkloadApi = await fetch(`${app.url}/iamd/workloads`, { headers: { authorization: reg.AuthorizationToken } });
    assert.ok(onWorkloadApi.status === 400 || onWorkloadApi.status === 403);
    assert.equal((await credentialsFor(`${reg.AuthorizationToken.slice(0, -2)}xx`)).status, 403);
    assert.equal((await credentialsFor('')).status, 403);

    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'no-passrole' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'no-passrole',
        PolicyName: 'p',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:*', NotResource: `arn:aws:iam::${ACCOUNT_ID}:role/app-role` }],
        }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'no-passrole' }))).AccessKey!;
    const weak = new IamdClient(app.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    await assert.rejects(
      weak.request('POST', '/iamd/workloads', { InstanceProfileName: 'app', Name: 'sneaky' }),
      /AccessDenied: .*iam:PassRole on resource: arn:aws:iam::111122223333:role\/app-role/,
    );
  });
});
