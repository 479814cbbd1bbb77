// Issue #19, accessibility: every console page with the keyboard alone, in Chromium. On each page,
// Tab from the top until the focus wraps: every visible, enabled control is reached, shows where
// the focus is, and none keeps the focus (no keyboard trap). English for every page, Japanese for a
// few. Also: the one-time credentials page's "Show" leaves the focus on the revealed secret.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  PutUserPolicyCommand,
  AddUserToGroupCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ErrorLog, launch, open, signInRoot } from './second-pass-support.ts';
import { startConsoleApp } from './support.ts';

const ORDERS = readFileSync(fileURLToPath(new URL('../../examples/orders/orders.catalog.json', import.meta.url)), 'utf8');
const USER = 'kb-walker';
const GROUP = 'KbWalkers';
const ROLE = 'kb-walk-role';
const POLICY = 'kb-walk-policy';
const POLICY_ARN = `arn:aws:iam::${ACCOUNT_ID}:policy/${POLICY}`;
const INLINE = 'kb-inline';
const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const MAX_TABS = 300;

interface Walk {
  /** Controls that should be reached and were not (their HTML, shortened). */
  missed: string[];
  /** Focused elements whose focus did not show. */
  unseen: string[];
  /** A keyboard trap, or no wrap after MAX_TABS presses. */
  stuck?: string;
}

/**
 * Tabs through the page from its top until the focus wraps (back to the document or to the first
 * control reached), failing on a keyboard trap or after MAX_TABS presses.
 */
async function walk(page: Page): Promise<Walk> {
  // Mark what should be reached; start the sequential focus navigation at the top of the page.
  await page.evaluate(() => {
    const interactive = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex="0"]';
    let n = 0;
    for (const el of document.querySelectorAll<HTMLElement>(interactive)) {
      const visible = el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true }) && el.getClientRects().length > 0;
      if (!visible || el.matches(':disabled') || el.closest('[inert]') || el.getAttribute('tabindex') === '-1') continue;
      // A summary counts only as its details' own (the first) summary.
      if (el.tagName === 'SUMMARY' && el.parentElement?.querySelector(':scope > summary') !== el) continue;
      el.dataset.kbWant = String(n++);
      // One radio of a group is reached by Tab (the others with the arrow keys).
      if (el instanceof HTMLInputElement && el.type === 'radio') el.dataset.kbRadio = `${el.form?.id ?? ''}/${el.name}`;
    }
    const start = document.createElement('span');
    start.tabIndex = -1;
    start.id = 'kb-walk-start';
    document.body.prepend(start);
    start.focus();
    start.remove();
    (document.activeElement as HTMLElement | null)?.blur?.();
  });
  const seen = new Set<string>();
  const radios = new Set<string>();
  const unseen: string[] = [];
  let first: string | undefined;
  let last: string | undefined;
  let same = 0;
  let presses = 0;
  for (; presses < MAX_TABS; presses++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body || el === document.documentElement) return null;
      if (!el.dataset.kbId) el.dataset.kbId = String(Math.random()).slice(2);
      const style = getComputedStyle(el);
      return {
        id: el.dataset.kbId,
        want: el.dataset.kbWant,
        radio: el.dataset.kbRadio,
        // Date and time fields take one Tab per part (day, month, year, hours…) before leaving.
        parts: el instanceof HTMLInputElement && /^(date|time|datetime-local|month|week)$/.test(el.type) ? 8 : 1,
        // A date or time field shows the focus on its part (Chromium highlights the focused part,
        // inside the field's own shadow tree): no outline on the field itself to look for.
        shown:
          (el instanceof HTMLInputElement && /^(date|time|datetime-local|month|week)$/.test(el.type)) ||
          (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') ||
          style.boxShadow !== 'none',
        html: el.outerHTML.slice(0, 160),
      };
    });
    if (at === null) {
      if (first !== undefined) break; // past the last control: the focus left the page
      continue;
    }
    if (at.id === first) break; // wrapped
    first ??= at.id;
    same = at.id === last ? same + 1 : 0;
    if (same >= at.parts + 2) return { missed: [], unseen, stuck: `keyboard trap on ${at.html}` };
    last = at.id;
    if (at.want !== undefined) seen.add(at.want);
    if (at.radio !== undefined) radios.add(at.radio);
    if (!at.shown && !unseen.includes(at.html)) unseen.push(at.html);
  }
  if (presses === MAX_TABS) return { missed: [], unseen, stuck: `the focus did not wrap after ${MAX_TABS} Tabs` };
  const missed = await page.evaluate(
    ({ seen, radios }) =>
      [...document.querySelectorAll<HTMLElement>('[data-kb-want]')]
        .filter((el) => !seen.includes(el.dataset.kbWant!) && !(el.dataset.kbRadio !== undefined && radios.includes(el.dataset.kbRadio)))
        .map((el) => el.outerHTML.slice(0, 160)),
    { seen: [...seen], radios: [...radios] },
  );
  return { missed, unseen };
}

/** Opens `path` (under /console) and walks it; collects what failed instead of stopping at the first page. */
async function check(page: Page, app: App, path: string, failures: string[], prepare?: (page: Page) => Promise<void>): Promise<void> {
  const res = await page.goto(`${app.url}/console${path}`);
  assert.ok(res && res.status() < 400, `${path}: ${res?.status()}`);
  if (prepare) await prepare(page);
  report(path, await walk(page), failures);
}

function report(path: string, result: Walk, failures: string[]): void {
  if (result.stuck) failures.push(`${path}: ${result.stuck}`);
  for (const m of result.missed) failures.push(`${path}: not reached by Tab: ${m}`);
  for (const u of result.unseen) failures.push(`${path}: focus not visible: ${u}`);
}

