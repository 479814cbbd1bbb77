// The credential report and the last-accessed reports through @aws-sdk/client-iam: AWS's CSV,
// states and errors; the services a user, group, role or policy allows and when they were last
// attempted (recorded as requests are authorized), and Organizations' access reports.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  DeleteRoleCommand,
  EnableMFADeviceCommand,
  GenerateCredentialReportCommand,
  GenerateOrganizationsAccessReportCommand,
  GenerateServiceLastAccessedDetailsCommand,
  GetCredentialReportCommand,
  GetOrganizationsAccessReportCommand,
  GetServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsWithEntitiesCommand,
  IAMClient,
  ListPoliciesGrantingServiceAccessCommand,
  ListUsersCommand,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
  UploadSigningCertificateCommand,
  GetRoleCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { consecutiveCodesAt } from '../src/crypto/totp.ts';
import { ACCOUNT_ID, awsError, ROOT_KEY, startTestApp, type Credentials } from './helpers.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD } from './console/support.ts';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
  'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const REPORT_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A self-signed ECDSA certificate, valid from yesterday for a month. */
async function selfSigned(cn: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    keys,
    signingAlgorithm: alg,
  });
  return cert.toString('pem');
}

const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The report's rows as objects, by column name (AWS's CSV has no quoted fields for these names). */
function rows(csv: string): Record<string, string>[] {
  const [header, ...lines] = csv.split('\n');
  assert.equal(header, HEADER);
  const columns = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
}

