// When the audit trail cannot be written: a change never commits without its record (always), and
// with IAMD_AUDIT_FAIL_CLOSED a read or a refusal is not answered either (ServiceUnavailable), a
// console sign-in is refused and a workload gets no credentials; without it, reads are answered,
// sign-ins and workloads go on, and their records wait in the queue until the trail is writable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetUserCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { IamdClient } from '../src/cli-tools/workload-client.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD } from './console/support.ts';
import { ACCOUNT_ID, awsError, iamClient, ROOT_KEY, startTestApp, tempDataDir } from './helpers.ts';

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
    const app = await startTestApp({ dataDir: dir, audit: { failClosed, flushMs: 50 }, rootEmail: ROOT_EMAIL, rootPassword: ROOT_PASSWORD });
    let closed = false;
    try {
      const iam = iamClient(app);
      await iam.send(new CreateUserCommand({ UserName: 'before' }));
      // A workload whose role's credentials are fetched while the trail is unwritable.
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
      await iam.send(new CreateRoleCommand({ RoleName: 'job-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'job' }));
      await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'job', RoleName: 'job-role' }));
      const workload = await new IamdClient(app.url, ROOT_KEY).request<{ AuthorizationToken: string; CredentialsPath: string }>('POST', '/iamd/workloads', {
        InstanceProfileName: 'job',
        Name: 'audited',
      });
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
        // A console sign-in: refused, with no session, when fail-closed; signed in otherwise.
        const browser = new ConsoleClient(app.url);
        const signIn = await browser.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
        if (failClosed) {
          assert.equal(signIn.status, 503);
          assert.match(signIn.body, /audit trail cannot record it/);
          assert.equal((await browser.get('/console/iam')).status, 303, 'no session: back to sign-in');
        } else {
          assert.equal(signIn.location, '/console/iam');
          assert.equal((await browser.get('/console/iam')).status, 200);
        }
        // A workload's credentials: not handed out when fail-closed.
        const creds = await fetch(app.url + workload.CredentialsPath, { headers: { authorization: workload.AuthorizationToken } });
        const credsBody = await creds.text();
        if (failClosed) {
          assert.equal(creds.status, 503, credsBody);
          assert.doesNotMatch(credsBody, /SecretAccessKey|ASIA/);
        } else {
          assert.equal(creds.status, 200, credsBody);
          assert.match(credsBody, /"AccessKeyId":"ASIA/);
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
        assert.equal(names.includes('ConsoleLogin'), !failClosed, names.join(','));
        assert.equal(names.includes('AssumeRole'), !failClosed, names.join(','));
      } finally {
        db.close();
      }
    } finally {
      if (!closed) await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
