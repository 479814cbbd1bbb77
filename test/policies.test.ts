// Managed and inline policies, attachments, boundaries, authorization details and the policy simulator
// through the real AWS SDK for JavaScript v3, against a fresh iamd.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteGroupPolicyCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetContextKeysForCustomPolicyCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListGroupPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  SimulatePrincipalPolicyCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp } from './helpers.ts';

const doc = (statement: object | object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
const ALLOW_GET_USER = doc({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' });
const arnOf = (name: string, path = '/') => `arn:aws:iam::${ACCOUNT_ID}:policy${path}${name}`;

describe('managed and inline policies with @aws-sdk/client-iam', () => {
  let app: App;
  let iam: IAMClient;
  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
  });
  after(() => app.close());

  test('CreatePolicy, GetPolicy, versions, URL-encoded documents, DeletePolicy', async () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/a b&c?%"}]\n}';
    const created = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'Reader', Path: '/team/', PolicyDocument: text, Description: 'reads', Tags: [{ Key: 'env', Value: 'dev' }] }),
    );
    const p = created.Policy!;
    assert.equal(p.Arn, arnOf('Reader', '/team/'));
    assert.match(p.PolicyId ?? '', /^ANPA[A-Z2-7]{17}$/);
    assert.equal(p.DefaultVersionId, 'v1');
    assert.equal(p.AttachmentCount, 0);
    assert.equal(p.IsAttachable, true);
    assert.deepEqual(p.Tags, [{ Key: 'env', Value: 'dev' }]);

    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: p.Arn }))).Policy!;
    assert.equal(got.Description, 'reads');
    assert.equal(got.PermissionsBoundaryUsageCount, 0);

    // The document comes back URL-encoded, exactly as written once decoded.
    const v1 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v1' }))).PolicyVersion!;
    assert.equal(v1.IsDefaultVersion, true);
    assert.notEqual(v1.Document, text);
    assert.equal(decodeURIComponent(v1.Document!), text);

    const dup = await awsError(() => iam.send(new CreatePolicyCommand({ PolicyName: 'reader', PolicyDocument: text })));
    assert.deepEqual(dup, { name: 'EntityAlreadyExists', message: 'A policy called reader already exists. Duplicate names are not allowed.', status: 409 });

    // Versions: up to five, SetAsDefault, the default cannot be deleted.
    const v2 = await iam.send(new CreatePolicyVersionCommand({ PolicyArn: p.Arn, PolicyDocument: ALLOW_GET_USER, SetAsDefault: true }));
    assert.equal(v2.PolicyVersion?.VersionId, 'v2');
    assert.equal(v2.PolicyVersion?.IsDefaultVersion, true);
    for (let i = 3; i <= 5; i++) await iam.send(new CreatePolicyVersionCommand({ PolicyArn: p.Arn, PolicyDocument: ALLOW_GET_USER }));
    const sixth = await awsError(() => iam.send(new CreatePolicyVersionCommand({ PolicyArn: p.Arn, PolicyDocument: ALLOW_GET_USER })));
    assert.deepEqual(sixth, {
      name: 'LimitExceeded',
      message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      status: 409,
    });
    const listed = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn }));
    assert.deepEqual(
      listed.Versions?.map((v) => [v.VersionId, v.IsDefaultVersion]),
      [
        ['v5', false],
        ['v4', false],
        ['v3', false],
        ['v2', true],
        ['v1', false],
      ],
    );
    const paged = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn, MaxItems: 2 }));
    assert.equal(paged.IsTruncated, true);
    const rest = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn, Marker: paged.Marker }));
    assert.deepEqual(
      rest.Versions?.map((v) => v.VersionId),
      ['v3', 'v2', 'v1'],
    );

    const delDefault = await awsError(() => iam.send(new DeletePolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v2' })));
    assert.deepEqual(delDefault, { name: 'DeleteConflict', message: 'Cannot delete the default version of a policy.', status: 409 });
    const missing = await awsError(() => iam.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v9' })));
    assert.equal(missing.name, 'NoSuchEntity');

    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: 'v1' }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: p.Arn }))).Policy?.DefaultVersionId, 'v1');

    // Not deletable while it has other versions; the failed call changes nothing.
    const withVersions = await awsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: p.Arn })));
    assert.deepEqual(withVersions, {
      name: 'DeleteConflict',
      message:
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      status: 409,
    });
    assert.equal((await iam.send(new ListPolicyVersionsCommand({ PolicyArn: p.Arn }))).Versions?.length, 5);
    for (const v of ['v2', 'v3', 'v4', 'v5']) await iam.send(new DeletePolicyVersionCommand({ PolicyArn: p.Arn, VersionId: v }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: p.Arn }));
    const gone = await awsError(() => iam.send(new GetPolicyCommand({ PolicyArn: p.Arn })));
    assert.deepEqual(gone, { name: 'NoSuchEntity', message: `Policy ${p.Arn} was not found.`, status: 404 });
  });

  test('malformed and oversize documents are refused and change nothing', async () => {
    const cases: [string, string][] = [
      ['{"Version": "2012-10-17", "Statement": [', 'MalformedPolicyDocument'],
      [doc({ Effect: 'Maybe', Action: 's3:*', Resource: '*' }), 'MalformedPolicyDocument'],
      [doc({ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }), 'MalformedPolicyDocument'],
    ];
    for (const [text, code] of cases) {
      const e = await awsError(() => iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: text })));
      assert.equal(e.name, code, text);
      assert.equal(e.status, 400);
      assert.ok(e.message.length > 0);
    }
    const big = doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: Array.from({ length: 300 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`) }]);
    const tooBig = await awsError(() => iam.send(new CreatePolicyCommand({ PolicyName: 'Bad', PolicyDocument: big })));
    assert.deepEqual(tooBig, { name: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 6144', status: 409 });
    const none = await awsError(() => iam.send(new GetPolicyCommand({ PolicyArn: arnOf('Bad') })));
    assert.equal(none.name, 'NoSuchEntity');

    await iam.send(new CreateUserCommand({ UserName: 'mal' }));
    const principal = await awsError(() =>
      iam.send(
        new PutUserPolicyCommand({
          UserName: 'mal',
          PolicyName: 'p',
          PolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*', Resource: '*' }),
        }),
      ),
    );
    assert.equal(principal.name, 'MalformedPolicyDocument');
    const badJson = await awsError(() => iam.send(new PutUserPolicyCommand({ UserName: 'mal', PolicyName: 'p', PolicyDocument: 'not json' })));
    assert.equal(badJson.name, 'MalformedPolicyDocument');
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'mal' }))).PolicyNames, []);
    await iam.send(new DeleteUserCommand({ UserName: 'mal' }));
  });

  test('policy tags', async () => {
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Tagged', PolicyDocument: ALLOW_GET_USER }))).Policy!.Arn!;
    await iam.send(
      new TagPolicyCommand({
        PolicyArn: arn,
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ['a'] }));
    assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags, [{ Key: 'b', Value: '2' }]);
    const dupKeys = await awsError(() =>
      iam.send(
        new TagPolicyCommand({
          PolicyArn: arn,
          Tags: [
            { Key: 'x', Value: '1' },
            { Key: 'X', Value: '2' },
          ],
        }),
      ),
    );
    assert.equal(dupKeys.name, 'InvalidInput');
    assert.deepEqual((await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags, [{ Key: 'b', Value: '2' }]);
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
  });

  test('attachments: users and groups, quota, ListEntitiesForPolicy, DeleteConflict while attached', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'att', Path: '/staff/' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'AttGroup' }));
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Att', PolicyDocument: ALLOW_GET_USER }))).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: 'att', PolicyArn: arn }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'att', PolicyArn: arn })); // again: no change
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'AttGroup', PolicyArn: arn }));
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'AttGroup', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount, 2);
    assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'att' }))).AttachedPolicies, [{ PolicyName: 'Att', PolicyArn: arn }]);
    const groupPolicies = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'AttGroup' }));
    assert.deepEqual(
      groupPolicies.AttachedPolicies?.map((p) => p.PolicyName),
      ['Att', 'ReadOnlyAccess'],
    );

    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    assert.deepEqual(
      entities.PolicyUsers?.map((u) => u.UserName),
      ['att'],
    );
    assert.deepEqual(
      entities.PolicyGroups?.map((g) => g.GroupName),
      ['AttGroup'],
    );
    assert.deepEqual(entities.PolicyRoles, []);
    const onlyUsers = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: 'User', PathPrefix: '/staff/' }));
    assert.deepEqual([onlyUsers.PolicyUsers?.length, onlyUsers.PolicyGroups?.length], [1, 0]);

    const attachedOnly = await iam.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'Local' }));
    assert.deepEqual(
      attachedOnly.Policies?.map((p) => p.PolicyName),
      ['Att'],
    );
    const awsAttached = await iam.send(new ListPoliciesCommand({ OnlyAttached: true, Scope: 'AWS' }));
    assert.deepEqual(
      awsAttached.Policies?.map((p) => [p.PolicyName, p.AttachmentCount]),
      [['ReadOnlyAccess', 1]],
    );

    const conflict = await awsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
    assert.deepEqual(conflict, { name: 'DeleteConflict', message: 'Cannot delete a policy attached to entities.', status: 409 });

    const nope = `arn:aws:iam::${ACCOUNT_ID}:policy/Nope`;
    const notAttachable = await awsError(() => iam.send(new AttachUserPolicyCommand({ UserName: 'att', PolicyArn: nope })));
    assert.deepEqual(notAttachable, { name: 'NoSuchEntity', message: `Policy ${nope} does not exist or is not attachable.`, status: 404 });
    const noUser = await awsError(() => iam.send(new AttachUserPolicyCommand({ UserName: 'ghost', PolicyArn: arn })));
    assert.deepEqual(noUser, { name: 'NoSuchEntity', message: 'The user with name ghost cannot be found.', status: 404 });
    const noRole = await awsError(() => iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'ghost' })));
    assert.deepEqual(noRole, { name: 'NoSuchEntity', message: 'The role with name ghost cannot be found.', status: 404 });
    const notAttached = await awsError(() => iam.send(new DetachUserPolicyCommand({ UserName: 'att', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' })));
    assert.deepEqual(notAttached, { name: 'NoSuchEntity', message: 'Policy arn:aws:iam::aws:policy/ReadOnlyAccess was not found.', status: 404 });

    // At most 10 managed policies per user.
    const names = [
      'AdministratorAccess',
      'ReadOnlyAccess',
      'IAMReadOnlyAccess',
      'IAMFullAccess',
      'AmazonS3ReadOnlyAccess',
      'AmazonS3FullAccess',
      'AmazonEC2ReadOnlyAccess',
      'AmazonEC2FullAccess',
      'PowerUserAccess',
    ];
    for (const n of names) await iam.send(new AttachUserPolicyCommand({ UserName: 'att', PolicyArn: `arn:aws:iam::aws:policy/${n}` }));
    const eleventh = await awsError(() =>
      iam.send(new AttachUserPolicyCommand({ UserName: 'att', PolicyArn: 'arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess' })),
    );
    assert.deepEqual(eleventh, { name: 'LimitExceeded', message: 'Cannot exceed quota for PoliciesPerUser: 10', status: 409 });
    assert.equal((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'att' }))).AttachedPolicies?.length, 10);
    const page1 = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'att', MaxItems: 4 }));
    const page2 = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'att', MaxItems: 100, Marker: page1.Marker }));
    assert.equal(page1.IsTruncated, true);
    assert.equal((page1.AttachedPolicies?.length ?? 0) + (page2.AttachedPolicies?.length ?? 0), 10);
    for (const n of names) await iam.send(new DetachUserPolicyCommand({ UserName: 'att', PolicyArn: `arn:aws:iam::aws:policy/${n}` }));

    // A user with attached policies cannot be deleted.
    const busy = await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'att' })));
    assert.equal(busy.message, 'Cannot delete entity, must detach all policies first.');
    await iam.send(new DetachUserPolicyCommand({ UserName: 'att', PolicyArn: arn }));
    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'AttGroup', PolicyArn: arn }));
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount, 0);
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
  });

  test('an AWS service-role policy is not attachable to a user', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'not-a-service' }));
    const err = await awsError(() =>
      iam.send(
        new AttachUserPolicyCommand({ UserName: 'not-a-service', PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AWSElasticBeanstalkServiceRolePolicy' }),
      ),
    );
    assert.equal(err.name, 'PolicyNotAttachable');
    assert.equal(err.status, 400);
    assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'not-a-service' }))).AttachedPolicies, []);
  });

  test('AWS managed policies: GetPolicy, ListPolicies scope and paging, GetPolicyVersion', async () => {
    const admin = (await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))).Policy!;
    assert.equal(admin.PolicyName, 'AdministratorAccess');
    assert.equal(admin.Path, '/');
    const version = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: admin.Arn, VersionId: admin.DefaultVersionId }))).PolicyVersion!;
    assert.deepEqual(JSON.parse(decodeURIComponent(version.Document!)).Statement, [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
    const first = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 50 }));
    assert.equal(first.Policies?.length, 50);
    assert.equal(first.IsTruncated, true);
    const second = await iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 50, Marker: first.Marker }));
    assert.equal(new Set([...first.Policies!, ...second.Policies!].map((p) => p.Arn)).size, 100);
    const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
    assert.ok(local.Policies?.every((p) => p.Arn?.includes(ACCOUNT_ID)));
    const cannot = await awsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: admin.Arn })));
    assert.notEqual(cannot.status, 200);
    const badArn = await awsError(() => iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:nonsense' })));
    assert.equal(badArn.name, 'InvalidInput');
  });

  test('inline policies of users and groups: put, get (URL-encoded), list, delete, size limits', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'inl' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'InlGroup' }));
    const text = doc({ Sid: 'Own', Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::*:user/${aws:username}' });
    await iam.send(new PutUserPolicyCommand({ UserName: 'inl', PolicyName: 'Self', PolicyDocument: text }));
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'inl', PolicyName: 'self' }));
    assert.equal(got.UserName, 'inl');
    assert.equal(got.PolicyName, 'Self');
    assert.equal(decodeURIComponent(got.PolicyDocument!), text);
    await iam.send(new PutUserPolicyCommand({ UserName: 'inl', PolicyName: 'Another', PolicyDocument: ALLOW_GET_USER }));
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'inl' }))).PolicyNames, ['Another', 'Self']);
    const page = await iam.send(new ListUserPoliciesCommand({ UserName: 'inl', MaxItems: 1 }));
    assert.deepEqual([page.PolicyNames, page.IsTruncated], [['Another'], true]);

    // The user's inline policies together may not exceed 2,048 characters without whitespace.
    const padding = (n: number) => doc({ Sid: 'x'.repeat(n), Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
    const tooMuch = await awsError(() => iam.send(new PutUserPolicyCommand({ UserName: 'inl', PolicyName: 'Big', PolicyDocument: padding(1900) })));
    assert.deepEqual(tooMuch, { name: 'LimitExceeded', message: 'Maximum policy size of 2048 bytes exceeded for user inl', status: 409 });
    assert.deepEqual((await iam.send(new ListUserPoliciesCommand({ UserName: 'inl' }))).PolicyNames, ['Another', 'Self']);
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'InlGroup', PolicyName: 'Big', PolicyDocument: padding(4000) }));
    const groupTooMuch = await awsError(() =>
      iam.send(new PutGroupPolicyCommand({ GroupName: 'InlGroup', PolicyName: 'Big2', PolicyDocument: padding(1100) })),
    );
    assert.deepEqual(groupTooMuch, { name: 'LimitExceeded', message: 'Maximum policy size of 5120 bytes exceeded for group InlGroup', status: 409 });
    // Replacing a policy counts its new size only.
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'InlGroup', PolicyName: 'big', PolicyDocument: padding(4500) }));
    assert.deepEqual((await iam.send(new ListGroupPoliciesCommand({ GroupName: 'InlGroup' }))).PolicyNames, ['big']);
    assert.equal(
      JSON.parse(decodeURIComponent((await iam.send(new GetGroupPolicyCommand({ GroupName: 'InlGroup', PolicyName: 'BIG' }))).PolicyDocument!)).Statement.Sid
        .length,
      4500,
    );

    const missing = await awsError(() => iam.send(new GetUserPolicyCommand({ UserName: 'inl', PolicyName: 'Nope' })));
    assert.deepEqual(missing, { name: 'NoSuchEntity', message: 'The user policy with name Nope cannot be found.', status: 404 });
    const missingGroup = await awsError(() => iam.send(new DeleteGroupPolicyCommand({ GroupName: 'InlGroup', PolicyName: 'Nope' })));
    assert.deepEqual(missingGroup, { name: 'NoSuchEntity', message: 'The group policy with name Nope cannot be found.', status: 404 });
    const busy = await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'inl' })));
    assert.equal(busy.message, 'Cannot delete entity, must delete policies first.');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'inl', PolicyName: 'Self' }));
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'inl', PolicyName: 'Another' }));
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'InlGroup', PolicyName: 'Big' }));
    await iam.send(new DeleteUserCommand({ UserName: 'inl' }));
  });

  test('permissions boundaries: put, usage count, DeleteConflict, delete', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'bounded' }));
    const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'Boundary', PolicyDocument: ALLOW_GET_USER }))).Policy!.Arn!;
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: arn }));
    const user = (await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User!;
    assert.deepEqual(user.PermissionsBoundary, { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: arn });
    const policy = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!;
    assert.deepEqual([policy.AttachmentCount, policy.PermissionsBoundaryUsageCount], [0, 1]);
    const asBoundary = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsBoundary' }));
    assert.deepEqual(
      asBoundary.PolicyUsers?.map((u) => u.UserName),
      ['bounded'],
    );
    const asPolicy = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsPolicy' }));
    assert.deepEqual(asPolicy.PolicyUsers, []);
    const boundaries = await iam.send(new ListPoliciesCommand({ PolicyUsageFilter: 'PermissionsBoundary' }));
    assert.deepEqual(
      boundaries.Policies?.map((p) => p.PolicyName),
      ['Boundary'],
    );
    const conflict = await awsError(() => iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
    assert.equal(conflict.name, 'DeleteConflict');
    const missing = await awsError(() => iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'bounded', PermissionsBoundary: arnOf('Nope') })));
    assert.equal(missing.name, 'NoSuchEntity');
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, arn);
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'bounded' }));
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'bounded' }))).User?.PermissionsBoundary, undefined);
    await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await iam.send(new DeleteUserCommand({ UserName: 'bounded' }));
  });
  test('roles: attached and inline policies, 10,240-character quota, boundary, simulation, authorization details', async () => {
    const trust = doc({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
    await iam.send(new CreateRoleCommand({ RoleName: 'Worker', AssumeRolePolicyDocument: trust }));
    const roleArn = `arn:aws:iam::${ACCOUNT_ID}:role/Worker`;
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    assert.deepEqual(
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'Worker' }))).AttachedPolicies?.map((p) => p.PolicyName),
      ['AmazonS3ReadOnlyAccess'],
    );
    const entities = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', EntityFilter: 'Role' }));
    assert.deepEqual(
      entities.PolicyRoles?.map((r) => r.RoleName),
      ['Worker'],
    );

    const queue = doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'Queue', PolicyDocument: queue }));
    assert.equal(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'Queue' }))).PolicyDocument!), queue);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'Worker' }))).PolicyNames, ['Queue']);
    const big = doc({ Sid: 'x'.repeat(10300), Effect: 'Allow', Action: 's3:GetObject', Resource: '*' });
    const tooBig = await awsError(() => iam.send(new PutRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'Big', PolicyDocument: big })));
    assert.deepEqual(tooBig, { name: 'LimitExceeded', message: 'Maximum policy size of 10240 bytes exceeded for role Worker', status: 409 });

    const sim = await iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: ['s3:GetObject', 'sqs:SendMessage', 'sqs:DeleteQueue'] }),
    );
    assert.deepEqual(
      sim.EvaluationResults?.map((r) => r.EvalDecision),
      ['allowed', 'allowed', 'implicitDeny'],
    );
    assert.deepEqual(
      sim.EvaluationResults?.[1]?.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType]),
      [['Queue', 'IAM Policy']],
    );

    const boundary = (
      await iam.send(new CreatePolicyCommand({ PolicyName: 'RoleBoundary', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }))
    ).Policy!.Arn!;
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'Worker', PermissionsBoundary: boundary }));
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'Worker' }))).Role?.PermissionsBoundary?.PermissionsBoundaryArn, boundary);
    const bounded = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: ['s3:GetObject', 'sqs:SendMessage'] }));
    assert.deepEqual(
      bounded.EvaluationResults?.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]),
      [
        ['allowed', true],
        ['implicitDeny', false],
      ],
    );
    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: boundary }))).Policy?.PermissionsBoundaryUsageCount, 1);

    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role', 'AWSManagedPolicy'] }));
    const role = details.RoleDetailList?.find((r) => r.RoleName === 'Worker');
    assert.equal(decodeURIComponent(role!.AssumeRolePolicyDocument!), trust);
    assert.deepEqual(
      role?.RolePolicyList?.map((p) => p.PolicyName),
      ['Queue'],
    );
    assert.deepEqual(
      role?.AttachedManagedPolicies?.map((p) => p.PolicyName),
      ['AmazonS3ReadOnlyAccess'],
    );
    assert.equal(role?.PermissionsBoundary?.PermissionsBoundaryArn, boundary);
    assert.ok(details.Policies?.some((p) => p.PolicyName === 'AmazonS3ReadOnlyAccess'));

    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'Worker' }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Worker', PolicyName: 'Queue' }));
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'Worker', PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'Worker' }));
    await iam.send(new DeletePolicyCommand({ PolicyArn: boundary }));
  });

  test('simulator and context keys for a group; GetAccountAuthorizationDetails paging', async () => {
    await iam.send(new CreateGroupCommand({ GroupName: 'SimGroup' }));
    await iam.send(
      new PutGroupPolicyCommand({
        GroupName: 'SimGroup',
        PolicyName: 'Tagged',
        PolicyDocument: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } } }),
      }),
    );
    const groupArn = `arn:aws:iam::${ACCOUNT_ID}:group/SimGroup`;
    const keys = await iam.send(
      new GetContextKeysForPrincipalPolicyCommand({
        PolicySourceArn: groupArn,
        PolicyInputList: [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } })],
      }),
    );
    assert.deepEqual(keys.ContextKeyNames, ['aws:ResourceTag/team', 'aws:SecureTransport']);
    const custom = await iam.send(new GetContextKeysForCustomPolicyCommand({ PolicyInputList: [ALLOW_GET_USER] }));
    assert.deepEqual(custom.ContextKeyNames ?? [], []);
    const sim = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: groupArn,
        ActionNames: ['ec2:RunInstances'],
        ContextEntries: [{ ContextKeyName: 'aws:ResourceTag/team', ContextKeyType: 'string', ContextKeyValues: ['a'] }],
      }),
    );
    assert.equal(sim.EvaluationResults?.[0]?.EvalDecision, 'allowed');
    const without = await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: groupArn, ActionNames: ['ec2:RunInstances'] }));
    assert.deepEqual(
      [without.EvaluationResults?.[0]?.EvalDecision, without.EvaluationResults?.[0]?.MissingContextValues],
      ['implicitDeny', ['aws:ResourceTag/team']],
    );
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'SimGroup', PolicyName: 'Tagged' }));

    const all = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    const total = (all.UserDetailList?.length ?? 0) + (all.GroupDetailList?.length ?? 0) + (all.RoleDetailList?.length ?? 0) + (all.Policies?.length ?? 0);
    let seen = 0;
    let marker: string | undefined;
    do {
      const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 3, Marker: marker }));
      seen += (page.UserDetailList?.length ?? 0) + (page.GroupDetailList?.length ?? 0) + (page.RoleDetailList?.length ?? 0) + (page.Policies?.length ?? 0);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    assert.equal(seen, total);
  });
});