describe('reports with @aws-sdk/client-iam', () => {
  let app: App;
  // The server's clock, which a test may move forward; clients sign by it (systemClockOffset).
  let offset = 0;
  const clientOptions = (credentials: Credentials) => ({
    endpoint: app.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    systemClockOffset: offset,
  });
  const iam = (c: Credentials = ROOT_KEY) => new IAMClient(clientOptions(c));
  const sts = (c: Credentials) => new STSClient(clientOptions(c));

  async function userWithKey(name: string, statements: object[] = []): Promise<Credentials> {
    await iam().send(new CreateUserCommand({ UserName: name }));
    if (statements.length > 0) await iam().send(new PutUserPolicyCommand({ UserName: name, PolicyName: `${name}-policy`, PolicyDocument: doc(...statements) }));
    const key = (await iam().send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  }

  before(async () => {
    app = await startTestApp({ rootEmail: ROOT_EMAIL, rootPassword: ROOT_PASSWORD }, () => new Date(Date.now() + offset));
  });
  after(() => app.close());

  test('credential report: not present, STARTED then COMPLETE, AWS columns and placeholders, the 4-hour rule', async () => {
    const missing = await awsError(() => iam().send(new GetCredentialReportCommand({})));
    // AWS sends no message with this code: no <Message> element, which both SDKs show as "Unknown".
    assert.deepEqual([missing.name, missing.status, missing.message], ['ReportNotPresent', 410, 'Unknown']);

    await iam().send(new UpdateAccountPasswordPolicyCommand({ MaxPasswordAge: 90 }));
    // alice: a console password never used, an MFA device, one key used (sts) and a second one inactive.
    const alice = await userWithKey('alice');
    await iam().send(new CreateLoginProfileCommand({ UserName: 'alice', Password: 'Str0ng!Passw0rd' }));
    await sts(alice).send(new GetCallerIdentityCommand({}));
    const second = (await iam().send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    await iam().send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: second.AccessKeyId!, Status: 'Inactive' }));
    const device = (await iam().send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-phone' }))).VirtualMFADevice!;
    const [code1, code2] = consecutiveCodesAt(Buffer.from(device.Base32StringSeed!).toString('ascii'), new Date(Date.now() + offset));
    await iam().send(
      new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: device.SerialNumber!, AuthenticationCode1: code1, AuthenticationCode2: code2 }),
    );
    await iam().send(new UploadSigningCertificateCommand({ UserName: 'alice', CertificateBody: await selfSigned('alice') }));
    // bob: no password, no key.
    await iam().send(new CreateUserCommand({ UserName: 'bob', Path: '/team/' }));
    // The root user and ivy sign in to the console with their passwords.
    await iam().send(new CreateUserCommand({ UserName: 'ivy' }));
    await iam().send(new CreateLoginProfileCommand({ UserName: 'ivy', Password: 'Ivy-Passw0rd!x' }));
    assert.equal((await new ConsoleClient(app.url).signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD)).status, 303);
    assert.equal((await new ConsoleClient(app.url).signIn(ACCOUNT_ID, 'user', 'ivy', 'Ivy-Passw0rd!x')).status, 303);

    const started = await iam().send(new GenerateCredentialReportCommand({}));
    assert.equal(started.State, 'STARTED');
    assert.equal(started.Description, 'No report exists. Starting a new report generation task');
    const again = await iam().send(new GenerateCredentialReportCommand({}));
    assert.deepEqual([again.State, again.Description], ['COMPLETE', undefined]);

    const report = await iam().send(new GetCredentialReportCommand({}));
    assert.equal(report.ReportFormat, 'text/csv');
    assert.ok(report.GeneratedTime instanceof Date);
    const csv = Buffer.from(report.Content!).toString('utf8');
    assert.ok(!csv.endsWith('\n'));
    const [root, ...users] = rows(csv);
    assert.equal(root!.user, '<root_account>');
    assert.equal(root!.arn, `arn:aws:iam::${ACCOUNT_ID}:root`);
    assert.match(root!.user_creation_time!, REPORT_TIME);
    assert.deepEqual([root!.password_enabled, root!.password_last_changed, root!.password_next_rotation], ['not_supported', 'not_supported', 'not_supported']);
    assert.match(root!.password_last_used!, REPORT_TIME);
    // The root key signed every call above (iam, us-east-1).
    assert.equal(root!.access_key_1_active, 'true');
    assert.match(root!.access_key_1_last_used_date!, REPORT_TIME);
    assert.deepEqual([root!.access_key_1_last_used_region, root!.access_key_1_last_used_service], ['us-east-1', 'iam']);
    assert.deepEqual(
      [root!.access_key_2_active, root!.access_key_2_last_rotated, root!.cert_1_active, root!.cert_1_last_rotated],
      ['false', 'N/A', 'false', 'N/A'],
    );

    assert.deepEqual(
      users.map((u) => [u.user, u.arn]),
      [
        ['alice', `arn:aws:iam::${ACCOUNT_ID}:user/alice`],
        ['bob', `arn:aws:iam::${ACCOUNT_ID}:user/team/bob`],
        ['ivy', `arn:aws:iam::${ACCOUNT_ID}:user/ivy`],
      ],
    );
    assert.deepEqual([users[2]!.password_enabled, users[2]!.mfa_active], ['true', 'false']);
    assert.match(users[2]!.password_last_used!, REPORT_TIME);
    const a = users[0]!;
    assert.deepEqual([a.password_enabled, a.password_last_used, a.mfa_active], ['true', 'no_information', 'true']);
    assert.match(a.password_last_changed!, REPORT_TIME);
    const rotation = new Date(a.password_next_rotation!).getTime() - new Date(a.password_last_changed!).getTime();
    assert.equal(rotation, 90 * 86_400_000);
    assert.deepEqual([a.access_key_1_active, a.access_key_1_last_used_region, a.access_key_1_last_used_service], ['true', 'us-east-1', 'sts']);
    assert.match(a.access_key_1_last_rotated!, REPORT_TIME);
    assert.match(a.access_key_1_last_used_date!, REPORT_TIME);
    assert.deepEqual(
      [a.access_key_2_active, a.access_key_2_last_used_date, a.access_key_2_last_used_region, a.access_key_2_last_used_service],
      ['false', 'N/A', 'N/A', 'N/A'],
    );
    assert.match(a.access_key_2_last_rotated!, REPORT_TIME);
    assert.deepEqual([a.cert_1_active, a.cert_2_active, a.cert_2_last_rotated], ['true', 'false', 'N/A']);
    assert.match(a.cert_1_last_rotated!, REPORT_TIME);
    const b = users[1]!;
    assert.deepEqual(
      [
        b.password_enabled,
        b.password_last_used,
        b.password_last_changed,
        b.password_next_rotation,
        b.mfa_active,
        b.access_key_1_active,
        b.access_key_1_last_rotated,
      ],
      ['false', 'N/A', 'N/A', 'N/A', 'false', 'false', 'N/A'],
    );

    // Within four hours a new request changes nothing: carol is not in the report.
    await iam().send(new CreateUserCommand({ UserName: 'carol' }));
    offset += 3 * 3600_000;
    assert.equal((await iam().send(new GenerateCredentialReportCommand({}))).State, 'COMPLETE');
    const same = Buffer.from((await iam().send(new GetCredentialReportCommand({}))).Content!).toString('utf8');
    assert.equal(same, csv);
    // Four hours on, the report has expired; the next request starts a new one, which has carol.
    offset += 3600_000;
    const expired = await awsError(() => iam().send(new GetCredentialReportCommand({})));
    assert.deepEqual([expired.name, expired.status], ['ReportExpired', 410]);
    const regenerated = await iam().send(new GenerateCredentialReportCommand({}));
    assert.deepEqual([regenerated.State, regenerated.Description], ['STARTED', undefined]);
    const fresh = rows(Buffer.from((await iam().send(new GetCredentialReportCommand({}))).Content!).toString('utf8'));
    assert.deepEqual(
      fresh.map((r) => r.user),
      ['<root_account>', 'alice', 'bob', 'carol', 'ivy'],
    );
  });

  test('the credential report needs iam:GenerateCredentialReport and iam:GetCredentialReport', async () => {
    const dave = await userWithKey('dave', [{ Effect: 'Allow', Action: 'iam:GenerateCredentialReport', Resource: '*' }]);
    assert.ok((await iam(dave).send(new GenerateCredentialReportCommand({}))).State);
    const denied = await awsError(() => iam(dave).send(new GetCredentialReportCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    // AWS names no resource when it is `*`.
    assert.equal(
      denied.message,
      `User: arn:aws:iam::${ACCOUNT_ID}:user/dave is not authorized to perform: iam:GetCredentialReport because no identity-based policy allows the iam:GetCredentialReport action`,
    );
  });

  test('service last accessed: a user who signed iam requests shows iam with a date, a never-used service none', async () => {
    const erin = await userWithKey('erin', [
      { Effect: 'Allow', Action: ['iam:*', 'sts:DecodeAuthorizationMessage'], Resource: '*' },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
      { Effect: 'Deny', Action: 'iam:DeleteRole', Resource: '*' },
    ]);
    await iam(erin).send(new ListUsersCommand({}));
    await iam(erin).send(new CreateUserCommand({ UserName: 'made-by-erin' }));
    // A denied attempt counts too, as AWS counts "all attempts … not just the successful ones".
    assert.equal((await awsError(() => iam(erin).send(new DeleteRoleCommand({ RoleName: 'any' })))).name, 'AccessDenied');
    const undecodable = await awsError(() => sts(erin).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: 'not-a-message' })));
    assert.equal(undecodable.name, 'InvalidAuthorizationMessageException');

    const { JobId } = await iam().send(
      new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${ACCOUNT_ID}:user/erin`, Granularity: 'ACTION_LEVEL' }),
    );
    assert.match(JobId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const details = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId }));
    assert.equal(details.JobStatus, 'COMPLETED');
    assert.equal(details.JobType, 'ACTION_LEVEL');
    assert.ok(details.JobCreationDate instanceof Date && details.JobCompletionDate instanceof Date);
    assert.equal(details.IsTruncated, false);
    const services = details.ServicesLastAccessed!;
    assert.deepEqual(
      services.map((s) => s.ServiceNamespace),
      ['iam', 's3', 'sts'],
    );
    const [iamService, s3, stsService] = services;
    assert.equal(iamService!.ServiceName, 'AWS Identity and Access Management');
    assert.ok(iamService!.LastAuthenticated instanceof Date);
    assert.ok(Math.abs(iamService!.LastAuthenticated!.getTime() - (Date.now() + offset)) < 120_000);
    assert.equal(iamService!.LastAuthenticatedEntity, `arn:aws:iam::${ACCOUNT_ID}:user/erin`);
    assert.equal(iamService!.LastAuthenticatedRegion, 'us-east-1');
    assert.equal(iamService!.TotalAuthenticatedEntities, 1);
    // Tracked actions: iam's management actions the policy allows; CreateUser used, ListUsers (a List action) not tracked.
    const tracked = new Map(iamService!.TrackedActionsLastAccessed!.map((t) => [t.ActionName, t]));
    assert.ok(tracked.get('CreateUser')?.LastAccessedTime instanceof Date);
    assert.equal(tracked.get('CreateUser')?.LastAccessedEntity, `arn:aws:iam::${ACCOUNT_ID}:user/erin`);
    assert.equal(tracked.get('CreateUser')?.LastAccessedRegion, 'us-east-1');
    assert.deepEqual(tracked.get('DeleteUser'), { ActionName: 'DeleteUser' });
    assert.ok(tracked.get('DeleteRole')?.LastAccessedTime instanceof Date);
    assert.equal(tracked.has('ListUsers'), false);

    assert.deepEqual(s3, { ServiceName: 'Amazon Simple Storage Service', ServiceNamespace: 's3', TotalAuthenticatedEntities: 0 });
    assert.equal(stsService!.ServiceName, 'AWS Security Token Service');
    assert.ok(stsService!.LastAuthenticated instanceof Date);
    assert.deepEqual(
      stsService!.TrackedActionsLastAccessed!.map((t) => [t.ActionName, t.LastAccessedTime instanceof Date]),
      [['DecodeAuthorizationMessage', true]],
    );

    // A page at a time.
    const first = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId, MaxItems: 2 }));
    assert.equal(first.IsTruncated, true);
    const rest = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId, MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual(
      [...first.ServicesLastAccessed!, ...rest.ServicesLastAccessed!].map((s) => s.ServiceNamespace),
      ['iam', 's3', 'sts'],
    );
    assert.equal(rest.IsTruncated, false);

    // SERVICE_LEVEL (the default) reports no actions.
    const serviceLevel = await iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${ACCOUNT_ID}:user/erin` }));
    const plain = await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: serviceLevel.JobId }));
    assert.equal(plain.JobType, 'SERVICE_LEVEL');
    assert.ok(plain.ServicesLastAccessed!.every((s) => s.TrackedActionsLastAccessed === undefined));

    // Only the caller that generated a job may read it.
    const notErins = await awsError(() => iam(erin).send(new GetServiceLastAccessedDetailsCommand({ JobId })));
    assert.deepEqual([notErins.name, notErins.status, notErins.message], ['NoSuchEntity', 404, `No report job with ID ${JobId} was found.`]);
  });

  test('group, policy and role reports; entities; policies granting access', async () => {
    const frank = await userWithKey('frank', [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]);
    await iam().send(new CreateUserCommand({ UserName: 'grace' }));
    await iam().send(new CreateGroupCommand({ GroupName: 'devs' }));
    for (const u of ['frank', 'grace']) await iam().send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: u }));
    await iam().send(
      new PutGroupPolicyCommand({
        GroupName: 'devs',
        PolicyName: 'dev-access',
        PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:List*', 'ec2:Describe*'], Resource: '*' }),
      }),
    );
    const readIam = await iam().send(
      new CreatePolicyCommand({ PolicyName: 'ReadIam', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }) }),
    );
    await iam().send(new AttachUserPolicyCommand({ UserName: 'frank', PolicyArn: readIam.Policy!.Arn }));
    const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'sts:AssumeRole' });
    await iam().send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trust }));
    await iam().send(new AttachRolePolicyCommand({ RoleName: 'reader', PolicyArn: readIam.Policy!.Arn }));

    await iam(frank).send(new ListUsersCommand({}));
    const session = (await sts(frank).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/reader`, RoleSessionName: 's1' }))).Credentials!;
    await iam({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken }).send(
      new GetRoleCommand({ RoleName: 'reader' }),
    );

    const report = async (arn: string) => {
      const { JobId } = await iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: arn }));
      return { JobId: JobId!, services: (await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId }))).ServicesLastAccessed! };
    };

    // The group: its own policy's services; frank (a member) used iam, nobody used ec2.
    const group = await report(`arn:aws:iam::${ACCOUNT_ID}:group/devs`);
    assert.deepEqual(
      group.services.map((s) => [s.ServiceNamespace, s.LastAuthenticatedEntity, s.TotalAuthenticatedEntities]),
      [
        ['ec2', undefined, 0],
        ['iam', `arn:aws:iam::${ACCOUNT_ID}:user/frank`, 1],
      ],
    );
    const members = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: group.JobId, ServiceNamespace: 'iam' }));
    assert.equal(members.JobStatus, 'COMPLETED');
    assert.deepEqual(
      members.EntityDetailsList!.map((e) => [
        e.EntityInfo!.Name,
        e.EntityInfo!.Type,
        e.EntityInfo!.Arn,
        e.EntityInfo!.Path,
        e.LastAuthenticated instanceof Date,
      ]),
      [
        ['frank', 'USER', `arn:aws:iam::${ACCOUNT_ID}:user/frank`, '/', true],
        ['grace', 'USER', `arn:aws:iam::${ACCOUNT_ID}:user/grace`, '/', false],
      ],
    );
    assert.match(members.EntityDetailsList![0]!.EntityInfo!.Id!, /^AIDA/);
    const paged = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: group.JobId, ServiceNamespace: 'iam', MaxItems: 1 }));
    assert.deepEqual([paged.EntityDetailsList!.length, paged.IsTruncated], [1, true]);
    const unlisted = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: group.JobId, ServiceNamespace: 's3' }));
    assert.deepEqual(unlisted.EntityDetailsList, []);

    // The managed policy: used by frank (directly) and by the role; the role's session was last.
    const policy = await report(readIam.Policy!.Arn!);
    assert.deepEqual(
      policy.services.map((s) => [s.ServiceNamespace, s.LastAuthenticatedEntity, s.TotalAuthenticatedEntities]),
      [['iam', `arn:aws:iam::${ACCOUNT_ID}:role/reader`, 2]],
    );
    const users = await iam().send(new GetServiceLastAccessedDetailsWithEntitiesCommand({ JobId: policy.JobId, ServiceNamespace: 'iam' }));
    assert.deepEqual(
      users.EntityDetailsList!.map((e) => [e.EntityInfo!.Name, e.EntityInfo!.Type]),
      [
        ['reader', 'ROLE'],
        ['frank', 'USER'],
      ],
    );

    // The role: the role's ARN, not the session's.
    const role = await report(`arn:aws:iam::${ACCOUNT_ID}:role/reader`);
    assert.equal(role.services[0]!.LastAuthenticatedEntity, `arn:aws:iam::${ACCOUNT_ID}:role/reader`);

    // Which policies give frank each service: his own, his group's (inline, named with the group).
    const granting = await iam().send(
      new ListPoliciesGrantingServiceAccessCommand({ Arn: `arn:aws:iam::${ACCOUNT_ID}:user/frank`, ServiceNamespaces: ['iam', 'sts', 's3'] }),
    );
    assert.equal(granting.IsTruncated, false);
    assert.deepEqual(granting.PoliciesGrantingServiceAccess, [
      {
        ServiceNamespace: 'iam',
        Policies: [
          { PolicyName: 'ReadIam', PolicyType: 'MANAGED', PolicyArn: readIam.Policy!.Arn },
          { PolicyName: 'dev-access', PolicyType: 'INLINE', EntityType: 'GROUP', EntityName: 'devs' },
        ],
      },
      { ServiceNamespace: 'sts', Policies: [{ PolicyName: 'frank-policy', PolicyType: 'INLINE', EntityType: 'USER', EntityName: 'frank' }] },
      { ServiceNamespace: 's3', Policies: [] },
    ]);
    const forGroup = await iam().send(
      new ListPoliciesGrantingServiceAccessCommand({ Arn: `arn:aws:iam::${ACCOUNT_ID}:group/devs`, ServiceNamespaces: ['sts'] }),
    );
    assert.deepEqual(forGroup.PoliciesGrantingServiceAccess, [{ ServiceNamespace: 'sts', Policies: [] }]);
  });

  test('last accessed errors: unknown entities and jobs, ARNs of other kinds, no permission', async () => {
    const nobody = await awsError(() => iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${ACCOUNT_ID}:user/nobody` })));
    assert.deepEqual([nobody.name, nobody.status, nobody.message], ['NoSuchEntity', 404, 'The user with name nobody cannot be found.']);
    const noPolicy = `arn:aws:iam::${ACCOUNT_ID}:policy/Nope`;
    const missingPolicy = await awsError(() => iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: noPolicy })));
    assert.deepEqual([missingPolicy.name, missingPolicy.message], ['NoSuchEntity', `Policy ${noPolicy} was not found.`]);
    const profile = `arn:aws:iam::${ACCOUNT_ID}:instance-profile/web`;
    const wrongKind = await awsError(() => iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: profile })));
    assert.deepEqual([wrongKind.name, wrongKind.status, wrongKind.message], ['InvalidInput', 400, `ARN ${profile} is not valid.`]);
    const policyForList = await awsError(() =>
      iam().send(new ListPoliciesGrantingServiceAccessCommand({ Arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', ServiceNamespaces: ['iam'] })),
    );
    assert.equal(policyForList.name, 'InvalidInput');
    const job = await awsError(() => iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: '00000000-0000-4000-8000-000000000000' })));
    assert.deepEqual([job.name, job.status], ['NoSuchEntity', 404]);

    // An AWS managed policy can be reported on: its users and roles in this account.
    const managed = await iam().send(new GenerateServiceLastAccessedDetailsCommand({ Arn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    const managedServices = (await iam().send(new GetServiceLastAccessedDetailsCommand({ JobId: managed.JobId }))).ServicesLastAccessed!;
    assert.ok(managedServices.some((s) => s.ServiceNamespace === 'iam'));

    const henry = await userWithKey('henry');
    const denied = await awsError(() =>
      iam(henry).send(new GenerateServiceLastAccessedDetailsCommand({ Arn: `arn:aws:iam::${ACCOUNT_ID}:user/nobody-either` })),
    );
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, new RegExp(`iam:GenerateServiceLastAccessedDetails on resource: arn:aws:iam::${ACCOUNT_ID}:user/nobody-either`));
  });

  test('Organizations access reports: the account is in no organization, so the job fails saying so', async () => {
    const { JobId } = await iam().send(new GenerateOrganizationsAccessReportCommand({ EntityPath: 'o-a1b2c3d4e5/r-f6g7h8i9j0example' }));
    const report = await iam().send(new GetOrganizationsAccessReportCommand({ JobId }));
    assert.equal(report.JobStatus, 'FAILED');
    assert.ok(report.JobCreationDate instanceof Date && report.JobCompletionDate instanceof Date);
    assert.deepEqual(report.ErrorDetails, { Code: 'AWSOrganizationsNotInUseException', Message: 'Your account is not a member of an organization.' });
    assert.equal(report.AccessDetails, undefined);
    // A service report's job is not an Organizations one, and the reverse.
    const wrong = await awsError(() => iam().send(new GetServiceLastAccessedDetailsCommand({ JobId })));
    assert.equal(wrong.name, 'NoSuchEntity');
    const unknown = await awsError(() => iam().send(new GetOrganizationsAccessReportCommand({ JobId: 'examplea-1234-b567-cde8-90fg123abcd4' })));
    assert.deepEqual([unknown.name, unknown.status], ['NoSuchEntity', 404]);
  });
});
