// The audit trail end to end (issue #16): a user created, its key created and deleted, a console
// sign-in failed and an action denied each appear through `aws cloudtrail lookup-events` with the
// right identity, source IP, outcome and deciding policy; a canary secret appears nowhere (API
// answers, `iamd audit tail/export`, the raw SQLite files); `iamd audit verify` passes, then names
// the event altered, removed or reordered directly in the SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ACCOUNT_ID, awsError, iamClient, ROOT_KEY, tempDataDir } from './helpers.ts';
import { ConsoleClient, startConsoleApp } from './console/support.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const iamd = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [...IAMD, ...args], env);

/** Canary secrets: none of them may appear anywhere in the trail. */
const CANARY_PASSWORD = 'Canary-Passw0rd-9f3b7e21!';
const CANARY_WRONG = 'Canary-Wrong-4d81c0aa!';

interface TrailRecord {
  eventName: string;
  eventSource: string;
  eventType: string;
  sourceIPAddress: string;
  userIdentity: { type: string; arn?: string; userName?: string; accessKeyId?: string; accountId?: string };
  errorCode?: string;
  errorMessage?: string;
  readOnly: boolean;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  additionalEventData?: {
    authorization?: { action: string; decision: string; decidingStatements: { Sid?: string; Effect: string; SourcePolicyId: string }[]; reason?: string };
    MFAUsed?: string;
  };
}

interface CliEvent {
  EventId: string;
  EventName: string;
  Username?: string;
  AccessKeyId?: string;
  EventSource: string;
  Resources: { ResourceType: string; ResourceName: string }[];
  CloudTrailEvent: string;
}

