// Console test support: an iamd with a known root sign-in, a cookie-keeping HTTP client that
// submits forms the way a browser does, and headless Chromium through playwright-core.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { startTestApp } from '../helpers.ts';

export const ROOT_EMAIL = 'root@example.com';
export const ROOT_PASSWORD = 'R00t-Console-Passw0rd!';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

export function startConsoleApp(overrides: Partial<Config> = {}, clock?: () => Date): Promise<App> {
  return startTestApp({ rootEmail: ROOT_EMAIL, rootPassword: ROOT_PASSWORD, ...overrides }, clock);
}

export interface Reply {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

/** A browser-like client: keeps cookies, sends the page's CSRF token with its forms. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  lastBody = '';

  constructor(
    readonly base: string,
    readonly acceptLanguage = 'en',
  ) {}

  protected remember(res: { headers: { getSetCookie(): string[] } }): void {
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!; // split gives one part at least
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (value === '' || /Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** Where the next request goes (a subclass may spread requests over several nodes). */
  protected baseFor(): string {
    return this.base;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, body?: URLSearchParams | string, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(this.baseFor() + path, {
      method,
      redirect: 'manual',
      headers: {
        cookie: this.cookieHeader(),
        'accept-language': this.acceptLanguage,
        ...(body instanceof URLSearchParams ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body,
    });
    this.remember(res);
    const text = await res.text();
    if (res.headers.get('content-type')?.startsWith('text/html')) this.lastBody = text;
    return { status: res.status, location: res.headers.get('location'), body: text, headers: res.headers };
  }

  get(path: string): Promise<Reply> {
    return this.request('GET', path);
  }

  /** The hidden CSRF (or pre-session) token of the last page. */
  token(name: '_csrf' | '_pre' = '_csrf'): string {
    return new RegExp(`name="${name}" value="([^"]*)"`).exec(this.lastBody)?.[1] ?? '';
  }

  post(path: string, fields: Record<string, string | string[]>, opts: { csrf?: string | null } = {}): Promise<Reply> {
    const form = new URLSearchParams();
    const csrf = opts.csrf === undefined ? this.token('_csrf') : opts.csrf;
    if (csrf !== null && csrf !== '') form.set('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) form.append(k, x);
    return this.request('POST', path, form);
  }

  async signIn(account: string, kind: 'root' | 'user', name: string, password: string): Promise<Reply> {
    await this.get(`/console/${account}`);
    return this.post('/console/signin', { _pre: this.token('_pre'), kind, account, name, password }, { csrf: null });
  }
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freshProfileDir(): string {
  return mkdtempSync(join(tmpdir(), 'iamd-chromium-'));
}

export { run } from '../run-command.ts';

/** The first group `re` captures in `text` (a page): fails the test, naming the pattern, when it does not match. */
export function capture(re: RegExp, text: string): string {
  const group = re.exec(text)?.[1];
  assert.ok(group !== undefined, `${re} does not match in:\n${text.slice(0, 2_000)}`);
  return group;
}

/** Parses the credentials CSV (RFC 4180) into objects keyed by its header. */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  const [header, ...data] = rows;
  if (header === undefined) return []; // an empty text: no header, no row
  return data.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}
