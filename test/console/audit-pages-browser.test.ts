// In headless Chromium: the audit trail's event history (issue #16), reached from the navigation,
// filtered with its form, an event's details opened, and a user's recent activity followed to the
// filtered history; in English then Japanese, with no error in the browser's console and no
// serious axe-core violation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { seriousViolations } from './axe-check.ts';
import { ARTIFACTS, CHROMIUM_ARGS, freshProfileDir, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

describe('console in Chromium: the audit trail', () => {
  let app: App;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  let secret: string;
  const errors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startConsoleApp();
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'dana' }));
    secret = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dana' }))).AccessKey!.SecretAccessKey!;
    profile = freshProfileDir();
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, locale: 'en-US' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
    await page.fill('#root-email', ROOT_EMAIL);
    await page.fill('#root-password', ROOT_PASSWORD);
    await page.click('#root-signin-submit');
    await page.waitForURL(`${app.url}/console/iam`);
  });
  after(async () => {
    await context?.close();
    await app?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const violations: string[] = [];
  async function walk(lang: 'en' | 'ja'): Promise<void> {
    const shot = async (name: string) => {
      await page.screenshot({ path: join(ARTIFACTS, `audit-${lang}-${name}.png`), fullPage: true });
      violations.push(...(await seriousViolations(page)));
    };
    await page.goto(`${app.url}/console/iam`);
    await page.click(`nav.side >> text=${lang === 'en' ? 'Audit trail' : '監査証跡'}`);
    await page.waitForSelector('#audit-events');
    await shot('history');
    // Filter by event name with the form.
    await page.selectOption('#audit-attr', 'EventName');
    await page.fill('#audit-value', 'CreateAccessKey');
    await page.click('#audit-apply');
    await page.waitForURL(/attr=EventName&value=CreateAccessKey/);
    const names = await page.$$eval('#audit-events tr.audit-event', (trs) => trs.map((tr) => tr.getAttribute('data-event-name')));
    assert.ok(names.length >= 1 && names.every((n) => n === 'CreateAccessKey'), names.join());
    // Open the first event's details: the deciding policy and the record.
    await page.click('#audit-events tr.audit-more details summary');
    assert.ok(await page.isVisible('#audit-events tr.audit-more details pre.json'));
    await shot('details');
    // A user's recent activity leads to the history filtered on it.
    await page.goto(`${app.url}/console/iam/users/dana`);
    await page.waitForSelector('#recent-activity');
    await shot('recent-activity');
    await page.click('#recent-user a[href*="attr=ResourceName"]');
    await page.waitForURL(/attr=ResourceName&value=dana/);
    await page.waitForSelector('#audit-events');
    assert.ok(!(await page.content()).includes(secret));
  }

  test('the event history and recent activity, in English then Japanese, without a console error', { timeout: 240_000 }, async () => {
    await walk('en');
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'ja');
    await walk('ja');
    assert.deepEqual(errors, []);
    assert.deepEqual(violations, []);
  });
});
