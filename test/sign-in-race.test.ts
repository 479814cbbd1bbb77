// Sign-in lockout under concurrency: a burst of parallel guesses gets no more password (or MFA
// code) checks than the same guesses made one after another, however the account and user name
// are spelled, and across several nodes sharing PostgreSQL.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CreateAccountAliasCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { FREE_FAILURES } from '../src/api/console/signin.ts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../src/crypto/totp.ts';
import { ACCOUNT_ID, iamClient, tempDataDir } from './helpers.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp, type Reply } from './console/support.ts';
import { startChild, stopChild, type ChildIamd } from './child-process.ts';
import { createTestDatabase } from './pg.ts';

const PASSWORD = 'Right-Passw0rd!';
/** Checks one lock window allows from a clean slate: the free failures and the one that locks. */
const CHECKS_PER_WINDOW = FREE_FAILURES + 1;

interface Attempt {
  account: string;
  name: string;
  password: string;
  kind?: 'root' | 'user';
}

/** Sends every attempt at once (the sign-in page fetched first, so only the POSTs race). */
async function burst(base: string | string[], attempts: Attempt[]): Promise<Reply[]> {
  const bases = Array.isArray(base) ? base : [base];
  const clients = bases.map((b) => new ConsoleClient(b));
  for (const c of clients) await c.get(`/console/${ACCOUNT_ID}`);
  return Promise.all(
    attempts.map((a, i) => {
      const c = clients[i % clients.length]!;
      return c.post(
        '/console/signin',
        { _pre: c.token('_pre'), kind: a.kind ?? 'user', account: a.account, name: a.name, password: a.password },
        { csrf: null },
      );
    }),
  );
}

/** A password was checked for every answer that is not 429 (locked: refused unchecked). */
function tally(replies: Reply[]): { checked: number; signedIn: number; statuses: string } {
  const counts = new Map<number, number>();
  for (const r of replies) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const statuses = JSON.stringify([...counts].sort());
  assert.equal(
    replies.some((r) => r.status >= 500),
    false,
    statuses,
  );
  return { checked: replies.filter((r) => r.status !== 429).length, signedIn: counts.get(303) ?? 0, statuses };
}

/** n six-digit codes, none valid near `now`. */
function wrongCodes(seed: string, now: Date, n: number): string[] {
  const step = timeStepAt(now);
  const valid = new Set([-2, -1, 0, 1, 2].map((d) => totpForStep(seed, step + d)));
  return Array.from({ length: n + valid.size }, (_, i) => String(100000 + i * 7919))
    .filter((code) => !valid.has(code))
    .slice(0, n);
}

/** MFA answers are 401 either way: the message tells a checked code from a locked session. */
function mfaTally(replies: Reply[]): { checked: number; locked: number } {
  assert.equal(
    replies.some((r) => r.status >= 500),
    false,
    JSON.stringify(replies.map((r) => r.status)),
  );
  const checked = replies.filter((r) => /MFA code is not valid/.test(r.body)).length;
  const locked = replies.filter((r) => /Too many failed sign-in attempts/.test(r.body)).length;
  return { checked, locked };
}

const wrong = (n: number, attempt: (i: number) => Omit<Attempt, 'password'>): Attempt[] =>
  Array.from({ length: n }, (_, i) => ({ ...attempt(i), password: `wrong-${i}` }));

describe('console sign-in lockout under concurrency (SQLite)', () => {
  let app: App;
  // Frozen: no lock expires during a burst, so the number of checks is exact.
  const now = new Date();
  before(async () => {
    app = await startConsoleApp({}, () => now);
    const iam = iamClient(app);
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'race-corp' }));
    for (const name of ['target', 'mixed', 'carol', 'dave', 'erin']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    }
  });
  after(() => app.close());

  test('40 parallel wrong passwords: only the free failures and the locking one are checked', async () => {
    const { checked, statuses } = tally(
      await burst(
        app.url,
        wrong(40, () => ({ account: ACCOUNT_ID, name: 'target' })),
      ),
    );
    assert.equal(checked, CHECKS_PER_WINDOW, statuses);
    // The lock holds for the right password too.
    assert.equal((await new ConsoleClient(app.url).signIn(ACCOUNT_ID, 'user', 'target', PASSWORD)).status, 429);
  });

  test('the right password in a burst of wrong ones is checked only if it is among the first few', async () => {
    const attempts = wrong(40, () => ({ account: ACCOUNT_ID, name: 'mixed' }));
    attempts.splice(20, 0, { account: ACCOUNT_ID, name: 'mixed', password: PASSWORD });
    const { checked, signedIn, statuses } = tally(await burst(app.url, attempts));
    // A success clears the counter (as it does one attempt at a time): it can open one more window.
    assert.ok(checked <= CHECKS_PER_WINDOW * (1 + signedIn), statuses);
  });

  test('the account id, the alias and any case of the user name share one counter', async () => {
    const spellings = [ACCOUNT_ID, 'race-corp', 'RACE-Corp', ` ${ACCOUNT_ID} `];
    const names = ['carol', 'CAROL', 'Carol'];
    const { checked, statuses } = tally(
      await burst(
        app.url,
        wrong(40, (i) => ({ account: spellings[i % spellings.length]!, name: names[i % names.length]! })),
      ),
    );
    assert.equal(checked, CHECKS_PER_WINDOW, statuses);

    // One at a time: failures under each spelling add up to the lock.
    const c = new ConsoleClient(app.url);
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'dave', 'wrong')).status, 401);
    assert.equal((await c.signIn('race-corp', 'user', 'DAVE', 'wrong')).status, 401);
    assert.equal((await c.signIn('Race-Corp', 'user', 'Dave', 'wrong')).status, 401); // locks
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'dave', PASSWORD)).status, 429);
    assert.equal((await c.signIn('race-corp', 'user', 'dave', PASSWORD)).status, 429);
  });

  test('root: the account id and the alias, any case of the email, share one counter', async () => {
    const email = ROOT_EMAIL.toUpperCase();
    const { checked, statuses } = tally(
      await burst(
        app.url,
        wrong(40, (i) => ({ kind: 'root', account: i % 2 ? ACCOUNT_ID : 'race-corp', name: i % 3 ? ROOT_EMAIL : email })),
      ),
    );
    assert.equal(checked, CHECKS_PER_WINDOW, statuses);
    assert.equal((await new ConsoleClient(app.url).signIn('race-corp', 'root', ROOT_EMAIL, ROOT_PASSWORD)).status, 429);
  });

  test('unknown accounts and users lock the same way, by the name as typed', async () => {
    for (const [account, name] of [
      ['999988887777', 'nobody'],
      ['No-Such-Corp', 'erin'],
    ] as const) {
      const { checked, statuses } = tally(
        await burst(
          app.url,
          wrong(20, (i) => ({ account: i % 2 ? account : account.toLowerCase(), name: i % 2 ? name : name.toUpperCase() })),
        ),
      );
      assert.equal(checked, CHECKS_PER_WINDOW, `${account}: ${statuses}`);
    }
    // The real erin is not locked by guesses against an account that does not exist.
    assert.equal((await new ConsoleClient(app.url).signIn(ACCOUNT_ID, 'user', 'erin', PASSWORD)).status, 303);
  });
});

