// In headless Chromium with a virtual authenticator (the DevTools protocol's WebAuthn domain): an
// IAM user registers a passkey from the console, signs out, signs in with password + passkey, and
// the session counts as MFA-authenticated (an action allowed only with MFA works); the API lists
// the device as AWS does (ListMFADevices, GetMFADevice: `…:u2f/user/NAME/DEVICE-ID`); an assertion
// replayed, or signed for another origin, is refused; the device is removed from the console.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import {
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetAccountSummaryCommand,
  GetMFADeviceCommand,
  ListMFADevicesCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { seriousViolations } from './axe-check.ts';
import { ARTIFACTS, CHROMIUM_ARGS, ConsoleClient, freshProfileDir, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

const PASSWORD = 'Passkey-User-Passw0rd!';
const USER_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:EnableMFADevice', 'iam:ListMFADevices', 'iam:DeactivateMFADevice', 'iam:ListAccessKeys', 'iam:GetLoginProfile'],
      Resource: `arn:aws:iam::${ACCOUNT_ID}:user/\${aws:username}`,
    },
    // Listing users only with MFA: shows whether the console session counts as MFA-authenticated.
    { Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
  ],
});

const b64url = (b: Buffer) => b.toString('base64url');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

describe('console in Chromium: passkeys as MFA', () => {
  let app: App;
  let base: string;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `passkeys-${name}.png`), fullPage: true });
  const consoleErrors: string[] = [];

  async function signInAsUser(): Promise<void> {
    await page.goto(`${base}/console/${ACCOUNT_ID}`);
    await page.fill('#username', 'alice');
    await page.fill('#password', PASSWORD);
    await page.click('#signin');
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startConsoleApp();
    // Browsers take no IP address as a WebAuthn relying party id: the console is reached as localhost.
    base = app.url.replace('127.0.0.1', 'localhost');
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: PASSWORD }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'self-mfa', PolicyDocument: USER_POLICY }));
    profile = freshProfileDir();
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, locale: 'en-US' });
    page = await context.newPage();
    page.on('console', (m) => {
      // favicon.ico is not the console's (browsers ask the server root for it): not a page's error.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) consoleErrors.push(`${m.text()} ${m.location().url}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const added = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    authenticatorId = added.authenticatorId;
  });
  after(async () => {
    await context?.close();
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('register a passkey, sign in with password + passkey, MFA present; replays and other origins refused; remove it', async () => {
    const iam = iamClient(app);
    // Without MFA the MFA-only action is denied.
    await signInAsUser();
    await page.waitForURL(`${base}/console/iam`);
    await page.goto(`${base}/console/iam/users`);
    assert.match((await page.textContent('main'))!, /iam:ListUsers/);

    // Register from the user's own page.
    await page.goto(`${base}/console/iam/users/alice`);
    await page.click('#add-passkey');
    await page.waitForSelector('#passkey-register');
    await page.fill('#passkey-name', 'laptop');
    await shot('register');
    assert.deepEqual(await seriousViolations(page), []);
    await page.click('#passkey-register-submit');
    await page.waitForURL(`${base}/console/iam/users/alice?ok=passkeyAdded`);
    assert.match((await page.textContent('#mfa-devices'))!, /u2f\/user\/alice\/laptop-/);
    await shot('registered');

    // The API shows it as AWS does.
    const devices = (await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices!;
    assert.equal(devices.length, 1);
    const serial = devices[0]!.SerialNumber!;
    assert.match(serial, new RegExp(`^arn:aws:iam::${ACCOUNT_ID}:u2f/user/alice/laptop-[A-Z2-7]{26}$`));
    assert.equal(devices[0]!.UserName, 'alice');
    const got = await iam.send(new GetMFADeviceCommand({ UserName: 'alice', SerialNumber: serial }));
    assert.equal(got.SerialNumber, serial);
    assert.ok(got.EnableDate instanceof Date);

    // Sign out, sign in: the MFA step offers the passkey, and the session has MFA.
    await page.click('#signout');
    await page.waitForURL(`${base}/console/${ACCOUNT_ID}`);
    await signInAsUser();
    await page.waitForURL(`${base}/console/iam/mfa`);
    assert.equal(await page.isVisible('#mfa-code'), false, 'no code form: the user has no virtual device');
    await shot('mfa-step');
    assert.deepEqual(await seriousViolations(page), []);
    const sent = page.waitForRequest((r) => r.url().endsWith('/console/iam/mfa/passkey') && r.method() === 'POST');
    await page.click('#passkey-signin');
    const assertion = (await sent).postData()!;
    await page.waitForURL(`${base}/console/iam`);
    await page.goto(`${base}/console/iam/users`);
    assert.doesNotMatch((await page.textContent('main'))!, /iam:ListUsers/);
    assert.match((await page.textContent('main'))!, /alice/);
    await shot('signed-in-with-mfa');

    // Another browser (an HTTP client) at the MFA step: the captured assertion, replayed, is refused.
    const other = new ConsoleClient(base);
    const signedIn = await other.signIn(ACCOUNT_ID, 'user', 'alice', PASSWORD);
    assert.equal(signedIn.location, '/console/iam/mfa');
    await other.get('/console/iam/mfa');
    const csrf = other.token();
    const json = { 'content-type': 'application/json', 'x-csrf-token': csrf };
    const options = JSON.parse((await other.request('POST', '/console/iam/mfa/passkey/options', '{}', json)).body) as { challenge: string; rpId: string };
    assert.equal(options.rpId, 'localhost');
    const replayed = await other.request('POST', '/console/iam/mfa/passkey', assertion, json);
    assert.equal(replayed.status, 401);
    assert.match(JSON.parse(replayed.body).error, /could not be verified/);

    // An assertion signed by the same key for the fresh challenge, but for another origin, is
    // refused; the same for the console's origin is accepted (so only the origin was wrong).
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    const credential = credentials[0]!;
    const key = createPrivateKey({ key: Buffer.from(credential.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
    const forge = (origin: string, challenge: string, counter: number) => {
      const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge, origin, crossOrigin: false }));
      const counterBytes = Buffer.alloc(4);
      counterBytes.writeUInt32BE(counter);
      const authData = Buffer.concat([sha256('localhost'), Buffer.from([0x05]), counterBytes]);
      // ES256 (what Chromium's virtual authenticator makes), or EdDSA should it offer that.
      const signature = sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', Buffer.concat([authData, sha256(clientData)]), key);
      const id = b64url(Buffer.from(credential.credentialId, 'base64'));
      return JSON.stringify({
        response: {
          id,
          rawId: id,
          type: 'public-key',
          clientExtensionResults: {},
          response: { clientDataJSON: b64url(clientData), authenticatorData: b64url(authData), signature: b64url(signature) },
        },
      });
    };
    const fresh = async () => JSON.parse((await other.request('POST', '/console/iam/mfa/passkey/options', '{}', json)).body).challenge as string;
    const evil = await other.request('POST', '/console/iam/mfa/passkey', forge('https://evil.example', await fresh(), credential.signCount + 10), json);
    assert.equal(evil.status, 401);
    const good = await other.request('POST', '/console/iam/mfa/passkey', forge(base, await fresh(), credential.signCount + 20), json);
    assert.equal(good.status, 200, good.body);
    assert.equal(JSON.parse(good.body).location, '/console/iam');

    // Remove it from the user page: DeactivateMFADevice, and the API no longer lists it.
    await page.goto(`${base}/console/iam/users/alice`);
    await page.click('#mfa-devices button:has-text("Remove")');
    await page.waitForURL(/ok=saved/);
    assert.equal((await iam.send(new ListMFADevicesCommand({ UserName: 'alice' }))).MFADevices!.length, 0);
    assert.deepEqual(consoleErrors, []);
  });

  test('the root user registers a passkey too: u2f/root serial, account MFA enabled', async () => {
    await page.goto(`${base}/console/iam`);
    await page.click('#signout');
    await page.waitForURL(`${base}/console/${ACCOUNT_ID}`);
    await page.fill('#root-email', ROOT_EMAIL);
    await page.fill('#root-password', ROOT_PASSWORD);
    await page.click('#root-signin-submit');
    await page.waitForURL(`${base}/console/iam`);
    await page.goto(`${base}/console/iam/security-credentials`);
    await page.click('#add-passkey');
    await page.fill('#passkey-name', 'root-key');
    await page.click('#passkey-register-submit');
    await page.waitForURL(`${base}/console/iam/security-credentials?ok=passkeyAdded`);
    const iam = iamClient(app);
    const devices = (await iam.send(new ListMFADevicesCommand({}))).MFADevices!;
    assert.equal(devices.length, 1);
    assert.match(devices[0]!.SerialNumber!, new RegExp(`^arn:aws:iam::${ACCOUNT_ID}:u2f/root/root-key-[A-Z2-7]{26}$`));
    assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.AccountMFAEnabled, 1);
    // Signing in again asks for it.
    await page.click('#signout');
    await page.waitForURL(`${base}/console/${ACCOUNT_ID}`);
    await page.fill('#root-email', ROOT_EMAIL);
    await page.fill('#root-password', ROOT_PASSWORD);
    await page.click('#root-signin-submit');
    await page.waitForURL(`${base}/console/iam/mfa`);
    // The MFA step in Japanese.
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'ja');
    assert.equal((await page.textContent('#passkey-signin'))!.trim(), 'パスキーまたはセキュリティキーを使用');
    await page.click('#passkey-signin');
    await page.waitForURL(`${base}/console/iam`);
    assert.deepEqual(consoleErrors, []);
  });
});
