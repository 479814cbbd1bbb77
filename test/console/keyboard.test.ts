// Issue #19, accessibility: the seed's flows with the keyboard alone, in Chromium. Every control
// is reached with Tab (in the page's focus order), used with Enter or Space, and shows where the
// focus is; no mouse click anywhere. Root signs in, creates a group with AdministratorAccess
// inline while adding a user with a key, then the new user's key works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateUserCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListGroupsForUserCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ErrorLog, launch, open, type Lang } from './second-pass-support.ts';
import { ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

/**
 * Presses Tab until the focused element matches `selector` (at most `max` times): the element is
 * reachable by keyboard, after what comes before it. Returns how the focus is shown.
 */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) {
      // The focus is visible: an outline or a ring (not `outline: none` with nothing instead).
      const shown = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
      });
      assert.ok(shown, `${selector}: the focus is not visible`);
      return;
    }
  }
  const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  assert.fail(`${selector} not reached with ${max} Tabs (focus on ${at})`);
}

/** Root signs in on the account's sign-in page, by keyboard. */
async function signInRootByKeyboard(page: Page, app: App): Promise<void> {
  await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
  await tabTo(page, '#root-email');
  await page.keyboard.type(ROOT_EMAIL);
  await tabTo(page, '#root-password', 3);
  await page.keyboard.type(ROOT_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${app.url}/console/iam`);
}

/** Replaces the focused field's text with `text`, typed. */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

describe('console with the keyboard alone', () => {
  let app: App;
  let browser: Browser;
  let iam: IAMClient;
  const log = new ErrorLog();

  before(async () => {
    app = await startConsoleApp();
    iam = iamClient(app);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const lang of ['en', 'ja'] as Lang[]) {
    test(`root signs in, adds a user to a new Administrators group, and gets its key (${lang})`, async () => {
      const page = await open(browser, log, lang);
      const name = `kb-${lang}`;
      await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
      await tabTo(page, '#root-email');
      await page.keyboard.type(ROOT_EMAIL);
      await tabTo(page, '#root-password', 3);
      await page.keyboard.type(ROOT_PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/console/iam`);

      await tabTo(page, 'a[href="/console/iam/users"]');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/console/iam/users`);
      await tabTo(page, 'a[href="/console/iam/users/new"]');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/iam\/users\/new/);

      await tabTo(page, '#user-name-1');
      await page.keyboard.type(name);
      await tabTo(page, '#programmatic');
      await page.keyboard.press('Space');
      assert.equal(await page.isChecked('#programmatic'), true);
      await tabTo(page, '#perm-group');
      await page.keyboard.press('Space');
      await tabTo(page, '#new-group-name');
      await page.keyboard.type(`Administrators-${lang}`);
      await tabTo(page, '#policy-filter');
      await page.keyboard.type('AdministratorAccess');
      await tabTo(page, '#pick-AdministratorAccess', 200);
      await page.keyboard.press('Space');
      assert.equal(await page.isChecked('#pick-AdministratorAccess'), true);
      await tabTo(page, '#review-users', 200);
      await page.keyboard.press('Enter');
      await page.waitForURL(/step=review/);
      await tabTo(page, '#create-users');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#credentials-table');
      assert.ok(await page.isVisible(`#credentials-table tr[data-user="${name}"]`));

      assert.equal((await iam.send(new GetUserCommand({ UserName: name }))).User?.UserName, name);
      assert.deepEqual(
        (await iam.send(new ListGroupsForUserCommand({ UserName: name }))).Groups?.map((g) => g.GroupName),
        [`Administrators-${lang}`],
      );
      await page.context().close();
      log.assertNone();
    });

    test(`root creates a group, a customer managed policy and a role with a trust policy (${lang})`, async () => {
      const page = await open(browser, log, lang);
      const group = `KbGroup-${lang}`;
      const policy = `kb-policy-${lang}`;
      const role = `kb-role-${lang}`;
      await signInRootByKeyboard(page, app);

      // A group with an AWS managed policy, from the policy picker.
      await page.goto(`${app.url}/console/iam/groups/new`);
      await tabTo(page, '#group-name');
      await page.keyboard.type(group);
      await tabTo(page, '#policy-filter');
      await page.keyboard.type('ReadOnlyAccess');
      await tabTo(page, '#pick-ReadOnlyAccess', 200);
      await page.keyboard.press('Space');
      assert.equal(await page.isChecked('#pick-ReadOnlyAccess'), true);
      await tabTo(page, '#create-group-submit', 200);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/iam\/groups\/KbGroup-[a-z]+\?ok=groupCreated/);
      assert.equal((await iam.send(new GetGroupCommand({ GroupName: group }))).Group?.GroupName, group);
      assert.deepEqual(
        (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: group }))).AttachedPolicies?.map((p) => p.PolicyName),
        ['ReadOnlyAccess'],
      );

      // A customer managed policy written in the JSON editor (Tab leaves the textarea).
      const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::kb-bucket/*' }] };
      await page.goto(`${app.url}/console/iam/policies/new`);
      await tabTo(page, '#policy-name');
      await page.keyboard.type(policy);
      await tabTo(page, 'input[name="description"]', 3);
      await page.keyboard.type('Written with the keyboard');
      await tabTo(page, '#policy-document', 3);
      await retype(page, JSON.stringify(doc));
      await tabTo(page, '#create-policy-submit', 5);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/iam\/policies\/view\?arn=.*&ok=saved/);
      const arn = `arn:aws:iam::${ACCOUNT_ID}:policy/${policy}`;
      const created = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy;
      assert.equal(created?.Description, 'Written with the keyboard');
      const version = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: created?.DefaultVersionId }))).PolicyVersion;
      assert.deepEqual(JSON.parse(decodeURIComponent(version?.Document ?? '')), doc);

      // A role another account's principals (here, this account) may assume with MFA: the trusted
      // entity chosen with the arrow keys, the trust policy generated from it; the new policy attached.
      await page.goto(`${app.url}/console/iam/roles/new`);
      await tabTo(page, 'input[name="entity"]:checked');
      assert.equal(await page.isChecked('#entity-service'), true);
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.isChecked('#entity-account'), true);
      assert.ok(await page.isVisible('#trust-account'), 'the account fields show once the account is chosen');
      await tabTo(page, '#trust-account', 3);
      assert.equal(await page.inputValue('#trust-account'), ACCOUNT_ID);
      await tabTo(page, '#trust-mfa', 5);
      await page.keyboard.press('Space');
      assert.equal(await page.isChecked('#trust-mfa'), true);
      // The trust policy follows the choices (generated by the server as they change).
      await page.waitForFunction(() => {
        const v = (document.getElementById('policy-document') as HTMLTextAreaElement).value;
        return v.includes('aws:MultiFactorAuthPresent') && v.includes(':root');
      });
      await tabTo(page, '#policy-filter', 10);
      await page.keyboard.type(policy);
      await tabTo(page, `#pick-${policy}`, 10);
      await page.keyboard.press('Space');
      assert.equal(await page.isChecked(`#pick-${policy}`), true);
      await tabTo(page, '#role-name', 200);
      await page.keyboard.type(role);
      await tabTo(page, '#role-description', 3);
      await page.keyboard.type('Assumed with MFA');
      await tabTo(page, '#max-session', 3);
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.inputValue('#max-session'), '2');
      await tabTo(page, '#create-role-submit', 5);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/console\/iam\/roles\/kb-role-[a-z]+\?ok=roleCreated/);

      const got = (await iam.send(new GetRoleCommand({ RoleName: role }))).Role;
      assert.equal(got?.Description, 'Assumed with MFA');
      assert.equal(got?.MaxSessionDuration, 7200);
      const trust = JSON.parse(decodeURIComponent(got?.AssumeRolePolicyDocument ?? ''));
      assert.equal(trust.Statement[0].Action, 'sts:AssumeRole');
      assert.deepEqual(trust.Statement[0].Principal, { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` });
      assert.ok(JSON.stringify(trust.Statement[0].Condition).includes('aws:MultiFactorAuthPresent'), JSON.stringify(trust));
      assert.deepEqual(
        (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies?.map((p) => p.PolicyArn),
        [arn],
      );
      await page.context().close();
      log.assertNone();
    });

    test(`an IAM user signs in with a password to change, changes it, and lands on the dashboard (${lang})`, async () => {
      const name = `kb-pw-${lang}`;
      const first = `First-Passw0rd-${lang}!`;
      const chosen = `Chosen-Passw0rd-${lang}!`;
      await iam.send(new CreateUserCommand({ UserName: name }));

      // Root gives the user a console password that must be changed, from the user's page.
      const rootPage = await open(browser, log, lang);
      await signInRootByKeyboard(rootPage, app);
      await rootPage.goto(`${app.url}/console/iam/users/${name}`);
      await tabTo(rootPage, '#manage-password > summary', 200);
      await rootPage.keyboard.press('Enter');
      assert.equal(await rootPage.evaluate(() => (document.getElementById('manage-password') as HTMLDetailsElement).open), true);
      await tabTo(rootPage, 'input[name="passwordMode"]:checked', 5);
      await rootPage.keyboard.press('ArrowDown');
      assert.equal(await rootPage.isChecked('input[name="passwordMode"][value="custom"]'), true);
      await tabTo(rootPage, 'input[name="customPassword"]', 3);
      await rootPage.keyboard.type(first);
      await tabTo(rootPage, 'input[name="resetRequired"]', 3);
      assert.equal(await rootPage.isChecked('input[name="resetRequired"]'), true);
      await tabTo(rootPage, '#apply-password', 3);
      await rootPage.keyboard.press('Enter');
      await rootPage.waitForURL(/\/console\/iam\/credentials\//);
      assert.ok(await rootPage.isVisible(`#credentials-table tr[data-user="${name}"]`));
      assert.equal((await iam.send(new GetLoginProfileCommand({ UserName: name }))).LoginProfile?.PasswordResetRequired, true);
      await rootPage.context().close();

      // The user, in a browser of their own.
      const page = await open(browser, log, lang);
      await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
      await tabTo(page, '#account');
      assert.equal(await page.inputValue('#account'), ACCOUNT_ID);
      await tabTo(page, '#username', 3);
      await page.keyboard.type(name);
      await tabTo(page, '#password', 3);
      await page.keyboard.type(first);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/console/iam/change-password`);
      assert.ok(await page.isVisible('#forced-reset'));
      await tabTo(page, '#old-password');
      await page.keyboard.type(first);
      await tabTo(page, '#new-password', 3);
      await page.keyboard.type(chosen);
      await tabTo(page, '#confirm-password', 3);
      await page.keyboard.type(chosen);
      await tabTo(page, '#change-password', 30);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/console/iam?ok=passwordChanged`);
      assert.ok(await page.isVisible('nav.side'), 'the dashboard, with the console navigation');
      assert.equal((await iam.send(new GetLoginProfileCommand({ UserName: name }))).LoginProfile?.PasswordResetRequired, false);
      await page.context().close();
      log.assertNone();
    });

    test(`root creates an access key on a user's page, downloads the .csv and closes (${lang})`, async () => {
      const name = `kb-key-${lang}`;
      await iam.send(new CreateUserCommand({ UserName: name }));
      const page = await open(browser, log, lang);
      await signInRootByKeyboard(page, app);
      await page.goto(`${app.url}/console/iam/users/${name}`);
      await tabTo(page, '#create-access-key', 200);
      await page.keyboard.press('Enter');
      // Redirect-after-POST: the one-time page is a GET of its own.
      await page.waitForURL(/\/console\/iam\/credentials\/[^/?#]+$/);
      const keyId = await page.textContent(`#credentials-table tr[data-user="${name}"] code.key-id`);
      assert.match(keyId ?? '', /^AKIA[A-Z0-9]{16}$/);
      assert.deepEqual(
        (await iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata?.map((k) => k.AccessKeyId),
        [keyId],
      );

      await tabTo(page, '#download-csv', 200);
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      assert.equal(download.suggestedFilename(), 'credentials.csv');
      const csv = await new Promise<string>((resolve, reject) => {
        download.createReadStream().then((stream) => {
          let text = '';
          stream.on('data', (c: Buffer) => (text += c.toString('utf8')));
          stream.on('end', () => resolve(text));
          stream.on('error', reject);
        }, reject);
      });
      const row = csv
        .split('\r\n')[1]
        ?.split(',')
        .map((f) => f.replace(/^"|"$/g, ''));
      assert.deepEqual(row?.slice(0, 3), [name, '', keyId], csv);

      await tabTo(page, '#close', 3);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${app.url}/console/iam/users/${name}`);
      assert.ok(await page.isVisible(`#access-keys code:text-is("${keyId}")`), 'the new key is listed on the user page');
      await page.context().close();
      log.assertNone();
    });
  }
});
