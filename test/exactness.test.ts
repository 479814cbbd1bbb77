// Responses answered field for field and message for message as AWS answers them: which members
// each Create/Get/List response carries, AWS's exact error texts, service-linked roles as AWS names
// and equips them, the simulator's statement positions and policy types. The expectations are
// AWS's recorded answers (AWS's documentation, and responses recorded against AWS that other
// projects publish); each test says which.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddRoleToInstanceProfileCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteServiceLinkedRoleCommand,
  DetachUserPolicyCommand,
  GetAccountSummaryCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListRolesCommand,
  ListVirtualMFADevicesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  SetDefaultPolicyVersionCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleDescriptionCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetFederationTokenCommand } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { awsManagedPolicies } from '../src/catalog/aws-managed-policies.ts';
import { SERVICE_LINKED_ROLES, serviceLinkedRoleFor } from '../src/catalog/service-linked-roles.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp, stsClient, type Credentials } from './helpers.ts';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const ACCOUNT_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
});
const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('exactness: responses and messages as AWS answers them', () => {
  let app: App;
  let iam: IAMClient;
  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
  });
  after(() => app.close());

  /** An IAM user with an inline policy and an access key. */
  async function userWith(name: string, policy: string): Promise<Credentials> {
    await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: policy }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  test('the service-linked role table: 30+ services, every policy in the shipped catalogue, one name per service', () => {
    assert.ok(SERVICE_LINKED_ROLES.size >= 30, `${SERVICE_LINKED_ROLES.size} services`);
    const catalogue = awsManagedPolicies();
    const names = new Set<string>();
    for (const [service, spec] of SERVICE_LINKED_ROLES) {
      assert.match(service, /\.amazonaws\.com$/);
      assert.ok(!names.has(spec.roleName.toLowerCase()), `${spec.roleName} twice`);
      names.add(spec.roleName.toLowerCase());
      assert.ok(spec.policies.length > 0, service);
      for (const p of spec.policies) assert.ok(catalogue.has(p), `${service}: ${p} is not in the catalogue`);
    }
    // AWS's convention for the others: the service's label, then the labels before it.
    assert.equal(serviceLinkedRoleFor('sync.gadget-works.amazonaws.com')?.roleName, 'AWSServiceRoleForGadgetWorksSync');
    assert.equal(serviceLinkedRoleFor('not a principal'), undefined);
  });

  test('CreateServiceLinkedRole: AWS names, single-valued trust policy, the service policy attached, suffix rules', async () => {
    // Two services whose first label is the same get their own names (both exist at once).
    const ecr = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'replication.ecr.amazonaws.com' }))).Role!;
    const keyspaces = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'replication.cassandra.amazonaws.com' }))).Role!;
    assert.deepEqual([ecr.RoleName, keyspaces.RoleName], ['AWSServiceRoleForECRReplication', 'AWSServiceRoleForKeyspacesReplication']);

    const acm = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'acm.amazonaws.com', Description: 'certs' }))).Role!;
    assert.equal(acm.RoleName, 'AWSServiceRoleForCertificateManager');
    assert.equal(acm.Path, '/aws-service-role/acm.amazonaws.com/');
    assert.equal(acm.Arn, `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/acm.amazonaws.com/AWSServiceRoleForCertificateManager`);
    assert.deepEqual(JSON.parse(decodeURIComponent(acm.AssumeRolePolicyDocument!)), {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'acm.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    // The create response is CreateRole's: no MaxSessionDuration, RoleLastUsed nor Description.
    assert.deepEqual([acm.MaxSessionDuration, acm.RoleLastUsed, acm.Description], [undefined, undefined, undefined]);
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForCertificateManager' }));
    assert.deepEqual(attached.AttachedPolicies, [
      { PolicyName: 'CertificateManagerServiceRolePolicy', PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/CertificateManagerServiceRolePolicy' },
    ]);
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForCertificateManager' }))).Role?.Description, 'certs');

    // es.amazonaws.com takes no suffix: AWS's InvalidInput, and no role.
    const noSuffix = await awsError(() => iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'es.amazonaws.com', CustomSuffix: 'two' })));
    assert.deepEqual(noSuffix, { name: 'InvalidInput', message: 'Custom suffix is not allowed for es.amazonaws.com', status: 400 });
    const roles = (await iam.send(new ListRolesCommand({ PathPrefix: '/aws-service-role/es.amazonaws.com/' }))).Roles!;
    assert.deepEqual(roles, []);
    assert.equal(
      (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'es.amazonaws.com' }))).Role?.RoleName,
      'AWSServiceRoleForAmazonElasticsearchService',
    );

    // Auto Scaling takes one; the same suffix twice is AWS's "taken" answer.
    const blue = (await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'blue' }))).Role!;
    assert.equal(blue.RoleName, 'AWSServiceRoleForAutoScaling_blue');
    const taken = await awsError(() => iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'autoscaling.amazonaws.com', CustomSuffix: 'blue' })));
    assert.deepEqual(taken, {
      name: 'InvalidInput',
      message: 'Service role name AWSServiceRoleForAutoScaling_blue has been taken in this account, please try a different suffix.',
      status: 400,
    });

    // Deleting the role takes the service's policy with it.
    await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForCertificateManager' }));
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForCertificateManager' })))).name, 'NoSuchEntity');
  });

  test('the Role of each response: CreateRole, GetRole, ListRoles, UpdateRoleDescription, an instance profile', async () => {
    const boundary = (
      await iam.send(new CreatePolicyCommand({ PolicyName: 'RoleFence', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }))
    ).Policy!.Arn!;
    const created = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'Shaped',
          AssumeRolePolicyDocument: TRUST,
          Description: 'shaped role',
          PermissionsBoundary: boundary,
          Tags: [{ Key: 'team', Value: 'a' }],
        }),
      )
    ).Role!;
    assert.deepEqual(Object.keys(created).sort(), [
      'Arn',
      'AssumeRolePolicyDocument',
      'CreateDate',
      'Path',
      'PermissionsBoundary',
      'RoleId',
      'RoleName',
      'Tags',
    ]);
    assert.deepEqual(created.PermissionsBoundary, { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: boundary });

    const got = (await iam.send(new GetRoleCommand({ RoleName: 'Shaped' }))).Role!;
    assert.equal(got.Description, 'shaped role');
    assert.equal(got.MaxSessionDuration, 3600);
    assert.deepEqual(got.RoleLastUsed, {});
    assert.deepEqual(got.PermissionsBoundary, { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: boundary });
    assert.deepEqual(got.Tags, [{ Key: 'team', Value: 'a' }]);

    await iam.send(new CreateRoleCommand({ RoleName: 'Plain', AssumeRolePolicyDocument: TRUST }));
    const plain = (await iam.send(new GetRoleCommand({ RoleName: 'Plain' }))).Role!;
    assert.deepEqual([plain.Tags, plain.PermissionsBoundary, plain.Description], [undefined, undefined, undefined]);

    const listed = (await iam.send(new ListRolesCommand({}))).Roles!.find((r) => r.RoleName === 'Shaped')!;
    assert.deepEqual(Object.keys(listed).sort(), [
      'Arn',
      'AssumeRolePolicyDocument',
      'CreateDate',
      'Description',
      'MaxSessionDuration',
      'Path',
      'RoleId',
      'RoleName',
    ]);

    const described = (await iam.send(new UpdateRoleDescriptionCommand({ RoleName: 'Plain', Description: 'now described' }))).Role!;
    assert.equal(described.Description, 'now described');
    assert.deepEqual([described.MaxSessionDuration, described.RoleLastUsed], [undefined, undefined]);

    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ShapedProfile' }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'ShapedProfile', RoleName: 'Shaped' }));
    const inProfile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ShapedProfile' }))).InstanceProfile!.Roles![0]!;
    assert.deepEqual(Object.keys(inProfile).sort(), ['Arn', 'AssumeRolePolicyDocument', 'CreateDate', 'Path', 'RoleId', 'RoleName']);
  });

  test('a PolicyArn that is no ARN: 400 ValidationError; an ARN naming no policy: 400 InvalidInput; nothing changes', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'arn-user' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'arn-group' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'arn-role', AssumeRolePolicyDocument: TRUST }));
    const unparseable = { name: 'ValidationError', message: 'Invalid ARN:  Could not be parsed!', status: 400 };
    const bad = 'longpolicynamebutnoarn';
    assert.deepEqual(await awsError(() => iam.send(new AttachUserPolicyCommand({ UserName: 'arn-user', PolicyArn: bad }))), unparseable);
    assert.deepEqual(await awsError(() => iam.send(new AttachRolePolicyCommand({ RoleName: 'arn-role', PolicyArn: bad }))), unparseable);
    assert.deepEqual(await awsError(() => iam.send(new AttachGroupPolicyCommand({ GroupName: 'arn-group', PolicyArn: bad }))), unparseable);
    assert.deepEqual(await awsError(() => iam.send(new DetachUserPolicyCommand({ UserName: 'arn-user', PolicyArn: bad }))), unparseable);
    assert.deepEqual(await awsError(() => iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'arn-role', PermissionsBoundary: bad }))), unparseable);
    assert.deepEqual(await awsError(() => iam.send(new GetPolicyCommand({ PolicyArn: bad }))), unparseable);
    assert.deepEqual(
      await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'arn-role-2', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: bad }))),
      unparseable,
    );
    const notPolicy = `arn:aws:iam::${ACCOUNT_ID}:not_a_policy/invalid`;
    assert.deepEqual(await awsError(() => iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'arn-role', PermissionsBoundary: notPolicy }))), {
      name: 'InvalidInput',
      message: `ARN ${notPolicy} is not valid.`,
      status: 400,
    });
    assert.deepEqual(await awsError(() => iam.send(new AttachUserPolicyCommand({ UserName: 'arn-user', PolicyArn: notPolicy }))), {
      name: 'InvalidInput',
      message: `ARN ${notPolicy} is not valid.`,
      status: 400,
    });
    assert.deepEqual((await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'arn-user' }))).AttachedPolicies, []);
    assert.equal((await iam.send(new GetRoleCommand({ RoleName: 'arn-role' }))).Role?.PermissionsBoundary, undefined);
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'arn-role-2' })))).name, 'NoSuchEntity');
  });

  test('a policy that is no JSON: "This policy contains invalid Json" for trust policies, "Syntax errors in policy." for the others', async () => {
    const invalidJson = { name: 'MalformedPolicyDocument', message: 'This policy contains invalid Json', status: 400 };
    assert.deepEqual(await awsError(() => iam.send(new CreateRoleCommand({ RoleName: 'NotJson', AssumeRolePolicyDocument: 'trust.json' }))), invalidJson);
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'NotJson' })))).name, 'NoSuchEntity');
    await iam.send(new CreateRoleCommand({ RoleName: 'Json', AssumeRolePolicyDocument: TRUST }));
    assert.deepEqual(await awsError(() => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'Json', PolicyDocument: '{"Statement": [' }))), invalidJson);
    assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: 'Json' }))).Role!.AssumeRolePolicyDocument!), TRUST);
    const syntax = { name: 'MalformedPolicyDocument', message: 'Syntax errors in policy.', status: 400 };
    assert.deepEqual(await awsError(() => iam.send(new CreatePolicyCommand({ PolicyName: 'NotJson', PolicyDocument: 'policy.json' }))), syntax);
    assert.deepEqual(await awsError(() => iam.send(new PutRolePolicyCommand({ RoleName: 'Json', PolicyName: 'x', PolicyDocument: '{"Version":' }))), syntax);
  });

  test('the Policy of CreatePolicy (no Description, Tags only when set) and GetPolicy (Tags [] when none); version errors', async () => {
    const created = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: 'Described',
          PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
          Description: 'testing',
        }),
      )
    ).Policy!;
    assert.deepEqual([created.Description, created.Tags], [undefined, undefined]);
    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: created.Arn! }))).Policy!;
    assert.equal(got.Description, 'testing');
    assert.deepEqual(got.Tags, []);
    const tagged = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: 'Tagged',
          PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }),
          Tags: [{ Key: 'k', Value: 'v' }],
        }),
      )
    ).Policy!;
    assert.deepEqual(tagged.Tags, [{ Key: 'k', Value: 'v' }]);
    assert.deepEqual((await iam.send(new GetPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }))).Policy?.Tags, []);

    const missing = `arn:aws:iam::${ACCOUNT_ID}:policy/TestNonExistingPolicy`;
    const expected = { name: 'NoSuchEntity', message: `Policy ${missing} version v1 does not exist or is not attachable.`, status: 404 };
    assert.deepEqual(await awsError(() => iam.send(new GetPolicyVersionCommand({ PolicyArn: missing, VersionId: 'v1' }))), expected);
    assert.deepEqual(await awsError(() => iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: missing, VersionId: 'v1' }))), expected);
  });

  test('AssumeRole: a malformed RoleArn is a 400 ValidationError "… is invalid"; a well-formed one naming no role is AccessDenied', async () => {
    const creds = await userWith('assumer', doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }));
    const sts = stsClient(app, creds);
    for (const arn of ['nothing-valid-in-here', 'arn:aws:::something/test-role', `arn:aws:iam::${ACCOUNT_ID}:`]) {
      assert.deepEqual(await awsError(() => sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'Session1' }))), {
        name: 'ValidationError',
        message: `${arn} is invalid`,
        status: 400,
      });
    }
    const missing = await awsError(() =>
      sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/missing-role`, RoleSessionName: 'Session1' })),
    );
    assert.deepEqual([missing.name, missing.status], ['AccessDenied', 403]);
  });

  test('role chaining: a session tag cannot replace a transitive tag of the calling session, whatever its case', async () => {
    const creds = await userWith('chainer', doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'chain-1', AssumeRolePolicyDocument: ACCOUNT_TRUST }));
    await iam.send(new CreateRoleCommand({ RoleName: 'chain-2', AssumeRolePolicyDocument: ACCOUNT_TRUST }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'chain-1', PolicyName: 'sts', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:*', Resource: '*' }) }),
    );
    const first = await stsClient(app, creds).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/chain-1`,
        RoleSessionName: 'Session1',
        Tags: [{ Key: 'SessionTag1', Value: 'SessionValue1' }],
        TransitiveTagKeys: ['SessionTag1'],
      }),
    );
    const c = first.Credentials!;
    const asRole = stsClient(app, { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    const role2 = `arn:aws:iam::${ACCOUNT_ID}:role/chain-2`;
    for (const key of ['SessionTag1', 'sessiontag1']) {
      assert.deepEqual(
        await awsError(() => asRole.send(new AssumeRoleCommand({ RoleArn: role2, RoleSessionName: 'Session2', Tags: [{ Key: key, Value: 'SessionValue2' }] }))),
        {
          name: 'InvalidParameterValue',
          message: "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
          status: 400,
        },
      );
    }
    // Other tags, and none, are fine; the answer has no PackedPolicySize without session policies or tags.
    const other = await asRole.send(new AssumeRoleCommand({ RoleArn: role2, RoleSessionName: 'Session2', Tags: [{ Key: 'Other', Value: 'x' }] }));
    assert.ok(other.Credentials?.AccessKeyId);
    const plain = await stsClient(app, creds).send(new AssumeRoleCommand({ RoleArn: role2, RoleSessionName: 'Plain' }));
    assert.equal(plain.PackedPolicySize, undefined);
  });

  test('GetFederationToken without session policies answers PackedPolicySize 0', async () => {
    const creds = await userWith('federator', doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: '*' }));
    const out = await stsClient(app, creds).send(new GetFederationTokenCommand({ Name: 'TestName', DurationSeconds: 900 }));
    assert.equal(out.PackedPolicySize, 0);
    assert.equal(out.FederatedUser?.FederatedUserId, `${ACCOUNT_ID}:TestName`);
  });

  test('GetAccountSummary: PolicyVersionsInUse counts attachments; root password and signing certificates are reported', async () => {
    const summary = async () => (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!;
    const before = await summary();
    assert.equal(before.AccountSigningCertificatesPresent, 0);
    const account = await app.store.read((repo) => repo.getAccount(ACCOUNT_ID));
    assert.equal(before.AccountPasswordPresent, account?.root_password_hash ? 1 : 0);
    await iam.send(new CreateUserCommand({ UserName: 'summary-user' }));
    const arn = (
      await iam.send(new CreatePolicyCommand({ PolicyName: 'SummaryPolicy', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }))
    ).Policy!.Arn!;
    assert.equal((await summary()).PolicyVersionsInUse, before.PolicyVersionsInUse);
    await iam.send(new AttachUserPolicyCommand({ UserName: 'summary-user', PolicyArn: arn }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'summary-user', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    assert.equal((await summary()).PolicyVersionsInUse, (before.PolicyVersionsInUse ?? 0) + 2);
    // A root signing certificate and a root password, as their operations store them.
    await app.store.write(async (repo) => {
      await repo.insertEntity({
        id: 'ROOTCERTEXACTNESS0001',
        accountId: ACCOUNT_ID,
        kind: 'signing-certificate',
        name: 'exactness',
        path: '/root/',
        createdAt: new Date(),
        data: {},
      });
      if (!account?.root_password_hash) await repo.setRootPassword(ACCOUNT_ID, 'root@example.com', 'not-a-real-hash');
    });
    const after = await summary();
    assert.deepEqual([after.AccountSigningCertificatesPresent, after.AccountPasswordPresent], [1, 1]);
  });

  test("virtual MFA devices: one name under two paths; the same path and name again is AWS's EntityAlreadyExists", async () => {
    const root = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'shared' }))).VirtualMFADevice!;
    const team = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'shared', Path: '/team/' }))).VirtualMFADevice!;
    assert.deepEqual([root.SerialNumber, team.SerialNumber], [`arn:aws:iam::${ACCOUNT_ID}:mfa/shared`, `arn:aws:iam::${ACCOUNT_ID}:mfa/team/shared`]);
    const again = await awsError(() => iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'shared', Path: '/team/' })));
    assert.deepEqual(again, { name: 'EntityAlreadyExists', message: 'MFADevice entity at the same path and name already exists.', status: 409 });
    // A device stored before paths took part in its stored name still holds its path and name.
    await app.store.write((repo) =>
      repo.insertEntity({
        id: `arn:aws:iam::${ACCOUNT_ID}:mfa/old/legacy`,
        accountId: ACCOUNT_ID,
        kind: 'mfa',
        name: 'legacy',
        path: '/old/',
        createdAt: new Date(),
        data: { seed: 'x' },
      }),
    );
    assert.equal(
      (await awsError(() => iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'legacy', Path: '/old/' })))).name,
      'EntityAlreadyExists',
    );
    await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'legacy' }));
    const serials = (await iam.send(new ListVirtualMFADevicesCommand({}))).VirtualMFADevices!.map((d) => d.SerialNumber).sort();
    assert.deepEqual(
      serials,
      ['mfa/legacy', 'mfa/old/legacy', 'mfa/shared', 'mfa/team/shared'].map((s) => `arn:aws:iam::${ACCOUNT_ID}:${s}`),
    );
  });

  test("the simulator: AWS's statement positions and policy types on AWS's own published example", async () => {
    // The role and bucket policies of a published simulation against AWS (boto3: the role policy
    // through json.dumps, the bucket policy as S3 stores it), with AWS's answers.
    const rolePolicy =
      '{"Version": "2012-10-17", "Statement": [{"Sid": "s3", "Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], ' +
      '"Resource": ["arn:aws:s3:::tims-fancy-bucket/only-here/*"]}]}';
    assert.equal(rolePolicy.slice(0, 41), '{"Version": "2012-10-17", "Statement": [{');
    const bucketPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: '*',
          Resource: ['arn:aws:s3:::tims-fancy-bucket/*', 'arn:aws:s3:::tims-fancy-bucket'],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'DenyTimDelete',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:DeleteObject',
          Resource: 'arn:aws:s3:::tims-fancy-bucket/*',
          Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::<ACCOUNT ID>:role/tims-test-role' } },
        },
      ],
    });
    const simulate = (secure: string) =>
      iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [rolePolicy],
          ResourcePolicy: bucketPolicy,
          CallerArn: `arn:aws:iam::${ACCOUNT_ID}:user/dummy`,
          ActionNames: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          ResourceArns: ['arn:aws:s3:::tims-fancy-bucket/only-here/some-obj'],
          ContextEntries: [
            { ContextKeyName: 'aws:principalarn', ContextKeyValues: ['arn:aws:iam::<ACCOUNT ID>:role/tims-test-role'], ContextKeyType: 'string' },
            { ContextKeyName: 'aws:SecureTransport', ContextKeyValues: [secure], ContextKeyType: 'boolean' },
          ],
        }),
      );
    const [get, put, del] = (await simulate('true')).EvaluationResults!;
    assert.deepEqual(get!.MatchedStatements, [
      { SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'IAM Policy', StartPosition: { Line: 1, Column: 41 }, EndPosition: { Line: 1, Column: 180 } },
    ]);
    assert.deepEqual([put!.EvalDecision, put!.MatchedStatements], ['implicitDeny', []]);
    assert.equal(del!.EvalDecision, 'explicitDeny');
    assert.deepEqual(
      del!.MatchedStatements?.find((m) => m.SourcePolicyId === 'ResourcePolicy'),
      { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'Resource Policy', StartPosition: { Line: 1, Column: 248 }, EndPosition: { Line: 1, Column: 470 } },
    );
    const [insecure] = (await simulate('false')).EvaluationResults!;
    assert.deepEqual(insecure!.MatchedStatements, [
      { SourcePolicyId: 'ResourcePolicy', SourcePolicyType: 'Resource Policy', StartPosition: { Line: 1, Column: 38 }, EndPosition: { Line: 1, Column: 248 } },
    ]);
    // With named resources, in one account: empty EvalDecisionDetails and one result per resource.
    assert.deepEqual(get!.EvalDecisionDetails, {});
    assert.deepEqual(get!.ResourceSpecificResults, [
      { EvalResourceName: 'arn:aws:s3:::tims-fancy-bucket/only-here/some-obj', EvalResourceDecision: 'allowed', MatchedStatements: get!.MatchedStatements },
    ]);
  });

  test('the simulator: indented documents, all resources, boundaries and principal policies', async () => {
    // Indented as AWS stores AdministratorAccess: AWS answers Start 3:17, End 8:6.
    const indented =
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}';
    const all = (await iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: [indented], ActionNames: ['s3:ListBucket'] }))).EvaluationResults![0]!;
    assert.deepEqual(all.MatchedStatements, [
      { SourcePolicyId: 'PolicyInputList.1', SourcePolicyType: 'IAM Policy', StartPosition: { Line: 3, Column: 17 }, EndPosition: { Line: 8, Column: 6 } },
    ]);
    // Every resource ("*"): neither EvalDecisionDetails nor ResourceSpecificResults.
    assert.deepEqual([all.EvalResourceName, all.EvalDecisionDetails, all.ResourceSpecificResults], ['*', undefined, undefined]);

    const denied = (
      await iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' })],
          PermissionsBoundaryPolicyInputList: [
            doc({ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }),
          ],
          ActionNames: ['iam:CreateUser'],
        }),
      )
    ).EvaluationResults![0]!;
    assert.equal(denied.EvalDecision, 'explicitDeny');
    // Compact JSON: the second statement starts at the comma after the first.
    const first = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}'.length;
    assert.deepEqual(denied.MatchedStatements, [
      {
        SourcePolicyId: 'PermissionsBoundaryPolicyInputList.1',
        SourcePolicyType: 'Permissions Boundary Policy',
        StartPosition: { Line: 1, Column: first + 1 },
        EndPosition: { Line: 1, Column: first + 1 + ',{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}'.length },
      },
    ]);

    await iam.send(new CreateUserCommand({ UserName: 'simulated' }));
    const managed = (
      await iam.send(new CreatePolicyCommand({ PolicyName: 'SimManaged', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }))
    ).Policy!.Arn!;
    await iam.send(new AttachUserPolicyCommand({ UserName: 'simulated', PolicyArn: managed }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'simulated', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'simulated',
        PolicyName: 'SimInline',
        PolicyDocument: doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }),
      }),
    );
    const principal = (
      await iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT_ID}:user/simulated`,
          ActionNames: ['s3:GetObject', 'iam:ListUsers', 'sqs:SendMessage'],
        }),
      )
    ).EvaluationResults!;
    assert.deepEqual(
      principal.map((r) => r.MatchedStatements?.map((m) => [m.SourcePolicyId, m.SourcePolicyType])),
      [[['SimManaged', 'IAM Policy']], [['IAMReadOnlyAccess', 'IAM Policy']], [['SimInline', 'IAM Policy']]],
    );
  });
});
