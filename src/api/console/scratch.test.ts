// The console's one-time pages and drafts live in the store, so two ConsoleScratch objects over one
// store behave as two workers (or nodes) do: what one keeps, the other shows once; a draft is
// created once, whichever of them gets the repeated Create.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { SecretBox } from '../../crypto/secret-box.ts';
import { Store } from '../../store/store.ts';
import { ConsoleScratch, ONE_TIME_TTL_MS } from './scratch.ts';

describe('console scratch (one-time pages, Add user drafts) shared through the store', () => {
  let store: Store;
  let a: ConsoleScratch;
  let b: ConsoleScratch;
  const now = Date.parse('2026-11-29T12:00:00Z');
  before(async () => {
    store = await Store.open({ dataDir: ':memory:' });
    const secrets = new SecretBox(randomBytes(32));
    a = new ConsoleScratch(store, secrets);
    b = new ConsoleScratch(store, secrets);
  });
  after(() => store.close());

  test('credentials kept by one are shown by the other, downloaded once, only to their session, sealed at rest', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARY';
    const token = await a.putCredentials('session-1', JSON.stringify({ secret }), now);
    assert.equal(await b.peekCredentials(token, 'session-2', now), undefined, 'another session cannot see it');
    assert.equal(await b.takeCredentials(token, 'session-2', now), undefined, 'nor take it');
    assert.equal(JSON.parse((await b.peekCredentials(token, 'session-1', now))!).secret, secret, 'shown again (Back, reload)');
    const stored = await sql<{ data: string; id_hash: string }>`select data, id_hash from console_scratch`.execute(store.db);
    assert.equal(stored.rows.length, 1);
    assert.ok(!stored.rows[0]!.data.includes('CANARY') && !stored.rows[0]!.id_hash.includes(token), 'neither the secret nor the token is stored in clear');
    assert.equal(JSON.parse((await a.takeCredentials(token, 'session-1', now))!).secret, secret, 'the download takes it');
    assert.equal(await b.takeCredentials(token, 'session-1', now), undefined, 'once');
    assert.equal(await b.peekCredentials(token, 'session-1', now), undefined);
  });

  test('leaving the page or ending the session drops the entries; they expire after ten minutes', async () => {
    const left = await a.putCredentials('session-3', '{}', now);
    const draft = await a.saveDraft('session-3', new URLSearchParams([['name1', 'kept']]), now);
    const expiring = await a.putCredentials('session-4', '{}', now);
    await b.dropSession('session-3');
    assert.equal(await a.peekCredentials(left, 'session-3', now), undefined);
    assert.equal((await a.draftFields(draft, 'session-3', now))?.get('name1'), 'kept', 'drafts stay (Back to the form)');
    assert.ok(await a.peekCredentials(expiring, 'session-4', now + ONE_TIME_TTL_MS - 1));
    assert.equal(await b.peekCredentials(expiring, 'session-4', now + ONE_TIME_TTL_MS), undefined);
    // A later entry sweeps the expired rows away.
    await a.putCredentials('session-5', '{}', now + ONE_TIME_TTL_MS + 1);
    const rows = await sql<{ session_hash: string }>`select session_hash from console_scratch`.execute(store.db);
    assert.ok(!rows.rows.some((r) => r.session_hash === 'session-4'));
  });

  test('a malformed or altered token finds nothing', async () => {
    const token = await a.putCredentials('session-6', '{}', now);
    assert.equal(await a.peekCredentials(`${token}x`, 'session-6', now), undefined);
    assert.equal(await a.peekCredentials("'; drop table console_scratch; --", 'session-6', now), undefined);
    // Rows whose sealed data were swapped do not open.
    const other = await a.putCredentials('session-6', '{"other":true}', now);
    const rows = (await sql<{ id_hash: string; data: string }>`select id_hash, data from console_scratch where session_hash = 'session-6'`.execute(store.db))
      .rows;
    assert.equal(rows.length, 2);
    for (const [i, row] of rows.entries()) await sql`update console_scratch set data = ${rows[1 - i]!.data} where id_hash = ${row.id_hash}`.execute(store.db);
    assert.equal(await a.peekCredentials(token, 'session-6', now), undefined);
    assert.equal(await a.peekCredentials(other, 'session-6', now), undefined);
  });

  test('a draft saved by one is read by the other, only by its session; Create runs once across both', async () => {
    const form = new URLSearchParams([
      ['_csrf', 'x'],
      ['step', 'next'],
      ['userName', 'alice'],
      ['customPassword', 'Secret-Passw0rd!'],
    ]);
    const token = await a.saveDraft('session-7', form, now);
    assert.equal((await b.draftFields(token, 'session-7', now))?.get('userName'), 'alice');
    assert.equal((await b.draftFields(token, 'session-7', now))?.get('_csrf'), null, 'form plumbing is not kept');
    assert.equal(await b.draftFields(token, 'session-8', now), undefined);

    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const create = async () => {
      runs++;
      await gate;
      return '/console/iam/credentials/T';
    };
    const first = a.createOnce(token, 'session-7', now, create);
    await new Promise((r) => setTimeout(r, 30));
    const second = b.createOnce(token, 'session-7', now, create);
    await new Promise((r) => setTimeout(r, 100));
    release();
    assert.deepEqual(await first, { location: '/console/iam/credentials/T', repeated: false });
    assert.deepEqual(await second, { location: '/console/iam/credentials/T', repeated: true }, 'the double click gets the first answer');
    assert.equal(runs, 1, 'created once');
    assert.equal((await a.draftFields(token, 'session-7', now))?.get('customPassword'), null, 'the custom password is dropped once created');
    assert.deepEqual(await a.createOnce(token, 'session-7', now, create), { location: '/console/iam/credentials/T', repeated: true });
    assert.equal(runs, 1);
  });

  test('a Create that failed may run again; a thrown one too', async () => {
    const token = await a.saveDraft('session-9', new URLSearchParams([['userName', 'bob']]), now);
    assert.deepEqual(await a.createOnce(token, 'session-9', now, async () => undefined), { repeated: false });
    await assert.rejects(
      b.createOnce(token, 'session-9', now, async () => {
        throw new Error('store down');
      }),
      /store down/,
    );
    assert.deepEqual(await b.createOnce(token, 'session-9', now, async () => '/done'), { location: '/done', repeated: false });
  });
});
