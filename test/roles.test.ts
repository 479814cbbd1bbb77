// Roles, instance profiles and service-linked roles through @aws-sdk/client-iam against a fresh iamd.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteServiceLinkedRoleCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListInstanceProfileTagsCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp } from './helpers.ts';

const trust = (principal: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra }] });
const EC2_TRUST = trust({ Service: 'ec2.amazonaws.com' });

describe('roles with @aws-sdk/client-iam', () => {
  let app: App;
  let iam: IAMClient;
  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
  });
  after(() => app.close());

  test('CreateRole and GetRole: trust policy URL-encoded as AWS returns it, defaults, tags, last use', async () => {
    const created = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'WebServer',
          Path: '/app/',
          AssumeRolePolicyDocument: EC2_TRUST,
          Description: 'web tier',
          Tags: [{ Key: 'team', Value: 'web' }],
        }),
      )
    ).Role!;
    assert.match(created.RoleId!, /^AROA[A-Z2-7]{17}$/);
    assert.equal(created.Arn, `arn:aws:iam::${ACCOUNT_ID}:role/app/WebServer`);
    assert.equal(created.MaxSessionDuration, undefined, "CreateRole's answer has no MaxSessionDuration (GetRole's has)");
    assert.deepEqual(created.Tags, [{ Key: 'team', Value: 'web' }]);
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'webserver' }))).Role!;
    assert.equal(role.RoleName, 'WebServer');
    assert.equal(role.Description, 'web tier');
    assert.equal(role.AssumeRolePolicyDocument, encodeURIComponent(EC2_TRUST));
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), JSON.parse(EC2_TRUST));
    assert.deepEqual(role.RoleLastUsed, {});
    assert.equal(role.MaxSessionDuration, 3600);
  });

  test('CreateRole errors: AWS codes and messages, nothing created', async () => {
    const noPrincipal = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] });
    const e1 = await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'Bad1', AssumeRolePolicyDocument: noPrincipal })));
    assert.equal(e1.name, 'MalformedPolicyDocument');
    assert.equal(e1.status, 400);
    const withResource = trust({ Service: 'ec2.amazonaws.com' }, { Resource: '*' });
    const e2 = await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'Bad2', AssumeRolePolicyDocument: withResource })));
    assert.equal(e2.name, 'MalformedPolicyDocument');
    const huge = trust({ AWS: Array.from({ length: 60 }, (_, i) => `arn:aws:iam::${ACCOUNT_ID}:user/user-number-${i}`) });
    const e3 = await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'Bad3', AssumeRolePolicyDocument: huge })));
    assert.deepEqual([e3.name, e3.status, e3.message], ['LimitExceeded', 409, 'Cannot exceed quota for ACLSizePerRole: 2048']);
    const e4 = await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'Bad4', AssumeRolePolicyDocument: EC2_TRUST, MaxSessionDuration: 100 })));
    assert.deepEqual([e4.name, e4.status], ['ValidationError', 400]);
    const e5 = await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'WEBSERVER', AssumeRolePolicyDocument: EC2_TRUST })));
    assert.deepEqual([e5.name, e5.status, e5.message], ['EntityAlreadyExists', 409, 'Role with name WEBSERVER already exists.']);
    const e6 = await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'Bad1' })));
    assert.deepEqual([e6.name, e6.status, e6.message], ['NoSuchEntity', 404, 'The role with name Bad1 cannot be found.']);
    const names = (await iam.send(new ListRolesCommand({}))).Roles!.map((r) => r.RoleName);
    assert.deepEqual(names, ['WebServer']);
  });

  test('UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy', async () => {
    await iam.send(new UpdateRoleCommand({ RoleName: 'WebServer', MaxSessionDuration: 7200, Description: 'web' }));
    const described = (await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'WebServer', Description: 'the web tier' }))).Role!;
    assert.equal(described.Description, 'the web tier');
    assert.equal(described.MaxSessionDuration, undefined, "UpdateRoleDescription's answer has no MaxSessionDuration");
    const newTrust = trust({ AWS: `arn:aws:iam::${ACCOUNT_ID}:root` });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'WebServer', PolicyDocument: newTrust }));
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'WebServer' }))).Role!;
    assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), newTrust);
    assert.equal(role.MaxSessionDuration, 7200);
    const bad = await awsError(() => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'WebServer', PolicyDocument: '{"Statement":' })));
    assert.equal(bad.name, 'MalformedPolicyDocument');
    assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'WebServer' }))).Role!.AssumeRolePolicyDocument!), newTrust);
  });

  test('ListRoles pages by name under a path prefix; role tags', async () => {
    for (const n of ['r-c', 'r-a', 'r-b']) await iam.send(new CreateRoleCommand({ RoleName: n, Path: '/paged/', AssumeRolePolicyDocument: EC2_TRUST }));
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    assert.deepEqual(
      first.Roles!.map((r) => r.RoleName),
      ['r-a', 'r-b'],
    );
    assert.equal(first.IsTruncated, true);
    assert.equal(first.Roles?.[0]?.AssumeRolePolicyDocument, encodeURIComponent(EC2_TRUST));
    const second = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual(
      second.Roles!.map((r) => r.RoleName),
      ['r-c'],
    );
    assert.equal(second.IsTruncated, false);

    await iam.send(
      new TagRoleCommand({
        RoleName: 'r-a',
        Tags: [
          { Key: 'env', Value: 'dev' },
          { Key: 'owner', Value: 'me' },
        ],
      }),
    );
    await iam.send(new UntagRoleCommand({ RoleName: 'r-a', TagKeys: ['OWNER'] }));
    assert.deepEqual((await iam.send(new ListRoleTagsCommand({ RoleName: 'r-a' }))).Tags, [{ Key: 'env', Value: 'dev' }]);
    const dup = await awsError(() =>
      iam.send(
        new TagRoleCommand({
          RoleName: 'r-a',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' },
          ],
        }),
      ),
    );
    assert.equal(dup.name, 'InvalidInput');
  });

  test('instance profiles: one role each, conflicts on delete, tags', async () => {
    const profile = (await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-profile', Tags: [{ Key: 'k', Value: 'v' }] })))
      .InstanceProfile!;
    assert.match(profile.InstanceProfileId!, /^AIPA[A-Z2-7]{17}$/);
    assert.equal(profile.Arn, `arn:aws:iam::${ACCOUNT_ID}:instance-profile/web-profile`);
    assert.deepEqual(profile.Roles, []);
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'WebServer' }));
    const full = await awsError(() => iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'r-a' })));
    assert.deepEqual([full.name, full.status, full.message], ['LimitExceeded', 409, 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1']);
    const got = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-profile' }))).InstanceProfile!;
    assert.deepEqual(
      got.Roles!.map((r) => r.RoleName),
      ['WebServer'],
    );
    assert.deepEqual(
      (await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'WebServer' }))).InstanceProfiles!.map((p) => p.InstanceProfileName),
      ['web-profile'],
    );
    assert.deepEqual((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'r-a' }))).InstanceProfiles, []);
    assert.deepEqual(
      (await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles!.map((p) => p.InstanceProfileName),
      ['web-profile'],
    );

    const roleConflict = await awsError(() => iam.send(new DeleteRoleCommand({ RoleName: 'WebServer' })));
    assert.deepEqual(
      [roleConflict.name, roleConflict.status, roleConflict.message],
      ['DeleteConflict', 409, 'Cannot delete entity, must remove roles from instance profile first.'],
    );
    const profileConflict = await awsError(() => iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web-profile' })));
    assert.deepEqual(
      [profileConflict.name, profileConflict.message],
      ['DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.'],
    );

    await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'web-profile', Tags: [{ Key: 'k2', Value: 'v2' }] }));
    assert.deepEqual((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'web-profile' }))).Tags, [
      { Key: 'k', Value: 'v' },
      { Key: 'k2', Value: 'v2' },
    ]);

    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'web-profile', RoleName: 'WebServer' }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'web-profile' }));
    const gone = await awsError(() => iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web-profile' })));
    assert.deepEqual([gone.name, gone.status, gone.message], ['NoSuchEntity', 404, 'Instance Profile web-profile cannot be found.']);
  });

  test('DeleteRole: inline and attached policies first', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'Doomed', AssumeRolePolicyDocument: EC2_TRUST }));
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] });
    await iam.send(new PutRolePolicyCommand({ RoleName: 'Doomed', PolicyName: 'inline', PolicyDocument: doc }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Doomed', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const e1 = await awsError(() => iam.send(new DeleteRoleCommand({ RoleName: 'Doomed' })));
    assert.deepEqual([e1.name, e1.message], ['DeleteConflict', 'Cannot delete entity, must delete policies first.']);
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'Doomed', PolicyName: 'inline' }));
    const e2 = await awsError(() => iam.send(new DeleteRoleCommand({ RoleName: 'Doomed' })));
    assert.deepEqual([e2.name, e2.message], ['DeleteConflict', 'Cannot delete entity, must detach all policies first.']);
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'Doomed', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new DeleteRoleCommand({ RoleName: 'Doomed' }));
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'Doomed' })))).name, 'NoSuchEntity');
  });

  test('service-linked roles: path, name, trust for the service; protected; deletion status', async () => {
    const role = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com' }))).Role!;
    assert.equal(role.RoleName, 'AWSServiceRoleForElasticBeanstalk');
    assert.equal(role.Path, '/aws-service-role/elasticbeanstalk.amazonaws.com/');
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement[0].Principal, { Service: 'elasticbeanstalk.amazonaws.com' });
    const taken = await awsError(() => iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticbeanstalk.amazonaws.com' })));
    assert.equal(taken.name, 'InvalidInput');
    const prot = await awsError(() => iam.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForElasticBeanstalk' })));
    assert.deepEqual([prot.name, prot.status], ['UnmodifiableEntity', 400]);
    const { DeletionTaskId } = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForElasticBeanstalk' }));
    assert.match(DeletionTaskId!, /^task\/aws-service-role\/elasticbeanstalk\.amazonaws\.com\/AWSServiceRoleForElasticBeanstalk\//);
    assert.equal((await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId }))).Status, 'SUCCEEDED');
  });

  test('a user without permissions is denied and learns nothing', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'nobody' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!;
    const asNobody = iamClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const e1 = await awsError(() => asNobody.send(new GetRoleCommand({ RoleName: 'does-not-exist' })));
    assert.deepEqual([e1.name, e1.status], ['AccessDenied', 403]);
    assert.equal(
      e1.message,
      `User: arn:aws:iam::${ACCOUNT_ID}:user/nobody is not authorized to perform: iam:GetRole on resource: arn:aws:iam::${ACCOUNT_ID}:role/does-not-exist because no identity-based policy allows the iam:GetRole action`,
    );
    const e2 = await awsError(() => asNobody.send(new CreateRoleCommand({ RoleName: 'Sneaky', AssumeRolePolicyDocument: EC2_TRUST })));
    assert.equal(e2.name, 'AccessDenied');
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'Sneaky' })))).name, 'NoSuchEntity');
  });
});
