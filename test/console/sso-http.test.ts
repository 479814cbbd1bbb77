// Console sign-in through an OIDC provider, over plain HTTP against a real oidc-provider on
// https://localhost (its development login pages driven without a browser) and an iamd child
// process that trusts the test CA: enabling it (iamd's signed JSON API; the client secret sealed and
// never returned), the authorization request (PKCE S256, state, nonce, the exact redirect URI, a
// SameSite=Lax flow cookie), a sign-in whose console session acts as the role session, and every
// refusal: the provider's access_denied, a missing, unknown, replayed or other browser's state, a
// user no role trusts, a provider no longer enabled, a role deleted under the session.
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { stopChild } from '../child-process.ts';
import { ACCOUNT_ID, iamClient, ROOT_KEY, type Credentials } from '../helpers.ts';
import { ConsoleClient, type Reply } from './support.ts';
import { CLIENT_ID, CLIENT_SECRET, ISSUER, PROVIDER_NAME, signedJson, signInAtIdp, startIamdTrustingCa, startIdp, type SsoWorld } from './sso-support.ts';

const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${PROVIDER_NAME}`;
const trustFor = (subs: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${PROVIDER_NAME}:aud`]: CLIENT_ID, [`${PROVIDER_NAME}:sub`]: subs } },
      },
    ],
  });
const READ_ROLES = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['iam:ListRoles', 'iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies'], Resource: '*' }],
});
const sessionCookie = (r: Reply) => r.headers.getSetCookie().find((c) => c.startsWith('iamd-session='));

