// Account-level operations through the real AWS SDK for JavaScript v3: service-specific
// credentials (CodeCommit/Keyspaces passwords, Bedrock API keys), STS preferences, and the
// Organizations, delegation and AssumeRoot operations an account outside an organization gets
// AWS's refusals from — each authorized first, so a caller without permission is denied.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AcceptDelegationRequestCommand,
  AssociateDelegationRequestCommand,
  CreateAccessKeyCommand,
  CreateDelegationRequestCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  DeleteServiceSpecificCredentialCommand,
  DisableOrganizationsRootCredentialsManagementCommand,
  DisableOrganizationsRootSessionsCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GetAccountSummaryCommand,
  GetDelegationRequestCommand,
  GetHumanReadableSummaryCommand,
  IAMClient,
  ListDelegationRequestsCommand,
  ListOrganizationsFeaturesCommand,
  ListServiceSpecificCredentialsCommand,
  PutUserPolicyCommand,
  RejectDelegationRequestCommand,
  ResetServiceSpecificCredentialCommand,
  SendDelegationTokenCommand,
  SetSecurityTokenServicePreferencesCommand,
  UpdateDelegationRequestCommand,
  UpdateServiceSpecificCredentialCommand,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand, GetDelegatedAccessTokenCommand, STSClient } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, startTestApp, tempDataDir, type Credentials } from './helpers.ts';

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const DELEGATION_ID = 'dr-0123456789abcdef0123';

