// When the audit trail cannot be written: a change never commits without its record (always), and
// with IAMD_AUDIT_FAIL_CLOSED a read or a refusal is not answered either (ServiceUnavailable);
// without it, reads are answered and their records wait in the queue until the trail is writable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { CreateUserCommand, GetUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { awsError, iamClient, startTestApp, tempDataDir } from './helpers.ts';

/** Makes the trail unwritable from outside (as a full disk or a broken table would), until undone. */
function blockTrail(dir: string): () => void {
  const db = new BetterSqlite3(join(dir, 'iamd.sqlite'));
  db.pragma('busy_timeout = 5000');
  db.exec("create trigger audit_block before insert on audit_events begin select raise(abort, 'audit trail unwritable (test)'); end");
  return () => {
    db.exec('drop trigger audit_block');
    db.close();
  };
}

for (const failClosed of [true, false]) {
  test(`trail unwritable, fail-closed ${failClosed ? 'on' : 'off'}`, { timeout: 120_000 }, async () => {
    const dir = tempDataDir();
    const app = await startTestApp({ dataDir: dir, audit: { failClosed, flushMs: 50 } });
    let closed = false;
    try {
      const iam = iamClient(app);
      await iam.send(new CreateUserCommand({ UserName: 'before' }));
      const unblock = blockTrail(dir);
      let unblocked = false;
      try {
        // A write fails with its record, either way, and changes nothing.
        const write = await awsError(() => iam.send(new CreateUserCommand({ UserName: 'unrecorded' })));
        assert.ok((write.status ?? 0) >= 500, `status ${write.status}`);
        // A read: refused when fail-closed, answered otherwise.
        if (failClosed) {
          const read = await awsError(() => iam.send(new ListUsersCommand({})));
          assert.equal(read.name, 'ServiceUnavailable');
          assert.equal(read.status, 503);
        } else {
          const users = await iam.send(new ListUsersCommand({}));
          assert.deepEqual(
            users.Users?.map((u) => u.UserName),
            ['before'],
          );
        }
        unblock();
        unblocked = true;
      } finally {
        if (!unblocked) unblock();
      }
      const gone = await awsError(() => iam.send(new GetUserCommand({ UserName: 'unrecorded' })));
      assert.equal(gone.name, 'NoSuchEntity');
      await app.close();
      closed = true;
      // Without fail-closed, the queued read's record was appended once the trail was writable again.
      const db = new BetterSqlite3(join(dir, 'iamd.sqlite'), { readonly: true });
      try {
        const names = (db.prepare('select event_name from audit_events order by seq').all() as { event_name: string }[]).map((r) => r.event_name);
        assert.equal(names.includes('ListUsers'), !failClosed, names.join(','));
      } finally {
        db.close();
      }
    } finally {
      if (!closed) await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