describe('console sign-in through an OIDC provider (HTTP)', () => {
  let world: SsoWorld;
  let idp: { close(): Promise<void> };
  const iam = () => iamClient(world.iamd.url);
  const enable = (body: Record<string, unknown>, as?: Credentials) => signedJson(world.iamd.url, 'PUT', '/iamd/oidc-providers/console-sign-in', body, {}, as);

  /** A new browser at the account's sign-in page, sent to the provider: the authorization URL. */
  async function startFlow(c: ConsoleClient): Promise<URL> {
    const page = await c.get(`/console/${ACCOUNT_ID}`);
    const href = /id="sso-0" href="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(href, 'the sign-in page offers the provider');
    const start = await c.get(href);
    assert.equal(start.status, 303, start.body);
    return new URL(start.location!);
  }
  const callbackPath = (url: string) => {
    const u = new URL(url);
    assert.equal(`${u.origin}${u.pathname}`, world.callback);
    return `${u.pathname}${u.search}`;
  };

  before(async () => {
    world = await startIamdTrustingCa();
    idp = await startIdp(world.ca, world.callback);
    await iam().send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [CLIENT_ID, 'cli-client'] }));
    await iam().send(new CreateRoleCommand({ RoleName: 'sso-dev', AssumeRolePolicyDocument: trustFor(['alice']) }));
    await iam().send(new PutRolePolicyCommand({ RoleName: 'sso-dev', PolicyName: 'read-roles', PolicyDocument: READ_ROLES }));
  });
  after(async () => {
    await idp?.close();
    if (world) await stopChild(world.iamd);
    if (world) rmSync(world.dir, { recursive: true, force: true });
  });

  test('enabling: the console client must be a client ID of the provider; the secret is sealed and never returned', async () => {
    const missing = await enable({ OpenIDConnectProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/idp.example.org`, Enabled: true });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      Code: 'NoSuchEntity',
      Message: `OpenIDConnect Provider not found for arn arn:aws:iam::${ACCOUNT_ID}:oidc-provider/idp.example.org`,
    });
    const unknownClient = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: 'someone-else', DisplayName: 'Corp SSO' });
    assert.equal(unknownClient.status, 400);
    assert.equal(unknownClient.body.Code, 'InvalidInput');
    assert.equal(unknownClient.body.Message, `ClientId someone-else is not a client ID of OpenIDConnect provider ${PROVIDER_ARN}.`);
    const incomplete = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID });
    assert.equal(incomplete.status, 400);
    assert.equal(incomplete.body.Message, 'ClientId and DisplayName are required to enable console sign-in.');
    const tooLong = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID, DisplayName: 'x'.repeat(65) });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.Code, 'ValidationError');

    // A user without iamd:UpdateOpenIDConnectProviderConsoleSignIn is refused, in AWS's words.
    await iam().send(new CreateUserCommand({ UserName: 'intern' }));
    const key = (await iam().send(new CreateAccessKeyCommand({ UserName: 'intern' }))).AccessKey!;
    const intern = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const denied = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID, DisplayName: 'Corp SSO' }, intern);
    assert.equal(denied.status, 403);
    assert.match(
      String(denied.body.Message),
      /user\/intern is not authorized to perform: iamd:UpdateOpenIDConnectProviderConsoleSignIn on resource: arn:aws:iam::111122223333:oidc-provider\/localhost/,
    );
    // Nothing changed.
    const still = await signedJson(world.iamd.url, 'GET', '/iamd/oidc-providers/console-sign-in', undefined, { OpenIDConnectProviderArn: PROVIDER_ARN });
    assert.deepEqual(still.body, { OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: false });

    const ok = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET, DisplayName: 'Corp' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID, DisplayName: 'Corp', ClientSecretSet: true });
    // Left out with the same client: the stored secret stays.
    const renamed = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID, DisplayName: 'Corp SSO' });
    assert.deepEqual(renamed.body, {
      OpenIDConnectProviderArn: PROVIDER_ARN,
      Enabled: true,
      ClientId: CLIENT_ID,
      DisplayName: 'Corp SSO',
      ClientSecretSet: true,
    });
    const got = await signedJson(world.iamd.url, 'GET', '/iamd/oidc-providers/console-sign-in', undefined, { OpenIDConnectProviderArn: PROVIDER_ARN });
    assert.deepEqual(got.body, renamed.body);
    // The secret is sealed at rest: not one file of the data folder holds it.
    const data = join(world.dir, 'data');
    for (const f of readdirSync(data)) assert.equal(readFileSync(join(data, f)).indexOf(CLIENT_SECRET), -1, f);
  });

  test('the sign-in page offers the provider; starting sends the browser to it with PKCE S256, state, nonce and the exact callback', async () => {
    const c = new ConsoleClient(world.iamd.url);
    const page = await c.get(`/console/${ACCOUNT_ID}`);
    assert.match(text(page.body), /Sign in with Corp SSO/);
    const start = /id="sso-0" href="([^"]+)"/.exec(page.body)![1]!.replace(/&amp;/g, '&');
    const res = await c.get(start);
    assert.equal(res.status, 303);
    const to = new URL(res.location!);
    assert.equal(to.origin, ISSUER);
    const q = to.searchParams;
    assert.equal(q.get('client_id'), CLIENT_ID);
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('redirect_uri'), world.callback);
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.match(q.get('nonce') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.deepEqual(q.get('scope')?.split(' ').sort(), ['email', 'openid', 'profile']);
    // The flow cookie comes back with the provider's cross-site redirect (Lax), never to scripts.
    const flow = res.headers.getSetCookie().find((c) => c.startsWith('iamd-sso='));
    assert.ok(flow);
    assert.match(flow, /; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/);
    // Served over TLS (here: behind a proxy that says so), it is a Secure __Host- cookie.
    const overTls = await new ConsoleClient(world.iamd.url).request('GET', start, undefined, { 'x-forwarded-proto': 'https' });
    assert.match(overTls.headers.getSetCookie().find((c) => c.startsWith('__Host-iamd-sso=')) ?? '', /; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=600$/);
    // Another sign-in gets another state, nonce and verifier.
    const again = new URL((await c.get(start)).location!).searchParams;
    assert.notEqual(again.get('state'), q.get('state'));
    assert.notEqual(again.get('nonce'), q.get('nonce'));
    assert.notEqual(again.get('code_challenge'), q.get('code_challenge'));
    // A provider that is not this account's, or not one at all: no redirect anywhere.
    for (const provider of [`arn:aws:iam::444455556666:oidc-provider/${PROVIDER_NAME}`, 'https://evil.example', '']) {
      const refused = await c.get(`/console/sso/start?account=${ACCOUNT_ID}&provider=${encodeURIComponent(provider)}`);
      assert.equal(refused.status, 404);
      assert.equal(refused.location, null);
      assert.match(text(refused.body), /not available for this account/);
    }
  });

  test('a sign-in: the console session is the role session (its permissions, its name); the callback works once', async () => {
    const c = new ConsoleClient(world.iamd.url);
    const back = await signInAtIdp(world.ca, (await startFlow(c)).href, 'alice');
    const path = callbackPath(back);
    const landed = await c.get(path);
    assert.equal(landed.status, 200, landed.body);
    // Signed in: the session cookie as for any console session; the flow cookie dropped.
    assert.match(sessionCookie(landed) ?? '', /^iamd-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    assert.ok(landed.headers.getSetCookie().some((x) => /^iamd-sso=; .*Max-Age=0/.test(x)));
    assert.match(text(landed.body), /Signed in as sso-dev\/alice@example\.com/);
    assert.match(landed.body, /<meta http-equiv="refresh" content="0;url=\/console\/iam">/);
    // The audit trail has the sign-in, as CloudTrail records a federated one: ConsoleLogin by the role session.
    const trail = new CloudTrailClient({ endpoint: world.iamd.url, region: 'us-east-1', credentials: ROOT_KEY });
    const logins = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }] }));
    const records = (logins.Events ?? []).map((e) => JSON.parse(e.CloudTrailEvent ?? '{}'));
    const login = records.find((r) => r.userIdentity?.arn === 'arn:aws:sts::111122223333:assumed-role/sso-dev/alice@example.com');
    assert.ok(login, JSON.stringify(records));
    assert.equal(login.eventSource, 'signin.amazonaws.com');
    assert.equal(login.userIdentity.type, 'AssumedRole');
    assert.deepEqual(login.responseElements, { ConsoleLogin: 'Success' });

    const home = await c.get('/console/iam');
    assert.equal(home.status, 200);
    assert.match(home.body, /id="who" title="arn:aws:sts::111122223333:assumed-role\/sso-dev\/alice@example\.com">sso-dev\/alice@example\.com @ 111122223333</);
    // What the role allows, and only that.
    const roles = await c.get('/console/iam/roles');
    assert.match(text(roles.body), /sso-dev Federated: arn:aws:iam::111122223333:oidc-provider\/localhost/);
    assert.doesNotMatch(text(roles.body), /not authorized to perform: iam:ListRoles/);
    const users = await c.get('/console/iam/users');
    assert.match(
      text(users.body),
      /AccessDenied: User: arn:aws:sts::111122223333:assumed-role\/sso-dev\/alice@example\.com is not authorized to perform: iam:ListUsers/,
    );
    // My security credentials: a role session has none of its own, and says so (no failing sections).
    const mine = await c.get('/console/iam/security-credentials');
    assert.equal(mine.status, 200);
    assert.match(text(mine.body), /signed in as the role session sso-dev\/alice@example\.com\. A role session has no password, access keys or MFA devices/);
    assert.doesNotMatch(text(mine.body), /AccessDenied/);

    // The same callback again (a replay): refused, and no session comes of it.
    const fresh = new ConsoleClient(world.iamd.url);
    fresh.cookies.set('iamd-sso', c.cookies.get('iamd-sso') ?? 'x'.repeat(43));
    for (const who of [c, fresh]) {
      const replay = await who.get(path);
      assert.equal(replay.status, 400);
      assert.match(text(replay.body), /not valid: it expired, was already used, or was started in another browser/);
      assert.equal(sessionCookie(replay), undefined);
    }

    // Deleting the role ends its sessions, the console's too.
    await iam().send(new DeleteRolePolicyCommand({ RoleName: 'sso-dev', PolicyName: 'read-roles' }));
    await iam().send(new DeleteRoleCommand({ RoleName: 'sso-dev' }));
    const after = await c.get('/console/iam');
    assert.equal(after.status, 303);
    assert.equal(after.location, '/console/?next=%2Fconsole%2Fiam');
    await iam().send(new CreateRoleCommand({ RoleName: 'sso-dev', AssumeRolePolicyDocument: trustFor(['alice']) }));
    await iam().send(new PutRolePolicyCommand({ RoleName: 'sso-dev', PolicyName: 'read-roles', PolicyDocument: READ_ROLES }));
  });

  test('refused without a session: access_denied, no state, an unknown state, another browser, a user no role trusts', async () => {
    const c = new ConsoleClient(world.iamd.url);
    // The user cancels at the provider: it answers error=access_denied.
    const cancelled = await signInAtIdp(world.ca, (await startFlow(c)).href, 'alice', { cancel: true });
    assert.equal(new URL(cancelled).searchParams.get('error'), 'access_denied');
    const refused = await c.get(callbackPath(cancelled));
    assert.equal(refused.status, 403);
    assert.match(text(refused.body), /Corp SSO did not sign you in: access_denied – End-User aborted interaction/);
    assert.equal(sessionCookie(refused), undefined);
    // Its state was used: the same answer again is refused as a replay.
    assert.equal((await c.get(callbackPath(cancelled))).status, 400);

    for (const bad of ['/console/sso/callback', '/console/sso/callback?code=abc', `/console/sso/callback?code=abc&state=${'A'.repeat(43)}`]) {
      const r = await c.get(bad);
      assert.equal(r.status, 400, bad);
      assert.equal(sessionCookie(r), undefined);
    }

    // A code and state obtained in one browser, brought to another (login CSRF): refused there, and
    // spent, so the first cannot use it either.
    const stolen = callbackPath(await signInAtIdp(world.ca, (await startFlow(c)).href, 'alice'));
    const other = new ConsoleClient(world.iamd.url);
    await other.get(`/console/${ACCOUNT_ID}`);
    const there = await other.get(stolen);
    assert.equal(there.status, 400);
    assert.equal(sessionCookie(there), undefined);
    assert.equal((await c.get(stolen)).status, 400);

    // Mallory signs in at the provider, but no role trusts her.
    const mallory = await c.get(callbackPath(await signInAtIdp(world.ca, (await startFlow(c)).href, 'mallory')));
    assert.equal(mallory.status, 403);
    assert.match(text(mallory.body), /Corp SSO signed you in as mallory, but no role of account 111122223333 trusts you/);
    assert.equal(sessionCookie(mallory), undefined);
    assert.equal((await c.get('/console/iam')).status, 303);
  });

  test('a provider that cannot be discovered: a page that says so, and no flow', async () => {
    const url = `${ISSUER}/nowhere`;
    const arn = `${PROVIDER_ARN}/nowhere`;
    await iam().send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: [CLIENT_ID] }));
    assert.equal((await enable({ OpenIDConnectProviderArn: arn, Enabled: true, ClientId: CLIENT_ID, DisplayName: 'Nowhere' })).status, 200);
    const c = new ConsoleClient(world.iamd.url);
    const page = await c.get(`/console/${ACCOUNT_ID}`);
    // Offered by display name.
    assert.deepEqual(
      [...page.body.matchAll(/id="sso-\d" href="[^"]+">([^<]+)</g)].map((m) => m[1]),
      ['Sign in with Corp SSO', 'Sign in with Nowhere'],
    );
    const r = await c.get(`/console/sso/start?account=${ACCOUNT_ID}&provider=${encodeURIComponent(arn)}`);
    assert.equal(r.status, 502);
    assert.match(text(r.body), /Nowhere could not be reached/);
    assert.equal(r.location, null);
    assert.equal(c.cookies.has('iamd-sso'), false);
    await enable({ OpenIDConnectProviderArn: arn, Enabled: false });
  });

  test('a provider no longer enabled is no longer offered, and a sign-in under way through it fails', async () => {
    const c = new ConsoleClient(world.iamd.url);
    const back = callbackPath(await signInAtIdp(world.ca, (await startFlow(c)).href, 'alice'));
    const off = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: false });
    assert.deepEqual(off.body, { OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: false });
    const r = await c.get(back);
    assert.equal(r.status, 403);
    assert.match(text(r.body), /not available for this account/);
    assert.equal(sessionCookie(r), undefined);
    const page = await c.get(`/console/${ACCOUNT_ID}`);
    assert.doesNotMatch(page.body, /id="sso-signin"/);
    // Enabled again, as another client without a secret: the old secret is not carried over.
    const again = await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: 'cli-client', DisplayName: 'Corp SSO' });
    assert.equal(again.body.ClientSecretSet, false);
    await enable({ OpenIDConnectProviderArn: PROVIDER_ARN, Enabled: true, ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET, DisplayName: 'Corp SSO' });
  });
});
