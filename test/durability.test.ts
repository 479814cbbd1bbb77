// Data survives restarts, and a kill -9 in the middle of a burst of writes loses no acknowledged
// write and leaves nothing half-applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, ListUsersCommand, ListUserTagsCommand, type User } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { iamClient, stsClient, tempDataDir } from './helpers.ts';
import { startChild, stopChild } from './child-process.ts';

async function allUsers(url: string): Promise<User[]> {
  const iam = iamClient(url);
  const users: User[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListUsersCommand({ Marker: marker, MaxItems: 1000 }));
    users.push(...(page.Users ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return users;
}

test('a restart keeps users, keys and the master key; secrets are not in the database file', async () => {
  const dir = tempDataDir();
  let child = await startChild(dir);
  const iam = iamClient(child.url);
  await iam.send(new CreateUserCommand({ UserName: 'persistent', Tags: [{ Key: 'k', Value: 'v' }] }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'persistent' }))).AccessKey!;
  await stopChild(child);

  child = await startChild(dir);
  try {
    assert.equal((await iamClient(child.url).send(new GetUserCommand({ UserName: 'persistent' }))).User?.UserName, 'persistent');
    const me = await stsClient(child.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetCallerIdentityCommand({}));
    assert.match(me.Arn ?? '', /:user\/persistent$/);
  } finally {
    await stopChild(child);
  }
  assert.equal((statSync(join(dir, 'master.key')).mode & 0o777).toString(8), '600');
  for (const file of readdirSync(dir)) {
    const bytes = readFileSync(join(dir, file));
    assert.equal(bytes.includes(Buffer.from(key.SecretAccessKey!)), false, `secret found in ${file}`);
  }
});

test('kill -9 during a burst of writes loses no acknowledged write', async () => {
  const dir = tempDataDir();
  const acknowledged = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const child = await startChild(dir);
    const iam = iamClient(child.url);
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `r${round}-w${w}-u${i}`;
        try {
          await iam.send(
            new CreateUserCommand({
              UserName: name,
              Tags: [
                { Key: 'a', Value: '1' },
                { Key: 'b', Value: '2' },
              ],
            }),
          );
          acknowledged.add(name);
        } catch {
          return; // the server died mid-request: this write was never acknowledged
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 400)));
    child.process.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await new Promise((r) => child.process.once('exit', r));
    assert.ok(acknowledged.size > 0, 'some writes were acknowledged before the kill');
  }

  const db = new BetterSqlite3(join(dir, 'iamd.sqlite'), { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();

  const child = await startChild(dir);
  try {
    const users = await allUsers(child.url);
    const names = new Set(users.map((u) => u.UserName!));
    for (const name of acknowledged) assert.ok(names.has(name), `acknowledged user ${name} was lost`);
    // Nothing half-applied: every user that exists has both of its tags.
    const iam = iamClient(child.url);
    for (const user of users.slice(0, 40)) {
      const tags = (await iam.send(new ListUserTagsCommand({ UserName: user.UserName }))).Tags ?? [];
      assert.equal(tags.length, 2, `user ${user.UserName} has ${tags.length} tags`);
    }
  } finally {
    await stopChild(child);
  }
});
