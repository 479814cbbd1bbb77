// The audit trail in the console (issue #16) over HTTP, as a browser asks for it: a user created,
// its key created and deleted, a console sign-in failed and an action denied each appear on the
// event history page with the right user, outcome and source IP; the deciding policy is in the
// event's details; the filters, time range and pages work; bad filters get AWS's errors; the page
// in Japanese; a user without cloudtrail:LookupEvents sees AccessDenied; users and roles show
// their recent activity; no secret is on any of these pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { ACCOUNT_ID, awsError, iamClient } from '../helpers.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

const ALICE_PASSWORD = 'Alice-Console-Passw0rd!';
const WRONG_PASSWORD = 'Wrong-Passw0rd-Typed-7c1e!';
const CAROL_PASSWORD = 'Carol-Has-No-Rights-1!';
const AUDIT = '/console/iam/audit';

interface Row {
  id: string;
  name: string;
  user: string;
  sourceIp: string;
  outcome: string;
  html: string;
}

/** The event rows of a page (each row's cells, its details kept whole). */
function rows(body: string, tableId = 'audit-events'): Row[] {
  const start = body.indexOf(`id="${tableId}"`);
  if (start < 0) return [];
  // The table ends with `</tbody></table></div>` (a details' own table is not in a div of its own).
  const end = body.indexOf('</tbody></table></div>', start);
  const table = body.slice(start, end < 0 ? undefined : end);
  return table
    .split('<tr class="audit-event"')
    .slice(1)
    .map((html) => ({
      id: /data-event-id="([^"]*)"/.exec(html)?.[1] ?? '',
      name: /data-event-name="([^"]*)"/.exec(html)?.[1] ?? '',
      user: (/<td class="user">(.*?)<\/td>/.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ''),
      sourceIp: /<td class="source-ip">(.*?)<\/td>/.exec(html)?.[1] ?? '',
      outcome: (/<span class="outcome[^"]*"[^>]*>(.*?)<\/span>/.exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ''),
      html,
    }));
}

