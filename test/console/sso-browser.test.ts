// In headless Chromium: console sign-in through an OIDC provider. A real oidc-provider serves
// https://localhost (its development login and consent pages); iamd runs as a child process that
// trusts the test CA (NODE_EXTRA_CA_CERTS), so its discovery and code exchange verify TLS. The
// browser itself is told to accept the provider's certificate (ignoreHTTPSErrors): it is the
// user's side, not iamd's. The administrator creates the provider with the SDK, roles trusting it
// by `:sub`, and enables console sign-in on the console's Identity providers page; then Alice signs
// in and lands in the console as her role session (its name in the header, its permissions on
// every page), a replayed callback is refused, Bob chooses between the two roles that trust him,
// Carol gets the "no role" page, and the Japanese sign-in page offers the button translated.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { stopChild } from '../child-process.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ARTIFACTS, CHROMIUM_ARGS, ROOT_EMAIL, ROOT_PASSWORD } from './support.ts';
import { CLIENT_ID, CLIENT_SECRET, ISSUER, PROVIDER_NAME, startIamdTrustingCa, startIdp, type SsoWorld } from './sso-support.ts';

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
const allow = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

describe('console in Chromium: sign-in through an OIDC provider', () => {
  let world: SsoWorld;
  let idp: { close(): Promise<void> };
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let base: string;

  /** A new browser profile (no cookies at iamd nor at the provider). */
  async function newPage(locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale });
    contexts.push(context);
    // The provider's development pages import a web font: there is no network here.
    await context.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) => route.abort());
    return context.newPage();
  }
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `sso-${name}.png`), fullPage: true });

  /** At the account's sign-in page: "Sign in with Corp SSO", then the provider's login and consent pages. */
  async function signInAs(page: Page, login: string): Promise<void> {
    await page.goto(`${base}/console/${ACCOUNT_ID}`);
    assert.equal((await page.textContent('#sso-0'))?.trim(), 'Sign in with Corp SSO');
    await page.click('#sso-0');
    await page.waitForURL((url) => url.origin === ISSUER);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any-password');
    await page.click('button[type="submit"]');
    // The provider asks for consent to share the profile with iamd's console.
    await page.waitForSelector('button[type="submit"]:has-text("Continue")');
    await page.click('button[type="submit"]');
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await startIamdTrustingCa();
    base = world.iamd.url;
    idp = await startIdp(world.ca, world.callback);
    const iam = iamClient(base);
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: ISSUER, ClientIDList: [CLIENT_ID] }));
    await iam.send(new CreateRoleCommand({ RoleName: 'sso-dev', AssumeRolePolicyDocument: trustFor(['alice', 'bob']) }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'sso-dev',
        PolicyName: 'read-roles',
        PolicyDocument: allow(['iam:ListRoles', 'iam:GetRole', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:ListRoleTags']),
      }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'sso-auditors', AssumeRolePolicyDocument: trustFor(['bob']) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'sso-auditors', PolicyName: 'read-users', PolicyDocument: allow(['iam:ListUsers']) }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await idp?.close();
    if (world) await stopChild(world.iamd);
    if (world) rmSync(world.dir, { recursive: true, force: true });
  });

  test('the administrator enables console sign-in on the Identity providers page', async () => {
    const page = await newPage();
    await page.goto(`${base}/console/${ACCOUNT_ID}`);
    // Not enabled yet: no provider is offered.
    assert.equal(await page.isVisible('#sso-signin'), false);
    await page.fill('#root-email', ROOT_EMAIL);
    await page.fill('#root-password', ROOT_PASSWORD);
    await page.click('#root-signin-submit');
    await page.waitForURL(`${base}/console/iam`);
    await page.click('nav.side >> text=Identity providers');
    await page.waitForURL(`${base}/console/iam/identity-providers`);
    assert.match((await page.textContent('#idp-callback'))!, new RegExp(`${world.callback.replace(/[./]/g, '\\$&')}`));
    assert.match((await page.textContent('#idp-state-0'))!, /not enabled/);
    await page.selectOption('#idp-client-0', CLIENT_ID);
    await page.fill('#idp-secret-0', CLIENT_SECRET);
    await page.fill('#idp-display-0', 'Corp SSO');
    await page.click('#idp-enable-0');
    await page.waitForURL(`${base}/console/iam/identity-providers?ok=consoleSignInEnabled`);
    assert.equal(
      (await page.textContent('#idp-state-0'))!.trim(),
      'Console sign-in is enabled: "Sign in with Corp SSO", as client iamd-console. A client secret is stored.',
    );
    // The secret is never shown again, not even in the form.
    assert.equal(await page.inputValue('#idp-secret-0'), '');
    assert.equal((await page.content()).includes(CLIENT_SECRET), false);
    await shot(page, 'identity-providers');
    await page.click('#signout');
    await page.waitForURL(`${base}/console/${ACCOUNT_ID}`);
    assert.equal(await page.isVisible('#sso-signin'), true);
  });

  test('Alice signs in through the provider and acts as her role session; her callback cannot be replayed', async () => {
    const page = await newPage();
    let callback = '';
    page.on('request', (r) => {
      if (r.url().startsWith(world.callback)) callback = r.url();
    });
    await signInAs(page, 'alice');
    await page.waitForURL(`${base}/console/iam`);
    assert.equal((await page.textContent('#who'))!.trim(), 'sso-dev/alice@example.com @ 111122223333');
    assert.equal(await page.getAttribute('#who', 'title'), 'arn:aws:sts::111122223333:assumed-role/sso-dev/alice@example.com');
    // A page the role allows…
    await page.click('nav.side >> text=Roles');
    await page.waitForURL(`${base}/console/iam/roles`);
    assert.ok(await page.isVisible('a:has-text("sso-auditors")'));
    // …and one it does not.
    await page.click('nav.side >> text=Users');
    await page.waitForURL(`${base}/console/iam/users`);
    assert.match(
      (await page.textContent('.notice.error'))!,
      /User: arn:aws:sts::111122223333:assumed-role\/sso-dev\/alice@example\.com is not authorized to perform: iam:ListUsers/,
    );
    await shot(page, 'alice-denied');

    // The provider's answer again, in the same browser: refused.
    assert.match(callback, /[?&]code=/);
    await page.goto(callback);
    assert.match((await page.textContent('.notice.error'))!, /already used/);
    // Signing out ends the session, back to the account's sign-in page.
    await page.goto(`${base}/console/iam`);
    await page.click('#signout');
    await page.waitForURL(`${base}/console/${ACCOUNT_ID}`);
    await page.goto(`${base}/console/iam`);
    await page.waitForURL(/\/console\/\?next=/);
  });

  test('Bob is trusted by two roles: he chooses one', async () => {
    const page = await newPage();
    await signInAs(page, 'bob');
    await page.waitForSelector('#sso-choose');
    assert.match((await page.textContent('#sso-subject'))!, /Corp SSO signed you in as bob/);
    const offered = await page.$$eval('#sso-choose input[name="role"]', (inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    assert.deepEqual(offered, [`arn:aws:iam::${ACCOUNT_ID}:role/sso-auditors`, `arn:aws:iam::${ACCOUNT_ID}:role/sso-dev`]);
    await page.check('#sso-role-sso-auditors');
    await page.click('#sso-choose-submit');
    await page.waitForURL(`${base}/console/iam`);
    assert.equal((await page.textContent('#who'))!.trim(), 'sso-auditors/bob@example.com @ 111122223333');
    // This role may list users, and not roles.
    await page.click('nav.side >> text=Users');
    assert.equal(await page.isVisible('.notice.error'), false);
    await page.click('nav.side >> text=Roles');
    assert.match((await page.textContent('.notice.error'))!, /not authorized to perform: iam:ListRoles/);
  });

  test('Carol is trusted by no role: she is told so, and has no session', async () => {
    const page = await newPage();
    await signInAs(page, 'carol');
    await page.waitForSelector('#sso-back');
    assert.match((await page.textContent('.notice.error'))!, /Corp SSO signed you in as carol, but no role of account 111122223333 trusts you/);
    await shot(page, 'carol-no-role');
    await page.goto(`${base}/console/iam`);
    await page.waitForURL(/\/console\/\?next=/);
  });

  test('in Japanese (a browser that asks for it), the sign-in page offers the provider translated', async () => {
    const page = await newPage('ja-JP');
    await page.goto(`${base}/console/${ACCOUNT_ID}`);
    assert.equal((await page.textContent('#sso-signin h2'))!.trim(), 'ID プロバイダ');
    assert.equal((await page.textContent('#sso-0'))!.trim(), 'Corp SSO でサインイン');
    await shot(page, 'signin-ja');
  });
});
