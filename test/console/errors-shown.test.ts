// Errors are shown, never swallowed (issue #20): a part of a page whose lookup fails renders a
// notice with AWS's reason (AccessDenied says which action and why), in English and Japanese,
// while the rest of the page still works; a failure that is not an AwsError is not shown as empty.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import type { Rq } from '../../src/api/console/core.ts';
import { translator } from '../../src/api/console/messages.ts';
import { load, section } from '../../src/api/console/sections.ts';
import { ACCOUNT_ID, iamClient } from '../helpers.ts';
import { ConsoleClient, startConsoleApp } from './support.ts';

const PASSWORD = 'Lister-Passw0rd!';
const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const denied = (action: string) =>
  new RegExp(`AccessDenied: User: arn:aws:iam::${ACCOUNT_ID}:user/lister is not authorized to perform: iam:${action} on resource: [^ ]+ with an explicit deny`);

describe('console: a part of a page that may not be read shows why', () => {
  let app: App;
  before(async () => {
    app = await startConsoleApp();
    const iam = iamClient(app);
    for (const name of ['lister', 'target']) await iam.send(new CreateUserCommand({ UserName: name }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'target' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'lister', Password: PASSWORD }));
    // lister may read users, but not their groups nor their access keys.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
        { Effect: 'Deny', Action: ['iam:ListGroupsForUser', 'iam:ListAccessKeys'], Resource: '*' },
      ],
    };
    await iam.send(new PutUserPolicyCommand({ UserName: 'lister', PolicyName: 'read-but-not-groups', PolicyDocument: JSON.stringify(policy) }));
  });
  after(() => app.close());

  test('the user page: groups and access keys say AccessDenied, in English; the rest of the page works', async () => {
    const c = new ConsoleClient(app.url);
    assert.equal((await c.signIn(ACCOUNT_ID, 'user', 'lister', PASSWORD)).status, 303);
    const page = await c.get('/console/iam/users/target');
    assert.equal(page.status, 200);
    const shown = text(page.body);
    assert.match(shown, new RegExp(`Groups could not be loaded: ${denied('ListGroupsForUser').source}`));
    assert.match(shown, new RegExp(`Access keys could not be loaded: ${denied('ListAccessKeys').source}`));
    assert.equal((page.body.match(/class="notice error" role="alert"/g) ?? []).length, 2);
    // Not an empty section: no list of groups, no "(0)", no table of keys.
    assert.doesNotMatch(page.body, /id="user-groups"/);
    assert.doesNotMatch(page.body, /<h2>Groups \(0\)<\/h2>/);
    assert.doesNotMatch(page.body, /id="access-keys"/);
    // What may be read is shown as before.
    assert.match(page.body, new RegExp(`id="user-arn">arn:aws:iam::${ACCOUNT_ID}:user/target<`));
    assert.match(page.body, /id="user-attached"/);
    assert.match(page.body, /id="mfa-devices"/);
    assert.match(page.body, /id="console-password-state">[^<]*Disabled</);
    // The list page still lists.
    const list = await c.get('/console/iam/users');
    assert.match(list.body, /id="users-table"/);
    assert.match(list.body, /href="\/console\/iam\/users\/target">target</);
  });

  test('the same reasons on the Japanese page', async () => {
    const ja = new ConsoleClient(app.url, 'ja');
    await ja.signIn(ACCOUNT_ID, 'user', 'lister', PASSWORD);
    const page = await ja.get('/console/iam/users/target');
    assert.equal(page.status, 200);
    assert.match(page.body, /<html lang="ja">/);
    const shown = text(page.body);
    // Issue #19: a plain Japanese sentence first, AWS's code and text beneath it.
    assert.match(
      shown,
      new RegExp(`グループを読み込めませんでした: この操作の権限がありません。 詳細 \\(AWS のエラー\\) ${denied('ListGroupsForUser').source}`),
    );
    assert.match(
      shown,
      new RegExp(`アクセスキーを読み込めませんでした: この操作の権限がありません。 詳細 \\(AWS のエラー\\) ${denied('ListAccessKeys').source}`),
    );
  });

  test('a failure that is not an AwsError is logged and shown as an error, never as empty', async () => {
    const logged: unknown[] = [];
    const rq = { t: translator('en'), deps: { services: { logger: { error: (o: unknown) => logged.push(o) } } } } as unknown as Rq;
    const result = await load(rq, async (): Promise<string[]> => {
      throw new TypeError('a bug');
    });
    const html = section(rq, 'Groups', result, (groups) => `${groups.length} groups`).value;
    assert.equal(result.ok, false);
    assert.match(html, /class="notice error"/);
    assert.match(html, /Groups could not be loaded: Something went wrong\. Please try again\./);
    assert.doesNotMatch(html, /a bug|0 groups/);
    assert.equal(logged.length, 1);
    const ok = await load(rq, async () => ['admins']);
    assert.equal(section(rq, 'Groups', ok, (groups) => `${groups.length} groups`).value, '1 groups');
  });
});
