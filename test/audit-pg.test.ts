// Several nodes on one PostgreSQL database write one ordered, verifiable audit trail: two iamd
// nodes take writes and reads concurrently; afterwards the chain has no gap, every event of both
// is in it, and `iamd audit verify` passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, DeleteUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { iamClient, startTestApp } from './helpers.ts';
import { createTestDatabase } from './pg.ts';
import { run } from './run-command.ts';
import pg from 'pg';
import { IAMD } from './iamd-cli.ts';

const MASTER_KEY = '11'.repeat(32);

test('two nodes on PostgreSQL: one gapless chain that verifies', { timeout: 240_000 }, async () => {
  const db = await createTestDatabase();
  const nodes = [];
  try {
    nodes.push(await startTestApp({ databaseUrl: db.url, masterKey: MASTER_KEY }));
    nodes.push(await startTestApp({ databaseUrl: db.url, masterKey: MASTER_KEY }));
    const work = nodes.map(async (node, n) => {
      const iam = iamClient(node);
      for (let i = 0; i < 15; i++) {
        const name = `node${n}-user${i}`;
        await iam.send(new CreateUserCommand({ UserName: name }));
        await iam.send(new GetUserCommand({ UserName: name }));
        await iam.send(new DeleteUserCommand({ UserName: name }));
      }
    });
    await Promise.all(work);
    for (const node of nodes.splice(0)) await node.close();

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = (await client.query('select seq, event_name, body from audit_events order by seq')).rows as {
        seq: number;
        event_name: string;
        body: string;
      }[];
      const seqs = rows.map((r) => Number(r.seq));
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
        'the sequence has no gap',
      );
      for (const name of ['CreateUser', 'GetUser', 'DeleteUser']) assert.equal(rows.filter((r) => r.event_name === name).length, 30, name);
    } finally {
      await client.end();
    }
    const verified = await run(process.execPath, [...IAMD, 'audit', 'verify', '--database-url', db.url], { IAMD_MASTER_KEY: MASTER_KEY });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /audit trail verified: 9\d events/);
  } finally {
    for (const node of nodes) await node.close();
    await db.drop();
  }
});