test('the audit trail: recorded, queried with the aws CLI, secret-free, and verified', { timeout: 240_000 }, async () => {
  const dir = tempDataDir();
  const app = await startConsoleApp({ dataDir: dir });
  let closed = false;
  try {
    const iam = iamClient(app);
    // A user, its console password (a canary), a key created and deleted.
    await iam.send(new CreateUserCommand({ UserName: 'auditee' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'auditee', Password: CANARY_PASSWORD }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'auditee' }))).AccessKey!;
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'auditee', AccessKeyId: key.AccessKeyId! }));
    // A user who may read but is explicitly denied creating users.
    await iam.send(new CreateUserCommand({ UserName: 'limited' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'limited',
        PolicyName: 'read-not-create',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'ReadUsers', Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListUsers'], Resource: '*' },
            { Sid: 'NoCreate', Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' },
          ],
        }),
      }),
    );
    const limitedKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'limited' }))).AccessKey!;
    const limited = iamClient(app, { accessKeyId: limitedKey.AccessKeyId!, secretAccessKey: limitedKey.SecretAccessKey! });
    await limited.send(new GetUserCommand({ UserName: 'auditee' }));
    const denied = await awsError(() => limited.send(new CreateUserCommand({ UserName: 'intruder' })));
    assert.equal(denied.name, 'AccessDenied');
    // A failed console sign-in (with a canary as the wrong password).
    const browser = new ConsoleClient(app.url);
    const signIn = await browser.signIn(ACCOUNT_ID, 'user', 'auditee', CANARY_WRONG);
    assert.notEqual(signIn.status, 303);

    const env = {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const outputs: string[] = [];
    const lookup = async (...args: string[]): Promise<CliEvent[]> => {
      const r = await run('aws', ['--endpoint-url', app.url, '--output', 'json', 'cloudtrail', 'lookup-events', ...args], env);
      assert.equal(r.code, 0, r.stderr);
      outputs.push(r.stdout);
      return (JSON.parse(r.stdout) as { Events: CliEvent[] }).Events;
    };
    const byName = async (name: string): Promise<{ cli: CliEvent; record: TrailRecord }[]> =>
      (await lookup('--lookup-attributes', `AttributeKey=EventName,AttributeValue=${name}`)).map((cli) => ({
        cli,
        record: JSON.parse(cli.CloudTrailEvent) as TrailRecord,
      }));

    // CreateUser: root's success (the root user needs no policy) and limited's denial (by NoCreate).
    const creates = await byName('CreateUser');
    const rootCreate = creates.find((e) => e.record.requestParameters?.userName === 'auditee');
    assert.ok(rootCreate, JSON.stringify(creates.map((e) => e.record.requestParameters)));
    assert.equal(rootCreate.record.userIdentity.type, 'Root');
    assert.equal(rootCreate.record.userIdentity.arn, `arn:aws:iam::${ACCOUNT_ID}:root`);
    assert.equal(rootCreate.record.sourceIPAddress, '127.0.0.1');
    assert.equal(rootCreate.record.eventSource, 'iam.amazonaws.com');
    assert.equal(rootCreate.record.errorCode, undefined);
    assert.equal(rootCreate.record.readOnly, false);
    assert.equal(rootCreate.cli.Username, 'root');
    assert.equal((rootCreate.record.responseElements?.user as { userName?: string } | undefined)?.userName, 'auditee');
    assert.equal(rootCreate.record.additionalEventData?.authorization?.decision, 'Allowed');
    assert.ok(rootCreate.cli.Resources.some((r) => r.ResourceType === 'AWS::IAM::User' && r.ResourceName === 'auditee'));
    const deniedCreate = creates.find((e) => e.record.requestParameters?.userName === 'intruder');
    assert.ok(deniedCreate);
    assert.equal(deniedCreate.record.errorCode, 'AccessDenied');
    assert.match(deniedCreate.record.errorMessage ?? '', /explicit deny/);
    assert.equal(deniedCreate.record.userIdentity.type, 'IAMUser');
    assert.equal(deniedCreate.record.userIdentity.userName, 'limited');
    assert.equal(deniedCreate.record.userIdentity.accessKeyId, limitedKey.AccessKeyId);
    assert.equal(deniedCreate.record.sourceIPAddress, '127.0.0.1');
    assert.equal(deniedCreate.cli.Username, 'limited');
    const decision = deniedCreate.record.additionalEventData?.authorization;
    assert.equal(decision?.decision, 'ExplicitlyDenied');
    assert.deepEqual(
      decision?.decidingStatements.map((s) => [s.SourcePolicyId, s.Sid, s.Effect]),
      [['read-not-create', 'NoCreate', 'Deny']],
    );

    // The key: created (its secret hashed, never readable) and deleted.
    const [created] = await byName('CreateAccessKey').then((all) => all.filter((e) => e.record.requestParameters?.userName === 'auditee'));
    assert.ok(created);
    const createdKey = created.record.responseElements?.accessKey as { accessKeyId?: string; secretAccessKey?: string } | undefined;
    assert.equal(createdKey?.accessKeyId, key.AccessKeyId);
    assert.match(createdKey?.secretAccessKey ?? '', /^HMAC-SHA256:/);
    assert.ok(created.cli.Resources.some((r) => r.ResourceType === 'AWS::IAM::AccessKey' && r.ResourceName === key.AccessKeyId));
    const deleted = await byName('DeleteAccessKey');
    assert.equal(deleted.length, 1);
    assert.equal(deleted[0]!.record.requestParameters?.accessKeyId, key.AccessKeyId);
    assert.equal(deleted[0]!.record.userIdentity.type, 'Root');
    // Also found by the resource it names.
    const byKey = await lookup('--lookup-attributes', `AttributeKey=ResourceName,AttributeValue=${key.AccessKeyId}`);
    assert.deepEqual(new Set(byKey.map((e) => e.EventName)), new Set(['CreateAccessKey', 'DeleteAccessKey']));

    // The failed console sign-in: ConsoleLogin, Failure, the user named, no MFA.
    const logins = await byName('ConsoleLogin');
    assert.equal(logins.length, 1);
    const login = logins[0]!.record;
    assert.equal(login.eventSource, 'signin.amazonaws.com');
    assert.equal(login.eventType, 'AwsConsoleSignIn');
    assert.equal(login.responseElements?.ConsoleLogin, 'Failure');
    assert.equal(login.errorMessage, 'Failed authentication');
    assert.equal(login.userIdentity.userName, 'auditee');
    assert.equal(login.additionalEventData?.MFAUsed, 'No');
    assert.equal(login.sourceIPAddress, '127.0.0.1');

    // Other filters, pagination (the CLI follows NextToken), and the reads recorded too.
    const readsByLimited = await lookup('--lookup-attributes', `AttributeKey=AccessKeyId,AttributeValue=${limitedKey.AccessKeyId}`);
    assert.deepEqual(new Set(readsByLimited.map((e) => e.EventName)), new Set(['GetUser', 'CreateUser']));
    // limited's read names the statement that allowed it.
    const read = readsByLimited.find((e) => e.EventName === 'GetUser')!;
    const readDecision = (JSON.parse(read.CloudTrailEvent) as TrailRecord).additionalEventData?.authorization;
    assert.equal(readDecision?.decision, 'Allowed');
    assert.deepEqual(
      readDecision?.decidingStatements.map((s) => [s.SourcePolicyId, s.Sid, s.Effect]),
      [['read-not-create', 'ReadUsers', 'Allow']],
    );
    const readOnly = await lookup('--lookup-attributes', 'AttributeKey=ReadOnly,AttributeValue=true');
    assert.ok(readOnly.every((e) => (JSON.parse(e.CloudTrailEvent) as TrailRecord).readOnly));
    const all = await lookup('--page-size', '2');
    assert.ok(all.length >= 10, `events: ${all.length}`);
    assert.equal(new Set(all.map((e) => e.EventId)).size, all.length);
    const future = await lookup('--start-time', '2099-01-01T00:00:00Z');
    assert.equal(future.length, 0);

    // AWS's errors: two attributes; a caller without cloudtrail:LookupEvents.
    const two = await run(
      'aws',
      [
        '--endpoint-url',
        app.url,
        'cloudtrail',
        'lookup-events',
        '--lookup-attributes',
        'AttributeKey=EventName,AttributeValue=CreateUser',
        'AttributeKey=Username,AttributeValue=root',
      ],
      env,
    );
    assert.notEqual(two.code, 0);
    assert.match(two.stderr, /InvalidLookupAttributesException/);
    const notAllowed = await run('aws', ['--endpoint-url', app.url, 'cloudtrail', 'lookup-events'], {
      ...env,
      AWS_ACCESS_KEY_ID: limitedKey.AccessKeyId!,
      AWS_SECRET_ACCESS_KEY: limitedKey.SecretAccessKey!,
    });
    assert.notEqual(notAllowed.code, 0);
    assert.match(notAllowed.stderr, /AccessDenied/);

    // The SDK for JavaScript v3 too.
    const cloudtrail = new CloudTrailClient({ endpoint: app.url, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    const sdk = await cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'limited' }], MaxResults: 1 }));
    assert.equal(sdk.Events?.length, 1);
    assert.ok(sdk.NextToken);
    assert.ok(sdk.Events![0]!.EventTime instanceof Date);
    const next = await cloudtrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'limited' }], MaxResults: 1, NextToken: sdk.NextToken }),
    );
    assert.notEqual(next.Events?.[0]?.EventId, sdk.Events![0]!.EventId);
    outputs.push(JSON.stringify(sdk), JSON.stringify(next));

    // No canary in any answer.
    for (const text of outputs)
      for (const canary of [CANARY_PASSWORD, CANARY_WRONG, limitedKey.SecretAccessKey!, key.SecretAccessKey!]) assert.ok(!text.includes(canary));

    await app.close();
    closed = true;

    // Operator tools: tail, export; neither shows a canary.
    const tail = await iamd(['audit', 'tail', '--data-dir', dir, '--event-name', 'CreateUser', '--json']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.equal(tail.stdout.trim().split('\n').length, 3);
    const tailUser = await iamd(['audit', 'tail', '--data-dir', dir, '--user', 'limited']);
    assert.match(tailUser.stdout, /CreateUser\tlimited\t127\.0\.0\.1\tAccessDenied/);
    const exported = await iamd(['audit', 'export', '--data-dir', dir, '--format', 'jsonl']);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = exported.stdout.trim().split('\n');
    assert.ok(lines.length >= 12);
    for (const line of lines) JSON.parse(line);
    // Nothing secret anywhere: the answers, the tools' output, the raw database files.
    const raw = ['iamd.sqlite', 'iamd.sqlite-wal'].filter((f) => existsSync(join(dir, f))).map((f) => readFileSync(join(dir, f)).toString('latin1'));
    for (const text of [tail.stdout, tailUser.stdout, exported.stdout, ...raw]) {
      for (const canary of [CANARY_PASSWORD, CANARY_WRONG, limitedKey.SecretAccessKey!, key.SecretAccessKey!])
        assert.ok(!text.includes(canary), 'a canary secret is in the trail');
    }

    // verify: passes, and signs a digest.
    const ok = await iamd(['audit', 'verify', '--data-dir', dir]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /audit trail verified: \d+ events/);

    // Tampering, each on a copy of the data folder.
    const tampered = (name: string, change: (db: BetterSqlite3.Database) => string) => {
      const copy = join(dir, `tampered-${name}`);
      mkdirSync(copy);
      for (const f of ['iamd.sqlite', 'master.key']) copyFileSync(join(dir, f), join(copy, f));
      const db = new BetterSqlite3(join(copy, 'iamd.sqlite'));
      try {
        return { copy, expect: change(db) };
      } finally {
        db.close();
      }
    };
    const rowOf = (db: BetterSqlite3.Database, name: string) =>
      db.prepare('select seq, event_id from audit_events where event_name = ? order by seq limit 1').get(name) as { seq: number; event_id: string };
    // Altered: the denied CreateUser now looks allowed.
    const altered = tampered('altered', (db) => {
      const row = db.prepare("select seq, event_id, body from audit_events where body like '%AccessDenied%' and event_name = 'CreateUser'").get() as {
        seq: number;
        event_id: string;
        body: string;
      };
      db.prepare('update audit_events set body = ? where seq = ?').run(row.body.replace(/"errorCode":"AccessDenied",/, ''), row.seq);
      return row.event_id;
    });
    const alteredRun = await iamd(['audit', 'verify', '--data-dir', altered.copy, '--no-digest']);
    assert.equal(alteredRun.code, 1, alteredRun.stdout + alteredRun.stderr);
    assert.match(alteredRun.stdout, /altered/);
    assert.ok(alteredRun.stdout.includes(altered.expect), alteredRun.stdout);
    // Removed: the DeleteAccessKey event is gone.
    const removed = tampered('removed', (db) => {
      const row = rowOf(db, 'DeleteAccessKey');
      db.prepare('delete from audit_events where seq = ?').run(row.seq);
      return `#${row.seq}`;
    });
    const removedRun = await iamd(['audit', 'verify', '--data-dir', removed.copy, '--no-digest']);
    assert.equal(removedRun.code, 1);
    assert.match(removedRun.stdout, /removed/);
    assert.ok(removedRun.stdout.includes(`event ${removed.expect}`), removedRun.stdout);
    // Reordered: CreateAccessKey and the event after it swap places.
    const reordered = tampered('reordered', (db) => {
      const row = rowOf(db, 'CreateAccessKey');
      const swap = db.transaction(() => {
        db.prepare('update audit_events set seq = -1 where seq = ?').run(row.seq);
        db.prepare('update audit_events set seq = ? where seq = ?').run(row.seq, row.seq + 1);
        db.prepare('update audit_events set seq = ? where seq = -1').run(row.seq + 1);
      });
      swap();
      return row.event_id;
    });
    const reorderedRun = await iamd(['audit', 'verify', '--data-dir', reordered.copy, '--no-digest']);
    assert.equal(reorderedRun.code, 1);
    assert.match(reorderedRun.stdout, /out of order/);
    // Rewriting the chain from an altered event on, hashes and all, is caught by the signed digest.
    const rewritten = tampered('rewritten', (db) => {
      const rows = db.prepare('select seq, event_id, body, prev_hash from audit_events order by seq').all() as {
        seq: number;
        event_id: string;
        body: string;
        prev_hash: string;
      }[];
      const target = rows.find((r) => r.body.includes('"AccessDenied"'))!;
      let prev = target.prev_hash;
      for (const r of rows.filter((x) => x.seq >= target.seq)) {
        const body = r.seq === target.seq ? r.body.replace(/"errorCode":"AccessDenied",/, '') : r.body;
        const hash = createHash('sha256').update(prev).update('\n').update(String(r.seq)).update('\n').update(body).digest('hex');
        db.prepare('update audit_events set body = ?, prev_hash = ?, hash = ? where seq = ?').run(body, prev, hash, r.seq);
        prev = hash;
      }
      db.prepare("update audit_chain set hash = ? where name = 'head'").run(prev);
      return target.event_id;
    });
    const rewrittenRun = await iamd(['audit', 'verify', '--data-dir', rewritten.copy, '--no-digest']);
    assert.equal(rewrittenRun.code, 1, rewrittenRun.stdout);
    assert.match(rewrittenRun.stdout, /digest/);
  } finally {
    if (!closed) await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
