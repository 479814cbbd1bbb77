// The identity API through the real AWS SDK for JavaScript v3, against a fresh iamd.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteUserCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateAccessKeyCommand,
  UpdateUserCommand,
  DeleteGroupCommand,
  UpdateAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  DeleteAccountPasswordPolicyCommand,
  CreateAccountAliasCommand,
  ListAccountAliasesCommand,
  DeleteAccountAliasCommand,
  UpdateLoginProfileCommand,
  ListGroupsCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp, stsClient } from './helpers.ts';

describe('identity API with @aws-sdk/client-iam', () => {
  let app: App;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('the seed scenario: admin user, key, console password, Administrators group', async () => {
    const iam = iamClient(app);
    const created = await iam.send(new CreateUserCommand({ UserName: 'admin' }));
    assert.equal(created.User?.Arn, `arn:aws:iam::${ACCOUNT_ID}:user/admin`);
    assert.match(created.User?.UserId ?? '', /^AIDA[A-Z2-7]{17}$/);
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'admin' }));
    assert.match(key.AccessKey?.AccessKeyId ?? '', /^AKIA[A-Z2-7]{16}$/);
    assert.equal(key.AccessKey?.SecretAccessKey?.length, 40);
    await iam.send(new CreateLoginProfileCommand({ UserName: 'admin', Password: 'Str0ng!Passw0rd', PasswordResetRequired: true }));
    await iam.send(new CreateGroupCommand({ GroupName: 'Administrators' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: 'admin' }));

    const group = await iam.send(new GetGroupCommand({ GroupName: 'Administrators' }));
    assert.deepEqual(
      group.Users?.map((u) => u.UserName),
      ['admin'],
    );
    const profile = await iam.send(new GetLoginProfileCommand({ UserName: 'admin' }));
    assert.equal(profile.LoginProfile?.PasswordResetRequired, true);

    // Signing with admin's new key: STS knows who it is; IAM refuses (no policy yet).
    const adminKey = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };
    const me = await stsClient(app, adminKey).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:iam::${ACCOUNT_ID}:user/admin`);
    assert.equal(me.UserId, created.User?.UserId);
    assert.equal(me.Account, ACCOUNT_ID);
    const denied = await awsError(() => iamClient(app, adminKey).send(new GetUserCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(denied.status, 403);
    assert.equal(
      denied.message,
      `User: arn:aws:iam::${ACCOUNT_ID}:user/admin is not authorized to perform: iam:GetUser on resource: arn:aws:iam::${ACCOUNT_ID}:user/admin because no identity-based policy allows the iam:GetUser action`,
    );

    // The secret is never returned again.
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'admin' }));
    assert.equal(listed.AccessKeyMetadata?.length, 1);
    assert.equal(JSON.stringify(listed).includes(adminKey.secretAccessKey), false);
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: adminKey.accessKeyId }));
    assert.equal(used.UserName, 'admin');
    assert.ok(used.AccessKeyLastUsed?.LastUsedDate instanceof Date, 'last use recorded');
    assert.equal(used.AccessKeyLastUsed?.ServiceName, 'sts');
  });

  test('limits and conflicts get AWS errors and change nothing', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'Bob' }));
    const tooLong = await awsError(() => iam.send(new CreateUserCommand({ UserName: 'a'.repeat(65) })));
    assert.equal(tooLong.name, 'ValidationError');
    assert.match(tooLong.message, /at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64/);
    const dup = await awsError(() => iam.send(new CreateUserCommand({ UserName: 'bob' })));
    assert.equal(dup.name, 'EntityAlreadyExists');
    assert.equal(dup.status, 409);
    await iam.send(new CreateAccessKeyCommand({ UserName: 'Bob' }));
    const second = await iam.send(new CreateAccessKeyCommand({ UserName: 'Bob' }));
    const third = await awsError(() => iam.send(new CreateAccessKeyCommand({ UserName: 'Bob' })));
    assert.equal(third.name, 'LimitExceeded');
    assert.equal(third.message, 'Cannot exceed quota for AccessKeysPerUser: 2');
    assert.equal((await iam.send(new ListAccessKeysCommand({ UserName: 'Bob' }))).AccessKeyMetadata?.length, 2);
    const conflict = await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'Bob' })));
    assert.equal(conflict.name, 'DeleteConflict');
    assert.equal(conflict.message, 'Cannot delete entity, must delete access keys first.');
    assert.equal((await iam.send(new GetUserCommand({ UserName: 'Bob' }))).User?.UserName, 'Bob');
    const users = await iam.send(new ListUsersCommand({}));
    assert.equal(users.Users?.filter((u) => u.UserName?.toLowerCase() === 'bob').length, 1);
    const missing = await awsError(() => iam.send(new GetUserCommand({ UserName: 'nobody' })));
    assert.equal(missing.name, 'NoSuchEntity');
    assert.equal(missing.message, 'The user with name nobody cannot be found.');
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'Bob', AccessKeyId: second.AccessKey!.AccessKeyId! }));
  });

  test('an inactive or deleted key stops working at once', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    const sts = stsClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    await sts.send(new GetCallerIdentityCommand({}));
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
    const inactive = await awsError(() => sts.send(new GetCallerIdentityCommand({})));
    assert.equal(inactive.name, 'InvalidClientTokenId');
    assert.equal(inactive.status, 403);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.AccessKeyId, Status: 'Active' }));
    await sts.send(new GetCallerIdentityCommand({}));
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'carol', AccessKeyId: key.AccessKeyId }));
    assert.equal((await awsError(() => sts.send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
  });

  test("a key's caller follows its user: unrelated writes keep it, a rename shows at once", async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'erin', Path: '/a/' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'erin' }))).AccessKey!;
    const sts = stsClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ACCOUNT_ID}:user/a/erin`);
    await iam.send(new CreateUserCommand({ UserName: 'erin-neighbour' }));
    await iam.send(new DeleteUserCommand({ UserName: 'erin-neighbour' }));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ACCOUNT_ID}:user/a/erin`);
    await iam.send(new UpdateUserCommand({ UserName: 'erin', NewUserName: 'erin2', NewPath: '/b/' }));
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, `arn:aws:iam::${ACCOUNT_ID}:user/b/erin2`);
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'erin2', AccessKeyId: key.AccessKeyId }));
    assert.equal((await awsError(() => sts.send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
  });

  test('a wrong secret is SignatureDoesNotMatch; an unknown key is InvalidClientTokenId', async () => {
    const wrong = await awsError(() =>
      stsClient(app, { accessKeyId: 'AKIAIOSFODNN7ROOTKEY', secretAccessKey: 'not-the-secret' }).send(new GetCallerIdentityCommand({})),
    );
    assert.equal(wrong.name, 'SignatureDoesNotMatch');
    assert.equal(wrong.status, 403);
    const unknown = await awsError(() => stsClient(app, { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({})));
    assert.equal(unknown.name, 'InvalidClientTokenId');
  });

  test('users: tags, rename, paths, paging, delete', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'dave', Path: '/eng/', Tags: [{ Key: 'team', Value: 'core' }] }));
    assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'dave' }))).Tags, [{ Key: 'team', Value: 'core' }]);
    await iam.send(
      new TagUserCommand({
        UserName: 'dave',
        Tags: [
          { Key: 'TEAM', Value: 'edge' },
          { Key: 'cost', Value: '42' },
        ],
      }),
    );
    assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'dave' }))).Tags, [
      { Key: 'TEAM', Value: 'edge' },
      { Key: 'cost', Value: '42' },
    ]);
    await iam.send(new UntagUserCommand({ UserName: 'dave', TagKeys: ['team'] }));
    assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'dave' }))).Tags, [{ Key: 'cost', Value: '42' }]);
    const dupTags = await awsError(() =>
      iam.send(
        new TagUserCommand({
          UserName: 'dave',
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'A', Value: '2' },
          ],
        }),
      ),
    );
    assert.equal(dupTags.name, 'InvalidInput');

    await iam.send(new UpdateUserCommand({ UserName: 'dave', NewUserName: 'david', NewPath: '/ops/' }));
    const renamed = await iam.send(new GetUserCommand({ UserName: 'david' }));
    assert.equal(renamed.User?.Arn, `arn:aws:iam::${ACCOUNT_ID}:user/ops/david`);
    const underOps = await iam.send(new ListUsersCommand({ PathPrefix: '/ops/' }));
    assert.deepEqual(
      underOps.Users?.map((u) => u.UserName),
      ['david'],
    );

    for (let i = 0; i < 5; i++) await iam.send(new CreateUserCommand({ UserName: `page-${i}` }));
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListUsersCommand({ MaxItems: 2, Marker: marker }));
      assert.ok((page.Users?.length ?? 0) <= 2);
      names.push(...(page.Users ?? []).map((u) => u.UserName!));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())),
    );
    for (let i = 0; i < 5; i++) assert.ok(names.includes(`page-${i}`));

    await iam.send(new DeleteUserCommand({ UserName: 'page-0' }));
    assert.equal((await awsError(() => iam.send(new GetUserCommand({ UserName: 'page-0' })))).name, 'NoSuchEntity');
  });

  test('groups: membership, delete conflicts', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'erin' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'devs', Path: '/eng/' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'erin' }));
    assert.deepEqual(
      (await iam.send(new ListGroupsForUserCommand({ UserName: 'erin' }))).Groups?.map((g) => g.GroupName),
      ['devs'],
    );
    const userConflict = await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'erin' })));
    assert.equal(userConflict.name, 'DeleteConflict');
    const groupConflict = await awsError(() => iam.send(new DeleteGroupCommand({ GroupName: 'devs' })));
    assert.equal(groupConflict.message, 'Cannot delete entity, must remove users from group first.');
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'erin' }));
    await iam.send(new DeleteGroupCommand({ GroupName: 'devs' }));
    await iam.send(new DeleteUserCommand({ UserName: 'erin' }));
    assert.equal(
      (await iam.send(new ListGroupsCommand({}))).Groups?.some((g) => g.GroupName === 'devs'),
      false,
    );
  });

  test('password policy is enforced on console passwords', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'frank' }));
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({
        MinimumPasswordLength: 12,
        RequireSymbols: true,
        RequireNumbers: true,
        AllowUsersToChangePassword: true,
        MaxPasswordAge: 90,
      }),
    );
    const policy = await iam.send(new GetAccountPasswordPolicyCommand({}));
    assert.equal(policy.PasswordPolicy?.MinimumPasswordLength, 12);
    assert.equal(policy.PasswordPolicy?.ExpirePasswords, true);
    assert.equal(policy.PasswordPolicy?.RequireUppercaseCharacters, false);
    const weak = await awsError(() => iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'short1!' })));
    assert.equal(weak.name, 'PasswordPolicyViolation');
    assert.equal((await awsError(() => iam.send(new GetLoginProfileCommand({ UserName: 'frank' })))).name, 'NoSuchEntity');
    await iam.send(new CreateLoginProfileCommand({ UserName: 'frank', Password: 'long-enough-1!' }));
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'frank', PasswordResetRequired: true }));
    assert.equal((await iam.send(new GetLoginProfileCommand({ UserName: 'frank' }))).LoginProfile?.PasswordResetRequired, true);
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'frank' }));
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
    assert.equal((await awsError(() => iam.send(new GetAccountPasswordPolicyCommand({})))).name, 'NoSuchEntity');
  });

  test('account alias and summary', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'my-team' }));
    assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, ['my-team']);
    const bad = await awsError(() => iam.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad_Alias' })));
    assert.equal(bad.name, 'ValidationError');
    await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'my-team' }));
    assert.deepEqual((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases, []);
    const summary = await iam.send(new GetAccountSummaryCommand({}));
    const users = (await iam.send(new ListUsersCommand({ MaxItems: 1000 }))).Users!.length;
    assert.equal(summary.SummaryMap?.Users, users);
    assert.equal(summary.SummaryMap?.AccessKeysPerUserQuota, 2);
    assert.equal(summary.SummaryMap?.AccountAccessKeysPresent, 1);
  });
});