/** Polls a page until `ok` holds for it (the trail appends reads and refusals in batches). */
async function until(client: ConsoleClient, path: string, ok: (body: string) => boolean): Promise<string> {
  let body = '';
  for (let i = 0; i < 100; i++) {
    body = (await client.get(path)).body;
    if (ok(body)) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${path} never showed what was expected:\n${body.slice(0, 3000)}`);
}

const q = (params: Record<string, string>) => `${AUDIT}?${new URLSearchParams(params)}`;

describe('console: the audit trail (issue #16)', () => {
  let app: App;
  let root: ConsoleClient;
  let rootJa: ConsoleClient;
  let carol: ConsoleClient;
  let aliceSecret: string;
  let keptKeyId: string;
  let deletedKeyId: string;
  let limitedKeyId: string;
  let limitedSecret: string;
  const secrets: string[] = [];

  before(async () => {
    app = await startConsoleApp();
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'alice', Password: ALICE_PASSWORD }));
    const first = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    deletedKeyId = first.AccessKeyId!;
    aliceSecret = first.SecretAccessKey!;
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: deletedKeyId }));
    const kept = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    keptKeyId = kept.AccessKeyId!;
    // A user who may read users but is explicitly denied creating them.
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
    limitedKeyId = limitedKey.AccessKeyId!;
    limitedSecret = limitedKey.SecretAccessKey!;
    const limited = iamClient(app, { accessKeyId: limitedKeyId, secretAccessKey: limitedSecret });
    // The key works at once (iamd has no propagation delay): the denial is recorded.
    const denied = await awsError(() => limited.send(new CreateUserCommand({ UserName: 'intruder' })));
    assert.equal(denied.name, 'AccessDenied');
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'carol', Password: CAROL_PASSWORD }));
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    secrets.push(aliceSecret, kept.SecretAccessKey!, limitedSecret, ALICE_PASSWORD, WRONG_PASSWORD, CAROL_PASSWORD, ROOT_PASSWORD);

    // A failed console sign-in (alice, wrong password).
    const failed = new ConsoleClient(app.url);
    const r = await failed.signIn(ACCOUNT_ID, 'user', 'alice', WRONG_PASSWORD);
    assert.notEqual(r.location, '/console/iam');

    root = new ConsoleClient(app.url);
    assert.equal((await root.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD)).location, '/console/iam');
    rootJa = new ConsoleClient(app.url, 'ja');
    assert.equal((await rootJa.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD)).location, '/console/iam');
    carol = new ConsoleClient(app.url);
    assert.equal((await carol.signIn(ACCOUNT_ID, 'user', 'carol', CAROL_PASSWORD)).location, '/console/iam');
  });
  after(() => app?.close());

  const assertNoSecret = (body: string) => {
    for (const s of secrets) assert.ok(!body.includes(s), 'a secret is on the page');
  };

  test('the event history lists the user, its key created and deleted, the failed sign-in and the denial', async () => {
    const page = await root.get(AUDIT);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>Audit trail: event history<\/h1>/);
    assert.match(page.body, /href="\/console\/iam\/audit"[^>]*>Audit trail</);
    // The failed sign-in and the denial are written in batches: poll for them.
    const signIns = await until(root, q({ attr: 'EventName', value: 'ConsoleLogin' }), (b) => rows(b).some((r) => r.user === 'alice'));
    const users = rows(await until(root, q({ attr: 'EventName', value: 'CreateUser' }), (b) => rows(b).some((r) => r.user === 'limited')));
    const keys = rows((await root.get(q({ attr: 'ResourceName', value: deletedKeyId }))).body);
    const all = [...rows(signIns), ...users, ...keys];
    const createAlice = all.find((r) => r.name === 'CreateUser' && r.html.includes('&quot;userName&quot;: &quot;alice&quot;'));
    assert.ok(createAlice, 'CreateUser alice is listed');
    assert.equal(createAlice.user, 'root');
    assert.equal(createAlice.outcome, 'Success');
    assert.match(createAlice.sourceIp, /127\.0\.0\.1/);
    const keyEvents = all.filter((r) => /^(Create|Delete)AccessKey$/.test(r.name) && r.html.includes(deletedKeyId));
    assert.deepEqual(keyEvents.map((r) => r.name).sort(), ['CreateAccessKey', 'DeleteAccessKey']);
    for (const r of keyEvents) assert.equal(r.outcome, 'Success');
    const login = all.find((r) => r.name === 'ConsoleLogin' && r.user === 'alice');
    assert.ok(login, 'the failed sign-in is listed');
    assert.equal(login.user, 'alice');
    assert.match(login.outcome, /^Failure/);
    assert.match(login.sourceIp, /127\.0\.0\.1/);
    assert.match(login.html, /&quot;ConsoleLogin&quot;: &quot;Failure&quot;/);
    assert.equal(all.find((r) => r.name === 'ConsoleLogin' && r.user === 'carol')?.outcome, 'Success');
    const denial = all.find((r) => r.name === 'CreateUser' && r.user === 'limited');
    assert.ok(denial, 'the denied CreateUser is listed');
    assert.equal(denial.outcome, 'AccessDenied');
    assert.match(denial.sourceIp, /127\.0\.0\.1/);
    // Its details: the deciding policy (the explicit deny, by Sid) and the record as JSON, escaped.
    assert.match(denial.html, /ExplicitlyDenied: iam:CreateUser on/);
    assert.match(denial.html, /<td>NoCreate<\/td><td>Deny<\/td>/);
    assert.match(denial.html, /<pre class="json">\{\n {2}&quot;eventVersion&quot;: &quot;1\.08&quot;/);
    for (const b of [page.body, signIns]) assertNoSecret(b);
  });

  test('one event by its ID opens with its details', async () => {
    const all = rows(await root.get(q({ attr: 'EventName', value: 'CreateRole' })).then((r) => r.body));
    assert.equal(all.length, 1);
    const one = await root.get(q({ attr: 'EventId', value: all[0]!.id }));
    const [row] = rows(one.body);
    assert.equal(row?.id, all[0]!.id);
    assert.match(row!.html, /<details class="audit-details" open>/);
  });

  test('filters: event name, user name, event source, read-only, resource name, access key, time range', async () => {
    const by = async (attr: string, value: string) => rows((await root.get(q({ attr, value }))).body);
    const created = await by('EventName', 'CreateUser');
    assert.ok(created.length >= 4);
    assert.ok(created.every((r) => r.name === 'CreateUser'));
    const limited = await by('Username', 'limited');
    assert.ok(limited.length >= 1 && limited.every((r) => r.user === 'limited'));
    const signIns = await by('EventSource', 'signin.amazonaws.com');
    assert.ok(signIns.length >= 1 && signIns.every((r) => r.name === 'ConsoleLogin'));
    const reads = await by('ReadOnly', 'yes');
    assert.ok(reads.length >= 1 && reads.every((r) => /^(List|Get|Lookup|Simulate)/.test(r.name)), reads.map((r) => r.name).join());
    const writes = await by('ReadOnly', 'false');
    assert.ok(writes.some((r) => r.name === 'CreateRole') && writes.every((r) => !/^(List|Get|Lookup)/.test(r.name)));
    const onAlice = await by('ResourceName', 'alice');
    assert.ok(['CreateUser', 'CreateLoginProfile', 'CreateAccessKey', 'DeleteAccessKey'].every((n) => onAlice.some((r) => r.name === n)));
    const withKey = await by('AccessKeyId', limitedKeyId);
    assert.ok(withKey.some((r) => r.name === 'CreateUser' && r.outcome === 'AccessDenied'));
    assert.ok(withKey.every((r) => r.user === 'limited'));
    // The filter form keeps what was asked.
    const kept = await root.get(q({ attr: 'Username', value: 'limited' }));
    assert.match(kept.body, /<option value="Username" selected>/);
    assert.match(kept.body, /id="audit-value" value="limited"/);
    // A time range: in the future, nothing; around now, the events.
    const future = await root.get(q({ start: '2999-01-01T00:00' }));
    assert.match(future.body, /id="audit-none"/);
    const past = await root.get(q({ end: '2000-01-01T00:00' }));
    assert.match(past.body, /id="audit-none"/);
    const now = new Date();
    const around = await root.get(
      q({
        attr: 'EventName',
        value: 'CreateRole',
        start: new Date(now.getTime() - 3_600_000).toISOString().slice(0, 16),
        end: new Date(now.getTime() + 3_600_000).toISOString().slice(0, 16),
      }),
    );
    assert.equal(rows(around.body).length, 1);
  });

  test('pages: the next page link continues where the first stopped', async () => {
    const first = await root.get(q({ attr: 'EventName', value: 'CreateUser', max: '2' }));
    const firstRows = rows(first.body);
    assert.equal(firstRows.length, 2);
    const next = /id="audit-next"/.test(first.body) ? /href="([^"]*)" id="audit-next"/.exec(first.body)?.[1] : undefined;
    assert.ok(next, 'a next page link');
    const second = await root.get(next.replace(/&amp;/g, '&'));
    const secondRows = rows(second.body);
    assert.ok(secondRows.length >= 1);
    assert.ok(secondRows.every((r) => r.name === 'CreateUser' && !firstRows.some((f) => f.id === r.id)));
    assert.match(second.body, /id="audit-first"/);
  });

  test('bad filters: AWS errors on the page, never a crash', async () => {
    let page = await root.get(q({ max: '99' }));
    assert.equal(page.status, 200);
    // The model's range (1–50) is checked first, as AWS's own decoder does.
    assert.match(page.body, /class="notice error"[^>]*>[^<]*ValidationError: 1 validation error detected: Value &#39;99&#39; at &#39;maxResults&#39;/);
    page = await root.get(q({ next: 'bogus' }));
    assert.match(page.body, /InvalidNextTokenException: Invalid NextToken\./);
    page = await root.get(q({ start: '2026-11-29T12:00', end: '2026-11-28T12:00' }));
    assert.match(page.body, /InvalidTimeRangeException/);
    page = await root.get(q({ start: 'yesterday' }));
    assert.match(page.body, /The time yesterday is not a date and time/);
    page = await root.get(q({ attr: 'ReadOnly', value: 'maybe' }));
    assert.match(page.body, /InvalidLookupAttributesException: ReadOnly must be true or false\./);
    page = await root.get(q({ attr: 'Bogus', value: '<script>alert(1)</script>' }));
    assert.equal(page.status, 200);
    assert.ok(!page.body.includes('<script>alert(1)</script>'));
    assert.match(page.body, /id="audit-events"/);
  });

  test('in Japanese', async () => {
    const page = await rootJa.get(AUDIT);
    assert.equal(page.status, 200);
    assert.match(page.body, /<h1>監査証跡: イベント履歴<\/h1>/);
    assert.match(page.body, /ルックアップ属性/);
    assert.match(page.body, /<th scope="col">イベント名<\/th>/);
    assert.match(page.body, />成功</);
    const user = await rootJa.get('/console/iam/users/alice');
    assert.match(user.body, /最近のアクティビティ/);
  });

  test('a user without cloudtrail:LookupEvents sees AccessDenied, explained', async () => {
    const page = await carol.get(AUDIT);
    assert.equal(page.status, 403);
    assert.match(page.body, /AccessDenied: User: arn:aws:iam::111122223333:user\/carol is not authorized to perform: cloudtrail:LookupEvents/);
    assert.doesNotMatch(page.body, /id="audit-events"/);
    assertNoSecret(page.body);
    // In Japanese: a sentence, with AWS's own text beneath it.
    const carolJa = new ConsoleClient(app.url, 'ja');
    assert.equal((await carolJa.signIn(ACCOUNT_ID, 'user', 'carol', CAROL_PASSWORD)).location, '/console/iam');
    const ja = await carolJa.get(AUDIT);
    assert.equal(ja.status, 403);
    assert.match(ja.body, /<span class="plain-error">[^<]+<\/span>/);
    assert.match(ja.body, /<code lang="en">AccessDenied: User: arn:aws:iam::111122223333:user\/carol is not authorized to perform: cloudtrail:LookupEvents/);
  });

  test('recent activity on the user (and its key) and the role pages, linked to the filtered history', async () => {
    const user = await until(root, '/console/iam/users/alice', (b) => b.includes('id="recent-activity"'));
    assert.match(user, /<h2>Recent activity<\/h2>/);
    const userRows = rows(user, 'recent-user-events');
    assert.ok(userRows.length >= 1 && userRows.length <= 5);
    assert.ok(userRows.some((r) => r.name === 'ConsoleLogin' || r.name === 'CreateAccessKey'));
    assert.match(user, /href="\/console\/iam\/audit\?attr=Username&amp;value=alice"/);
    assert.match(user, /href="\/console\/iam\/audit\?attr=ResourceName&amp;value=alice"/);
    const keyRows = rows(user, `recent-key-${keptKeyId}-events`);
    assert.ok(keyRows.some((r) => r.name === 'CreateAccessKey'));
    assert.match(user, new RegExp(`href="/console/iam/audit\\?attr=AccessKeyId&amp;value=${keptKeyId}"`));
    assertNoSecret(user);

    const role = await root.get('/console/iam/roles/app');
    const roleRows = rows(role.body, 'recent-role-events');
    assert.ok(roleRows.some((r) => r.name === 'CreateRole'));
    assert.match(role.body, /href="\/console\/iam\/audit\?attr=ResourceName&amp;value=app"/);
  });
});