/** The policy picker lists every AWS managed policy: narrowed by its filter to a few rows first. */
async function narrowPicker(page: Page): Promise<void> {
  if ((await page.$('#policy-filter')) === null) return;
  await page.fill('#policy-filter', 'AdministratorAccess');
  await page.waitForFunction(() => document.querySelectorAll('#policy-picker tbody tr:not([hidden])').length < 20);
}

describe('every console page with the keyboard alone', () => {
  let app: App;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let iam: IAMClient;
  const log = new ErrorLog();

  before(async () => {
    app = await startConsoleApp();
    iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: USER }));
    await iam.send(new CreateAccessKeyCommand({ UserName: USER }));
    await iam.send(new CreateGroupCommand({ GroupName: GROUP }));
    await iam.send(new AddUserToGroupCommand({ GroupName: GROUP, UserName: USER }));
    await iam.send(new CreatePolicyCommand({ PolicyName: POLICY, PolicyDocument: DOC, Description: 'Walked by keyboard' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: USER, PolicyArn: POLICY_ARN }));
    await iam.send(new PutUserPolicyCommand({ UserName: USER, PolicyName: INLINE, PolicyDocument: DOC }));
    await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST, Description: 'Walked by keyboard' }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: POLICY_ARN }));
    browser = await launch();
    page = await open(browser, log, 'en');
    context = page.context();
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
  });

  test('every page in English: each control reached by Tab, its focus shown, no trap', async () => {
    const failures: string[] = [];
    // Before signing in: the console's and the account's sign-in pages.
    await check(page, app, '', failures);
    await check(page, app, `/${ACCOUNT_ID}`, failures);
    await signInRoot(page, app);

    // A service catalogue, registered through its page, so that the services pages have content.
    await page.goto(`${app.url}/console/iam/services/new`);
    await page.fill('#catalogue-document', ORDERS);
    await page.click('#catalogue-submit');
    await page.waitForURL(/\/console\/iam\/services\/orders\?ok=serviceRegistered/);

    const u = `/iam/users/${USER}`;
    for (const path of [
      '/iam',
      '/iam/users',
      u,
      `${u}/credentials`,
      `${u}/access-advisor`,
      '/iam/groups',
      `/iam/groups/${GROUP}`,
      `/iam/groups/${GROUP}/access-advisor`,
      '/iam/policies',
      `/iam/policies?scope=AWS&q=Administrator`,
      `/iam/policies/view?arn=${encodeURIComponent(POLICY_ARN)}`,
      '/iam/policies/new',
      `/iam/inline?kind=user&name=${USER}&policy=${INLINE}`,
      `/iam/inline?kind=user&name=${USER}`,
      '/iam/roles',
      `/iam/roles/${ROLE}`,
      `/iam/roles/${ROLE}/access-advisor`,
      '/iam/account-settings',
      '/iam/security-credentials',
      `/iam/mfa-assign?user=${USER}`,
      '/iam/passkeys/new',
      '/iam/simulator',
      '/iam/services',
      '/iam/services/new',
      '/iam/services/orders',
      '/iam/services/orders/update',
      '/iam/identity-providers',
      '/iam/credential-report',
      '/iam/server-certificates',
      '/iam/audit',
    ])
      await check(page, app, path, failures);
    // Pages with the policy picker: its filter narrows the thousand AWS managed policies first.
    for (const path of ['/iam/users/new', '/iam/groups/new', '/iam/roles/new', `/iam/attach?kind=user&name=${USER}`])
      await check(page, app, path, failures, narrowPicker);

    // The one-time credentials page, after a new access key: walked, then a secret shown by keyboard.
    await page.goto(`${app.url}/console${u}`);
    await page.click('#create-access-key');
    await page.waitForSelector('#credentials-table');
    const credentials = new URL(page.url()).pathname.replace(/^\/console/, '');
    report(credentials, await walk(page), failures);
    assert.deepEqual(failures, []);

    await page.evaluate(() => {
      const start = document.createElement('span');
      start.tabIndex = -1;
      document.body.prepend(start);
      start.focus();
      start.remove();
    });
    for (let i = 0; ; i++) {
      assert.ok(i < 60, 'no Show button reached by Tab');
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.matches('button[data-reveal]') === true)) break;
    }
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const style = el ? getComputedStyle(el) : undefined;
      return {
        body: el === null || el === document.body,
        secret: el?.matches('[data-secret]') === true,
        visible: el instanceof HTMLElement && !el.hidden && el.textContent!.length > 0,
        shown: style !== undefined && ((style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none'),
      };
    });
    assert.equal(focused.body, false, 'after Show, the focus fell back to the page');
    assert.equal(focused.secret, true, 'after Show, the focus is on the secret shown');
    assert.equal(focused.visible, true);
    assert.equal(focused.shown, true, 'the focus on the secret shows');
    // Tab goes on from the secret to the next control (no trap, no restart at the top).
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.activeElement !== document.body && !document.activeElement?.matches('[data-secret]')));
    log.assertNone();
  });

  test('a few pages in Japanese: each control reached by Tab, its focus shown, no trap', async () => {
    const failures: string[] = [];
    await page.goto(`${app.url}/console/lang/ja?next=${encodeURIComponent('/console/iam')}`);
    await page.waitForURL(`${app.url}/console/iam`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    for (const path of ['/iam', '/iam/users', `/iam/users/${USER}`, '/iam/policies', `/iam/policies/view?arn=${encodeURIComponent(POLICY_ARN)}`])
      await check(page, app, path, failures);
    assert.deepEqual(failures, []);
    log.assertNone();
  });
});
