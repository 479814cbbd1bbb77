// Two iamd nodes on one PostgreSQL database behave as one service: what one node writes, the
// other enforces; an MFA code, a console lockout, a one-time credentials page and an Add user
// draft hold across both; concurrent writers on both cannot break an invariant; a node killed
// mid-burst loses no acknowledged write.
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
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { consecutiveCodesAt, timeStepAt, totpForStep } from '../src/crypto/totp.ts';
import { ACCOUNT_ID, awsError, iamClient, stsClient, tempDataDir } from './helpers.ts';
import { capture, ConsoleClient, parseCsv } from './console/support.ts';
import { startChild, stopChild, type ChildIamd } from './child-process.ts';
import { createTestDatabase } from './pg.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';
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

  /** A browser whose requests go to A and B in turn (one console session, two nodes). */
  class TwoNodeBrowser extends ConsoleClient {
    private turn = 0;
    readonly served: string[] = [];
    protected override baseFor(): string {
      const base = this.turn++ % 2 === 0 ? a.url : b.url;
      this.served.push(base === a.url ? 'A' : 'B');
      return base;
    }
  }
  const ADMIN_PASSWORD = 'Console-Adm1n-Passw0rd!';
  async function consoleUser(name: string, admin: boolean): Promise<void> {
    await iamClient(a.url).send(new CreateUserCommand({ UserName: name }));
    await iamClient(a.url).send(new CreateLoginProfileCommand({ UserName: name, Password: ADMIN_PASSWORD, PasswordResetRequired: false }));
    if (admin) await iamClient(a.url).send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  }
  async function signedIn(name: string): Promise<TwoNodeBrowser> {
    const c = new TwoNodeBrowser(a.url);
    await c.get(`/console/${ACCOUNT_ID}`);
    const r = await c.post('/console/signin', { _pre: c.token('_pre'), kind: 'user', account: ACCOUNT_ID, name, password: ADMIN_PASSWORD }, { csrf: null });
    assert.equal(r.status, 303, r.body.slice(0, 300));
    return c;
  }

  test('an MFA code used on A is refused on B (replay)', async () => {
    await iamClient(a.url).send(new CreateUserCommand({ UserName: 'mfa-user' }));
    const key = (await iamClient(a.url).send(new CreateAccessKeyCommand({ UserName: 'mfa-user' }))).AccessKey!;
    const device = (await iamClient(a.url).send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'mfa-user' }))).VirtualMFADevice!;
    const seed = Buffer.from(device.Base32StringSeed!).toString('ascii');
    const now = new Date();
    const [c1, c2] = consecutiveCodesAt(seed, now);
    await iamClient(a.url).send(
      new EnableMFADeviceCommand({ UserName: 'mfa-user', SerialNumber: device.SerialNumber, AuthenticationCode1: c1, AuthenticationCode2: c2 }),
    );
    const code = totpForStep(seed, timeStepAt(now) + 1);
    const credentials = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const results: string[] = [];
    for (const node of [a, b, a, b]) {
      results.push(
        await stsClient(node.url, credentials)
          .send(new GetSessionTokenCommand({ SerialNumber: device.SerialNumber, TokenCode: code }))
          .then(
            () => 'ok',
            (e: { Code?: string; name: string }) => e.Code ?? e.name,
          ),
      );
    }
    assert.deepEqual(results, ['ok', 'AccessDenied', 'AccessDenied', 'AccessDenied'], 'the code works once, on either node');
  });

  test('console sign-in lockout counts failures on both nodes together', async () => {
    await consoleUser('locked-out', false);
    const c = new TwoNodeBrowser(a.url);
    const statuses: number[] = [];
    for (const password of ['Wrong-Passw0rd!', 'Wrong-Passw0rd!', 'Wrong-Passw0rd!', ADMIN_PASSWORD]) {
      // The sign-in page and its POST on the same node (the pre-session token is per page).
      await c.get(`/console/${ACCOUNT_ID}`);
      const r = await c.post('/console/signin', { _pre: c.token('_pre'), kind: 'user', account: ACCOUNT_ID, name: 'locked-out', password }, { csrf: null });
      statuses.push(r.status);
    }
    // Two failures are free, the third locks the name for a second: even the right password is refused meanwhile.
    assert.deepEqual(statuses, [401, 401, 401, 429], `statuses from ${c.served.join(',')}`);
    assert.deepEqual(new Set(c.served), new Set(['A', 'B']));
  });

  test('a new key: its one-time page kept by A is shown by B, its CSV downloaded once from either', async () => {
    await consoleUser('console-admin', true);
    await iamClient(a.url).send(new CreateUserCommand({ UserName: 'key-owner' }));
    const c = await signedIn('console-admin');
    await c.get('/console/iam/users/key-owner');
    const created = await c.post('/console/iam/users/key-owner/keys/create', {});
    assert.equal(created.status, 303, created.body.slice(0, 300));
    const page = await c.get(created.location!);
    assert.equal(page.status, 200);
    assert.equal((await c.get(created.location!)).status, 200, 'shown again by the other node');
    const download = capture(/href="(\/console\/iam\/download\/[\w-]+)"/, page.body);
    const csv = await c.get(download);
    assert.equal(csv.status, 200);
    const keys = (await iamClient(b.url).send(new ListAccessKeysCommand({ UserName: 'key-owner' }))).AccessKeyMetadata ?? [];
    assert.deepEqual(
      [parseCsv(csv.body)[0]?.['Access key ID']],
      keys.map((k) => k.AccessKeyId),
    );
    assert.equal((await c.get(download)).status, 410, 'downloaded once');
    assert.equal((await c.get(created.location!)).status, 410);
    assert.ok(c.served.includes('A') && c.served.includes('B'));
  });

  test('Add user: a draft saved on one node is created once when Create reaches both at once', async () => {
    const c = await signedIn('console-admin');
    await c.get('/console/iam/users/new');
    const next = await c.post('/console/iam/users/new', { name1: 'drafted', programmatic: '1', step: 'review' });
    assert.equal(next.status, 303, next.body.slice(0, 300));
    const review = await c.get(next.location!);
    const draft = capture(/name="draft" value="([\w-]+)"/, review.body);
    const csrf = c.token('_csrf');
    const answers = await Promise.all([1, 2].map(() => c.post('/console/iam/users/new', { draft, step: 'create' }, { csrf })));
    assert.deepEqual(
      answers.map((r) => r.status),
      [303, 303],
      answers.map((r) => r.body.slice(0, 200)).join('\n'),
    );
    assert.equal(answers[0]!.location, answers[1]!.location);
    assert.match((await c.get(answers[0]!.location!)).body, /id="credentials-table"/);
    assert.equal(((await iamClient(b.url).send(new ListAccessKeysCommand({ UserName: 'drafted' }))).AccessKeyMetadata ?? []).length, 1);
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
    const migrated = await run(process.execPath, [...IAMD, 'migrate', '--data-dir', dir, '--to', db.url], {});
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /copied 1 accounts, \d+ entities/);
    const masterKey = readFileSync(join(dir, 'master.key'), 'utf8').trim();
    const pgNode = await startChild(tempDataDir(), { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey });
    try {
      const me = await stsClient(pgNode.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetCallerIdentityCommand({}));
      assert.match(me.Arn ?? '', /:user\/moved$/);
      const again = await run(process.execPath, [...IAMD, 'migrate', '--data-dir', dir, '--to', db.url], {});
      assert.notEqual(again.code, 0, 'a second copy into a non-empty database is refused');
    } finally {
      await stopChild(pgNode);
    }
  } finally {
    await db.drop();
  }
});
