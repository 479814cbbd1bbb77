// Support for the second-pass browser tests (issue #19): one Chromium per file, pages that record
// every console error and uncaught exception, root and IAM user sign-in, and the axe check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID } from '../helpers.ts';
import { CHROMIUM_ARGS, ROOT_EMAIL, ROOT_PASSWORD } from './support.ts';

export type Lang = 'en' | 'ja';
export const LANGS: Lang[] = ['en', 'ja'];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Every console error and page error of the pages opened through `open`, with the page's URL. */
export class ErrorLog {
  readonly errors: string[] = [];

  watch(page: Page): Page {
    page.on('console', (m) => {
      // A page answered with an error status on purpose (a form shown again with its errors: 400)
      // is reported by Chromium for the document itself: not an error of the page.
      if (m.type() === 'error' && !(m.location().url === page.url() && /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())))
        this.errors.push(`${page.url()}: console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => this.errors.push(`${page.url()}: pageerror: ${e.message}`));
    return page;
  }

  assertNone(): void {
    assert.deepEqual(this.errors, [], `console errors:\n${this.errors.join('\n')}`);
  }
}

export async function open(browser: Browser, log: ErrorLog, lang: Lang, opts: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ locale: lang === 'ja' ? 'ja-JP' : 'en-US', ...opts });
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  return log.watch(await context.newPage());
}

export async function signInRoot(page: Page, app: App): Promise<void> {
  await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
  await page.fill('#root-email', ROOT_EMAIL);
  await page.fill('#root-password', ROOT_PASSWORD);
  await page.click('#root-signin-submit');
  await page.waitForURL(`${app.url}/console/iam`);
}

export async function signInUser(page: Page, app: App, name: string, password: string): Promise<void> {
  await page.goto(`${app.url}/console/${ACCOUNT_ID}`);
  await page.fill('#account', ACCOUNT_ID);
  await page.fill('#username', name);
  await page.fill('#password', password);
  await page.click('#signin');
  await page.waitForLoadState();
}

const AXE = readFileSync('node_modules/axe-core/axe.min.js', 'utf8');

/** axe-core's serious and critical violations of the page (as `id: target…` lines). */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's CSP allows no inline script tag.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (window as any).axe;
    // The policy picker's thousand rows are alike: the first ones stand for the rest (and keep axe quick).
    const r = await axe.run({ exclude: [['#policy-picker tbody tr:nth-child(n+6)']] }, { resultTypes: ['violations'] });
    return r.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return result as string[];
}

/** The visible text of an element, whitespace collapsed. */
export async function textOf(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
}
