// The console over plain HTTP: sign-in throttling, CSRF, session rules, one-time credentials,
// security headers, the policy validator, and every page in Japanese.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLoginProfileCommand, CreateUserCommand, DeleteUserCommand, DeleteLoginProfileCommand, UpdateLoginProfileCommand } from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { capture, ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';
import { lockDurationMs, MAX_LOCK_MS } from '../../src/api/console/signin.ts';
import { catalogues } from '../../src/api/console/messages.ts';

/** The first Set-Cookie header of an answer: the test fails plainly when there is none. */
function firstSetCookie(headers: Headers): string {
  const [cookie] = headers.getSetCookie();
  assert.ok(cookie !== undefined, 'no Set-Cookie header');
  return cookie;
}

describe('console over HTTP', () => {
  let app: App;
  before(async () => {
    app = await startConsoleApp();
    const iam = iamClient(app);
    for (const name of ['alice', 'bob', 'carol']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Alice-Passw0rd!' }));
    }
  });
  after(() => app.close());

  test('root and IAM users sign in; wrong credentials get one generic message', async () => {
    const root = new ConsoleClient(app.url);
    const r = await root.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    assert.equal(r.status, 303);
    assert.equal(r.location, '/console/iam');
    assert.equal((await root.get('/console/iam')).status, 200);
    const messages = new Set<string>();
    for (const [kind, name, password] of [
      ['root', ROOT_EMAIL, 'wrong'],
      ['root', 'nobody@example.com', ROOT_PASSWORD],
      ['user', 'carol', 'wrong'],
      ['user', 'no-such-user', 'Alice-Passw0rd!'],
    ] as const) {
      const c = new ConsoleClient(app.url);
      const res = await c.signIn(ACCOUNT_ID, kind, name, password);
      assert.equal(res.status, 401);
      messages.add(capture(/class="notice error"[^>]*>([^<]*)</, res.body));
    }
    assert.deepEqual([...messages], ['Your authentication information is incorrect. Please try again.']);
    const user = new ConsoleClient(app.url);
    assert.equal((await user.signIn(ACCOUNT_ID, 'user', 'carol', 'Alice-Passw0rd!')).location, '/console/iam');
  });

  test('every state change needs the CSRF token; sign-in needs its form token; cross-site posts are refused', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    await c.get('/console/iam/users/new');
    assert.equal((await c.post('/console/iam/users/new', { name1: 'csrf1', programmatic: '1' }, { csrf: null })).status, 403);
    assert.equal((await c.post('/console/iam/users/new', { name1: 'csrf1', programmatic: '1' }, { csrf: 'forged-token-value-123' })).status, 403);
    assert.equal((await c.post('/console/signout', {}, { csrf: null })).status, 403);
    const cross = await c.request('POST', '/console/iam/alias', new URLSearchParams({ _csrf: c.token(), alias: 'evil' }), { origin: 'https://evil.example' });
    assert.equal(cross.status, 403);
    // The JSON endpoint takes the token in a header.
    const v = await c.request('POST', '/console/api/validate-policy', JSON.stringify({ document: '{}' }), { 'content-type': 'application/json' });
    assert.equal(v.status, 403);
    const ok = await c.request(
      'POST',
      '/console/api/validate-policy',
      JSON.stringify({ document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*"}]}' }),
      { 'content-type': 'application/json', 'x-csrf-token': c.token() },
    );
    assert.equal(ok.status, 200);
    const result = JSON.parse(ok.body) as { valid: boolean; findings: { path: string; message: string }[] };
    assert.equal(result.valid, false);
    assert.ok(result.findings.length > 0);
    // A managed policy's editor checks what CreatePolicy checks: no Version is fine inline, not managed.
    const noVersion = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }] });
    const check = async (kind: string) => {
      const res = await c.request('POST', '/console/api/validate-policy', JSON.stringify({ document: noVersion, kind }), {
        'content-type': 'application/json',
        'x-csrf-token': c.token(),
      });
      return JSON.parse(res.body) as { valid: boolean; findings: { message: string }[] };
    };
    assert.equal((await check('identity')).valid, true);
    const managed = await check('managed');
    assert.equal(managed.valid, false);
    assert.equal(managed.findings[0]?.message, 'Policy document must be version 2012-10-17 or greater.');
    // Nothing was created by the refused requests.
    assert.equal((await c.get('/console/iam/users/csrf1')).status, 404);
    // Sign-in without the form token.
    const anon = new ConsoleClient(app.url);
    const r = await anon.post('/console/signin', { kind: 'root', account: ACCOUNT_ID, name: ROOT_EMAIL, password: ROOT_PASSWORD }, { csrf: null });
    assert.equal(r.status, 403);
  });

  test('sessions: new id at sign-in; ended by sign-out, password change and user deletion', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'dave' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'dave', Password: 'Dave-Passw0rd!' }));
    const c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'user', 'dave', 'Dave-Passw0rd!');
    const first = c.cookies.get('iamd-session');
    assert.ok(first && first.length >= 43); // 256 bits, base64url
    await c.signIn(ACCOUNT_ID, 'user', 'dave', 'Dave-Passw0rd!');
    assert.notEqual(c.cookies.get('iamd-session'), first);
    // The old id no longer works.
    const stale = new ConsoleClient(app.url);
    stale.cookies.set('iamd-session', first!);
    assert.equal((await stale.get('/console/iam')).status, 303);
    // Sign-out ends it server-side, not only in the browser.
    await c.get('/console/iam');
    const id = c.cookies.get('iamd-session')!;
    assert.equal((await c.post('/console/signout', {})).status, 303);
    const replay = new ConsoleClient(app.url);
    replay.cookies.set('iamd-session', id);
    assert.equal((await replay.get('/console/iam')).location, '/console/?next=%2Fconsole%2Fiam');
    // A password changed (here by an administrator through the API) ends the session.
    await c.signIn(ACCOUNT_ID, 'user', 'dave', 'Dave-Passw0rd!');
    assert.equal((await c.get('/console/iam')).status, 200);
    await iam.send(new UpdateLoginProfileCommand({ UserName: 'dave', Password: 'Dave-Passw0rd-2!' }));
    assert.equal((await c.get('/console/iam')).status, 303);
    // Deleting the user ends it too.
    await c.signIn(ACCOUNT_ID, 'user', 'dave', 'Dave-Passw0rd-2!');
    assert.equal((await c.get('/console/iam')).status, 200);
    await iam.send(new DeleteLoginProfileCommand({ UserName: 'dave' }));
    await iam.send(new DeleteUserCommand({ UserName: 'dave' }));
    assert.equal((await c.get('/console/iam')).status, 303);
  });

  test('cookies: HttpOnly, SameSite=Strict; __Host- and Secure over https', async () => {
    const c = new ConsoleClient(app.url);
    const page = await c.get(`/console/${ACCOUNT_ID}`);
    assert.match(firstSetCookie(page.headers), /^iamd-pre=.*; Path=\/; HttpOnly; SameSite=Strict$/);
    const r = await c.post(
      '/console/signin',
      { _pre: c.token('_pre'), kind: 'root', account: ACCOUNT_ID, name: ROOT_EMAIL, password: ROOT_PASSWORD },
      { csrf: null },
    );
    assert.match(firstSetCookie(r.headers), /^iamd-session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    const s = new ConsoleClient(app.url);
    const https = await s.request('GET', `/console/${ACCOUNT_ID}`, undefined, { 'x-forwarded-proto': 'https' });
    assert.match(firstSetCookie(https.headers), /^__Host-iamd-pre=.*; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'; script-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
  });

  /** Add user as the wizard does it (issue #19): Next (303 to the review), Create (303 to the credentials page). */
  const addUsers = async (c: ConsoleClient, fields: Record<string, string>) => {
    await c.get('/console/iam/users/new');
    const next = await c.post('/console/iam/users/new', { ...fields, step: 'review' });
    assert.equal(next.status, 303, next.body.slice(0, 500));
    const review = await c.get(next.location!);
    const draft = capture(/name="draft" value="([\w-]+)"/, review.body);
    const create = await c.post('/console/iam/users/new', { draft, step: 'create' });
    return create.status === 303 ? c.get(create.location!) : create;
  };

  test('new credentials: shown once, CSV downloadable once, gone after leaving the page', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    const created = await addUsers(c, {
      name1: 'erin',
      name2: 'frank',
      programmatic: '1',
      console: '1',
      passwordMode: 'custom',
      customPassword: 'Custom-Passw0rd!',
      resetRequired: '1',
    });
    assert.equal(created.status, 200);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const link = capture(/href="(\/console\/iam\/download\/[\w-]+)"/, created.body);
    const csv = await c.get(link);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-disposition')!, /attachment; filename="credentials.csv"/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'User name,Password,Access key ID,Secret access key,Console login link');
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /^erin,"Custom-Passw0rd!",AKIA/);
    assert.equal((await c.get(link)).status, 410);
    // A second batch: leaving the page drops the download.
    await c.get('/console/iam/users/new');
    const again = await addUsers(c, { name1: 'gina', programmatic: '1' });
    const link2 = capture(/href="(\/console\/iam\/download\/[\w-]+)"/, again.body);
    await c.get('/console/iam/users');
    assert.equal((await c.get(link2)).status, 410);
    // The user's page never shows a secret again.
    const page = await c.get('/console/iam/users/erin');
    assert.ok(!page.body.includes('Custom-Passw0rd!'));
    // Another session cannot take someone else's download.
    await c.get('/console/iam/users/new');
    const third = await addUsers(c, { name1: 'hank', programmatic: '1' });
    const link3 = capture(/href="(\/console\/iam\/download\/[\w-]+)"/, third.body);
    const other = new ConsoleClient(app.url);
    await other.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    assert.equal((await other.get(link3)).status, 410);
  });

  test('an IAM user without permissions sees disabled buttons with the reason, and the API refuses too', async () => {
    const c = new ConsoleClient(app.url);
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'carol', 'Alice-Passw0rd!')).status, 303);
    const users = await c.get('/console/iam/users');
    assert.match(
      users.body,
      /id="add-user" href="\/console\/iam\/users\/new" aria-disabled="true" title="User: arn:aws:iam::111122223333:user\/carol is not authorized to perform: iam:CreateUser/,
    );
    assert.match(users.body, /AccessDenied: User: arn:aws:iam::111122223333:user\/carol is not authorized to perform: iam:ListUsers/);
    const refused = await addUsers(c, { name1: 'sneaky', programmatic: '1' });
    assert.match(refused.body, /Nothing was created: AccessDenied: User: arn:aws:iam::111122223333:user\/carol is not authorized to perform: iam:CreateUser/);
  });

  test('the alias URL signs in, and the account id URL keeps working', async () => {
    const c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    await c.get('/console/iam');
    assert.equal((await c.post('/console/iam/alias', { alias: 'example-corp' })).location, '/console/iam?ok=aliasSaved');
    const dash = await c.get('/console/iam');
    assert.match(dash.body, /id="signin-url">http:\/\/[^<]+\/console\/example-corp</);
    for (const ref of ['example-corp', ACCOUNT_ID]) {
      const u = new ConsoleClient(app.url);
      const page = await u.get(`/console/${ref}`);
      assert.match(page.body, new RegExp(`id="account" value="${ref}"`));
      assert.equal(
        (await u.post('/console/signin', { _pre: u.token('_pre'), kind: 'user', account: ref, name: 'carol', password: 'Alice-Passw0rd!' }, { csrf: null }))
          .status,
        303,
        ref,
      );
    }
  });

  test('Japanese: chosen from Accept-Language, switchable, on every page', async () => {
    assert.deepEqual(Object.keys(catalogues.ja).sort(), Object.keys(catalogues.en).sort());
    const ja = new ConsoleClient(app.url, 'ja,en-US;q=0.8');
    const signin = await ja.get(`/console/${ACCOUNT_ID}`);
    assert.match(signin.body, /<html lang="ja">/);
    assert.match(signin.body, /IAM ユーザー名/);
    await ja.post('/console/signin', { _pre: ja.token('_pre'), kind: 'root', account: ACCOUNT_ID, name: ROOT_EMAIL, password: ROOT_PASSWORD }, { csrf: null });
    const pages: [string, RegExp][] = [
      ['/console/iam', /セキュリティステータス.*ルートアカウントで MFA を有効化/s],
      ['/console/iam/users', /ユーザーを追加/],
      ['/console/iam/users/new', /プログラムによるアクセス.*自動生成パスワード.*パスワードのリセットが必要/s],
      ['/console/iam/users/carol', /認証情報.*アクセスキー/s],
      ['/console/iam/groups', /新しいグループの作成/],
      ['/console/iam/groups/new', /ポリシーのアタッチ/],
      ['/console/iam/policies', /カスタマー管理/],
      ['/console/iam/account-settings', /パスワードポリシー.*ユーザーにパスワードの変更を許可/s],
      ['/console/iam/security-credentials', /多要素認証/],
      ['/console/iam/roles', /ロール/],
      ['/console/iam/simulator', /ポリシーシミュレーター/],
    ];
    for (const [path, pattern] of pages) {
      const r = await ja.get(path);
      assert.equal(r.status, 200, path);
      assert.match(r.body, /<html lang="ja">/, path);
      assert.match(r.body, pattern, path);
    }
    // The switch: a cookie that wins over Accept-Language.
    const sw = await ja.get('/console/lang/en?next=%2Fconsole%2Fiam');
    assert.equal(sw.location, '/console/iam');
    const en = await ja.get('/console/iam');
    assert.match(en.body, /<html lang="en">/);
    assert.match(en.body, /Security status/);
    // The switch never redirects off the console.
    assert.equal((await ja.get('/console/lang/ja?next=https%3A%2F%2Fevil.example')).location, '/console/');
  });
});

