// In headless Chromium: a role for EC2 created through the console's form (the trust policy
// regenerated as the choices change, policies filtered and picked), its trust policy edited with
// live validation, its sessions revoked, the simulator's highlighted statements; and a virtual MFA
// device assigned from a user's page (QR code, seed for manual entry, two codes computed from it),
// after which that user's sign-in asks for a code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CreateLoginProfileCommand, CreateUserCommand, GetRoleCommand, ListMFADevicesCommand } from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../../src/crypto/totp.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ARTIFACTS, CHROMIUM_ARGS, freshProfileDir, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

describe('console in Chromium: roles, simulator, MFA', () => {
  let app: App;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `roles-${name}.png`), fullPage: true });
  const trustText = () => page.inputValue('#policy-document');

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startConsoleApp();
    profile = freshProfileDir();
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, locale: 'en-US' });
    page = await context.newPage();
    await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
    await page.fill('#root-email', ROOT_EMAIL);
    await page.fill('#root-password', ROOT_PASSWORD);
    await page.click('#root-signin-submit');
    await page.waitForURL(`${app.url}/console/iam`);
  });
  after(async () => {
    await context?.close();
    await app?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  test('create a role for EC2 with a policy, edit its trust with live validation, revoke its sessions', async () => {
    await page.click('nav.side >> text=Roles');
    await page.click('#create-role');
    assert.match(await trustText(), /"Service": "ec2\.amazonaws\.com"/);
    // The trust policy follows the choices…
    await page.selectOption('#trust-service', 'lambda.amazonaws.com');
    await page.waitForFunction(() => (document.getElementById('policy-document') as HTMLTextAreaElement).value.includes('lambda.amazonaws.com'));
    await page.check('#entity-account');
    assert.equal(await page.isVisible('#trust-service'), false);
    await page.fill('#trust-external-id', 'ext-42');
    await page.waitForFunction(() => (document.getElementById('policy-document') as HTMLTextAreaElement).value.includes('"sts:ExternalId": "ext-42"'));
    assert.match(await trustText(), /"AWS": "arn:aws:iam::111122223333:root"/);
    await shot('create-account-trust');
    await page.check('#entity-service');
    await page.selectOption('#trust-service', 'ec2.amazonaws.com');
    await page.waitForFunction(() => (document.getElementById('policy-document') as HTMLTextAreaElement).value.includes('ec2.amazonaws.com'));
    // …and is validated as a trust policy.
    await page.waitForFunction(() => !document.getElementById('policy-document')!.classList.contains('invalid'));
    await page.fill('#policy-filter', 'AmazonS3ReadOnly');
    await page.check('#pick-AmazonS3ReadOnlyAccess');
    await page.fill('#role-name', 'app-server');
    await page.fill('#role-description', 'Application servers');
    await page.selectOption('#max-session', '4');
    await shot('create-ec2');
    await page.click('#create-role-submit');
    await page.waitForURL(`${app.url}/console/iam/roles/app-server?ok=roleCreated`);
    assert.match((await page.textContent('#role-trusted'))!, /AWS service: ec2/);
    assert.match((await page.textContent('#role-attached'))!, /AmazonS3ReadOnlyAccess/);
    assert.match((await page.textContent('#role-max-session'))!, /4 hour/);
    assert.match((await page.textContent('#instance-profiles'))!, /iamd exec --instance-profile app-server -- your-command/);
    await shot('role-page');

    // Trust relationships: a policy without Principal is flagged as you type; a valid one is saved.
    await page.fill('#policy-document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}');
    await page.waitForSelector('#policy-findings li.error');
    assert.equal(await page.getAttribute('#policy-document', 'class'), 'invalid');
    await shot('trust-invalid');
    const trust = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com', AWS: `arn:aws:iam::${ACCOUNT_ID}:root` }, Action: 'sts:AssumeRole' }],
      },
      null,
      4,
    );
    await page.fill('#policy-document', trust);
    await page.waitForFunction(
      () => document.querySelectorAll('#policy-findings li.error').length === 0 && !document.getElementById('policy-document')!.classList.contains('invalid'),
    );
    await page.click('#save-trust');
    await page.waitForURL(/ok=trustUpdated/);
    assert.equal(decodeURIComponent((await iamClient(app).send(new GetRoleCommand({ RoleName: 'app-server' }))).Role!.AssumeRolePolicyDocument!), trust);
    assert.match((await page.textContent('#role-trusted'))!, /Account: 111122223333/);

    // Revoke active sessions: confirmed, then the page says since when sessions are denied.
    let confirmText = '';
    page.once('dialog', (d) => {
      confirmText = d.message();
      void d.accept();
    });
    await page.click('#revoke-sessions-submit');
    await page.waitForURL(/ok=sessionsRevoked/);
    assert.match(confirmText, /Revoke all active sessions of role app-server\?/);
    assert.ok(await page.isVisible('#revoked-before'));
    assert.match((await page.textContent('#role-inline'))!, /AWSRevokeOlderSessions/);
    await shot('sessions-revoked');
  });

  test('simulator: the deciding statement is highlighted', async () => {
    await page.click('nav.side >> text=Policy simulator');
    await page.selectOption('#sim-principal', `arn:aws:iam::${ACCOUNT_ID}:role/app-server`);
    await page.fill('#sim-actions', 's3:GetObject\niam:CreateUser');
    await page.click('#common-actions summary');
    await page.fill('#action-filter', 'putobj');
    assert.equal(await page.isVisible('#action-picker tr[data-name="s3:putobject"]'), true);
    assert.equal(await page.isVisible('#action-picker tr[data-name="s3:getobject"]'), false);
    await page.check('#action-picker input[value="s3:PutObject"]');
    await page.click('#sim-run');
    await page.waitForSelector('#sim-results');
    // AWSRevokeOlderSessions does not apply to a simulation (no token issue time), so S3 reads are allowed.
    assert.equal(await page.getAttribute('tr.result[data-action="s3:GetObject"]', 'data-decision'), 'allowed');
    assert.equal(await page.getAttribute('tr.result[data-action="iam:CreateUser"]', 'data-decision'), 'implicitDeny');
    assert.equal(await page.getAttribute('tr.result[data-action="s3:PutObject"]', 'data-decision'), 'implicitDeny');
    assert.match((await page.textContent('tr.result[data-action="s3:GetObject"] mark'))!, /"s3:Get\*"/);
    await shot('simulator');
  });

  test('assign a virtual MFA device from a user page; that user then signs in with a code', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'mfa-user' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'mfa-user', Password: 'Mfa-User-Passw0rd!' }));
    await page.goto(`${app.url}/console/iam/users/mfa-user`);
    await page.click('#assign-mfa');
    await page.waitForSelector('#mfa-qr');
    // The QR code is a real image.
    assert.ok(await page.$eval('#mfa-qr', (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0));
    await page.click('text=Show secret key');
    const seed = (await page.textContent('#mfa-seed'))!.trim();
    assert.match(seed, /^[A-Z2-7]{32,}$/);
    await shot('mfa-assign');
    const enabledAt = new Date();
    const [code1, code2] = consecutiveCodesAt(seed, enabledAt);
    await page.fill('#mfa-code1', code1);
    await page.fill('#mfa-code2', code2);
    await page.click('#mfa-assign-submit');
    await page.waitForURL(`${app.url}/console/iam/users/mfa-user?ok=mfaAssigned`);
    const devices = (await iam.send(new ListMFADevicesCommand({ UserName: 'mfa-user' }))).MFADevices!;
    assert.equal(devices.length, 1);
    assert.match((await page.textContent('#mfa-devices'))!, new RegExp(devices[0]!.SerialNumber!)); // one device, as just asserted

    await page.click('#signout');
    await page.waitForURL(`${app.url}/console/${ACCOUNT_ID}`);
    await page.fill('#username', 'mfa-user');
    await page.fill('#password', 'Mfa-User-Passw0rd!');
    await page.click('#signin');
    await page.waitForURL(`${app.url}/console/iam/mfa`);
    // Nothing else is reachable before the code.
    await page.goto(`${app.url}/console/iam/users`);
    await page.waitForURL(`${app.url}/console/iam/mfa`);
    await page.fill('#mfa-code', '000000' === code2 ? '111111' : '000000');
    await page.click('#mfa-submit');
    assert.ok(await page.isVisible('.notice.error'));
    await shot('mfa-signin');
    // The codes used to enable the device are spent; the next step's code is accepted.
    await page.fill('#mfa-code', totpForStep(seed, timeStepAt(enabledAt) + 1));
    await page.click('#mfa-submit');
    await page.waitForURL(`${app.url}/console/iam`);
    assert.match((await page.textContent('#who'))!, /^mfa-user @ /);
  });
});
