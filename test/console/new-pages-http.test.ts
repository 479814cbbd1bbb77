// Issue #19's new console pages over HTTP, as a browser submits them: identity providers (OIDC and
// SAML added, listed, deleted; SSO settings beside them), the credential report (generated, shown,
// downloaded), Access Advisor on users, groups and roles, a user's SSH keys, service-specific
// credentials and signing certificates, server certificates, metrics in brief on the dashboard,
// and the passkey page and its JSON endpoints' refusals. Each in English and Japanese; a user
// without permissions sees AWS's AccessDenied where the page's data would be.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListOpenIDConnectProvidersCommand,
  ListSAMLProvidersCommand,
  ListServerCertificatesCommand,
  ListServiceSpecificCredentialsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
} from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { makeKeyAndCertificate, metadataDocument } from '../saml-idp.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

const BOB_PASSWORD = 'Bob-Has-No-Rights-1!';

describe('console: the new pages (issue #19)', () => {
  let app: App;
  let root: ConsoleClient;
  let rootJa: ConsoleClient;
  let bob: ConsoleClient;

  before(async () => {
    app = await startConsoleApp({ metrics: true });
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'bob', Password: BOB_PASSWORD }));
    await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    root = new ConsoleClient(app.url);
    assert.equal((await root.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD)).location, '/console/iam');
    rootJa = new ConsoleClient(app.url, 'ja');
    assert.equal((await rootJa.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD)).location, '/console/iam');
    bob = new ConsoleClient(app.url);
    assert.equal((await bob.signIn(ACCOUNT_ID, 'user', 'bob', BOB_PASSWORD)).location, '/console/iam');
  });
  after(() => app?.close());

  test('identity providers: OIDC and SAML added, listed and deleted; SSO settings on the same page', async () => {
    const iam = iamClient(app);
    let page = await root.get('/console/iam/identity-providers');
    assert.equal(page.status, 200);
    assert.match(page.body, /id="idp-oidc-none"/);
    assert.match(page.body, /Console sign-in \(SSO settings\)/);
    let r = await root.post('/console/iam/identity-providers/create-oidc', {
      url: 'https://token.actions.githubusercontent.com',
      clientIds: 'sts.amazonaws.com',
    });
    assert.equal(r.location, '/console/iam/identity-providers?ok=saved');
    const oidcArn = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList![0]!.Arn!;
    assert.equal(oidcArn, `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/token.actions.githubusercontent.com`);
    const { certDer } = await makeKeyAndCertificate('idp.example.com');
    await root.get('/console/iam/identity-providers');
    r = await root.post('/console/iam/identity-providers/create-saml', { name: 'corp', metadata: metadataDocument('https://idp.example.com', [certDer]) });
    assert.equal(r.location, '/console/iam/identity-providers?ok=saved');
    assert.equal((await iam.send(new ListSAMLProvidersCommand({}))).SAMLProviderList!.length, 1);
    page = await root.get('/console/iam/identity-providers');
    assert.match(page.body, /id="idp-oidc"[\s\S]*oidc-provider\/token\.actions\.githubusercontent\.com/);
    assert.match(page.body, /id="idp-saml"[\s\S]*saml-provider\/corp/);
    // A bad URL: AWS's error on the page, nothing created.
    r = await root.post('/console/iam/identity-providers/create-oidc', { url: 'http://insecure.example.com', clientIds: 'x' });
    page = await root.get(r.location!);
    assert.match(page.body, /class="notice error"/);
    assert.equal((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length, 1);
    r = await root.post('/console/iam/identity-providers/delete', { arn: oidcArn, kind: 'oidc' });
    assert.equal(r.location, '/console/iam/identity-providers?ok=saved');
    assert.equal((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!.length, 0);

    const ja = await rootJa.get('/console/iam/identity-providers');
    assert.match(ja.body, /SAML プロバイダの追加/);
    assert.match(ja.body, /コンソールへのサインイン \(SSO 設定\)/);
    const denied = await bob.get('/console/iam/identity-providers');
    assert.match(denied.body, /not authorized to perform: iam:ListSAMLProviders/);
  });

  test('credential report: generated, shown as a table, downloaded as CSV', async () => {
    let page = await root.get('/console/iam/credential-report');
    assert.match(page.body, /id="report-none"/);
    const r = await root.post('/console/iam/credential-report/generate', {});
    assert.equal(r.location, '/console/iam/credential-report?ok=reportGenerated');
    page = await root.get(r.location!);
    assert.match(page.body, /id="report-table"/);
    assert.match(page.body, /&lt;root_account&gt;/);
    assert.match(page.body, /<td>alice<\/td>/);
    const csv = await root.get('/console/iam/credential-report/download');
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type')!, /^text\/csv/);
    assert.match(csv.headers.get('content-disposition')!, /attachment; filename="credential-report.csv"/);
    assert.match(csv.body, /^user,arn,user_creation_time,/);
    assert.match((await rootJa.get('/console/iam/credential-report')).body, /認証情報レポート/);
    assert.match((await bob.get('/console/iam/credential-report')).body, /not authorized to perform: iam:GetCredentialReport/);
  });

  test('Access Advisor on a user, a group and a role', async () => {
    for (const path of ['users/alice', 'groups/devs', 'roles/app']) {
      const entity = await root.get(`/console/iam/${path}`);
      assert.match(entity.body, new RegExp(`href="/console/iam/${path}/access-advisor"`));
      const page = await root.get(`/console/iam/${path}/access-advisor`);
      assert.equal(page.status, 200);
      assert.match(page.body, /id="access-advisor"/);
      assert.match(page.body, /id="advisor-(table|none)"/);
      assert.match((await rootJa.get(`/console/iam/${path}/access-advisor`)).body, /アクセスアドバイザー/);
    }
    assert.match((await bob.get('/console/iam/users/alice/access-advisor')).body, /not authorized to perform: iam:GenerateServiceLastAccessedDetails/);
  });

  test("a user's SSH keys, service-specific credentials and signing certificates", async () => {
    const iam = iamClient(app);
    const base = '/console/iam/users/alice/credentials';
    assert.match((await root.get('/console/iam/users/alice')).body, new RegExp(`href="${base}"`));
    await root.get(base);
    const sshKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    let r = await root.post(`${base}/ssh/upload`, { body: sshKey });
    assert.equal(r.location, `${base}?ok=saved`);
    const keys = (await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alice' }))).SSHPublicKeys!;
    assert.equal(keys.length, 1);
    let page = await root.get(base);
    assert.match(page.body, new RegExp(keys[0]!.SSHPublicKeyId!));
    r = await root.post(`${base}/ssh/status`, { id: keys[0]!.SSHPublicKeyId!, status: 'Inactive' });
    assert.equal((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'alice' }))).SSHPublicKeys![0]!.Status, 'Inactive');

    await root.get(base);
    // Redirect-after-POST: the secret is on a one-time page, so a reload creates nothing more.
    const posted = await root.post(`${base}/ssc/create`, { service: 'codecommit.amazonaws.com' });
    assert.equal(posted.status, 303);
    assert.match(posted.location ?? '', /^\/console\/iam\/credentials\/[^/]+$/);
    const created = await root.get(posted.location!);
    assert.equal(created.status, 200);
    assert.match(created.body, /id="ssc-login">alice-at-/);
    assert.match(created.body, /id="ssc-secret">[^<]{20,}</);
    assert.match(created.body, new RegExp(`id="ssc-close" href="${base}"`));
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const secret = /id="ssc-secret">([^<]+)</.exec(created.body)![1]!;
    assert.ok((await root.get(posted.location!)).body.includes(`id="ssc-secret">${secret}<`), 'a reload shows the same one');
    const listed = (await iam.send(new ListServiceSpecificCredentialsCommand({ UserName: 'alice' }))).ServiceSpecificCredentials!;
    assert.equal(listed.length, 1);
    page = await root.get(base);
    assert.doesNotMatch(page.body, /id="ssc-secret"/, 'the secret is shown once');
    assert.equal((await root.get(posted.location!)).status, 410, 'left, the one-time page is gone');
    // Reset: the new secret the same way.
    const reset = await root.post(`${base}/ssc/reset`, { id: listed[0]!.ServiceSpecificCredentialId! });
    assert.equal(reset.status, 303);
    const resetPage = await root.get(reset.location!);
    const newSecret = /id="ssc-secret">([^<]+)</.exec(resetPage.body)![1]!;
    assert.notEqual(newSecret, secret);
    await root.get(base);

    const { certPem } = await makeKeyAndCertificate('alice');
    r = await root.post(`${base}/cert/upload`, { body: certPem });
    assert.equal(r.location, `${base}?ok=saved`);
    const certs = (await iam.send(new ListSigningCertificatesCommand({ UserName: 'alice' }))).Certificates!;
    assert.equal(certs.length, 1);
    await root.get(base);
    await root.post(`${base}/cert/delete`, { id: certs[0]!.CertificateId! });
    assert.equal((await iam.send(new ListSigningCertificatesCommand({ UserName: 'alice' }))).Certificates!.length, 0);

    assert.match((await rootJa.get(base)).body, /X\.509 署名証明書/);
    const denied = (await bob.get(base)).body;
    assert.match(denied, /not authorized to perform: iam:ListSSHPublicKeys/);
    assert.match(denied, /not authorized to perform: iam:ListSigningCertificates/);
  });

  test('server certificates: uploaded, listed, deleted', async () => {
    const iam = iamClient(app);
    let page = await root.get('/console/iam/server-certificates');
    assert.match(page.body, /id="servercert-none"/);
    const { certPem, keyPem } = await makeKeyAndCertificate('www.example.com');
    let r = await root.post('/console/iam/server-certificates/upload', { name: 'www', path: '/', body: certPem, key: keyPem, chain: '' });
    assert.equal(r.location, '/console/iam/server-certificates?ok=saved');
    page = await root.get('/console/iam/server-certificates');
    assert.match(page.body, /id="servercert-table"[\s\S]*>www</);
    assert.doesNotMatch(page.body, /PRIVATE KEY/);
    r = await root.post('/console/iam/server-certificates/delete', { name: 'www' });
    assert.equal((await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList!.length, 0);
    assert.match((await rootJa.get('/console/iam/server-certificates')).body, /サーバー証明書のアップロード/);
    assert.match((await bob.get('/console/iam/server-certificates')).body, /not authorized to perform: iam:ListServerCertificates/);
  });

  test('metrics in brief on the dashboard: for the root user, with metrics on', async () => {
    const page = await root.get('/console/iam');
    assert.match(page.body, /id="metrics-brief"/);
    assert.match(page.body, /id="metric-requests">[1-9]\d*</);
    assert.match((await rootJa.get('/console/iam')).body, /メトリクスの概要/);
    assert.doesNotMatch((await bob.get('/console/iam')).body, /id="metrics-brief"/);
  });

  test('passkeys: the page in both languages, denied without iam:EnableMFADevice; bad requests refused', async () => {
    // Reached at 127.0.0.1: browsers take no IP address as relying party id, the page says where to go.
    const page = await root.get('/console/iam/passkeys/new');
    assert.equal(page.status, 200);
    assert.match(page.body, /Add a passkey or security key/);
    assert.match(page.body, /id="passkey-origin"[^>]*>Passkeys work only at the console’s address \(http:\/\/localhost:\d+\)/);
    assert.match((await rootJa.get('/console/iam/passkeys/new')).body, /パスキーまたはセキュリティキーの追加/);
    const bobPage = await bob.get('/console/iam/passkeys/new');
    assert.match(bobPage.body, /id="passkey-denied"[^>]*>[^<]*iam:EnableMFADevice/);

    const local = new ConsoleClient(app.url.replace('127.0.0.1', 'localhost'));
    await local.signIn(ACCOUNT_ID, 'user', 'bob', BOB_PASSWORD);
    await local.get('/console/iam/passkeys/new');
    const json = { 'content-type': 'application/json', 'x-csrf-token': local.token() };
    let r = await local.request('POST', '/console/iam/passkeys/options', JSON.stringify({ name: 'bad name!' }), json);
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).error, /device name/);
    r = await local.request('POST', '/console/iam/passkeys/options', JSON.stringify({ name: 'laptop' }), json);
    assert.equal(r.status, 403);
    assert.match(JSON.parse(r.body).error, /iam:EnableMFADevice/);
    r = await local.request('POST', '/console/iam/passkeys/register', JSON.stringify({ response: { id: 'x' } }), json);
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).error, /expired/);
    r = await local.request('POST', '/console/iam/passkeys/register', 'not json', json);
    assert.equal(r.status, 400);
    // Without the CSRF token: refused before anything.
    r = await local.request('POST', '/console/iam/passkeys/options', JSON.stringify({ name: 'laptop' }), { 'content-type': 'application/json' });
    assert.equal(r.status, 403);
    // Root at 127.0.0.1: the options are refused (no relying party for an IP address).
    await root.get('/console/iam/passkeys/new');
    r = await root.request('POST', '/console/iam/passkeys/options', JSON.stringify({ name: 'key' }), {
      'content-type': 'application/json',
      'x-csrf-token': root.token(),
    });
    assert.equal(r.status, 400);
    assert.match(JSON.parse(r.body).error, /localhost/);
  });
});
