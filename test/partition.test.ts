// Security #12.1: one deployment serves one partition. A caller denied something cannot get
// around the Deny by signing for a region of another partition, or by naming an ARN in another
// partition or in another spelling: the value the policy engine sees is the value that is stored.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  GetPolicyCommand,
  ListAttachedUserPoliciesCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  TagUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, startTestApp, stsClient, type Credentials } from './helpers.ts';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const OTHER_PARTITION_REGIONS = ['cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'eu-isoe-west-1'];

describe('partitions: one per deployment', () => {
  let app: App;
  let root: IAMClient;
  let mallory: Credentials;

  async function newUser(name: string): Promise<Credentials> {
    await root.send(new CreateUserCommand({ UserName: name }));
    const key = (await root.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  before(async () => {
    app = await startTestApp();
    root = iamClient(app);
    await root.send(new CreateUserCommand({ UserName: 'protected' }));
    await root.send(new CreatePolicyCommand({ PolicyName: 'GuardedPolicy', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    // mallory may do anything in IAM but touch `protected`, attach AdministratorAccess or GuardedPolicy, or
    // change its own policies.
    mallory = await newUser('mallory');
    await root.send(
      new PutUserPolicyCommand({
        UserName: 'mallory',
        PolicyName: 'fence',
        PolicyDocument: doc([
          { Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: '*' },
          { Effect: 'Deny', Action: 'iam:*', Resource: [`arn:aws:iam::${ACCOUNT_ID}:user/protected`] },
          {
            Effect: 'Deny',
            Action: ['iam:DeleteUserPolicy', 'iam:PutUserPolicy'],
            Resource: '*',
            Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT_ID}:user/mallory` } },
          },
          {
            Effect: 'Deny',
            Action: ['iam:AttachUserPolicy', 'iam:PutUserPermissionsBoundary'],
            Resource: '*',
            Condition: { ArnEquals: { 'iam:PolicyARN': [ADMIN, `arn:aws:iam::${ACCOUNT_ID}:policy/GuardedPolicy`] } },
          },
          {
            Effect: 'Deny',
            Action: 'iam:PutUserPermissionsBoundary',
            Resource: '*',
            Condition: { StringEquals: { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT_ID}:policy/GuardedPolicy` } },
          },
        ]),
      }),
    );
  });
  after(() => app.close());

  test('the Deny holds when the request is signed for the served partition', async () => {
    const e = await awsError(() => iamClient(app, mallory).send(new TagUserCommand({ UserName: 'protected', Tags: [{ Key: 'owned', Value: 'yes' }] })));
    assert.equal(e.name, 'AccessDenied');
  });

  test('a credential scoped to a region of another partition is refused, as AWS refuses it', async () => {
    for (const region of OTHER_PARTITION_REGIONS) {
      for (const call of [
        () => iamClient(app, mallory, region).send(new TagUserCommand({ UserName: 'protected', Tags: [{ Key: 'owned', Value: 'yes' }] })),
        () => iamClient(app, mallory, region).send(new DeleteUserPolicyCommand({ UserName: 'mallory', PolicyName: 'fence' })),
        () =>
          iamClient(app, mallory, region).send(
            new AttachUserPolicyCommand({ UserName: 'mallory', PolicyArn: `arn:aws-cn:iam::aws:policy/AdministratorAccess` }),
          ),
        () => stsClient(app, ROOT_KEY, region).send(new GetCallerIdentityCommand({})),
      ]) {
        const e = await awsError(call);
        assert.equal(e.name, 'SignatureDoesNotMatch', region);
        assert.equal(e.status, 403);
        assert.equal(e.message.trim(), `Credential should be scoped to a valid region, not '${region}'.`);
      }
    }
    // A scope that names no region at all is refused the same way.
    const e = await awsError(() => stsClient(app, ROOT_KEY, 'nowhere').send(new GetCallerIdentityCommand({})));
    assert.equal(e.name, 'SignatureDoesNotMatch');
    // Nothing changed: the fence is still there, nothing was attached or tagged.
    const attached = await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'mallory' }));
    assert.deepEqual(attached.AttachedPolicies, []);
    const denied = await awsError(() => iamClient(app, mallory).send(new DeleteUserPolicyCommand({ UserName: 'mallory', PolicyName: 'fence' })));
    assert.equal(denied.name, 'AccessDenied');
  });

  test('a policy ARN of another partition is refused, not read as the served one', async () => {
    for (const arn of ['arn:aws-cn:iam::aws:policy/AdministratorAccess', `arn:aws-us-gov:iam::${ACCOUNT_ID}:policy/GuardedPolicy`]) {
      const e = await awsError(() => iamClient(app, mallory).send(new AttachUserPolicyCommand({ UserName: 'mallory', PolicyArn: arn })));
      assert.equal(e.name, 'ValidationError', arn);
      assert.equal(e.message, 'Invalid ARN partition');
      assert.equal(e.status, 400);
      // Even root, which may do anything, cannot store an ARN of another partition.
      const r = await awsError(() => root.send(new AttachUserPolicyCommand({ UserName: 'mallory', PolicyArn: arn })));
      assert.equal(r.name, 'ValidationError');
    }
    const boundary = await awsError(() =>
      root.send(new CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess' })),
    );
    assert.equal(boundary.name, 'ValidationError');
    const session = await awsError(() =>
      stsClient(app, mallory).send(new AssumeRoleCommand({ RoleArn: `arn:aws-cn:iam::${ACCOUNT_ID}:role/any`, RoleSessionName: 's' })),
    );
    assert.equal(session.name, 'ValidationError');
    assert.deepEqual((await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'mallory' }))).AttachedPolicies, []);
  });

  test('a customer policy named in another case is matched, authorized and stored as it is stored', async () => {
    const variant = `arn:aws:iam::${ACCOUNT_ID}:policy/guardedpolicy`;
    const attach = await awsError(() => iamClient(app, mallory).send(new AttachUserPolicyCommand({ UserName: 'mallory', PolicyArn: variant })));
    assert.equal(attach.name, 'AccessDenied');
    const boundary = await awsError(() =>
      iamClient(app, mallory).send(new PutUserPermissionsBoundaryCommand({ UserName: 'mallory', PermissionsBoundary: variant })),
    );
    assert.equal(boundary.name, 'AccessDenied');
    // Root may attach it: the attachment keeps the stored spelling, so a Deny on it matches later too.
    await root.send(new CreateUserCommand({ UserName: 'carol' }));
    await root.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: variant }));
    const attached = await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'carol' }));
    assert.deepEqual(attached.AttachedPolicies, [{ PolicyName: 'GuardedPolicy', PolicyArn: `arn:aws:iam::${ACCOUNT_ID}:policy/GuardedPolicy` }]);
    const got = await root.send(new GetPolicyCommand({ PolicyArn: variant }));
    assert.equal(got.Policy?.Arn, `arn:aws:iam::${ACCOUNT_ID}:policy/GuardedPolicy`);
    await root.send(new DetachUserPolicyCommand({ UserName: 'carol', PolicyArn: variant }));
    assert.deepEqual((await root.send(new ListAttachedUserPoliciesCommand({ UserName: 'carol' }))).AttachedPolicies, []);
  });

  test("policy documents naming another partition are refused with AWS's message", async () => {
    const e = await awsError(() =>
      root.send(
        new CreatePolicyCommand({
          PolicyName: 'cn',
          PolicyDocument: doc({ Effect: 'Deny', Action: 'iam:*', Resource: `arn:aws-cn:iam::${ACCOUNT_ID}:user/protected` }),
        }),
      ),
    );
    assert.equal(e.name, 'MalformedPolicyDocument');
    assert.equal(e.message, `Partition "aws-cn" is not valid for resource "arn:aws-cn:iam::${ACCOUNT_ID}:user/protected".`);
    const inline = await awsError(() =>
      root.send(
        new PutUserPolicyCommand({
          UserName: 'carol',
          PolicyName: 'p',
          PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws-us-gov:s3:::b' }),
        }),
      ),
    );
    assert.equal(inline.name, 'MalformedPolicyDocument');
    const trust = await awsError(() =>
      root.send(
        new CreateRoleCommand({
          RoleName: 'cn-trust',
          AssumeRolePolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: `arn:aws-cn:iam::${ACCOUNT_ID}:root` } }),
        }),
      ),
    );
    assert.equal(trust.name, 'MalformedPolicyDocument');
    assert.match(trust.message, /^Invalid principal in policy/);
    // Wildcards in the partition, and the served partition, are fine.
    await root.send(
      new CreatePolicyCommand({
        PolicyName: 'any-partition',
        PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: ['arn:*:s3:::b', 'arn:aws:s3:::b'] }),
      }),
    );
  });
});

