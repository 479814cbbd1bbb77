// Two iamd nodes on one PostgreSQL database behave as one service: what one node writes, the
// other enforces; concurrent writers on both cannot break an invariant; a node killed mid-burst
// loses no acknowledged write.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  DetachUserPolicyCommand,
  RemoveUserFromGroupCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsError, iamClient, stsClient, tempDataDir } from './helpers.ts';
import { startChild, stopChild, type ChildIamd } from './child-process.ts';
import { createTestDatabase } from './pg.ts';
import { run } from './run-command.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('two nodes on one PostgreSQL database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: ChildIamd;
  let b: ChildIamd;
  const masterKey = randomBytes(32).toString('hex');
  const nodeEnv = () => ({ IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey });

  before(async () => {
    db = await createTestDatabase();
    // Started together: migrations run once, under the migrator's lock.
    [a, b] = await Promise.all([startChild(tempDataDir(), nodeEnv()), startChild(tempDataDir(), nodeEnv())]);
  });
  after(async () => {
    await Promise.all([stopChild(a), stopChild(b)]);
    await db.drop();
  });

  /** Polls until fn resolves true (a change on one node reaching the other). */
  async function eventually(fn: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await fn()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.fail(`never happened: ${what}`);
  }

  test('a key created on A signs requests on B; deleted or deactivated on A, B refuses it', async () => {
    await iamClient(a.url).send(new CreateUserCommand({ UserName: 'shared' }));
    const key = (await iamClient(a.url).send(new CreateAccessKeyCommand({ UserName: 'shared' }))).AccessKey!;
    const onB = stsClient(b.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    assert.match((await onB.send(new GetCallerIdentityCommand({}))).Arn ?? '', /:user\/shared$/);

    await iamClient(a.url).send(new UpdateAccessKeyCommand({ UserName: 'shared', AccessKeyId: key.AccessKeyId, Status: 'Inactive' }));
    await eventually(
      async () =>
        (await onB.send(new GetCallerIdentityCommand({})).then(
          () => 'ok',
          (e) => e.Code,
        )) === 'InvalidClientTokenId',
      'deactivation reached B',
    );
    await iamClient(a.url).send(new UpdateAccessKeyCommand({ UserName: 'shared', AccessKeyId: key.AccessKeyId, Status: 'Active' }));
    await eventually(
      async () =>
        (await onB.send(new GetCallerIdentityCommand({})).then(
          () => 'ok',
          (e) => e.Code,
        )) === 'ok',
      'reactivation reached B',
    );
    await iamClient(a.url).send(new DeleteAccessKeyCommand({ UserName: 'shared', AccessKeyId: key.AccessKeyId }));
    await eventually(
      async () =>
        (await onB.send(new GetCallerIdentityCommand({})).then(
          () => 'ok',
          (e) => e.Code,
        )) === 'InvalidClientTokenId',
      'deletion reached B',
    );
  });

  test('a policy detached, or a user removed from a group, on A: B denies on the next calls', async () => {
    const rootA = iamClient(a.url);
    await rootA.send(new CreateUserCommand({ UserName: 'reader' }));
    await rootA.send(new AttachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    await rootA.send(new CreateGroupCommand({ GroupName: 'readers' }));
    await rootA.send(new AttachGroupPolicyCommand({ GroupName: 'readers', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    const key = (await rootA.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    const onB = iamClient(b.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    const listOnB = () =>
      onB.send(new ListUsersCommand({})).then(
        () => 'ok',
        (e) => e.Code as string,
      );
    assert.equal(await listOnB(), 'ok');
    await rootA.send(new DetachUserPolicyCommand({ UserName: 'reader', PolicyArn: 'arn:aws:iam::aws:policy/IAMReadOnlyAccess' }));
    await eventually(async () => (await listOnB()) === 'AccessDenied', 'the detach reached B');
    await rootA.send(new AddUserToGroupCommand({ GroupName: 'readers', UserName: 'reader' }));
    await eventually(async () => (await listOnB()) === 'ok', 'the group membership reached B');
    await rootA.send(new RemoveUserFromGroupCommand({ GroupName: 'readers', UserName: 'reader' }));
    await eventually(async () => (await listOnB()) === 'AccessDenied', 'the removal from the group reached B');
  });

  test('the same name created on both nodes at once: exactly one succeeds', async () => {
    for (let round = 0; round < 5; round++) {
      const name = `race-${round}`;
      const results = await Promise.allSettled([a, b, a, b].map((node) => iamClient(node.url).send(new CreateUserCommand({ UserName: name }))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { Code?: string }).Code, 'EntityAlreadyExists');
      assert.equal((await iamClient(b.url).send(new GetUserCommand({ UserName: name }))).User?.UserName, name);
    }
  });

  test('three concurrent CreateAccessKey calls across nodes: never more than 2 keys', async () => {
    for (let round = 0; round < 3; round++) {
      const user = `keys-${round}`;
      await iamClient(a.url).send(new CreateUserCommand({ UserName: user }));
      const results = await Promise.allSettled([a, b, a].map((node) => iamClient(node.url).send(new CreateAccessKeyCommand({ UserName: user }))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
      const keys = (await iamClient(b.url).send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? [];
      assert.equal(keys.length, 2);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal((failed.reason as { Code?: string }).Code, 'LimitExceeded');
    }
  });

  test('a node killed with SIGKILL during a burst of writes loses no acknowledged write', async () => {
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `burst-${w}-${i}`;
        try {
          await iamClient(a.url).send(new CreateUserCommand({ UserName: name, Path: '/burst/' }));
          acknowledged.push(name);
        } catch {
          return;
        }
      }
    };
    const writers = [0, 1, 2].map(writer);
    // Kill in the middle of the burst: once some writes are acknowledged (a loaded machine may take
    // longer than usual to answer the first ones), never before.
    const deadline = Date.now() + 30_000;
    while (acknowledged.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    a.process.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    assert.ok(acknowledged.length > 0);
    const names = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await iamClient(b.url).send(new ListUsersCommand({ PathPrefix: '/burst/', Marker: marker }));
      for (const u of page.Users ?? []) names.add(u.UserName!);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    for (const name of acknowledged) assert.ok(names.has(name), `lost ${name}`);
    a = await startChild(tempDataDir(), nodeEnv());
    assert.equal((await iamClient(a.url).send(new GetUserCommand({ UserName: acknowledged[0] }))).User?.UserName, acknowledged[0]);
    const unknown = await awsError(() => iamClient(a.url).send(new GetUserCommand({ UserName: 'never-created' })));
    assert.equal(unknown.name, 'NoSuchEntity');
  });
});

test('iamd migrate copies a SQLite data folder into PostgreSQL; its keys keep working there', async () => {
  const dir = tempDataDir();
  const sqliteNode = await startChild(dir);
  await iamClient(sqliteNode.url).send(new CreateUserCommand({ UserName: 'moved', Tags: [{ Key: 't', Value: 'v' }] }));
  const key = (await iamClient(sqliteNode.url).send(new CreateAccessKeyCommand({ UserName: 'moved' }))).AccessKey!;
  await stopChild(sqliteNode);

  const db = await createTestDatabase();
  try {
    const migrated = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate', '--data-dir', dir, '--to', db.url], {});
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /copied 1 accounts, \d+ entities/);
    const masterKey = readFileSync(join(dir, 'master.key'), 'utf8').trim();
    const pgNode = await startChild(tempDataDir(), { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey });
    try {
      const me = await stsClient(pgNode.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetCallerIdentityCommand({}));
      assert.match(me.Arn ?? '', /:user\/moved$/);
      const again = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate', '--data-dir', dir, '--to', db.url], {});
      assert.notEqual(again.code, 0, 'a second copy into a non-empty database is refused');
    } finally {
      await stopChild(pgNode);
    }
  } finally {
    await db.drop();
  }
});
