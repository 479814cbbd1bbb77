// Enforcement of every call by the policy engine, continuing the seed scenario: policies attached to a
// group, read-only users, explicit denies, permissions boundaries, group membership changes, policy
// variables, and the simulator agreeing with enforcement.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp, type Credentials } from './helpers.ts';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:user/${name}`;

describe('enforcement of every call', () => {
  let app: App;
  let root: IAMClient;
  let admin: IAMClient;

  async function newUser(name: string): Promise<Credentials> {
    await root.send(new CreateUserCommand({ UserName: name }));
    const key = (await root.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  /** What the simulator says for one action of a user on one resource. */
  async function simulated(user: string, action: string, resource: string): Promise<string | undefined> {
    const r = await root.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn(user), ActionNames: [action], ResourceArns: [resource] }));
    return r.EvaluationResults?.[0]?.EvalDecision;
  }

  before(async () => {
    app = await startTestApp();
    root = iamClient(app);
  });
  after(() => app.close());

  test('AdministratorAccess on the Administrators group lets admin create users and groups', async () => {
    admin = iamClient(app, await newUser('admin'));
    await root.send(new CreateGroupCommand({ GroupName: 'Administrators' }));
    await root.send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: 'admin' }));
    const before = await awsError(() => admin.send(new CreateUserCommand({ UserName: 'bob' })));
    assert.equal(before.name, 'AccessDenied');
    assert.equal(await simulated('admin', 'iam:CreateUser', userArn('bob')), 'implicitDeny');

    await root.send(new AttachGroupPolicyCommand({ GroupName: 'Administrators', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const bob = await admin.send(new CreateUserCommand({ UserName: 'bob' }));
    assert.equal(bob.User?.Arn, userArn('bob'));
    await admin.send(new CreateGroupCommand({ GroupName: 'Developers' }));
    assert.equal(await simulated('admin', 'iam:CreateUser', userArn('carol')), 'allowed');
    const sim = await root.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn('admin'), ActionNames: ['iam:CreateUser'] }));
    assert.deepEqual(
      sim.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]),
      [['AdministratorAccess', 'IAM Policy']],
    );
    assert.equal(sim.EvaluationResults?.[0]?.EvalResourceName, '*');
  });

  test('IAMReadOnlyAccess: can list users, CreateUser is denied with AWS message', async () => {
    const reader = iamClient(app, await newUser('reader'));
    await root.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    const users = await reader.send(new ListUsersCommand({}));
    assert.ok(users.Users?.some((u) => u.UserName === 'admin'));
    const denied = await awsError(() => reader.send(new CreateUserCommand({ UserName: 'alice' })));
    assert.deepEqual(denied, {
      name: 'AccessDenied',
      message: `User: arn:aws:iam::111122223333:user/reader is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::111122223333:user/alice because no identity-based policy allows the iam:CreateUser action`,
      status: 403,
    });
    const none = await awsError(() => root.send(new GetUserCommand({ UserName: 'alice' })));
    assert.equal(none.name, 'NoSuchEntity');
    assert.equal(await simulated('reader', 'iam:ListUsers', '*'), 'allowed');
    assert.equal(await simulated('reader', 'iam:CreateUser', userArn('alice')), 'implicitDeny');
  });

  test('an inline explicit Deny beats AdministratorAccess', async () => {
    await root.send(
      new PutUserPolicyCommand({
        UserName: 'admin',
        PolicyName: 'NoNewUsers',
        PolicyDocument: doc({ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }),
      }),
    );
    const denied = await awsError(() => admin.send(new CreateUserCommand({ UserName: 'dave' })));
    assert.deepEqual(denied, {
      name: 'AccessDenied',
      message: `User: ${userArn('admin')} is not authorized to perform: iam:CreateUser on resource: ${userArn('dave')} with an explicit deny in an identity-based policy`,
      status: 403,
    });
    const sim = await root.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn('admin'), ActionNames: ['iam:CreateUser', 'iam:CreateGroup'] }));
    const [createUser, createGroup] = sim.EvaluationResults!;
    assert.ok(createUser && createGroup, 'a result for each of the two actions');
    assert.equal(createUser.EvalDecision, 'explicitDeny');
    assert.deepEqual(
      createUser.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]),
      [['NoNewUsers', 'IAM Policy']],
    );
    assert.deepEqual(createUser.MatchedStatements?.[0]?.StartPosition, { Line: 1, Column: 37 });
    assert.equal(createGroup.EvalDecision, 'allowed');
    await admin.send(new CreateGroupCommand({ GroupName: 'Testers' }));
    await root.send(new DeleteUserPolicyCommand({ UserName: 'admin', PolicyName: 'NoNewUsers' }));
    await admin.send(new CreateUserCommand({ UserName: 'dave' }));
  });

  test('a permissions boundary of iam:Get* limits an administrator to reads', async () => {
    const boundary = (
      await root.send(new CreatePolicyCommand({ PolicyName: 'GetOnly', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }) }))
    ).Policy!.Arn!;
    await root.send(new PutUserPermissionsBoundaryCommand({ UserName: 'admin', PermissionsBoundary: boundary }));
    assert.equal((await admin.send(new GetUserCommand({ UserName: 'bob' }))).User?.UserName, 'bob');
    const denied = await awsError(() => admin.send(new CreateUserCommand({ UserName: 'erin' })));
    assert.deepEqual(denied, {
      name: 'AccessDenied',
      message: `User: ${userArn('admin')} is not authorized to perform: iam:CreateUser on resource: ${userArn('erin')} because no permissions boundary allows the iam:CreateUser action`,
      status: 403,
    });
    const listDenied = await awsError(() => admin.send(new ListUsersCommand({})));
    assert.equal(listDenied.name, 'AccessDenied');
    const sim = await root.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn('admin'), ActionNames: ['iam:CreateUser', 'iam:GetUser'] }));
    assert.deepEqual(
      sim.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]),
      [
        ['iam:CreateUser', 'implicitDeny', false],
        ['iam:GetUser', 'allowed', true],
      ],
    );
    await root.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'admin' }));
    await admin.send(new CreateUserCommand({ UserName: 'erin' }));
  });

  test('removing the user from the group takes effect on the very next call', async () => {
    await admin.send(new ListUsersCommand({}));
    await root.send(new RemoveUserFromGroupCommand({ GroupName: 'Administrators', UserName: 'admin' }));
    const denied = await awsError(() => admin.send(new ListUsersCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(
      denied.message,
      `User: ${userArn('admin')} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${ACCOUNT_ID}:user/ because no identity-based policy allows the iam:ListUsers action`,
    );
    assert.equal(await simulated('admin', 'iam:ListUsers', '*'), 'implicitDeny');
    await root.send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: 'admin' }));
    await admin.send(new ListUsersCommand({}));
  });

  test('${aws:username}: a user manages only its own access keys', async () => {
    const self = iamClient(app, await newUser('selfie'));
    await newUser('other');
    await root.send(
      new PutUserPolicyCommand({
        UserName: 'selfie',
        PolicyName: 'OwnKeys',
        PolicyDocument: doc({
          Effect: 'Allow',
          Action: ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListAccessKeys'],
          Resource: 'arn:aws:iam::*:user/${aws:username}',
        }),
      }),
    );
    const mine = (await self.send(new CreateAccessKeyCommand({ UserName: 'selfie' }))).AccessKey!;
    assert.equal((await self.send(new ListAccessKeysCommand({}))).AccessKeyMetadata?.length, 2);
    await self.send(new DeleteAccessKeyCommand({ UserName: 'selfie', AccessKeyId: mine.AccessKeyId }));
    const theirs = await awsError(() => self.send(new CreateAccessKeyCommand({ UserName: 'other' })));
    assert.equal(
      theirs.message,
      `User: ${userArn('selfie')} is not authorized to perform: iam:CreateAccessKey on resource: ${userArn('other')} because no identity-based policy allows the iam:CreateAccessKey action`,
    );
    const list = await awsError(() => self.send(new ListAccessKeysCommand({ UserName: 'other' })));
    assert.equal(list.name, 'AccessDenied');
    assert.equal((await root.send(new ListAccessKeysCommand({ UserName: 'other' }))).AccessKeyMetadata?.length, 1);

    // The simulator fills in aws:username for the user, as enforcement does.
    assert.equal(await simulated('selfie', 'iam:CreateAccessKey', userArn('selfie')), 'allowed');
    assert.equal(await simulated('selfie', 'iam:CreateAccessKey', userArn('other')), 'implicitDeny');
    const keys = await root.send(new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: userArn('selfie') }));
    assert.deepEqual(keys.ContextKeyNames, ['aws:username']);
  });

  test('SimulateCustomPolicy: decisions, context entries, missing context values, boundaries, paging', async () => {
    const policy = doc([
      { Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
    ]);
    const r = await root.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy],
        ActionNames: ['s3:GetObject', 's3:DeleteBucket', 'ec2:RunInstances'],
        ContextEntries: [{ ContextKeyName: 'aws:SourceIp', ContextKeyType: 'ip', ContextKeyValues: ['10.1.2.3'] }],
      }),
    );
    assert.deepEqual(
      r.EvaluationResults?.map((x) => x.EvalDecision),
      ['allowed', 'explicitDeny', 'implicitDeny'],
    );
    assert.deepEqual(
      r.EvaluationResults?.[0]?.MatchedStatements?.map((s) => [s.SourcePolicyId, s.SourcePolicyType]),
      [['PolicyInputList.1', 'IAM Policy']],
    );
    const missing = await root.send(new SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: ['s3:GetObject'] }));
    assert.equal(missing.EvaluationResults?.[0]?.EvalDecision, 'implicitDeny');
    assert.deepEqual(missing.EvaluationResults?.[0]?.MissingContextValues, ['aws:SourceIp']);
    const bounded = await root.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [doc({ Effect: 'Allow', Action: '*', Resource: '*' })],
        PermissionsBoundaryPolicyInputList: [doc({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' })],
        ActionNames: ['iam:GetUser', 'iam:CreateUser'],
      }),
    );
    assert.deepEqual(
      bounded.EvaluationResults?.map((x) => [x.EvalDecision, x.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]),
      [
        ['allowed', true],
        ['implicitDeny', false],
      ],
    );
    const paged = await root.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy],
        ActionNames: ['s3:A', 's3:B', 's3:C'],
        ResourceArns: ['arn:aws:s3:::x', 'arn:aws:s3:::y'],
        MaxItems: 4,
      }),
    );
    assert.equal(paged.EvaluationResults?.length, 4);
    assert.equal(paged.IsTruncated, true);
    const next = await root.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: [policy],
        ActionNames: ['s3:A', 's3:B', 's3:C'],
        ResourceArns: ['arn:aws:s3:::x', 'arn:aws:s3:::y'],
        Marker: paged.Marker,
      }),
    );
    assert.deepEqual(
      next.EvaluationResults?.map((x) => [x.EvalActionName, x.EvalResourceName]),
      [
        ['s3:C', 'arn:aws:s3:::x'],
        ['s3:C', 'arn:aws:s3:::y'],
      ],
    );
    const bad = await awsError(() => root.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{'], ActionNames: ['s3:GetObject'] })));
    assert.equal(bad.name, 'InvalidInput');
    const keys = await root.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [policy] }));
    assert.deepEqual(keys.ContextKeyNames, ['aws:SourceIp']);
    const noUser = await awsError(() => root.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: userArn('nobody'), ActionNames: ['iam:GetUser'] })));
    assert.equal(noUser.name, 'NoSuchEntity');
    // The simulator itself needs permission.
    const reader = iamClient(app, await newUser('nosim'));
    const denied = await awsError(() => reader.send(new SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: ['s3:GetObject'] })));
    assert.equal(denied.name, 'AccessDenied');
  });

  test('GetAccountAuthorizationDetails: users with groups and policies, groups, managed policies with versions', async () => {
    const all = await root.send(new GetAccountAuthorizationDetailsCommand({}));
    const adminDetail = all.UserDetailList?.find((u) => u.UserName === 'admin');
    assert.deepEqual(adminDetail?.GroupList, ['Administrators']);
    const selfie = all.UserDetailList?.find((u) => u.UserName === 'selfie');
    assert.equal(selfie?.UserPolicyList?.[0]?.PolicyName, 'OwnKeys');
    assert.match(decodeURIComponent(selfie!.UserPolicyList![0].PolicyDocument!), /\$\{aws:username\}/);
    const group = all.GroupDetailList?.find((g) => g.GroupName === 'Administrators');
    assert.deepEqual(group?.AttachedManagedPolicies, [{ PolicyName: 'AdministratorAccess', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }]);
    const names = all.Policies?.map((p) => p.PolicyName).sort();
    assert.deepEqual(names, ['AdministratorAccess', 'GetOnly', 'IAMReadOnlyAccess']);
    const getOnly = all.Policies?.find((p) => p.PolicyName === 'GetOnly');
    assert.equal(getOnly?.PolicyVersionList?.[0]?.IsDefaultVersion, true);
    assert.match(decodeURIComponent(getOnly!.PolicyVersionList![0].Document!), /iam:Get\*/);

    const onlyGroups = await root.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Group'] }));
    assert.deepEqual([onlyGroups.UserDetailList?.length, onlyGroups.Policies?.length, (onlyGroups.GroupDetailList?.length ?? 0) > 0], [0, 0, true]);
    let marker: string | undefined;
    let users = 0;
    do {
      const page = await root.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], MaxItems: 2, Marker: marker }));
      users += page.UserDetailList?.length ?? 0;
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    assert.equal(users, all.UserDetailList?.length);
  });
});
