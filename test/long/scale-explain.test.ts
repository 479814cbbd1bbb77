// PostgreSQL at 100,000 users (issue #18): every hot query (resolving a key, the caller's policies,
// GetUser, ListUsers pages, tags, group membership) is planned with an index, never a sequential
// scan of a big table. The rows are seeded with SQL; the queries are the ones the Repo really
// sends (recorded from node-postgres), EXPLAINed with their own parameters after ANALYZE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Store } from '../../src/store/store.ts';
import { createTestDatabase } from '../pg.ts';

const ACCOUNT = '111122223333';
const USERS = 100_000;
/** The tables seeded with 100,000 rows (a sequential scan of a nearly empty table is the right plan). */
const BIG_TABLES = ['entities', 'access_keys', 'tags', 'memberships', 'attachments', 'inline_policies'];

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let store: Store;
let sql: pg.Client;

before(async () => {
  db = await createTestDatabase();
  store = await Store.openPostgres(db.url, { cacheTtlMs: 600_000 });
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  const now = new Date().toISOString();
  await sql.query('insert into accounts (id, created_at) values ($1, $2)', [ACCOUNT, now]);
  await sql.query(
    `insert into entities (id, account_id, kind, name, name_key, path, created_at, data)
     select 'AIDA' || lpad(i::text, 17, '0'), $1, 'user', 'user-' || i, 'user-' || i, '/team' || (i % 50) || '/', $2, '{}'
     from generate_series(1, ${USERS}) as i`,
    [ACCOUNT, now],
  );
  await sql.query(
    `insert into entities (id, account_id, kind, name, name_key, path, created_at, data)
     select 'AGPA' || lpad(i::text, 17, '0'), $1, 'group', 'group-' || i, 'group-' || i, '/', $2, '{}' from generate_series(1, 1000) as i`,
    [ACCOUNT, now],
  );
  await sql.query(
    `insert into access_keys (id, account_id, user_id, secret_sealed, status, created_at)
     select 'AKIA' || lpad(i::text, 16, '0'), $1, 'AIDA' || lpad(i::text, 17, '0'), 'sealed', 'Active', $2 from generate_series(1, ${USERS}) as i`,
    [ACCOUNT, now],
  );
  await sql.query(
    `insert into tags (resource_id, tag_key, key_lower, tag_value, position)
     select 'AIDA' || lpad(i::text, 17, '0'), 'team', 'team', 't' || (i % 50), 0 from generate_series(1, ${USERS}) as i`,
  );
  await sql.query(
    `insert into memberships (group_id, user_id) select 'AGPA' || lpad((i % 1000 + 1)::text, 17, '0'), 'AIDA' || lpad(i::text, 17, '0') from generate_series(1, ${USERS}) as i`,
  );
  await sql.query(
    `insert into attachments (entity_id, policy_arn, attached_at)
     select 'AIDA' || lpad(i::text, 17, '0'), 'arn:aws:iam::aws:policy/ReadOnlyAccess', $1 from generate_series(1, ${USERS}) as i`,
    [now],
  );
  await sql.query(
    `insert into inline_policies (entity_id, name, name_key, document)
     select 'AIDA' || lpad(i::text, 17, '0'), 'inline', 'inline', '{}' from generate_series(1, ${USERS}) as i`,
  );
  await sql.query('analyze');
});

after(async () => {
  await sql?.end();
  await store?.close();
  await db?.drop();
});

test('every hot query uses an index at 100,000 users', async () => {
  // Record what the Repo sends (text and parameters), from every pooled connection.
  const sent: { text: string; values: unknown[] }[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, config: unknown, values?: unknown) {
    const c = config as { text?: string; values?: unknown[] };
    if (typeof c === 'object' && c?.text) sent.push({ text: c.text, values: c.values ?? [] });
    else if (typeof config === 'string' && Array.isArray(values) && values.length > 0) sent.push({ text: config, values });
    return (original as any).call(this, config, values);
  } as typeof original;
  const user = 'AIDA' + '50000'.padStart(17, '0');
  try {
    // In a write transaction: nothing is answered from the read cache, every query goes out.
    await store.write(async (repo) => {
      await repo.getAccessKey(`AKIA${'50000'.padStart(16, '0')}`);
      await repo.getEntityById(user);
      await repo.getEntityByName(ACCOUNT, 'user', 'user-50000');
      await repo.getTags(user);
      await repo.groupIdsOfUser(user);
      await repo.userIdsOfGroup('AGPA' + '7'.padStart(17, '0'));
      await repo.attachedPolicyArns(user);
      await repo.listInlinePolicies(user);
      await repo.listAccessKeys(ACCOUNT, user);
      const first = await repo.listEntities(ACCOUNT, 'user', { maxItems: 100 });
      await repo.listEntities(ACCOUNT, 'user', { maxItems: 100, marker: first.marker });
      await repo.listEntities(ACCOUNT, 'user', { maxItems: 100, pathPrefix: '/team7/' });
    });
  } finally {
    pg.Client.prototype.query = original;
  }
  const queries = sent.filter((q) => /^\s*select/i.test(q.text));
  assert.ok(queries.length >= 10, `the hot queries were recorded (${queries.length})`);
  const scans: string[] = [];
  for (const q of queries) {
    const plan = (await sql.query(`explain ${q.text}`, q.values)).rows.map((r) => r['QUERY PLAN'] as string).join('\n');
    for (const table of BIG_TABLES) if (new RegExp(`Seq Scan on ${table}\\b`).test(plan)) scans.push(`${q.text}\n${plan}`);
  }
  assert.deepEqual(scans, [], 'no sequential scan of a big table');
});
