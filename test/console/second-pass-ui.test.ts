// Issue #19 in Chromium: errors in the reader's language with AWS's code and text beneath (item
// 3), phones at 390 px with the seed's flows walked there (4), translated key status and "1 hour"
// (10), axe-core with zero serious or critical violations on the main pages in both languages,
// and no console error on any page visited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddUserToGroupCommand,
  AttachRolePolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ErrorLog, LANGS, launch, open, seriousViolations, signInRoot, signInUser, textOf, type Lang } from './second-pass-support.ts';
import { startConsoleApp } from './support.ts';

const PASSWORD = 'Reader-Passw0rd-Long!';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('console second pass: errors, phones, words, accessibility', () => {
  let app: App;
  let browser: Browser;
  let iam: IAMClient;
  const log = new ErrorLog();
  const go = async (page: Page, path: string) => {
    await page.goto(`${app.url}/console/iam${path}`);
  };
  const rootPage = async (lang: Lang, opts = {}) => {
    const page = await open(browser, log, lang, opts);
    await signInRoot(page, app);
    return page;
  };

  before(async () => {
    app = await startConsoleApp();
    iam = iamClient(app);
    browser = await launch();
    await iam.send(new CreateGroupCommand({ GroupName: 'Devs' }));
    await iam.send(new CreateUserCommand({ UserName: 'dev' }));
    await iam.send(new AddUserToGroupCommand({ UserName: 'dev', GroupName: 'Devs' }));
    for (let i = 0; i < 2; i++) await iam.send(new CreateAccessKeyCommand({ UserName: 'dev' }));
    await iam.send(new CreateRoleCommand({ RoleName: 'web', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 3600 }));
    await iam.send(new CreateRoleCommand({ RoleName: 'batch', AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 7200 }));
    // reader may read everything and change nothing.
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'reader', Password: PASSWORD }));
    const readOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*', 'iam:Simulate*'], Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'reader', PolicyName: 'read', PolicyDocument: JSON.stringify(readOnly) }));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test('item 3 (ja): AWS errors as plain Japanese sentences, with the code and text beneath; disabled actions say why briefly', async () => {
    const page = await rootPage('ja');
    const explained = async (sentence: RegExp, code: string) => {
      const notice = page.locator('.notice.error').first();
      assert.match((await notice.textContent()) ?? '', sentence);
      const details = notice.locator('details.aws-error');
      assert.match((await details.locator('summary').textContent()) ?? '', /詳細/);
      assert.match((await details.locator('code').textContent()) ?? '', new RegExp(`^${code}: `));
      // AWS's text is there on demand, not in the way.
      assert.equal(await details.locator('code').isVisible(), false);
    };
    // EntityAlreadyExists.
    await go(page, '/groups/new');
    await page.fill('#group-name', 'Devs');
    await page.click('#create-group-submit');
    await explained(/同じ名前のエンティティが既に存在します/, 'EntityAlreadyExists');
    // ValidationError: a 129-character group name, refused by the server (not cut by the browser).
    await go(page, '/groups/new');
    await page.fill('#group-name', 'g'.repeat(129));
    assert.equal((await page.inputValue('#group-name')).length, 129);
    await page.$eval('#group-name', (el) => el.closest('form')?.setAttribute('novalidate', ''));
    await page.click('#create-group-submit');
    await explained(/入力された値の一部が要件を満たしていません/, 'ValidationError');
    // NoSuchEntity.
    await go(page, '/users/nobody');
    await explained(/見つかりませんでした/, 'NoSuchEntity');
    // DeleteConflict: a role with a policy attached.
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'web', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await go(page, '/roles/web');
    page.once('dialog', (d) => void d.accept());
    await page.click('#delete-role');
    await page.waitForLoadState();
    await explained(/まだ削除できません/, 'DeleteConflict');
    // LimitExceeded: a third access key (the form posted as the page would, the button aside).
    await go(page, '/users/dev');
    await page.evaluate(`(async () => {
      const body = new URLSearchParams({ _csrf: document.querySelector('input[name="_csrf"]').value });
      await fetch('/console/iam/users/dev/keys/create', { method: 'POST', body, redirect: 'manual' });
    })()`);
    await go(page, '/users/dev');
    await explained(/クォータ \(上限\) に達しました/, 'LimitExceeded');
    await page.context().close();

    // AccessDenied: reader sees short reasons, with AWS's sentence on demand.
    const reader = await open(browser, log, 'ja');
    await signInUser(reader, app, 'reader', PASSWORD);
    await go(reader, '/users/dev');
    const denied = reader.locator('form:has(button[disabled]) .reason').first();
    assert.equal((await denied.textContent())?.trim(), 'この操作の権限がありません');
    const why = reader.locator('form:has(button[disabled]) details.reason-more').first();
    assert.equal(await why.locator('code').isVisible(), false);
    await why.locator('summary').click();
    assert.match((await why.locator('code').textContent()) ?? '', /is not authorized to perform: iam:/);
    await reader.context().close();

    // The forced password change: PasswordPolicyViolation, the first error a new user meets.
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, AllowUsersToChangePassword: true }));
    await iam.send(new CreateUserCommand({ UserName: 'newbie' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'newbie', Password: 'Newbie-Passw0rd-1!', PasswordResetRequired: true }));
    const newbie = await open(browser, log, 'ja');
    await signInUser(newbie, app, 'newbie', 'Newbie-Passw0rd-1!');
    await newbie.waitForURL(/\/change-password$/);
    await newbie.fill('#old-password', 'Newbie-Passw0rd-1!');
    await newbie.fill('#new-password', 'short');
    await newbie.fill('#confirm-password', 'short');
    await newbie.click('#change-password');
    await newbie.waitForLoadState();
    const notice = await textOf(newbie, '.notice.error');
    assert.match(notice, /^パスワードがアカウントのパスワードポリシーを満たしていません。/);
    assert.match(await textOf(newbie, '.notice.error details.aws-error code'), /^PasswordPolicyViolation: Password does not conform/);
    await newbie.context().close();
    log.assertNone();
  });

  for (const lang of LANGS) {
    test(`item 10 (${lang}): the root key's status translated; one hour, not "hour(s)"`, async () => {
      const page = await rootPage(lang);
      await go(page, '/security-credentials');
      const keys = await textOf(page, '#root-keys table');
      if (lang === 'ja') {
        assert.match(keys, /有効/);
        assert.doesNotMatch(keys, /Active/);
      } else assert.match(keys, /Active/);
      await go(page, '/roles/web');
      assert.equal(await textOf(page, '#role-max-session'), lang === 'en' ? '1 hour' : '1 時間');
      await go(page, '/roles/batch');
      assert.equal(await textOf(page, '#role-max-session'), lang === 'en' ? '2 hours' : '2 時間');
      await go(page, '/roles/new');
      const options = await page.$$eval('#max-session option', (os) => os.map((o) => o.textContent));
      assert.ok(!options.some((o) => o?.includes('(s)')), options.join(', '));
      await page.context().close();
      log.assertNone();
    });
  }

  test('item 4: at 390 px the navigation folds, no page is wider than the phone, the header and Copy fit; the seed walked there', async () => {
    const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
    const page = await rootPage('en', phone);
    const fits = async (what: string) => {
      const width = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
      assert.ok(width <= 390, `${what} (${page.url()}) is ${width} px wide`);
    };
    await fits('dashboard');
    // The navigation is folded behind Menu, and opens.
    assert.equal(await page.isVisible('nav.side a[href="/console/iam/users"]'), false);
    await page.click('nav.side summary');
    assert.equal(await page.isVisible('nav.side a[href="/console/iam/users"]'), true);
    // The header's sign-out is one line; Copy is not squeezed.
    const signout = await page.$eval('#signout', (b) => ({
      height: b.getBoundingClientRect().height,
      lineHeight: Number.parseFloat(getComputedStyle(b).lineHeight),
    }));
    assert.ok(signout.height < signout.lineHeight * 1.5, `Sign out wraps: ${JSON.stringify(signout)}`);
    const copy = await page.$eval('.copy-row button', (b) => ({ scroll: b.scrollWidth, client: b.clientWidth, height: b.getBoundingClientRect().height }));
    assert.ok(copy.scroll <= copy.client && copy.height < 40, `Copy is squeezed: ${JSON.stringify(copy)}`);
    for (const path of ['/users', '/users/new', '/roles/new', '/policies/new', '/simulator', '/groups/new', '/roles/web', '/users/dev', '/account-settings']) {
      await go(page, path);
      await fits(path);
    }
    // The seed's flow at 390 px: admin with a new group Administrators (AdministratorAccess), the
    // credentials, then admin signs in and changes the password.
    await go(page, '/users/new');
    await page.fill('#user-name-1', 'admin');
    await page.check('#programmatic');
    await page.check('#console-access');
    await page.check('#reset-required');
    await page.fill('#new-group-name', 'Administrators');
    await page.fill('#policy-filter', 'AdministratorAccess');
    await page.check('#pick-AdministratorAccess');
    await fits('add user, filled');
    await page.click('#review-users');
    await page.waitForSelector('#review');
    await fits('review');
    await page.click('#create-users');
    await page.waitForSelector('#credentials-table');
    await fits('credentials');
    await page.click('#credentials-table tr[data-user="admin"] td:nth-child(2) [data-reveal]');
    const password = (await page.textContent('#credentials-table tr[data-user="admin"] td:nth-child(2) [data-secret]'))?.trim() ?? '';
    assert.ok(password.length >= 14);
    await go(page, '/groups/Administrators');
    await fits('group page');
    await go(page, '');
    await page.click('#signout');
    await page.waitForURL(/\/console\//);
    await signInUser(page, app, 'admin', password);
    await page.waitForURL(/\/change-password$/);
    await fits('forced password change');
    await page.fill('#old-password', password);
    await page.fill('#new-password', 'N3w-Admin-Passw0rd!');
    await page.fill('#confirm-password', 'N3w-Admin-Passw0rd!');
    await page.click('#change-password');
    await page.waitForURL(/\/console\/iam\?ok=passwordChanged$/);
    await fits('admin dashboard');
    await page.context().close();
    log.assertNone();
  });

  for (const lang of LANGS) {
    test(`accessibility (${lang}): axe finds no serious or critical violation on the main pages; no console error`, async () => {
      const signIn = await open(browser, log, lang);
      await signIn.goto(`${app.url}/console/${ACCOUNT_ID}`);
      const found: string[] = (await seriousViolations(signIn)).map((v) => `sign-in: ${v}`);
      await signIn.context().close();
      const page = await rootPage(lang);
      // Japanese pages are the same templates: the pages with the most words stand for them.
      const paths =
        lang === 'en'
          ? [
              '',
              '/users',
              '/users/new',
              '/users/dev',
              '/groups/Devs',
              '/roles/new',
              '/roles/batch',
              '/policies/new',
              '/account-settings',
              '/simulator',
              '/security-credentials',
            ]
          : ['', '/users/new', '/users/dev', '/account-settings', '/security-credentials'];
      for (const path of paths) {
        await go(page, path);
        for (const v of await seriousViolations(page)) found.push(`${path || '/'}: ${v}`);
      }
      assert.deepEqual(found, []);
      await page.context().close();
      log.assertNone();
    });
  }
});
