// Roles, workloads and the policy simulator in the console, over plain HTTP: a role for EC2 with a
// policy, its trust policy edited, "Revoke active sessions" denying a session assumed before (STS
// through @aws-sdk/client-sts), DeleteConflict shown, a workload revoked from the role page, the
// simulator agreeing with the API, and error banners that no URL can forge.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { App } from '../../src/app.ts';
import { IamdClient } from '../../src/cli-tools/workload-client.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, stsClient } from '../helpers.ts';
import { capture, ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';
import { offsetsOf } from '../../src/api/console/pages-simulator.ts';

const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const errorBanner = (body: string) => /class="notice error"[^>]*>([^<]*)</.exec(body)?.[1];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('console: roles, workloads, simulator', () => {
  let app: App;
  let c: ConsoleClient;
  before(async () => {
    app = await startConsoleApp();
    c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
  });
  after(() => app.close());

  test('create a role for EC2 with a policy: trust policy generated as AWS does, instance profile, 2-hour sessions', async () => {
    const page = await c.get('/console/iam/roles/new');
    assert.equal(page.status, 200);
    // Without any choice, the generated trust policy is EC2's.
    assert.match(text(page.body), /"Service": "ec2.amazonaws.com"/);
    const r = await c.post('/console/iam/roles/new', {
      entity: 'service',
      service: 'ec2.amazonaws.com',
      trust: '',
      name: 'web',
      description: 'Web servers',
      maxSessionHours: '2',
      policy: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/console/iam/roles/web?ok=roleCreated');
    const iam = iamClient(app);
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'web' }))).Role!;
    assert.equal(role.MaxSessionDuration, 7200);
    assert.equal(role.Description, 'Web servers');
    assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)), {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }],
    });
    assert.deepEqual(
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'web' }))).AttachedPolicies!.map((p) => p.PolicyName),
      ['AmazonS3ReadOnlyAccess'],
    );
    assert.equal((await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'web' }))).InstanceProfile!.Roles?.[0]?.RoleName, 'web');
    const rolePage = await c.get(r.location!);
    const shown = text(rolePage.body);
    assert.match(shown, /The role was created\./);
    assert.match(shown, /AWS service: ec2/);
    assert.match(shown, /Maximum session duration 2 hours /);
    assert.match(shown, /iamd exec --instance-profile web -- your-command/);
    // The list, searched and paged.
    const list = await c.get('/console/iam/roles?q=WEB');
    assert.match(list.body, /data-role="web"/);
    assert.doesNotMatch((await c.get('/console/iam/roles?q=nothing')).body, /data-role="web"/);
    for (let i = 0; i < 55; i++)
      await iam.send(
        new CreateRoleCommand({
          RoleName: `bulk-${String(i).padStart(2, '0')}`,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          }),
        }),
      );
    const first = await c.get('/console/iam/roles');
    assert.equal((first.body.match(/data-role=/g) ?? []).length, 50);
    const next = capture(/id="roles-next" href="([^"]+)"/, first.body).replace(/&amp;/g, '&');
    assert.equal(((await c.get(next)).body.match(/data-role=/g) ?? []).length, 6);
    // Another account with an ExternalId and MFA: the generated policy, as the JSON endpoint gives it too.
    const gen = await c.request(
      'POST',
      '/console/api/trust-policy',
      JSON.stringify({ entity: 'account', accountId: '444455556666', externalId: 'ext-1', requireMfa: true }),
      { 'content-type': 'application/json', 'x-csrf-token': c.token() },
    );
    assert.deepEqual(JSON.parse(JSON.parse(gen.body).document).Statement[0], {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: 'arn:aws:iam::444455556666:root' },
      Condition: { StringEquals: { 'sts:ExternalId': 'ext-1' }, Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
    });
  });

  test('edit the trust policy: validated as a trust policy, errors shown on the page (never in the URL)', async () => {
    await c.get('/console/iam/roles/web');
    const v = await c.request(
      'POST',
      '/console/api/validate-policy',
      JSON.stringify({ kind: 'trust', document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}' }),
      { 'content-type': 'application/json', 'x-csrf-token': c.token() },
    );
    assert.equal(JSON.parse(v.body).valid, false);
    const bad = await c.post('/console/iam/roles/web/trust', {
      document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}',
    });
    assert.equal(bad.status, 303);
    assert.equal(bad.location, '/console/iam/roles/web');
    const shown = await c.get(bad.location!);
    assert.match(errorBanner(shown.body)!, /^MalformedPolicyDocument: /);
    // Shown once.
    assert.equal(errorBanner((await c.get('/console/iam/roles/web')).body), undefined);
    const trust = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'sts:AssumeRole' },
        ],
      },
      null,
      2,
    );
    const ok = await c.post('/console/iam/roles/web/trust', { document: trust });
    assert.equal(ok.location, '/console/iam/roles/web?ok=trustUpdated#trust-relationships');
    assert.equal(decodeURIComponent((await iamClient(app).send(new GetRoleCommand({ RoleName: 'web' }))).Role!.AssumeRolePolicyDocument!), trust);
    assert.match(text((await c.get('/console/iam/roles/web')).body), /Account: 111122223333/);
  });

  test('a crafted ?err= link shows nothing; a forged flash cookie shows nothing', async () => {
    const crafted = await c.get('/console/iam/users?err=Your+account+is+suspended.+Call+555-0100');
    assert.equal(errorBanner(crafted.body), undefined);
    assert.doesNotMatch(text(crafted.body), /suspended/);
    const forged = new ConsoleClient(app.url);
    for (const [k, v] of c.cookies) forged.cookies.set(k, v);
    forged.cookies.set('iamd-flash', `v1.${Buffer.from('{"t":"forged"}').toString('base64')}`);
    assert.equal(errorBanner((await forged.get('/console/iam/users')).body), undefined);
  });

  test('revoke active sessions: a session assumed before is denied, one assumed after works', async () => {
    const iam = iamClient(app);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'web', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    // Root may not assume roles (as on AWS): a user of the trusted account does.
    await iam.send(new CreateUserCommand({ UserName: 'assumer' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'assumer',
        PolicyName: 'assume',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }),
      }),
    );
    const assumerKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'assumer' }))).AccessKey!;
    const assumer = stsClient(app, { accessKeyId: assumerKey.AccessKeyId!, secretAccessKey: assumerKey.SecretAccessKey! });
    const assume = async (name: string) => {
      const creds = (await assumer.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/web`, RoleSessionName: name }))).Credentials!;
      return iamClient(app, { accessKeyId: creds.AccessKeyId!, secretAccessKey: creds.SecretAccessKey!, sessionToken: creds.SessionToken! });
    };
    const before = await assume('before');
    assert.ok((await before.send(new ListRolesCommand({}))).Roles!.length > 0);
    await sleep(1100);
    await c.get('/console/iam/roles/web');
    const r = await c.post('/console/iam/roles/web/revoke-sessions', {});
    assert.equal(r.location, '/console/iam/roles/web?ok=sessionsRevoked#revoke-sessions');
    const doc = JSON.parse(
      decodeURIComponent(
        (await iam.send(new (await import('@aws-sdk/client-iam')).GetRolePolicyCommand({ RoleName: 'web', PolicyName: 'AWSRevokeOlderSessions' })))
          .PolicyDocument!,
      ),
    );
    assert.deepEqual(doc.Statement[0].Action, ['*']);
    assert.match(doc.Statement[0].Condition.DateLessThan['aws:TokenIssueTime'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const denied = await awsError(() => before.send(new ListRolesCommand({})));
    assert.equal(denied.name, 'AccessDenied');
    assert.match(denied.message, /explicit deny/);
    assert.match(text((await c.get('/console/iam/roles/web')).body), /Sessions issued before .* are denied\./);
    await sleep(1100);
    const afterwards = await assume('after');
    assert.ok((await afterwards.send(new ListRolesCommand({}))).Roles!.length > 0);
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: 'web' }))).PolicyNames, ['AWSRevokeOlderSessions']);
  });

  test('revoke a workload from the role page: its token gets no more credentials', async () => {
    const operator = new IamdClient(app.url, ROOT_KEY);
    const reg = await operator.request<{ Workload: { WorkloadId: string }; AuthorizationToken: string; CredentialsPath: string }>('POST', '/iamd/workloads', {
      InstanceProfileName: 'web',
      Name: 'batch-job',
    });
    const fetchCreds = () => fetch(`${app.url}${reg.CredentialsPath}`, { headers: { authorization: reg.AuthorizationToken } });
    assert.equal((await fetchCreds()).status, 200);
    const page = await c.get('/console/iam/roles/web');
    const row = new RegExp(`<tr data-workload="${reg.Workload.WorkloadId}" data-status="Active">[\\s\\S]*?</tr>`).exec(page.body)![0];
    assert.match(text(row), /batch-job/);
    assert.doesNotMatch(text(row), /Never/); // credentials were issued once
    // CSRF-protected.
    assert.equal((await c.post('/console/iam/roles/web/workloads/revoke', { id: reg.Workload.WorkloadId }, { csrf: null })).status, 403);
    assert.equal((await fetchCreds()).status, 200);
    const r = await c.post('/console/iam/roles/web/workloads/revoke', { id: reg.Workload.WorkloadId });
    assert.equal(r.location, '/console/iam/roles/web?ok=workloadRevoked#instance-profiles');
    assert.equal((await fetchCreds()).status, 403);
    const after = await c.get('/console/iam/roles/web');
    assert.match(after.body, new RegExp(`data-workload="${reg.Workload.WorkloadId}" data-status="Revoked"`));
    // An unknown workload: AWS-style error on the page.
    await c.post('/console/iam/roles/web/workloads/revoke', { id: 'wl-0000000000000000' });
    assert.match(errorBanner((await c.get('/console/iam/roles/web')).body)!, /^NoSuchEntity: /);
  });

  test('delete: DeleteConflict shown with what to do; deleted once nothing holds it', async () => {
    await c.get('/console/iam/roles/bulk-00');
    await c.post('/console/iam/roles/bulk-00/tag', { key: 'team', value: 'a' });
    const iam = iamClient(app);
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'bulk-00', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const r = await c.post('/console/iam/roles/bulk-00/delete', {});
    assert.equal(r.location, '/console/iam/roles/bulk-00');
    const banner = errorBanner((await c.get(r.location!)).body)!;
    assert.match(banner, /^DeleteConflict: Cannot delete entity, must detach all policies first\. Before deleting the role, detach/);
    await c.post('/console/iam/roles/bulk-00/detach', { arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' });
    const ok = await c.post('/console/iam/roles/bulk-00/delete', {});
    assert.equal(ok.location, '/console/iam/roles?ok=roleDeleted');
    assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: 'bulk-00' })))).name, 'NoSuchEntity');
  });

  test('simulator: principal and custom policies decide as the API does, with the deciding statements highlighted', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'sim-user' }));
    const policy = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ReadBucket', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' },
          { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::secrets/*' },
          { Sid: 'WriteWithMfa', Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
        ],
      },
      null,
      2,
    );
    await iam.send(new PutUserPolicyCommand({ UserName: 'sim-user', PolicyName: 's3-access', PolicyDocument: policy }));
    const actions = ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];
    const resources: [string, string] = ['arn:aws:s3:::public/a.txt', 'arn:aws:s3:::secrets/key'];
    const principal = `arn:aws:iam::${ACCOUNT_ID}:user/sim-user`;
    await c.get('/console/iam/simulator');
    const page = await c.post('/console/iam/simulator', {
      mode: 'principal',
      principal,
      actions: 's3:GetObject\ns3:PutObject',
      action: 's3:DeleteObject',
      resources: resources.join('\n'),
    });
    assert.equal(page.status, 200);
    const api = (await iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: actions, ResourceArns: resources })))
      .EvaluationResults!;
    // Each row's four groups always capture (none is optional): hence row[1]! … row[4]! below.
    const rows = [...page.body.matchAll(/<tr class="result" data-action="([^"]+)" data-resource="([^"]+)" data-decision="([^"]+)"[^>]*>([\s\S]*?)<\/tr>/g)];
    assert.equal(rows.length, 6);
    for (const r of api) {
      const row = rows.find((x) => x[1] === r.EvalActionName && x[2] === r.EvalResourceName)!;
      assert.equal(row[3], r.EvalDecision, `${r.EvalActionName} on ${r.EvalResourceName}`);
      // The marked text is exactly the statement at the API's positions.
      for (const m of r.MatchedStatements ?? []) {
        const o = offsetsOf(
          policy,
          { Line: m.StartPosition!.Line!, Column: m.StartPosition!.Column! },
          { Line: m.EndPosition!.Line!, Column: m.EndPosition!.Column! },
        )!;
        const marked = capture(/<mark class="(?:allow|deny)">([\s\S]*?)<\/mark>/, row[4]!).replace(/&quot;/g, '"');
        assert.equal(marked, policy.slice(o[0], o[1]));
      }
      if ((r.MissingContextValues ?? []).length > 0) assert.match(text(row[4]!), /Missing context values: aws:MultiFactorAuthPresent/);
    }
    assert.match(text(rows.find((x) => x[1] === 's3:GetObject' && x[2]!.includes('secrets'))![4]!), /NoSecrets/);
    // The context key the policy uses is offered; with MFA present, PutObject is allowed.
    assert.match(page.body, /name="ctx:aws:MultiFactorAuthPresent"/);
    const withMfa = await c.post('/console/iam/simulator', {
      mode: 'principal',
      principal,
      actions: 's3:PutObject',
      resources: resources[0],
      'ctx:aws:MultiFactorAuthPresent': 'true',
    });
    assert.match(withMfa.body, /data-action="s3:PutObject" data-resource="arn:aws:s3:::public\/a.txt" data-decision="allowed"/);

    // Custom policies with a boundary: the boundary's decision is shown, as the API reports it.
    const boundary = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const custom = await c.post('/console/iam/simulator', {
      mode: 'custom',
      policy1: policy,
      boundary,
      actions: 's3:GetObject\ns3:ListBucket',
      resources: resources[0],
    });
    const apiCustom = (
      await iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [policy],
          PermissionsBoundaryPolicyInputList: [boundary],
          ActionNames: ['s3:GetObject', 's3:ListBucket'],
          ResourceArns: [resources[0]],
        }),
      )
    ).EvaluationResults!;
    for (const r of apiCustom) {
      const row = new RegExp(`data-action="${r.EvalActionName}" data-resource="[^"]+" data-decision="([^"]+)"[^>]*>([\\s\\S]*?)</tr>`).exec(custom.body)!;
      assert.equal(row[1], r.EvalDecision);
      assert.match(row[2]!, new RegExp(`class="boundary" data-allowed="${String(r.PermissionsBoundaryDecisionDetail!.AllowedByPermissionsBoundary)}"`));
    }
    // Form problems are said plainly.
    assert.match(errorBanner((await c.post('/console/iam/simulator', { mode: 'custom', actions: 's3:GetObject' })).body)!, /paste at least one policy/);
  });

  test('roles and simulator pages in Japanese', async () => {
    const ja = new ConsoleClient(app.url, 'ja');
    await ja.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    assert.match((await ja.get('/console/iam/roles')).body, /ロールを作成/);
    assert.match((await ja.get('/console/iam/roles/new')).body, /信頼されたエンティティを選択/);
    const role = text((await ja.get('/console/iam/roles/web')).body);
    assert.match(role, /アクティブなセッションの取り消し/);
    assert.match(role, /信頼関係/);
    assert.match((await ja.get('/console/iam/simulator')).body, /シミュレーションの実行/);
  });
});
