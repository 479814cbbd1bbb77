// Service catalogues managed in the console, over plain HTTP: root registers the orders example
// through the form, updates it, gets AWS's ValidationError (every problem) for a bad document with
// nothing changed, and deletes it; a user without iamd:PutServiceCatalog sees disabled buttons
// with AWS's reason and has every POST refused; the stored resource policies are listed
// read-only; the pages in Japanese.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { App } from '../../src/app.ts';
import { EXAMPLE_CATALOGUE } from '../../src/api/console/pages-services.ts';
import { parseCatalogue } from '../../src/protect/catalogue-format.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient } from '../helpers.ts';
import { capture, ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './support.ts';

const ORDERS = readFileSync(fileURLToPath(new URL('../../examples/orders/orders.catalog.json', import.meta.url)), 'utf8');
const SERVICE_ARN = (name: string) => `arn:aws:iamd::${ACCOUNT_ID}:service/${name}`;
/** The orders example renamed billing: a valid catalogue of another service. */
const BILLING = ORDERS.replace('"Name": "orders"', '"Name": "billing"')
  .replaceAll('arn:${Partition}:orders:', 'arn:${Partition}:billing:')
  .replaceAll('orders:Amount', 'billing:Amount');

/** What an HTML page's text shows (tags dropped, entities decoded, spaces folded). */
const text = (body: string) =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const decodeEntities = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const errorBanner = (body: string) => decodeEntities(capture(/class="notice error"[^>]*>([^<]*)</, body));
/** The document in the catalogue form's textarea, as the browser would submit it. */
const textarea = (body: string) => decodeEntities(capture(/<textarea name="catalog"[^>]*>([^<]*)<\/textarea>/, body));
const listed = (body: string) => [...body.matchAll(/<tr data-service="([^"]+)">/g)].map((m) => m[1]);

/** POST /iamd/resource-policies as root, signed with SigV4 (signing name `iam`) as the API's callers sign. */
async function putResourcePolicy(app: App, resourceArn: string, policy: unknown): Promise<number> {
  const url = new URL('/iamd/resource-policies', app.url);
  const body = JSON.stringify({ ResourceArn: resourceArn, PolicyDocument: JSON.stringify(policy) });
  const signer = new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const request = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  const res = await fetch(url, { method: 'POST', headers: request.headers as Record<string, string>, body });
  await res.arrayBuffer();
  return res.status;
}

describe('console: service catalogues (register, update, delete) and resource policies', () => {
  let app: App;
  let root: ConsoleClient;
  before(async () => {
    app = await startConsoleApp();
    root = new ConsoleClient(app.url);
    await root.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    // A user who may read catalogues, and nothing else of them.
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'viewer' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'viewer',
        PolicyName: 'read-catalogues',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['iamd:GetServiceCatalog', 'iamd:ListServiceCatalogs'], Resource: `arn:aws:iamd::${ACCOUNT_ID}:service/*` }],
        }),
      }),
    );
    await iam.send(new CreateLoginProfileCommand({ UserName: 'viewer', Password: 'Viewer-Passw0rd!' }));
  });
  after(() => app.close());

  test('the register form starts from a valid example', async () => {
    assert.equal(parseCatalogue(EXAMPLE_CATALOGUE).errors, undefined);
    assert.equal(parseCatalogue(BILLING).errors, undefined);
    const list = await root.get('/console/iam/services');
    assert.equal(list.status, 200);
    assert.match(list.body, /<a class="button primary" id="register-service" href="\/console\/iam\/services\/new">Register service<\/a>/);
    const page = await root.get('/console/iam/services/new');
    assert.equal(page.status, 200);
    assert.equal(textarea(page.body), EXAMPLE_CATALOGUE);
    assert.match(page.body, /<form method="post" action="\/console\/iam\/services\/new" id="catalogue-form"><input type="hidden" name="_csrf" value="[^"]+">/);
    // Without the CSRF token, nothing is registered.
    assert.equal((await root.post('/console/iam/services/new', { catalog: ORDERS }, { csrf: null })).status, 403);
    assert.deepEqual(listed((await root.get('/console/iam/services')).body), []);
  });

  test('root registers orders through the form, sees it listed, updates it; a bad document changes nothing', async () => {
    await root.get('/console/iam/services/new');
    const created = await root.post('/console/iam/services/new', { catalog: ORDERS });
    assert.equal(created.status, 303);
    assert.equal(created.location, '/console/iam/services/orders?ok=serviceRegistered');
    const page = await root.get(created.location!);
    assert.equal(page.status, 200);
    assert.match(text(page.body), /The service was registered\./);
    assert.match(page.body, /<code>orders:CancelOrder<\/code>/);
    assert.match(page.body, /<a class="button" id="update-service" href="\/console\/iam\/services\/orders\/update">Update<\/a>/);
    assert.match(
      page.body,
      /<form method="post" action="\/console\/iam\/services\/orders\/delete" class="inline" data-confirm="Delete the catalogue of orders\?[^"]*">/,
    );
    const list = await root.get('/console/iam/services');
    assert.deepEqual(listed(list.body), ['orders']);
    assert.match(list.body, /<tr data-service="orders"><td><a href="\/console\/iam\/services\/orders">orders<\/a><\/td><td>The example orders service/);

    // Update: the form holds the document exactly as it was registered.
    const edit = await root.get('/console/iam/services/orders/update');
    assert.equal(edit.status, 200);
    assert.equal(textarea(edit.body), ORDERS);
    const changed = JSON.parse(ORDERS) as { Description: string; Actions: { Name: string; AccessLevel: string }[] };
    changed.Description = 'Orders, version 2 </textarea><script>alert(1)</script>';
    changed.Actions.push({ Name: 'DeleteOrder', AccessLevel: 'Write' });
    const v2 = JSON.stringify(changed, null, 2);
    const updated = await root.post('/console/iam/services/orders/update', { catalog: v2 });
    assert.equal(updated.status, 303);
    assert.equal(updated.location, '/console/iam/services/orders?ok=serviceUpdated');
    const after = await root.get(updated.location!);
    assert.match(text(after.body), /The catalogue was updated\./);
    assert.match(after.body, /<code>orders:DeleteOrder<\/code>/);
    assert.match(after.body, /Orders, version 2 &lt;\/textarea&gt;&lt;script&gt;/);
    assert.doesNotMatch(after.body, /<script>alert/);
    const edit2 = await root.get('/console/iam/services/orders/update');
    assert.equal(textarea(edit2.body), v2);
    assert.doesNotMatch(edit2.body, /<script>alert/);

    // A bad document: AWS's ValidationError with every problem, the document kept in the form, nothing stored.
    const bad = JSON.parse(ORDERS) as { Actions: { Name: string }[]; Routes: { Action: string }[]; Resources: { ArnFormats: string[] }[] };
    bad.Actions[1]!.Name = 'Get Order';
    bad.Routes[3]!.Action = 'Cancel';
    bad.Resources[0]!.ArnFormats = ['arn:aws:orders:::order/${OrderId}'];
    const badText = JSON.stringify(bad, null, 2);
    const refused = await root.post('/console/iam/services/orders/update', { catalog: badText });
    assert.equal(refused.status, 400);
    const message = errorBanner(refused.body);
    assert.match(message, /^ValidationError: \d+ validation errors detected: /);
    assert.match(message, /Value 'Get Order' at 'Actions\[1\]\.Name' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    assert.match(message, /Value 'Cancel' at 'Routes\[3\]\.Action' failed to satisfy constraint: Member must name an action of Actions/);
    assert.match(message, /Member must have \$\{Partition\} as its partition/);
    assert.equal(textarea(refused.body), badText);
    assert.match(refused.body, /<form method="post" action="\/console\/iam\/services\/orders\/update"/);
    // Another service's Name in orders' form, and a document that is not JSON (registering).
    const renamed = await root.post('/console/iam/services/orders/update', { catalog: BILLING });
    assert.equal(renamed.status, 400);
    assert.equal(errorBanner(renamed.body), "ValidationError: The service name orders in the request does not match the catalog's Name billing.");
    await root.get('/console/iam/services/new');
    const notJson = await root.post('/console/iam/services/new', { catalog: '{"Name": "billing",' });
    assert.equal(notJson.status, 400);
    assert.match(
      errorBanner(notJson.body),
      /^ValidationError: 1 validation error detected: Value at 'Catalog' failed to satisfy constraint: Member must be a JSON document/,
    );
    assert.equal(textarea(notJson.body), '{"Name": "billing",');
    const empty = await root.post('/console/iam/services/new', { catalog: '' });
    assert.equal(empty.status, 400);
    assert.match(errorBanner(empty.body), /^ValidationError: /);
    // Nothing changed.
    assert.equal(textarea((await root.get('/console/iam/services/orders/update')).body), v2);
    assert.deepEqual(listed((await root.get('/console/iam/services')).body), ['orders']);
  });

  test('a user without iamd:PutServiceCatalog or iamd:DeleteServiceCatalog: disabled buttons with the reason, every POST refused', async () => {
    const viewer = new ConsoleClient(app.url);
    assert.equal((await viewer.signIn(ACCOUNT_ID, 'user', 'viewer', 'Viewer-Passw0rd!')).status, 303);
    const denial = (action: string, name: string) =>
      `User: arn:aws:iam::${ACCOUNT_ID}:user/viewer is not authorized to perform: iamd:${action} on resource: ${SERVICE_ARN(name)} because no identity-based policy allows the iamd:${action} action`;
    const list = await viewer.get('/console/iam/services');
    assert.equal(list.status, 200);
    assert.deepEqual(listed(list.body), ['orders']);
    const button = capture(/(<a class="button primary disabled" id="register-service"[^>]*>)/, list.body);
    assert.match(button, /aria-disabled="true"/);
    assert.equal(decodeEntities(capture(/title="([^"]*)"/, button)), denial('PutServiceCatalog', '*'));
    assert.ok(text(list.body).includes(denial('PutServiceCatalog', '*')));

    // Registering anyway: AWS's AccessDenied on the form, nothing registered.
    await viewer.get('/console/iam/services/new');
    const other = BILLING;
    const refused = await viewer.post('/console/iam/services/new', { catalog: other });
    assert.equal(refused.status, 403);
    assert.equal(errorBanner(refused.body), `AccessDenied: ${denial('PutServiceCatalog', 'billing')}`);
    assert.equal(textarea(refused.body), other);
    assert.deepEqual(listed((await root.get('/console/iam/services')).body), ['orders']);

    // The service's page: Update and Delete disabled, with the reasons.
    const page = await viewer.get('/console/iam/services/orders');
    assert.equal(page.status, 200);
    assert.match(page.body, /<a class="button disabled" id="update-service" href="\/console\/iam\/services\/orders\/update" aria-disabled="true"/);
    assert.ok(text(page.body).includes(denial('PutServiceCatalog', 'orders')));
    assert.match(page.body, /<button type="submit" id="delete-service" class="danger" disabled title="[^"]+">Delete<\/button>/);
    assert.ok(text(page.body).includes(denial('DeleteServiceCatalog', 'orders')));
    const edit = await viewer.get('/console/iam/services/orders/update');
    assert.equal(edit.status, 200);
    assert.match(edit.body, /<button type="submit" class="primary" id="catalogue-submit" disabled title="[^"]+">Save<\/button>/);
    const stored = textarea(edit.body);
    const update = await viewer.post('/console/iam/services/orders/update', { catalog: ORDERS });
    assert.equal(update.status, 403);
    assert.equal(errorBanner(update.body), `AccessDenied: ${denial('PutServiceCatalog', 'orders')}`);
    const del = await viewer.post('/console/iam/services/orders/delete', {});
    assert.equal(del.status, 303);
    assert.equal(del.location, '/console/iam/services/orders');
    assert.equal(errorBanner((await viewer.get(del.location!)).body), `AccessDenied: ${denial('DeleteServiceCatalog', 'orders')}`);
    assert.equal(textarea((await root.get('/console/iam/services/orders/update')).body), stored);

    // Resource policies: the viewer may not list them, and is told why.
    assert.ok(
      text(list.body).includes(
        `Resource policies could not be loaded: AccessDenied: User: arn:aws:iam::${ACCOUNT_ID}:user/viewer is not authorized to perform: iamd:ListResourcePolicies on resource: arn:aws:iamd::${ACCOUNT_ID}:resource-policy/*`,
      ),
    );
  });

  test('the stored resource policies are listed, read-only', async () => {
    const none = await root.get('/console/iam/services');
    assert.match(none.body, /<section class="card" id="resource-policies">/);
    assert.match(text(none.body), /No resource policy is stored\./);
    const policy = (account: string) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'orders:GetOrder', Resource: '*' }],
    });
    assert.equal(await putResourcePolicy(app, `arn:aws:orders:us-east-1:${ACCOUNT_ID}:order/*`, policy('444455556666')), 200);
    assert.equal(await putResourcePolicy(app, `arn:aws:orders:us-east-1:${ACCOUNT_ID}:order/o-1`, policy(ACCOUNT_ID)), 200);
    const list = await root.get('/console/iam/services');
    const rows = [...capture(/<table class="list" id="resource-policies-table">([\s\S]*?)<\/table>/, list.body).matchAll(/<tr><td><code>([^<]+)<\/code>/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(rows.sort(), [`arn:aws:orders:us-east-1:${ACCOUNT_ID}:order/*`, `arn:aws:orders:us-east-1:${ACCOUNT_ID}:order/o-1`]);
    assert.doesNotMatch(list.body, /resource-policies\/delete/);
  });

  test('the pages in Japanese', async () => {
    const ja = new ConsoleClient(app.url, 'ja');
    await ja.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    const pages: [string, RegExp][] = [
      ['/console/iam/services', /サービスの登録.*リソースポリシー/s],
      ['/console/iam/services/new', /サービスの登録.*カタログドキュメント \(JSON\).*キャンセル/s],
      ['/console/iam/services/orders', /id="update-service"[^>]*>更新<.*data-confirm="orders のカタログを削除しますか\?.*>削除<\/button>/s],
      ['/console/iam/services/orders/update', /更新: orders.*Name は変更できません.*保存/s],
    ];
    for (const [path, pattern] of pages) {
      const r = await ja.get(path);
      assert.equal(r.status, 200, path);
      assert.match(r.body, /<html lang="ja">/, path);
      assert.match(r.body, pattern, path);
    }
    const refused = await ja.post('/console/iam/services/new', { catalog: '{' });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /<html lang="ja">.*サービスの登録/s);
    // Issue #19: a plain Japanese sentence, AWS's code and text beneath it.
    assert.match(refused.body, /class="notice error" role="alert"><span class="plain-error">入力された値の一部が要件を満たしていません。<\/span>/);
    assert.match(
      decodeEntities(capture(/<details class="aws-error">.*?<code lang="en">([^<]*)</s, refused.body)),
      /^ValidationError: 1 validation error detected/,
    );
  });

  test('root deletes the catalogue (the confirm pattern); deleting it again says it is gone', async () => {
    const page = await root.get('/console/iam/services/orders');
    assert.match(page.body, /data-confirm="Delete the catalogue of orders\? Policies that name its actions stay as they are\."/);
    const deleted = await root.post('/console/iam/services/orders/delete', {});
    assert.equal(deleted.status, 303);
    assert.equal(deleted.location, '/console/iam/services?ok=serviceDeleted');
    const list = await root.get(deleted.location!);
    assert.match(text(list.body), /The catalogue was deleted\./);
    assert.deepEqual(listed(list.body), []);
    assert.match(text(list.body), /No service is registered\./);
    assert.equal((await root.get('/console/iam/services/orders')).status, 404);
    assert.equal((await root.get('/console/iam/services/orders/update')).status, 404);
    await root.get('/console/iam/services');
    const again = await root.post('/console/iam/services/orders/delete', {});
    assert.equal(again.location, '/console/iam/services/orders');
    const gone = await root.get(again.location!);
    assert.equal(gone.status, 404);
    assert.match(errorBanner(gone.body), /^NoSuchEntity: /);
  });
});