describe('console sign-in lockout under concurrency: two nodes on one PostgreSQL database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: ChildIamd;
  let b: ChildIamd;
  const masterKey = randomBytes(32).toString('hex');
  before(async () => {
    db = await createTestDatabase();
    const env = { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey };
    [a, b] = await Promise.all([startChild(tempDataDir(), env), startChild(tempDataDir(), env)]);
    const iam = iamClient(a.url);
    await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'race-corp' }));
    for (const name of ['target', 'carol', 'frank']) {
      await iam.send(new CreateUserCommand({ UserName: name }));
      await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: PASSWORD }));
    }
  });
  after(async () => {
    await Promise.all([stopChild(a), stopChild(b)]);
    await db.drop();
  });

  /**
   * The nodes keep real time: three failures first, then the burst starts when their 1-second
   * lock ends, so its first check locks for 4 seconds — longer than any burst takes.
   */
  async function lockedOnceAndExpired(account: string, name: string): Promise<void> {
    const c = new ConsoleClient(a.url);
    for (let i = 0; i < CHECKS_PER_WINDOW; i++) assert.equal((await c.signIn(account, 'user', name, 'wrong')).status, 401);
    await new Promise((r) => setTimeout(r, 1_200));
  }

  test('40 parallel wrong passwords on both nodes: one check per lock window in all', async () => {
    await lockedOnceAndExpired(ACCOUNT_ID, 'target');
    const { checked, statuses } = tally(
      await burst(
        [a.url, b.url],
        wrong(40, () => ({ account: ACCOUNT_ID, name: 'target' })),
      ),
    );
    assert.equal(checked, 1, statuses);
    assert.equal((await new ConsoleClient(b.url).signIn(ACCOUNT_ID, 'user', 'target', PASSWORD)).status, 429);
  });

  test('the account id, the alias and the case of the user name share the counter across nodes', async () => {
    await lockedOnceAndExpired('race-corp', 'CAROL');
    const { checked, statuses } = tally(
      await burst(
        [a.url, b.url],
        wrong(40, (i) => ({ account: i % 3 ? ACCOUNT_ID : 'Race-Corp', name: i % 2 ? 'carol' : 'Carol' })),
      ),
    );
    assert.equal(checked, 1, statuses);
  });

  test('40 parallel wrong MFA codes on both nodes, in one session: one check per lock window in all', async () => {
    const iam = iamClient(a.url);
    const device = (await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'frank-phone' }))).VirtualMFADevice!;
    const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
    const [code1, code2] = consecutiveCodesAt(seed, new Date());
    await iam.send(
      new EnableMFADeviceCommand({ UserName: 'frank', SerialNumber: device.SerialNumber, AuthenticationCode1: code1, AuthenticationCode2: code2 }),
    );

    const onA = new ConsoleClient(a.url);
    assert.equal((await onA.signIn(ACCOUNT_ID, 'user', 'frank', PASSWORD)).location, '/console/iam/mfa');
    await onA.get('/console/iam/mfa');
    const csrf = onA.token('_csrf');
    // The session lives in the database: the same cookie works on B.
    const onB = new ConsoleClient(b.url);
    for (const [k, v] of onA.cookies) onB.cookies.set(k, v);
    const codes = wrongCodes(seed, new Date(), 43);
    for (const code of codes.slice(0, CHECKS_PER_WINDOW)) assert.match((await onA.post('/console/iam/mfa', { code }, { csrf })).body, /MFA code is not valid/);
    await new Promise((r) => setTimeout(r, 1_200));
    const replies = await Promise.all(codes.slice(CHECKS_PER_WINDOW).map((code, i) => (i % 2 ? onB : onA).post('/console/iam/mfa', { code }, { csrf })));
    assert.deepEqual(mfaTally(replies), { checked: 1, locked: 39 });
  });
});
