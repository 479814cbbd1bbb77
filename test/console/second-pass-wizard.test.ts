// Issue #19, the add-user wizard in Chromium, in English and Japanese: all or nothing (item 1),
// name fields whose pattern compiles and speaks the page's language (2), the permissions step
// with groups created inline, copied and attached permissions, tags and a review (5), Back and
// Forward without resubmission (6), a double click creating once (7), a 65-character name
// refused, not cut (8), the custom password only when chosen (9); no console error on any page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AttachUserPolicyCommand,
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { awsError, iamClient } from '../helpers.ts';
import { ErrorLog, LANGS, launch, open, signInRoot, signInUser, textOf, type Lang } from './second-pass-support.ts';
import { startConsoleApp } from './support.ts';

const GOOD_PASSWORD = 'Very-Good-Passw0rd!';
const LIMITED_PASSWORD = 'Limited-Passw0rd!';

describe('console second pass: Add user', () => {
  let app: App;
  let browser: Browser;
  let iam: IAMClient;
  const log = new ErrorLog();

  const exists = async (name: string) =>
    (await awsError(() => iam.send(new GetUserCommand({ UserName: name }))).catch(() => undefined))?.name !== 'NoSuchEntity';
  const userNames = async () => ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName).sort();
  const rootPage = async (lang: Lang) => {
    const page = await open(browser, log, lang);
    await signInRoot(page, app);
    return page;
  };
  /** Fills the first step: names, access, password. */
  const fillDetails = async (page: Page, names: string[], opts: { programmatic?: boolean; console?: boolean; custom?: string } = {}) => {
    await page.goto(`${app.url}/console/iam/users/new`);
    for (const [i, n] of names.entries()) await page.fill(`#user-name-${i + 1}`, n);
    if (opts.programmatic) await page.check('#programmatic');
    if (opts.console) {
      await page.check('#console-access');
      if (opts.custom !== undefined) {
        await page.check('#password-custom');
        await page.fill('#custom-password', opts.custom);
      }
    }
  };
  const review = async (page: Page) => {
    await page.click('#review-users');
    await page.waitForLoadState();
  };
  const create = async (page: Page) => {
    await page.click('#create-users');
    await page.waitForSelector('#credentials-table, #add-user-errors');
  };

  before(async () => {
    app = await startConsoleApp();
    iam = iamClient(app);
    browser = await launch();
    await iam.send(new CreateGroupCommand({ GroupName: 'Devs' }));
    // limited may do anything but create access keys: its Add user fails after CreateUser.
    await iam.send(new CreateUserCommand({ UserName: 'limited' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'limited', Password: LIMITED_PASSWORD }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' },
      ],
    };
    await iam.send(new PutUserPolicyCommand({ UserName: 'limited', PolicyName: 'no-keys', PolicyDocument: JSON.stringify(policy) }));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  for (const lang of LANGS) {
    test(`item 1 (${lang}): a custom password that breaks the policy is refused before anything is created; a failure later undoes all`, async () => {
      await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 14, RequireSymbols: true }));
      const page = await rootPage(lang);
      const name = `half-${lang}`;
      await fillDetails(page, [name], { console: true, custom: 'short1' });
      await page.check('#group-choices input[value="Devs"]');
      await review(page);
      const errors = await textOf(page, '#add-user-errors');
      if (lang === 'en')
        assert.match(errors, /PasswordPolicyViolation: Password does not conform to the account password policy\. Password should have at least 14 characters/);
      else {
        assert.match(errors, /パスワードがアカウントのパスワードポリシーを満たしていません/);
        assert.match(await textOf(page, '#add-user-errors details.aws-error summary'), /詳細/);
        assert.match(await textOf(page, '#add-user-errors details.aws-error code'), /^PasswordPolicyViolation: /);
      }
      assert.equal(await exists(name), false, 'nothing was created');
      // What was typed is kept: fix the password and go on.
      assert.equal(await page.inputValue('#user-name-1'), name);
      assert.equal(await page.isChecked('#group-choices input[value="Devs"]'), true);
      await page.fill('#custom-password', GOOD_PASSWORD);
      await review(page);
      await create(page);
      assert.ok(await page.isVisible('#credentials-table'));
      const groups = await iam.send(new ListGroupsForUserCommand({ UserName: name }));
      assert.deepEqual(
        groups.Groups?.map((g) => g.GroupName),
        ['Devs'],
      );

      // A failure after CreateUser (limited may not create access keys): everything is undone.
      const limited = await open(browser, log, lang);
      await signInUser(limited, app, 'limited', LIMITED_PASSWORD);
      const undone = `undone-${lang}`;
      await fillDetails(limited, [undone], { programmatic: true, console: true });
      await limited.check('#group-choices input[value="Devs"]');
      await review(limited);
      await create(limited);
      const shown = await textOf(limited, '#add-user-errors');
      assert.match(
        shown,
        lang === 'en' ? /Nothing was created: AccessDenied: .*iam:CreateAccessKey/ : /何も作成されませんでした: この操作の権限がありません。/,
      );
      assert.equal(await exists(undone), false, 'the user created before the failure was deleted again');
      await limited.context().close();
      await page.context().close();
      log.assertNone();
    });
  }

  test('item 5: a new group with AdministratorAccess, tags and a review; Previous keeps what was typed; copy and attach', async () => {
    const page = await rootPage('en');
    await fillDetails(page, ['seed-admin'], { programmatic: true });
    await page.check('#perm-group');
    await page.fill('#new-group-name', 'Administrators');
    await page.fill('#policy-filter', 'AdministratorAccess');
    await page.check('#pick-AdministratorAccess');
    await page.fill('#tag-key-1', 'team');
    await page.fill('#tag-value-1', 'platform');
    await review(page);
    assert.match(page.url(), /\/console\/iam\/users\/new\?draft=[\w-]+&step=review$/);
    assert.match(await textOf(page, '#review-names'), /seed-admin/);
    assert.match(await textOf(page, '#review-permissions'), /Administrators \(Create group: AdministratorAccess\)/);
    assert.match(await textOf(page, '#review-tags'), /team = platform/);
    // Previous: the form as it was left.
    await page.click('#previous-step');
    assert.equal(await page.inputValue('#user-name-1'), 'seed-admin');
    assert.equal(await page.inputValue('#new-group-name'), 'Administrators');
    assert.equal(await page.inputValue('#tag-value-1'), 'platform');
    assert.equal(await page.isChecked('#programmatic'), true);
    assert.equal(await page.isChecked('#pick-AdministratorAccess'), true);
    await review(page);
    await create(page);
    assert.ok(await page.isVisible('#credentials-table tr[data-user="seed-admin"]'));
    const attached = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }));
    assert.deepEqual(
      attached.AttachedPolicies?.map((p) => p.PolicyName),
      ['AdministratorAccess'],
    );
    assert.deepEqual(
      (await iam.send(new ListGroupsForUserCommand({ UserName: 'seed-admin' }))).Groups?.map((g) => g.GroupName),
      ['Administrators'],
    );
    assert.deepEqual((await iam.send(new GetUserCommand({ UserName: 'seed-admin' }))).User?.Tags, [{ Key: 'team', Value: 'platform' }]);

    // Copy permissions: groups, attached managed policies and the boundary of an existing user.
    await iam.send(new CreateUserCommand({ UserName: 'template' }));
    await iam.send(new AddUserToGroupCommand({ UserName: 'template', GroupName: 'Devs' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'template', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'template', PermissionsBoundary: 'arn:aws:iam::aws:policy/PowerUserAccess' }));
    await fillDetails(page, ['copied'], { programmatic: true });
    await page.check('#perm-copy');
    await page.selectOption('#copy-from', 'template');
    await review(page);
    await create(page);
    assert.ok(await page.isVisible('#credentials-table tr[data-user="copied"]'));
    assert.deepEqual(
      (await iam.send(new ListGroupsForUserCommand({ UserName: 'copied' }))).Groups?.map((g) => g.GroupName),
      ['Devs'],
    );
    assert.deepEqual(
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'copied' }))).AttachedPolicies?.map((p) => p.PolicyName),
      ['ReadOnlyAccess'],
    );
    assert.equal(
      (await iam.send(new GetUserCommand({ UserName: 'copied' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn,
      'arn:aws:iam::aws:policy/PowerUserAccess',
    );

    // Attach policies directly.
    await fillDetails(page, ['direct'], { programmatic: true });
    await page.check('#perm-attach');
    await page.fill('#policy-filter', 'IAMReadOnlyAccess');
    await page.check('#pick-IAMReadOnlyAccess');
    await review(page);
    await create(page);
    assert.deepEqual(
      (await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'direct' }))).AttachedPolicies?.map((p) => p.PolicyName),
      ['IAMReadOnlyAccess'],
    );
    await page.context().close();
    log.assertNone();
  });

  test('items 6 and 7: Back and Forward never resubmit; a double click and a repeated POST create once', async () => {
    const page = await rootPage('en');
    await fillDetails(page, ['twice', 'twice-2'], { programmatic: true, console: true });
    await review(page);
    // Previous shows the second name and the password options (restored, not hidden).
    await page.click('#previous-step');
    assert.equal(await page.isVisible('#user-name-2'), true);
    assert.equal(await page.inputValue('#user-name-2'), 'twice-2');
    assert.equal(await page.isVisible('#password-options'), true);
    await review(page);
    // Double click: one creation, the credentials page wins.
    await page.dblclick('#create-users');
    await page.waitForSelector('#credentials-table');
    assert.match(page.url(), /\/console\/iam\/credentials\/[\w-]+$/);
    const keyIds = async (u: string) => ((await iam.send(new ListAccessKeysCommand({ UserName: u }))).AccessKeyMetadata ?? []).map((k) => k.AccessKeyId);
    assert.equal((await keyIds('twice')).length, 1);
    const before = await userNames();
    // Back: the review (a GET), then the form with its fields; Forward twice: no resubmission.
    await page.goBack();
    assert.match(page.url(), /step=review$/);
    await page.goBack();
    assert.match(page.url(), /\/users\/new\?draft=[\w-]+$/);
    assert.equal(await page.inputValue('#user-name-2'), 'twice-2');
    assert.equal(await page.isVisible('#user-name-2'), true);
    assert.equal(await page.isVisible('#password-options'), true);
    await page.goForward();
    await page.goForward();
    assert.match(page.url(), /\/console\/iam\/credentials\/[\w-]+$/);
    assert.doesNotMatch(await textOf(page, 'main'), /EntityAlreadyExists/);
    assert.deepEqual(await userNames(), before);
    // Create again from the review page (Back, then Create): the first answer, never EntityAlreadyExists.
    await page.goBack();
    await page.click('#create-users');
    await page.waitForLoadState();
    assert.match(page.url(), /\/console\/iam\/credentials\/[\w-]+$/);
    assert.doesNotMatch(await textOf(page, 'main'), /EntityAlreadyExists/);
    assert.deepEqual(await userNames(), before);

    // The server answers a repeated POST of one review with the first one's page (no JavaScript in the way).
    await fillDetails(page, ['racer'], { programmatic: true });
    await review(page);
    // A string, not a function: tsx's helpers do not exist in the page.
    const pages: { url: string; status: number; text: string }[] = await page.evaluate(`(async () => {
      const form = document.getElementById('review-form');
      const body = new URLSearchParams([...new FormData(form)].map(([k, v]) => [k, String(v)]));
      body.set('step', 'create');
      const answers = await Promise.all([1, 2].map(() =>
        fetch(form.action, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } })));
      return Promise.all(answers.map(async (r) => ({ url: r.url, status: r.status, text: await r.text() })));
    })()`);
    assert.equal(pages[0]?.url, pages[1]?.url);
    for (const p of pages) {
      assert.equal(p.status, 200);
      assert.match(p.text, /id="credentials-table"/);
      assert.doesNotMatch(p.text, /EntityAlreadyExists/);
    }
    assert.equal((await keyIds('racer')).length, 1);
    await page.context().close();
    log.assertNone();
  });

  test('item 6 on the user page: Create access key answers with a redirect; reload, Back and Forward create nothing more', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'one-key' }));
    const keyIds = async () => ((await iam.send(new ListAccessKeysCommand({ UserName: 'one-key' }))).AccessKeyMetadata ?? []).map((k) => k.AccessKeyId);
    const page = await rootPage('en');
    await page.goto(`${app.url}/console/iam/users/one-key`);
    await page.click('#create-access-key');
    await page.waitForSelector('#credentials-table');
    assert.match(page.url(), /\/console\/iam\/credentials\/[\w-]+$/, 'the page is a GET of its own');
    const shown = (await page.textContent('#credentials-table .key-id'))?.trim();
    assert.deepEqual(await keyIds(), [shown]);
    await page.reload();
    assert.equal((await page.textContent('#credentials-table .key-id'))?.trim(), shown, 'a reload shows the same key, no new one');
    await page.goBack();
    await page.goForward();
    assert.doesNotMatch(await textOf(page, 'main'), /Confirm Form Resubmission|LimitExceeded/);
    assert.deepEqual(await keyIds(), [shown], 'still one key');
    await page.context().close();
    log.assertNone();
  });

  for (const lang of LANGS) {
    test(`items 2, 8, 9 (${lang}): valid patterns with translated messages, a 65-character name refused, the custom password only when chosen`, async () => {
      const page = await rootPage(lang);
      for (const [path, field] of [
        ['/users/new', '#user-name-1'],
        ['/groups/new', '#group-name'],
        ['/roles/new', '#role-name'],
        ['/policies/new', '#policy-name'],
      ] as const) {
        await page.goto(`${app.url}/console/iam${path}`);
        const compiles = await page.$eval(field, (el) => {
          const pattern = (el as HTMLInputElement).pattern;
          try {
            new RegExp(`^(?:${pattern})$`, 'v');
            return pattern !== '';
          } catch {
            return false;
          }
        });
        assert.equal(compiles, true, `${path}: the pattern compiles with the v flag`);
        await page.fill(field, 'bad name!');
        const validity = await page.$eval(field, (el) => ({
          valid: (el as HTMLInputElement).validity.valid,
          message: (el as HTMLInputElement).validationMessage,
        }));
        assert.equal(validity.valid, false);
        assert.match(validity.message, lang === 'en' ? /Use only letters, digits and/ : /英数字と/);
        assert.doesNotMatch(validity.message, /\[A-Za-z0-9/);
      }

      // Item 8: 65 characters stay 65, and are refused with AWS's limit, in the browser and by the server.
      const long = 'a'.repeat(65);
      await page.goto(`${app.url}/console/iam/users/new`);
      await page.fill('#user-name-1', long);
      assert.equal(await page.inputValue('#user-name-1'), long);
      const maximum = lang === 'en' ? /maximum 64 characters/ : /最大 64 文字/;
      assert.match(await textOf(page, '#user-name-1 ~ .field-error'), maximum);
      await page.check('#programmatic');
      await page.$eval('#new-user-form', (f) => {
        (f as HTMLFormElement).noValidate = true;
      });
      await review(page);
      assert.match(await textOf(page, '#add-user-errors'), maximum);
      assert.equal(await exists(long), false);
      assert.equal(await exists(long.slice(0, 64)), false);

      // Item 9: the custom password field only while "Custom password" is chosen.
      await page.goto(`${app.url}/console/iam/users/new`);
      await page.check('#console-access');
      assert.equal(await page.isChecked('#password-auto'), true);
      assert.equal(await page.isVisible('#custom-password'), false);
      await page.check('#password-custom');
      assert.equal(await page.isVisible('#custom-password'), true);
      await page.check('#password-auto');
      assert.equal(await page.isVisible('#custom-password'), false);
      await page.context().close();

      // …and without JavaScript.
      const noJs = await open(browser, log, lang, { javaScriptEnabled: false });
      await signInRoot(noJs, app);
      await noJs.goto(`${app.url}/console/iam/users/new`);
      assert.equal(await noJs.isVisible('#password-options'), true);
      assert.equal(await noJs.isVisible('#custom-password'), false);
      await noJs.check('#password-custom');
      assert.equal(await noJs.isVisible('#custom-password'), true);
      await noJs.context().close();
      log.assertNone();
    });
  }
});
