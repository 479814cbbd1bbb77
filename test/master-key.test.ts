// Secrets at rest fail closed: iamd refuses to start when its master key does not open what the
// data folder (or PostgreSQL database) holds — a wrong IAMD_MASTER_KEY, a replaced or deleted
// master.key — instead of serving with keys that no longer verify and sealing new ones under a
// second key. A root key given by the environment is created once: deleted through the API, it
// stays deleted. Every file iamd creates in its data folder is 0600, the folder 0700.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, GetUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { startApp } from '../src/app.ts';
import { configFromEnv } from '../src/config.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, stsClient, tempDataDir, type Credentials } from './helpers.ts';
import { startChild, stopChild, type ChildIamd } from './child-process.ts';
import { createTestDatabase } from './pg.ts';
import { IAMD } from './iamd-cli.ts';

const NO_ROOT_ENV = { IAMD_ROOT_ACCESS_KEY_ID: undefined, IAMD_ROOT_SECRET_ACCESS_KEY: undefined };
const newKey = () => randomBytes(32).toString('hex');

/** Starts `iamd serve` and expects it to refuse: resolves with its exit code and output. */
function expectRefusal(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, IAMD_ACCOUNT_ID: ACCOUNT_ID, IAMD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`iamd neither started nor exited:\n${output}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('"msg":"iamd listening"')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => reject(new Error(`iamd started when it should have refused:\n${output}`)));
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A user with an access key that may call GetUser: something sealed under the master key. */
async function userWithKey(url: string, name = 'alice'): Promise<Credentials> {
  const iam = iamClient(url);
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'read',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

async function assertKeyWorks(url: string, creds: Credentials): Promise<void> {
  const me = await stsClient(url, creds).send(new GetCallerIdentityCommand({}));
  assert.match(me.Arn ?? '', /:user\/alice$/);
}

const REFUSED = /the master key \(.+\) does not open the secrets stored in/;

test('a wrong IAMD_MASTER_KEY refuses to start, and the right one still opens everything', async () => {
  const dir = tempDataDir();
  const right = newKey();
  let child = await startChild(dir, { IAMD_MASTER_KEY: right });
  const alice = await userWithKey(child.url);
  await stopChild(child);

  const refused = await expectRefusal(dir, { ...NO_ROOT_ENV, IAMD_MASTER_KEY: newKey() });
  assert.notEqual(refused.code, 0);
  assert.match(refused.output, REFUSED);
  assert.match(refused.output, /IAMD_MASTER_KEY/);
  assert.equal(existsSync(join(dir, 'master.key')), false, 'no master.key beside IAMD_MASTER_KEY');

  child = await startChild(dir, { ...NO_ROOT_ENV, IAMD_MASTER_KEY: right });
  try {
    await assertKeyWorks(child.url, alice);
  } finally {
    await stopChild(child);
  }
});

test('a replaced master.key refuses to start; the original one starts again', async () => {
  const dir = tempDataDir();
  let child = await startChild(dir);
  const alice = await userWithKey(child.url);
  await stopChild(child);
  const original = readFileSync(join(dir, 'master.key'));

  writeFileSync(join(dir, 'master.key'), randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const refused = await expectRefusal(dir, NO_ROOT_ENV);
  assert.notEqual(refused.code, 0);
  assert.match(refused.output, REFUSED);
  assert.match(refused.output, /master\.key/);

  writeFileSync(join(dir, 'master.key'), original);
  child = await startChild(dir, NO_ROOT_ENV);
  try {
    await assertKeyWorks(child.url, alice);
  } finally {
    await stopChild(child);
  }
});

test('a deleted master.key beside existing data refuses to start and creates no new key', async () => {
  const dir = tempDataDir();
  const child = await startChild(dir);
  await userWithKey(child.url);
  await stopChild(child);

  rmSync(join(dir, 'master.key'));
  for (const env of [NO_ROOT_ENV, {}]) {
    const refused = await expectRefusal(dir, env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /master\.key is missing/);
    assert.equal(existsSync(join(dir, 'master.key')), false, 'a new master.key was created beside existing data');
  }
});

test('a database from before the check value is verified against its sealed secrets', async () => {
  const dir = tempDataDir();
  const right = newKey();
  let child = await startChild(dir, { IAMD_MASTER_KEY: right });
  const alice = await userWithKey(child.url);
  await stopChild(child);
  // As a data folder written before the check value existed: the steps from 0005 on undone (the
  // tables they created are empty here), so they run again, in order, at the next start.
  const forget = () => {
    const db = new BetterSqlite3(join(dir, 'iamd.sqlite'));
    try {
      // The tables of steps 0001–0004; every other one was created by a later step.
      const before = new Set(['accounts', 'entities', 'access_keys', 'login_profiles', 'password_history', 'password_policies', 'memberships', 'tags']);
      for (const t of ['attachments', 'inline_policies', 'policy_versions', 'console_sessions', 'console_signin_failures', 'workloads', 'boundaries'])
        before.add(t);
      const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely_%' and name not like 'sqlite_%'").all() as {
        name: string;
      }[];
      for (const { name } of tables) if (!before.has(name)) db.exec(`drop table ${name}`);
      // Columns later steps added to those tables (0010: a console session may be a role session).
      db.exec('alter table console_sessions drop column role_session');
      db.prepare("delete from kysely_migration where name >= '0005'").run();
    } finally {
      db.close();
    }
  };
  forget();

  const refused = await expectRefusal(dir, { ...NO_ROOT_ENV, IAMD_MASTER_KEY: newKey() });
  assert.notEqual(refused.code, 0);
  assert.match(refused.output, REFUSED);

  forget();
  child = await startChild(dir, { ...NO_ROOT_ENV, IAMD_MASTER_KEY: right });
  try {
    await assertKeyWorks(child.url, alice);
  } finally {
    await stopChild(child);
  }
  // The right key stored the check value: now a wrong key is refused without any access key.
  const db = new BetterSqlite3(join(dir, 'iamd.sqlite'));
  db.prepare('delete from access_keys').run();
  db.close();
  const again = await expectRefusal(dir, { ...NO_ROOT_ENV, IAMD_MASTER_KEY: newKey() });
  assert.notEqual(again.code, 0);
  assert.match(again.output, REFUSED);
});

test('the root key from IAMD_ROOT_* is created once: deleted through the API, it stays deleted', async () => {
  const dir = tempDataDir();
  let child = await startChild(dir);
  await userWithKey(child.url);
  await stopChild(child);

  // While the key exists, the environment's secret wins.
  const rotated = { ...ROOT_KEY, secretAccessKey: 'rotated/K7MDENG/bPxRfiCYROOTSECRET00000' };
  child = await startChild(dir, { IAMD_ROOT_SECRET_ACCESS_KEY: rotated.secretAccessKey });
  try {
    await stsClient(child.url, rotated).send(new GetCallerIdentityCommand({}));
    assert.equal((await awsError(() => stsClient(child.url).send(new GetCallerIdentityCommand({})))).name, 'SignatureDoesNotMatch');
    await iamClient(child.url, rotated).send(new DeleteAccessKeyCommand({ AccessKeyId: ROOT_KEY.accessKeyId }));
    assert.equal((await awsError(() => stsClient(child.url, rotated).send(new GetCallerIdentityCommand({})))).name, 'InvalidClientTokenId');
  } finally {
    await stopChild(child);
  }

  for (const creds of [rotated, ROOT_KEY]) {
    child = await startChild(dir, { IAMD_ROOT_SECRET_ACCESS_KEY: creds.secretAccessKey });
    try {
      const err = await awsError(() => stsClient(child.url, creds).send(new GetCallerIdentityCommand({})));
      assert.equal(err.name, 'InvalidClientTokenId', 'the deleted root key came back');
      assert.match(child.output(), /"level":40.*IAMD_ROOT_ACCESS_KEY_ID/, 'a warning says the key is not created again');
    } finally {
      await stopChild(child);
    }
  }
});

function assertPrivate(dir: string, when: string): void {
  assert.equal((statSync(dir).mode & 0o777).toString(8), '700', `${dir} ${when}`);
  const files = readdirSync(dir);
  assert.ok(files.includes('iamd.sqlite') && files.includes('master.key'), files.join(' '));
  for (const file of files) assert.equal((statSync(join(dir, file)).mode & 0o777).toString(8), '600', `${file} ${when}`);
}

/** The child inherits the umask in force when it is spawned (synchronously, in startChild). */
function startWithUmask022(dir: string): Promise<ChildIamd> {
  const previous = process.umask(0o022);
  try {
    return startChild(dir);
  } finally {
    process.umask(previous);
  }
}

test('every file in the data folder is 0600 and the folder 0700, with umask 022', async () => {
  const dir = join(tempDataDir(), 'created', 'by-iamd');
  let child = await startWithUmask022(dir);
  try {
    const alice = await userWithKey(child.url);
    await assertKeyWorks(child.url, alice);
    const files = readdirSync(dir);
    assert.ok(files.includes('iamd.sqlite-wal') && files.includes('iamd.sqlite-shm'), `WAL files exist while running: ${files.join(' ')}`);
    assertPrivate(dir, 'while running');
  } finally {
    await stopChild(child, 'SIGKILL'); // leaves the -wal and -shm files behind
  }
  assertPrivate(dir, 'after kill -9');

  child = await startWithUmask022(dir);
  try {
    await iamClient(child.url).send(new CreateUserCommand({ UserName: 'bob' }));
    assertPrivate(dir, 'after a restart');
  } finally {
    await stopChild(child);
  }
});

test('started in-process with umask 022, the data files are 0600 too', async () => {
  const dir = join(tempDataDir(), 'in-process');
  const previous = process.umask(0o022);
  try {
    const app = await startApp(
      {
        ...configFromEnv({}),
        host: '127.0.0.1',
        port: 0,
        dataDir: dir,
        accountId: ACCOUNT_ID,
        rootAccessKeyId: ROOT_KEY.accessKeyId,
        rootSecretAccessKey: ROOT_KEY.secretAccessKey,
        logLevel: 'silent',
      },
      { logger: pino({ level: 'silent' }) },
    );
    try {
      await userWithKey(app.url);
      await iamClient(app).send(new GetUserCommand({ UserName: 'alice' }));
      assertPrivate(dir, 'while running in-process');
    } finally {
      await app.close();
    }
  } finally {
    process.umask(previous);
  }
});

test('PostgreSQL: a wrong IAMD_MASTER_KEY refuses to start', async () => {
  const db = await createTestDatabase();
  try {
    const right = newKey();
    let child = await startChild(tempDataDir(), { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: right });
    const alice = await userWithKey(child.url);
    await stopChild(child);

    const refused = await expectRefusal(tempDataDir(), { ...NO_ROOT_ENV, IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: newKey() });
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, REFUSED);
    assert.match(refused.output, /PostgreSQL/);

    child = await startChild(tempDataDir(), { ...NO_ROOT_ENV, IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: right });
    try {
      await assertKeyWorks(child.url, alice);
    } finally {
      await stopChild(child);
    }
  } finally {
    await db.drop();
  }
});
