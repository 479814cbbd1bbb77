// The read cache on PostgreSQL (issue #18): entities, tags and list pages stay in memory until a
// write touches them on any node, invalidated by the notice every write sends. A node never serves
// a value older than the last write it has been notified of, and while its listening connection is
// down it caches nothing. Writes here that bypass iamd (plain SQL, no notice) prove what is served
// from memory and what from the database.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Store } from '../src/store/store.ts';
import type { EntityRow } from '../src/store/repo.ts';
import { createTestDatabase } from './pg.ts';

const ACCOUNT = '111122223333';
const now = new Date('2026-01-02T03:04:05.000Z');

function user(name: string): EntityRow<unknown> {
  return { id: `user-${name}`, accountId: ACCOUNT, kind: 'user', name, path: '/', createdAt: now, data: { note: name } };
}

/** Polls until fn is true (a notice reaching a node, a connection dropping); never a timed assertion. */
async function eventually(fn: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never happened: ${what}`);
}

describe('the read cache on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: Store;
  let b: Store;
  let sql: pg.Client;
  /** Changes a user's path behind iamd's back: no notice is sent. */
  const sneak = (name: string, path: string) => sql.query('update entities set path = $1 where id = $2', [path, `user-${name}`]);
  const pathOn = async (store: Store, name: string) => (await store.read((repo) => repo.getEntityById(`user-${name}`)))?.path;

  before(async () => {
    db = await createTestDatabase();
    a = await Store.openPostgres(db.url, { cacheTtlMs: 600_000 });
    b = await Store.openPostgres(db.url, { cacheTtlMs: 600_000 });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    await a.write((repo) => repo.insertAccount({ id: ACCOUNT, alias: null, root_email: null, root_password_hash: null, created_at: now.toISOString() }));
  });
  after(async () => {
    await sql.end();
    await a.close();
    await b.close();
    await db.drop();
  });

  test('a read is kept in memory until a notice of a write on any node', async () => {
    await a.write((repo) => repo.insertEntity(user('kept')));
    // B reads the database, and then answers from memory: a write without a notice goes unseen.
    // (The notice of the insert may still be on its way: polled, not asserted at once.)
    let n = 0;
    await eventually(async () => {
      const path = `/sneaked${n++}/`;
      await sneak('kept', path);
      return (await pathOn(b, 'kept')) !== path;
    }, 'B answers from memory');
    // A write on A (of anything) notifies B, which drops what it kept and reads the database again.
    await a.write((repo) => repo.setMeta('poke', '1'));
    await eventually(async () => (await pathOn(b, 'kept')) === `/sneaked${n - 1}/`, 'the notice reached B');
  });

  test('a write on one node is served by the other once notified: the entity, its tags and the list pages', async () => {
    await a.write(async (repo) => {
      await repo.insertEntity(user('listed'));
      await repo.putTags('user-listed', [{ Key: 'team', Value: 'one' }]);
    });
    const list = (store: Store) =>
      store.read(async (repo) => (await repo.listEntities(ACCOUNT, 'user', { maxItems: 100 })).items.map((u) => `${u.name}${u.path}`));
    await eventually(async () => (await list(b)).includes('listed/'), 'B lists the user');
    assert.deepEqual(await b.read((repo) => repo.getTags('user-listed')), [{ Key: 'team', Value: 'one' }]);
    await a.write(async (repo) => {
      await repo.updateEntity('user-listed', { path: '/moved/', data: {} });
      await repo.putTags('user-listed', [{ Key: 'team', Value: 'two' }]);
    });
    await eventually(async () => (await list(b)).includes('listed/moved/'), 'the moved user reaches B');
    assert.deepEqual(await b.read((repo) => repo.getTags('user-listed')), [{ Key: 'team', Value: 'two' }]);
    await a.write((repo) => repo.deleteEntity('user-listed'));
    await eventually(async () => (await pathOn(b, 'listed')) === undefined, 'the deletion reaches B');
    assert.ok(!(await list(b)).some((u) => u.startsWith('listed')));
  });

  test('while its listening connection is down a node caches nothing, and caches again once it is back', async () => {
    await a.write((repo) => repo.insertEntity(user('blind')));
    await eventually(async () => (await pathOn(b, 'blind')) === '/', 'B reads the user');
    // Cut B's (and A's) listening connections from the server side.
    const cut = await sql.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query ilike 'listen iamd_changes%' and pid <> pg_backend_pid()",
    );
    assert.ok(cut.rowCount! >= 1, 'the listening connections were found');
    // B learns it lost the connection (asynchronously) and from then on, until it listens again,
    // reads the database every time: a value read at reconnection is fresh too.
    await eventually(() => isBlind(b), 'B noticed the connection dropped');
    for (let i = 0; i < 3; i++) {
      const path = `/blind${i}/`;
      await sneak('blind', path);
      assert.equal(await pathOn(b, 'blind'), path, 'a read while blind sees what the database holds');
    }
    // The connection comes back by itself (retried every half second): caching resumes.
    await eventually(async () => !(await isBlind(b)), 'B listens again');
    await sneak('blind', '/after/');
    await eventually(async () => (await pathOn(b, 'blind')) === '/after/', 'B reads the database after reconnecting');
    await sneak('blind', '/unseen/');
    assert.equal(await pathOn(b, 'blind'), '/after/', 'B keeps what it reads again');
    // And notices work again on the new connection.
    await a.write((repo) => repo.setMeta('poke', '2'));
    await eventually(async () => (await pathOn(b, 'blind')) === '/unseen/', 'a notice reaches B after reconnecting');
  });

  test('a time-to-live drops the caches anyway, as a backstop for a lost notice', async () => {
    const c = await Store.openPostgres(db.url, { cacheTtlMs: 200 });
    try {
      await a.write((repo) => repo.insertEntity(user('ttl')));
      await eventually(async () => (await pathOn(c, 'ttl')) === '/', 'C reads the user');
      await sneak('ttl', '/late/');
      await eventually(async () => (await pathOn(c, 'ttl')) === '/late/', 'the time-to-live dropped C’s caches');
    } finally {
      await c.close();
    }
  });

  test('a storm of writes on one node drops the other node’s caches, never leaves it stale', async () => {
    await a.write((repo) => repo.insertEntity(user('storm')));
    // B keeps serving during the storm.
    let served = 0;
    let storming = true;
    const reading = (async () => {
      while (storming) {
        if ((await pathOn(b, 'storm')) !== undefined) served++;
        await new Promise((r) => setImmediate(r)); // a read from memory never yields to the event loop
      }
    })();
    for (let i = 0; i < 300; i++) await a.write((repo) => repo.updateEntity('user-storm', { path: `/w${i}/`, data: {} }));
    storming = false;
    await reading;
    assert.ok(served > 0, 'B answered reads during the storm');
    const [last] = (await sql.query('select path from entities where id = $1', ['user-storm'])).rows;
    await eventually(async () => (await pathOn(b, 'storm')) === last.path, 'B serves the last write');
  });

  test('prepared statements survive a newer node adding a column (a rolling upgrade)', async () => {
    await a.write((repo) => repo.insertEntity(user('upgraded')));
    const byIdInWrite = () => a.write((repo) => repo.getEntityById(`user-upgraded`));
    assert.equal((await byIdInWrite())?.name, 'upgraded');
    assert.equal((await a.read((repo) => repo.getEntityByName(ACCOUNT, 'user', 'upgraded')))?.name, 'upgraded');
    await sql.query('alter table entities add column added_by_a_newer_node text');
    // The statements prepared for `select *` must change their result type: planned afresh, not an error.
    assert.equal((await byIdInWrite())?.name, 'upgraded', 'in a write transaction (run again)');
    await a.write((repo) => repo.setMeta('poke', 'upgrade')); // drop the read cache
    assert.equal((await a.read((repo) => repo.getEntityByName(ACCOUNT, 'user', 'upgraded')))?.name, 'upgraded', 'in a plain read');
    for (let i = 0; i < 20; i++) assert.equal((await byIdInWrite())?.name, 'upgraded', 'on every pooled connection');
  });
});

/** While blind, every reading of the generation is a new one (nothing can be cached). */
async function isBlind(store: Store): Promise<boolean> {
  const first = store.generation;
  return store.generation !== first;
}
