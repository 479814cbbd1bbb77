// The policy simulator through the aws CLI gives the same decisions as enforcement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ACCOUNT_ID, ROOT_KEY, iamClient, startTestApp } from './helpers.ts';
import { run } from './run-command.ts';

test('aws iam simulate-principal-policy / simulate-custom-policy agree with enforcement', async () => {
  const app = await startTestApp();
  try {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'auditor',
        PolicyName: 'no-keys',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:ListAccessKeys', Resource: '*' }] }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'auditor' }))).AccessKey!;
    const env = (k: { id: string; secret: string }) => ({
      AWS_ACCESS_KEY_ID: k.id,
      AWS_SECRET_ACCESS_KEY: k.secret,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    });
    const asRoot = (...args: string[]) =>
      run('aws', ['--endpoint-url', app.url, '--output', 'json', ...args], env({ id: ROOT_KEY.accessKeyId, secret: ROOT_KEY.secretAccessKey }));
    const asAuditor = (...args: string[]) =>
      run('aws', ['--endpoint-url', app.url, '--output', 'json', ...args], env({ id: key.AccessKeyId!, secret: key.SecretAccessKey! }));

    const actions = {
      'iam:ListUsers': ['iam', 'list-users'],
      'iam:CreateUser': ['iam', 'create-user', '--user-name', 'intruder'],
      'iam:ListAccessKeys': ['iam', 'list-access-keys'],
    } as const;
    const simulated = await asRoot(
      'iam',
      'simulate-principal-policy',
      '--policy-source-arn',
      `arn:aws:iam::${ACCOUNT_ID}:user/auditor`,
      '--action-names',
      ...Object.keys(actions),
    );
    assert.equal(simulated.code, 0, simulated.stderr);
    const decisions: Record<string, string> = Object.fromEntries(
      (JSON.parse(simulated.stdout).EvaluationResults as { EvalActionName: string; EvalDecision: string }[]).map((r) => [r.EvalActionName, r.EvalDecision]),
    );
    assert.deepEqual(decisions, { 'iam:ListUsers': 'allowed', 'iam:CreateUser': 'implicitDeny', 'iam:ListAccessKeys': 'explicitDeny' });
    for (const [action, args] of Object.entries(actions)) {
      const r = await asAuditor(...args);
      assert.equal(r.code === 0, decisions[action as keyof typeof decisions] === 'allowed', `${action}: ${r.stderr}`);
      if (r.code !== 0) assert.match(r.stderr, /AccessDenied/);
    }

    const custom = await asRoot(
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/${aws:username}/*' }] }),
      '--action-names',
      's3:GetObject',
      '--resource-arns',
      'arn:aws:s3:::bucket/alice/notes.txt',
      'arn:aws:s3:::bucket/bob/notes.txt',
      '--context-entries',
      'ContextKeyName=aws:username,ContextKeyValues=alice,ContextKeyType=string',
    );
    assert.equal(custom.code, 0, custom.stderr);
    const byResource = Object.fromEntries(
      (JSON.parse(custom.stdout).EvaluationResults as { EvalResourceName: string; EvalDecision: string }[]).map((r) => [r.EvalResourceName, r.EvalDecision]),
    );
    assert.deepEqual(byResource, { 'arn:aws:s3:::bucket/alice/notes.txt': 'allowed', 'arn:aws:s3:::bucket/bob/notes.txt': 'implicitDeny' });
  } finally {
    await app.close();
  }
});