describe('account-level operations with @aws-sdk/client-iam and client-sts', () => {
  let app: App;
  let dataDir: string;
  // Near real time (SigV4 checks the request date); the clients follow the server's clock.
  let now = new Date(Math.floor(Date.now() / 1000) * 1000);
  const opts = (credentials: Credentials) => ({
    endpoint: app.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    systemClockOffset: now.getTime() - Date.now(),
  });
  /** Moves the server's clock on: credentials created one after the other list in that order. */
  const tick = (ms = 1000) => {
    now = new Date(now.getTime() + ms);
  };
  const iam = (c: Credentials = ROOT_KEY) => {
    tick();
    return new IAMClient(opts(c));
  };
  const sts = (c: Credentials = ROOT_KEY) => new STSClient(opts(c));
  const secrets: string[] = [];

  async function userWithKey(name: string, statements: object[]): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: name }));
    if (statements.length > 0) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy(...statements) }));
    const key = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  before(async () => {
    dataDir = tempDataDir();
    app = await startTestApp({ dataDir }, () => now);
  });
  after(() => app.close());

  test('CodeCommit and Keyspaces passwords: AWS formats, two per user and service, update, reset, delete', async () => {
    await iam().send(new CreateUserCommand({ UserName: 'sofia' }));
    const created = (await iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceName: 'codecommit.amazonaws.com' })))
      .ServiceSpecificCredential!;
    assert.match(created.ServiceSpecificCredentialId!, /^ACCA[A-Z2-7]{17}$/);
    assert.equal(created.ServiceUserName, `sofia-at-${ACCOUNT_ID}`);
    assert.equal(created.UserName, 'sofia');
    assert.equal(created.ServiceName, 'codecommit.amazonaws.com');
    assert.equal(created.Status, 'Active');
    assert.ok(Math.abs(created.CreateDate!.getTime() - now.getTime()) <= 1000);
    // 44 random bytes in base64: 60 characters ending in '='.
    assert.match(created.ServicePassword!, /^[A-Za-z0-9+/]{59}=$/);
    assert.equal(Buffer.from(created.ServicePassword!, 'base64').length, 44);
    assert.equal(created.ServiceCredentialSecret, undefined);
    assert.equal(created.ExpirationDate, undefined);
    secrets.push(created.ServicePassword!);

    // The second for the same service is NAME+1-at-ACCOUNT; a third is over the quota.
    const second = (await iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceName: 'codecommit.amazonaws.com' })))
      .ServiceSpecificCredential!;
    assert.equal(second.ServiceUserName, `sofia+1-at-${ACCOUNT_ID}`);
    assert.notEqual(second.ServicePassword, created.ServicePassword);
    const third = await awsError(() => iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceName: 'codecommit.amazonaws.com' })));
    assert.deepEqual(third, { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2' });
    // Another service has its own two.
    const keyspaces = (await iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceName: 'cassandra.amazonaws.com' })))
      .ServiceSpecificCredential!;
    assert.equal(keyspaces.ServiceUserName, `sofia-at-${ACCOUNT_ID}`);

    // List: no secret; filtered by service.
    const all = (await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'sofia' }))).ServiceSpecificCredentials!;
    assert.deepEqual(
      all.map((c) => [c.ServiceSpecificCredentialId, c.ServiceName, c.ServiceUserName, c.Status]),
      [
        [created.ServiceSpecificCredentialId, 'codecommit.amazonaws.com', `sofia-at-${ACCOUNT_ID}`, 'Active'],
        [second.ServiceSpecificCredentialId, 'codecommit.amazonaws.com', `sofia+1-at-${ACCOUNT_ID}`, 'Active'],
        [keyspaces.ServiceSpecificCredentialId, 'cassandra.amazonaws.com', `sofia-at-${ACCOUNT_ID}`, 'Active'],
      ],
    );
    assert.ok(!JSON.stringify(all).includes(created.ServicePassword!));
    const onlyKeyspaces = (await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'sofia', ServiceName: 'cassandra.amazonaws.com' })))
      .ServiceSpecificCredentials!;
    assert.deepEqual(
      onlyKeyspaces.map((c) => c.ServiceSpecificCredentialId),
      [keyspaces.ServiceSpecificCredentialId],
    );
    const page = await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'sofia', MaxItems: 2 }));
    assert.equal(page.ServiceSpecificCredentials?.length, 2);
    assert.equal(page.IsTruncated, true);
    const rest = await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'sofia', MaxItems: 2, Marker: page.Marker }));
    assert.deepEqual(
      rest.ServiceSpecificCredentials?.map((c) => c.ServiceSpecificCredentialId),
      [keyspaces.ServiceSpecificCredentialId],
    );
    assert.equal(rest.IsTruncated, false);

    await iam().send(
      new UpdateServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId!, Status: 'Inactive' }),
    );
    const afterUpdate = (await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'sofia', ServiceName: 'codecommit.amazonaws.com' })))
      .ServiceSpecificCredentials!;
    assert.deepEqual(
      afterUpdate.map((c) => c.Status),
      ['Inactive', 'Active'],
    );

    const reset = (
      await iam().send(new ResetServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId! }))
    ).ServiceSpecificCredential!;
    assert.equal(reset.ServiceSpecificCredentialId, created.ServiceSpecificCredentialId);
    assert.equal(reset.ServiceUserName, created.ServiceUserName);
    assert.equal(reset.Status, 'Inactive');
    assert.match(reset.ServicePassword!, /^[A-Za-z0-9+/]{59}=$/);
    assert.notEqual(reset.ServicePassword, created.ServicePassword);
    secrets.push(reset.ServicePassword!);

    // Deleting the first frees its name: the next credential for the service takes it again.
    await iam().send(new DeleteServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId! }));
    const gone = await awsError(() =>
      iam().send(new DeleteServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceSpecificCredentialId: created.ServiceSpecificCredentialId! })),
    );
    assert.deepEqual(gone, { name: 'NoSuchEntity', status: 404, message: `No such credential ${created.ServiceSpecificCredentialId} exists` });
    const again = (await iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'sofia', ServiceName: 'codecommit.amazonaws.com' })))
      .ServiceSpecificCredential!;
    assert.equal(again.ServiceUserName, `sofia-at-${ACCOUNT_ID}`);
  });

  test("service-specific credentials: AWS's errors, and nothing changes", async () => {
    await iam().send(new CreateUserCommand({ UserName: 'jane' }));
    await iam().send(new CreateUserCommand({ UserName: 'other' }));
    const mine = (await iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'jane', ServiceName: 'codecommit.amazonaws.com' })))
      .ServiceSpecificCredential!;
    const id = mine.ServiceSpecificCredentialId!;

    // The user is checked before the service.
    const noUser = { name: 'NoSuchEntity', status: 404, message: 'The user with name nobody cannot be found.' };
    assert.deepEqual(
      await awsError(() => iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'nobody', ServiceName: 'codecommit.amazonaws.com' }))),
      noUser,
    );
    assert.deepEqual(
      await awsError(() => iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'nobody', ServiceName: 'lambda.amazonaws.com' }))),
      noUser,
    );
    for (const service of ['lambda.amazonaws.com', 'nonexistentservice.amazonaws.com', 'o3on3n3onosneo']) {
      const e = await awsError(() => iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'jane', ServiceName: service })));
      assert.deepEqual(e, { name: 'NoSuchEntity', status: 404, message: `No such service ${service} is supported for Service Specific Credentials` });
      const listed = await awsError(() => iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'jane', ServiceName: service })));
      assert.equal(listed.message, `No such service ${service} is supported for Service Specific Credentials`);
    }
    const ageDays = await awsError(() =>
      iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'jane', ServiceName: 'codecommit.amazonaws.com', CredentialAgeDays: 30 })),
    );
    assert.deepEqual([ageDays.name, ageDays.status], ['InvalidInput', 400]);
    // The model's limits, in AWS's ValidationError words.
    const tooOld = await awsError(() =>
      iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'jane', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 36601 })),
    );
    assert.equal(tooOld.name, 'ValidationError');

    // A valid id with another user, another user's id, a well-formed id that names nothing.
    for (const [userName, credentialId, message] of [
      ['wrong-user-name', id, 'The user with name wrong-user-name cannot be found.'],
      ['other', id, `No such credential ${id} exists`],
      ['jane', 'satisfiesregexbutstillinvalid', 'No such credential satisfiesregexbutstillinvalid exists'],
    ] as const) {
      const update = await awsError(() =>
        iam().send(new UpdateServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: credentialId, Status: 'Inactive' })),
      );
      assert.deepEqual(update, { name: 'NoSuchEntity', status: 404, message });
      const reset = await awsError(() =>
        iam().send(new ResetServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: credentialId })),
      );
      assert.equal(reset.message, message);
      const del = await awsError(() =>
        iam().send(new DeleteServiceSpecificCredentialCommand({ UserName: userName, ServiceSpecificCredentialId: credentialId })),
      );
      assert.equal(del.message, message);
    }
    const hyphens = await awsError(() =>
      iam().send(new DeleteServiceSpecificCredentialCommand({ UserName: 'jane', ServiceSpecificCredentialId: 'totally-wrong-credential-id-with-hyphens' })),
    );
    assert.equal(hyphens.name, 'ValidationError');
    // Root must name the user.
    const noName = await awsError(() => iam().send(new UpdateServiceSpecificCredentialCommand({ ServiceSpecificCredentialId: id, Status: 'Inactive' })));
    assert.deepEqual(noName, { name: 'ValidationError', status: 400, message: 'Must specify userName when calling with non-User credentials' });
    const expired = await awsError(() =>
      iam().send(new UpdateServiceSpecificCredentialCommand({ UserName: 'jane', ServiceSpecificCredentialId: id, Status: 'Expired' })),
    );
    assert.deepEqual([expired.name, expired.status], ['InvalidInput', 400]);
    const both = await awsError(() => iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'jane', AllUsers: true })));
    assert.deepEqual([both.name, both.status], ['InvalidInput', 400]);

    // None of that changed anything.
    const listed = (await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'jane' }))).ServiceSpecificCredentials!;
    assert.deepEqual(
      listed.map((c) => [c.ServiceSpecificCredentialId, c.Status]),
      [[id, 'Active']],
    );
    assert.deepEqual((await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'other' }))).ServiceSpecificCredentials, []);
  });

  test('Bedrock API keys: alias and secret, an expiration date, Expired once it has passed', async () => {
    await iam().send(new CreateUserCommand({ UserName: 'BedrockAPIKey-ab12' }));
    const key = (
      await iam().send(
        new CreateServiceSpecificCredentialCommand({ UserName: 'BedrockAPIKey-ab12', ServiceName: 'bedrock.amazonaws.com', CredentialAgeDays: 1 }),
      )
    ).ServiceSpecificCredential!;
    const alias = `BedrockAPIKey-ab12-at-${ACCOUNT_ID}`;
    assert.equal(key.ServiceCredentialAlias, alias);
    assert.equal(key.ServiceUserName, undefined);
    assert.equal(key.ServicePassword, undefined);
    assert.equal(key.ExpirationDate?.getTime(), key.CreateDate!.getTime() + 86_400_000);
    // The key a client sends: ABSK and base64 of ALIAS:SECRET.
    assert.match(key.ServiceCredentialSecret!, /^ABSK[A-Za-z0-9+/]+={0,2}$/);
    const decoded = Buffer.from(key.ServiceCredentialSecret!.slice(4), 'base64').toString('utf8');
    assert.ok(decoded.startsWith(`${alias}:`), decoded);
    secrets.push(key.ServiceCredentialSecret!);

    const listed = async () =>
      (await iam().send(new ListServiceSpecificCredentialsCommand({ UserName: 'BedrockAPIKey-ab12', ServiceName: 'bedrock.amazonaws.com' })))
        .ServiceSpecificCredentials![0]!;
    const before = await listed();
    assert.deepEqual([before.Status, before.ServiceCredentialAlias, before.ExpirationDate?.getTime()], ['Active', alias, key.ExpirationDate?.getTime()]);
    assert.equal(before.ServiceUserName, undefined);

    now = new Date(now.getTime() + 86_400_000);
    assert.equal((await listed()).Status, 'Expired');
    // A reset gives a new secret; the expiration stays.
    const reset = (
      await iam().send(
        new ResetServiceSpecificCredentialCommand({ UserName: 'BedrockAPIKey-ab12', ServiceSpecificCredentialId: key.ServiceSpecificCredentialId! }),
      )
    ).ServiceSpecificCredential!;
    assert.notEqual(reset.ServiceCredentialSecret, key.ServiceCredentialSecret);
    assert.equal(reset.Status, 'Expired');
    secrets.push(reset.ServiceCredentialSecret!);

    // Without an age it never expires; every user's keys for a service with AllUsers.
    const forever = (await iam().send(new CreateServiceSpecificCredentialCommand({ UserName: 'BedrockAPIKey-ab12', ServiceName: 'bedrock.amazonaws.com' })))
      .ServiceSpecificCredential!;
    assert.equal(forever.ExpirationDate, undefined);
    assert.equal(forever.ServiceCredentialAlias, `BedrockAPIKey-ab12+1-at-${ACCOUNT_ID}`);
    const everyone = (await iam().send(new ListServiceSpecificCredentialsCommand({ AllUsers: true, ServiceName: 'bedrock.amazonaws.com' })))
      .ServiceSpecificCredentials!;
    assert.deepEqual(
      everyone.map((c) => [c.UserName, c.ServiceSpecificCredentialId]),
      [
        ['BedrockAPIKey-ab12', key.ServiceSpecificCredentialId],
        ['BedrockAPIKey-ab12', forever.ServiceSpecificCredentialId],
      ],
    );
  });

  test('a user manages its own credentials, as far as its policies allow', async () => {
    const dev = await userWithKey('dev', [
      {
        Effect: 'Allow',
        Action: ['iam:CreateServiceSpecificCredential', 'iam:DeleteServiceSpecificCredential'],
        Resource: `arn:aws:iam::${ACCOUNT_ID}:user/dev`,
        Condition: { StringEquals: { 'iam:ServiceSpecificCredentialServiceName': 'codecommit.amazonaws.com' } },
      },
      { Effect: 'Allow', Action: 'iam:ListServiceSpecificCredentials', Resource: `arn:aws:iam::${ACCOUNT_ID}:user/dev` },
    ]);
    const mine = (await iam(dev).send(new CreateServiceSpecificCredentialCommand({ UserName: 'dev', ServiceName: 'codecommit.amazonaws.com' })))
      .ServiceSpecificCredential!;
    const keyspaces = await awsError(() =>
      iam(dev).send(new CreateServiceSpecificCredentialCommand({ UserName: 'dev', ServiceName: 'cassandra.amazonaws.com' })),
    );
    assert.equal(keyspaces.name, 'AccessDenied');
    assert.match(keyspaces.message, /is not authorized to perform: iam:CreateServiceSpecificCredential on resource: arn:aws:iam::111122223333:user\/dev/);
    // Without UserName: the calling user's own.
    const own = (await iam(dev).send(new ListServiceSpecificCredentialsCommand({}))).ServiceSpecificCredentials!;
    assert.deepEqual(
      own.map((c) => c.ServiceSpecificCredentialId),
      [mine.ServiceSpecificCredentialId],
    );
    const others = await awsError(() => iam(dev).send(new ListServiceSpecificCredentialsCommand({ UserName: 'sofia' })));
    assert.equal(others.name, 'AccessDenied');
    const reset = await awsError(() =>
      iam(dev).send(new ResetServiceSpecificCredentialCommand({ ServiceSpecificCredentialId: mine.ServiceSpecificCredentialId! })),
    );
    assert.equal(reset.name, 'AccessDenied');
    const update = await awsError(() =>
      iam(dev).send(new UpdateServiceSpecificCredentialCommand({ ServiceSpecificCredentialId: mine.ServiceSpecificCredentialId!, Status: 'Inactive' })),
    );
    assert.equal(update.name, 'AccessDenied');
    await iam(dev).send(new DeleteServiceSpecificCredentialCommand({ ServiceSpecificCredentialId: mine.ServiceSpecificCredentialId! }));
    assert.deepEqual((await iam(dev).send(new ListServiceSpecificCredentialsCommand({}))).ServiceSpecificCredentials, []);
  });

  test('SetSecurityTokenServicePreferences: GetAccountSummary reports the token version', async () => {
    const version = async () => (await iam().send(new GetAccountSummaryCommand({}))).SummaryMap?.GlobalEndpointTokenVersion;
    assert.equal(await version(), 1);
    await iam().send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v2Token' }));
    assert.equal(await version(), 2);
    await iam().send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v1Token' }));
    assert.equal(await version(), 1);
    const bad = await awsError(() => iam().send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v3Token' as 'v1Token' })));
    assert.equal(bad.name, 'ValidationError');
    const nobody = await userWithKey('no-sts-prefs', []);
    const denied = await awsError(() => iam(nobody).send(new SetSecurityTokenServicePreferencesCommand({ GlobalEndpointTokenVersion: 'v2Token' })));
    assert.equal(denied.name, 'AccessDenied');
    assert.equal(await version(), 1);
  });

  test('Organizations: an account outside an organization; AccessDenied first for a caller without permission', async () => {
    const commands = [
      () => new ListOrganizationsFeaturesCommand({}),
      () => new EnableOrganizationsRootCredentialsManagementCommand({}),
      () => new DisableOrganizationsRootCredentialsManagementCommand({}),
      () => new EnableOrganizationsRootSessionsCommand({}),
      () => new DisableOrganizationsRootSessionsCommand({}),
    ];
    const nobody = await userWithKey('no-org', []);
    for (const command of commands) {
      const e = await awsError(() => iam().send(command()));
      assert.deepEqual(e, {
        name: 'OrganizationNotFoundException',
        status: 400,
        message: 'The request was rejected because no organization is associated with your account.',
      });
      const denied = await awsError(() => iam(nobody).send(command()));
      assert.equal(denied.name, 'AccessDenied');
      assert.match(denied.message, new RegExp(`not authorized to perform: iam:${command().constructor.name.replace(/Command$/, '')}`));
    }
  });

  test('delegation requests: none can be filed, so none exists; the list is empty', async () => {
    const create = await awsError(() =>
      iam().send(
        new CreateDelegationRequestCommand({
          Description: 'Partner access',
          Permissions: { PolicyTemplateArn: `arn:aws:iam::${ACCOUNT_ID}:policy/template` },
          RequestorWorkflowId: 'workflow-1',
          NotificationChannel: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:topic`,
          SessionDuration: 3600,
        }),
      ),
    );
    assert.deepEqual([create.name, create.status], ['AccessDenied', 403]);
    assert.match(create.message, /not an onboarded delegation partner/);
    const list = await iam().send(new ListDelegationRequestsCommand({}));
    assert.deepEqual(list.DelegationRequests, []);
    assert.equal(list.isTruncated, false);
    const notFound = { name: 'NoSuchEntity', status: 404, message: `The delegation request with id ${DELEGATION_ID} cannot be found.` };
    for (const command of [
      new GetDelegationRequestCommand({ DelegationRequestId: DELEGATION_ID }),
      new AcceptDelegationRequestCommand({ DelegationRequestId: DELEGATION_ID }),
      new AssociateDelegationRequestCommand({ DelegationRequestId: DELEGATION_ID }),
      new RejectDelegationRequestCommand({ DelegationRequestId: DELEGATION_ID, Notes: 'no' }),
      new UpdateDelegationRequestCommand({ DelegationRequestId: DELEGATION_ID, Notes: 'more' }),
      new SendDelegationTokenCommand({ DelegationRequestId: DELEGATION_ID }),
      new GetHumanReadableSummaryCommand({ EntityArn: `arn:aws:iam::${ACCOUNT_ID}:delegation-request/${DELEGATION_ID}`, Locale: 'en' }),
    ]) {
      assert.deepEqual(await awsError(() => iam().send(command as any)), notFound, command.constructor.name);
    }
    const role = await awsError(() => iam().send(new GetHumanReadableSummaryCommand({ EntityArn: `arn:aws:iam::${ACCOUNT_ID}:role/some-role` })));
    assert.deepEqual([role.name, role.status], ['InvalidInput', 400]);

    const nobody = await userWithKey('no-delegation', []);
    const denied = await awsError(() => iam(nobody).send(new GetDelegationRequestCommand({ DelegationRequestId: DELEGATION_ID })));
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, new RegExp(`iam:GetDelegationRequest on resource: arn:aws:iam::${ACCOUNT_ID}:delegation-request/${DELEGATION_ID}`));
    assert.equal((await awsError(() => iam(nobody).send(new ListDelegationRequestsCommand({})))).name, 'AccessDenied');
  });

  test('STS AssumeRoot and GetDelegatedAccessToken: authorized first, then refused as outside an organization', async () => {
    const task = { arn: 'arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy' };
    const byRoot = await awsError(() => sts().send(new AssumeRootCommand({ TargetPrincipal: '444455556666', TaskPolicyArn: task })));
    assert.deepEqual(byRoot, { name: 'AccessDenied', status: 403, message: 'Cannot call AssumeRoot with root user credentials' });

    const admin = await userWithKey('root-admin', [{ Effect: 'Allow', Action: 'sts:AssumeRoot', Resource: 'arn:aws:iam::*:root' }]);
    const refused = await awsError(() =>
      sts(admin).send(new AssumeRootCommand({ TargetPrincipal: '444455556666', TaskPolicyArn: task, DurationSeconds: 900 })),
    );
    assert.deepEqual(refused, {
      name: 'AccessDenied',
      status: 403,
      message: `User: arn:aws:iam::${ACCOUNT_ID}:user/root-admin is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::444455556666:root`,
    });
    const byArn = await awsError(() => sts(admin).send(new AssumeRootCommand({ TargetPrincipal: 'arn:aws:iam::444455556666:root', TaskPolicyArn: task })));
    assert.equal(byArn.message, refused.message);
    const otherPolicy = await awsError(() =>
      sts(admin).send(new AssumeRootCommand({ TargetPrincipal: '444455556666', TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } })),
    );
    assert.deepEqual([otherPolicy.name, otherPolicy.status], ['ValidationError', 400]);
    const badTarget = await awsError(() => sts(admin).send(new AssumeRootCommand({ TargetPrincipal: 'not-an-account', TaskPolicyArn: task })));
    assert.deepEqual([badTarget.name, badTarget.status], ['ValidationError', 400]);
    const tooLong = await awsError(() =>
      sts(admin).send(new AssumeRootCommand({ TargetPrincipal: '444455556666', TaskPolicyArn: task, DurationSeconds: 901 })),
    );
    assert.equal(tooLong.name, 'ValidationError');

    const nobody = await userWithKey('no-assume-root', []);
    const denied = await awsError(() => sts(nobody).send(new AssumeRootCommand({ TargetPrincipal: '444455556666', TaskPolicyArn: task })));
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, /sts:AssumeRoot on resource: arn:aws:iam::444455556666:root because no identity-based policy allows/);

    const token = await awsError(() => sts().send(new GetDelegatedAccessTokenCommand({ TradeInToken: 'trade-in-token' })));
    assert.deepEqual([token.name, token.status], ['ExpiredTradeInTokenException', 400]);
    const tokenDenied = await awsError(() => sts(nobody).send(new GetDelegatedAccessTokenCommand({ TradeInToken: 'trade-in-token' })));
    assert.equal(tokenDenied.name, 'AccessDenied');
  });

  test('the secrets are sealed at rest: no byte of the database holds them', () => {
    assert.ok(secrets.length >= 4);
    const files = readdirSync(dataDir).map((f) => readFileSync(join(dataDir, f)));
    // The search finds what is stored in the clear (the generated user name)…
    assert.ok(files.some((bytes) => bytes.includes(Buffer.from(`sofia+1-at-${ACCOUNT_ID}`))));
    // …and not one secret.
    for (const secret of secrets) {
      for (const bytes of files) assert.equal(bytes.includes(Buffer.from(secret)), false, 'a service-specific secret is in the data folder');
    }
  });
});
