// `iamd backup` copies the store consistently while iamd serves; `iamd restore` puts it into a new
// data folder, where the same access keys verify (the master key is copied apart: it is not in
// the backup). PostgreSQL is backed up with pg_dump and restored with pg_restore.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsError, iamClient, stsClient, tempDataDir } from './helpers.ts';
import { startChild, stopChild } from './child-process.ts';
import { run } from './run-command.ts';
import { createTestDatabase } from './pg.ts';
import { IAMD } from './iamd-cli.ts';

const iamd = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [...IAMD, ...args], env);

test('a backup taken while iamd serves restores into a new data folder, where the same access keys work', async () => {
  const source = tempDataDir();
  const child = await startChild(source);
  try {
    const iam = iamClient(child.url);
    await iam.send(new CreateUserCommand({ UserName: 'kept' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'kept' }))).AccessKey!;
    // Writes go on while the backup runs: the backup is one consistent snapshot of them.
    const writes = Promise.all(Array.from({ length: 20 }, (_, i) => iam.send(new CreateUserCommand({ UserName: `during-${i}` }))));
    const file = join(tempDataDir(), 'iamd.backup');
    const made = await iamd(['backup', file, '--data-dir', source]);
    await writes;
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /master key, which is not in the backup/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // The master key is not in it.
    const masterKey = readFileSync(join(source, 'master.key'), 'utf8').trim();
    assert.ok(!readFileSync(file).includes(Buffer.from(masterKey, 'base64')));
    await iam.send(new CreateUserCommand({ UserName: 'after-backup' }));
    assert.equal((await iamd(['backup', file, '--data-dir', source])).code !== 0, true, 'an existing file is not overwritten');

    // Into the running iamd's own folder: refused, also with --force.
    const busy = await iamd(['restore', file, '--data-dir', source]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /not empty/);
    const forced = await iamd(['restore', file, '--data-dir', source, '--force']);
    assert.notEqual(forced.code, 0);
    assert.match(forced.stderr, /in use: stop iamd/);

    const target = tempDataDir();
    const restored = await iamd(['restore', file, '--data-dir', target]);
    assert.equal(restored.code, 0, restored.stderr);
    // Without its master key the restored data does not serve: iamd refuses rather than make a new key.
    assert.ok(!existsSync(join(target, 'master.key')));
    copyFileSync(join(source, 'master.key'), join(target, 'master.key'));
    const second = await startChild(target);
    try {
      const me = await stsClient(second.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetCallerIdentityCommand({}));
      assert.match(me.Arn ?? '', /:user\/kept$/);
      const after = await awsError(() => iamClient(second.url).send(new GetUserCommand({ UserName: 'after-backup' })));
      assert.equal(after.name, 'NoSuchEntity');
    } finally {
      await stopChild(second);
    }
    // A stopped iamd's folder may be replaced with --force; without it, a non-empty folder is refused.
    writeFileSync(join(target, 'note'), 'x');
    assert.notEqual((await iamd(['restore', file, '--data-dir', target])).code, 0);
    const replaced = await iamd(['restore', file, '--data-dir', target, '--force']);
    assert.equal(replaced.code, 0, replaced.stderr);
    // Not a backup: refused, nothing replaced.
    const junk = join(tempDataDir(), 'junk');
    writeFileSync(junk, 'not sqlite');
    assert.notEqual((await iamd(['restore', junk, '--data-dir', tempDataDir()])).code, 0);
  } finally {
    await stopChild(child);
  }
});

test('PostgreSQL: a pg_dump restored with pg_restore into a new database serves the same access keys', async () => {
  const from = await createTestDatabase();
  const to = await createTestDatabase();
  const masterKey = randomBytes(32).toString('hex');
  try {
    const child = await startChild(tempDataDir(), { IAMD_DATABASE_URL: from.url, IAMD_MASTER_KEY: masterKey });
    let key: { AccessKeyId?: string; SecretAccessKey?: string };
    const dump = join(tempDataDir(), 'iamd.pgdump');
    try {
      const iam = iamClient(child.url);
      await iam.send(new CreateUserCommand({ UserName: 'pg-kept' }));
      key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'pg-kept' }))).AccessKey!;
      // While iamd serves: pg_dump takes one consistent snapshot.
      const dumped = await run('pg_dump', ['--format=custom', '--no-owner', '--file', dump, from.url], {});
      assert.equal(dumped.code, 0, dumped.stderr);
    } finally {
      await stopChild(child);
    }
    const restored = await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', to.url, dump], {});
    assert.equal(restored.code, 0, restored.stderr);
    const second = await startChild(tempDataDir(), { IAMD_DATABASE_URL: to.url, IAMD_MASTER_KEY: masterKey });
    try {
      const me = await stsClient(second.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetCallerIdentityCommand({}));
      assert.match(me.Arn ?? '', /:user\/pg-kept$/);
    } finally {
      await stopChild(second);
    }
  } finally {
    await from.drop();
    await to.drop();
  }
});
