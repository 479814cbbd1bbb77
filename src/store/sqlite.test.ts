// Several connections on one data folder (workers, the audit trail's appender thread): a write
// through one drops the others' caches on their next request; bookkeeping and audit records,
// committed through `touch`, do not.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Store } from './store.ts';

test('a write on another connection is noticed; bookkeeping on it is not', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iamd-sqlite-'));
  const a = await Store.openSqlite({ dataDir });
  const b = await Store.openSqlite({ dataDir });
  try {
    // Both look for the other's writes, as workers do (and so count their own).
    a.noticeForeignWrites();
    b.noticeForeignWrites(); // the first look sees the migrations' commits
    const start = b.generation;

    await a.touch(async (repo) => {
      await repo.setAuditChainRow({ name: 'head', seq: 1, hash: 'x'.repeat(64) });
    });
    b.noticeForeignWrites();
    assert.equal(b.generation, start, 'a touch on another connection keeps the caches');

    await a.write(async (repo) => {
      await repo.setAuditChainRow({ name: 'head', seq: 2, hash: 'y'.repeat(64) });
    });
    b.noticeForeignWrites();
    assert.equal(b.generation, start + 1, "another connection's write drops the caches");
    b.noticeForeignWrites();
    assert.equal(b.generation, start + 1, 'once');

    // B's own write: A notices it, and B does not take it for a foreign one.
    await b.write(async (repo) => {
      await repo.setAuditChainRow({ name: 'head', seq: 3, hash: 'z'.repeat(64) });
    });
    const afterOwn = b.generation;
    b.noticeForeignWrites();
    assert.equal(b.generation, afterOwn);
    const aStart = a.generation;
    a.noticeForeignWrites();
    assert.equal(a.generation, aStart + 1);

    // A write that rolls back changes nothing anyone caches… and is not counted either.
    await assert.rejects(
      b.write(async () => {
        throw new Error('no');
      }),
    );
    const aAfter = a.generation;
    a.noticeForeignWrites();
    assert.equal(a.generation, aAfter);
  } finally {
    await a.close();
    await b.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