describe('console sign-in throttling', () => {
  let app: App;
  // The server's clock runs ahead of real time as the test waits out locks (SDK calls only at the start).
  let offset = 0;
  before(async () => {
    app = await startConsoleApp({}, () => new Date(Date.now() + offset));
    const iam = iamClient(app);
    for (const name of ['alice', 'bob']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Alice-Passw0rd!' }));
    }
  });
  after(() => app.close());

  test('repeated failures slow down, then lock, identically for unknown users; capped at 15 minutes', async () => {
    assert.equal(lockDurationMs(1), 0);
    assert.equal(lockDurationMs(2), 0);
    assert.equal(lockDurationMs(3), 1000);
    assert.equal(lockDurationMs(4), 4000);
    assert.equal(lockDurationMs(50), MAX_LOCK_MS);
    assert.equal(MAX_LOCK_MS, 15 * 60 * 1000);
    for (const name of ['alice', 'ghost']) {
      const c = new ConsoleClient(app.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await c.signIn(ACCOUNT_ID, 'user', name, 'wrong')).status);
      // Third failure locks for 1 s: the fourth attempt is refused without a password check.
      assert.deepEqual(statuses, [401, 401, 401, 429], name);
      // Locked: even the right password is refused.
      assert.equal((await c.signIn(ACCOUNT_ID, 'user', name, 'Alice-Passw0rd!')).status, 429);
      offset += 1500;
      assert.equal((await c.signIn(ACCOUNT_ID, 'user', name, 'wrong')).status, 401); // 4th failure: 4 s
      assert.equal((await c.signIn(ACCOUNT_ID, 'user', name, 'Alice-Passw0rd!')).status, 429);
      offset += 5000;
    }
    // The right password after the lock expires succeeds and resets the counter.
    const ok = new ConsoleClient(app.url);
    assert.equal((await ok.signIn(ACCOUNT_ID, 'user', 'alice', 'Alice-Passw0rd!')).status, 303);
    // Many failures: the lock never exceeds 15 minutes.
    const c = new ConsoleClient(app.url);
    for (let i = 0; i < 12; i++) {
      await c.signIn(ACCOUNT_ID, 'user', 'bob', 'wrong');
      offset += lockDurationMs(i + 1) + 10;
    }
    await c.signIn(ACCOUNT_ID, 'user', 'bob', 'wrong');
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'bob', 'Alice-Passw0rd!')).status, 429);
    offset += MAX_LOCK_MS + 1000;
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'bob', 'Alice-Passw0rd!')).status, 303);
  });
});