describe('partitions: a deployment that serves aws-cn', () => {
  let app: App;

  before(async () => {
    app = await startTestApp({ partition: 'aws-cn' });
  });
  after(() => app.close());

  test('signs for its own regions, builds its ARNs in aws-cn, and refuses the aws partition', async () => {
    const who = await stsClient(app, ROOT_KEY, 'cn-northwest-1').send(new GetCallerIdentityCommand({}));
    assert.equal(who.Arn, `arn:aws-cn:iam::${ACCOUNT_ID}:root`);
    const cn = iamClient(app, ROOT_KEY, 'cn-north-1');
    const user = await cn.send(new CreateUserCommand({ UserName: 'li' }));
    assert.equal(user.User?.Arn, `arn:aws-cn:iam::${ACCOUNT_ID}:user/li`);
    await cn.send(new AttachUserPolicyCommand({ UserName: 'li', PolicyArn: 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess' }));
    const attached = await cn.send(new ListAttachedUserPoliciesCommand({ UserName: 'li' }));
    assert.equal(attached.AttachedPolicies?.[0]?.PolicyArn, 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess');
    const aws = await awsError(() => cn.send(new AttachUserPolicyCommand({ UserName: 'li', PolicyArn: ADMIN })));
    assert.equal(aws.name, 'ValidationError');
    const e = await awsError(() => iamClient(app, ROOT_KEY, 'us-east-1').send(new CreateUserCommand({ UserName: 'x' })));
    assert.equal(e.name, 'SignatureDoesNotMatch');
    assert.equal(e.message.trim(), "Credential should be scoped to a valid region, not 'us-east-1'.");
  });
});
