// In headless Chromium: a walk through issue #19's new pages, reached from the navigation and the
// entity pages, in English and then Japanese, with no error in the browser's console and no serious
// axe-core violation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { seriousViolations } from './axe-check.ts';
import { ARTIFACTS, CHROMIUM_ARGS, freshProfileDir, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

describe('console in Chromium: the new pages', () => {
  let app: App;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startConsoleApp({ metrics: true });
    await iamClient(app).send(new CreateUserCommand({ UserName: 'carol' }));
    profile = freshProfileDir();
    context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, locale: 'en-US' });
    page = await context.newPage();
    page.on('console', (m) => {
      // favicon.ico is asked of the server root, not of the console: not a page's error.
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
      await page.screenshot({ path: join(ARTIFACTS, `new-pages-${lang}-${name}.png`), fullPage: true });
      violations.push(...(await seriousViolations(page)));
    };
    await page.goto(`${app.url}/console/iam`);
    assert.ok(await page.isVisible('#metrics-brief'));
    await shot('dashboard');
    await page.click(`nav.side >> text=${lang === 'en' ? 'Identity providers' : 'ID プロバイダ'}`);
    await page.waitForSelector('#idp-providers');
    await page.click('#idp-add-oidc summary');
    assert.ok(await page.isVisible('#oidc-url'));
    await shot('identity-providers');
    await page.click(`nav.side >> text=${lang === 'en' ? 'Credential report' : '認証情報レポート'}`);
    await page.click('#report-generate');
    await page.waitForSelector('#report-table');
    await shot('credential-report');
    await page.click(`nav.side >> text=${lang === 'en' ? 'Server certificates' : 'サーバー証明書'}`);
    await page.waitForSelector('#servercert-upload');
    await shot('server-certificates');
    await page.goto(`${app.url}/console/iam/users/carol`);
    await page.click('#access-advisor-link');
    await page.waitForSelector('#access-advisor');
    await shot('access-advisor');
    await page.goto(`${app.url}/console/iam/users/carol`);
    await page.click('#other-credentials-link');
    await page.waitForSelector('#service-credentials');
    await shot('user-credentials');
  }

  test('every new page, in English then Japanese, without a console error', async () => {
    await walk('en');
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'ja');
    await walk('ja');
    assert.deepEqual(errors, []);
    assert.deepEqual(violations, []);
  });
});
