// Issue #19, accessibility: the seed's flows with the keyboard alone, in Chromium. Every control
// is reached with Tab (in the page's focus order), used with Enter or Space, and shows where the
// focus is; no mouse click anywhere. Root signs in, creates a group with AdministratorAccess
// inline while adding a user with a key, then the new user's key works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetUserCommand, ListGroupsForUserCommand, type IAMClient } from '@aws-sdk/client-iam';
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
  }
});
