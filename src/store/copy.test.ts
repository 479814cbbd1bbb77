// `iamd migrate` copies the tables STATE_TABLES names: every table the migrations create must be
// either there or deliberately left behind, so a new table cannot be forgotten silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { STATE_TABLES } from './copy.ts';
import { Store } from './store.ts';

/** What a copy leaves behind on purpose: console sign-ins in progress and their throttling, the console's one-time pages and drafts, and the data folder's own write count. */
const NOT_COPIED = ['console_sessions', 'console_signin_failures', 'console_sso_flows', 'passkey_challenges', 'console_scratch', 'store_version'];

test('every table is copied by iamd migrate, or named as left behind', async () => {
  const store = await Store.open({ dataDir: ':memory:' });
  try {
    const rows = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db);
    const tables = rows.rows.map((r) => r.name).filter((n) => !n.startsWith('kysely_') && !n.startsWith('sqlite_'));
    assert.deepEqual([...tables].sort(), [...STATE_TABLES, ...NOT_COPIED].sort());
  } finally {
    await store.close();
  }
});
