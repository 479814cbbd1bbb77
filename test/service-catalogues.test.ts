// Service catalogues end to end: the signed JSON API (/iamd/services), its validation errors and
// permissions, `iamd service …` in a child process, the policy editor's findings for a policy naming
// the service, the simulator's action list, and the console's catalogue pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { loadServiceCatalogues, MAX_SERVICE_CATALOGS } from '../src/protect/catalogue.ts';
import { matchRoute } from '../src/protect/catalogue-routes.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, type Credentials } from './helpers.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD, startConsoleApp } from './console/support.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const EXAMPLE_FILE = fileURLToPath(new URL('../examples/orders/orders.catalog.json', import.meta.url));
const EXAMPLE = readFileSync(EXAMPLE_FILE, 'utf8');
const ORDERS_ARN = `arn:aws:iamd::${ACCOUNT_ID}:service/orders`;

interface Reply {
  status: number;
  body: Record<string, unknown> & { Code?: string; Message?: string };
}

/** A request to iamd signed with SigV4 (signing name `iam`), answered as status and JSON. */
async function signed(app: App, method: string, path: string, body?: string, credentials: Credentials = ROOT_KEY, region = 'us-east-1'): Promise<Reply> {
  const url = new URL(path, app.url);
  const signer = new SignatureV4({ credentials, region, service: 'iam', sha256: Sha256 });
  const headers: Record<string, string> = { host: url.host };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const request = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
  });
  const res = await fetch(url, { method, headers: request.headers as Record<string, string>, body });
  return { status: res.status, body: (await res.json()) as Reply['body'] };
}

describe('service catalogues', () => {
  let app: App;
  let limited: Credentials;
  before(async () => {
    app = await startConsoleApp();
    const iam = iamClient(app);
    // A user who may read catalogues and register only `billing`.
    await iam.send(new CreateUserCommand({ UserName: 'reader' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'reader',
        PolicyName: 'catalogues',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['iamd:GetServiceCatalog', 'iamd:ListServiceCatalogs'], Resource: `arn:aws:iamd::${ACCOUNT_ID}:service/*` },
            { Effect: 'Allow', Action: 'iamd:PutServiceCatalog', Resource: `arn:aws:iamd::${ACCOUNT_ID}:service/billing` },
          ],
        }),
      }),
    );
    await iam.send(new CreateLoginProfileCommand({ UserName: 'reader', Password: 'Reader-Passw0rd!' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }))).AccessKey!;
    limited = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
  });
  after(() => app.close());

  test('put, get, list and delete through the signed API', async () => {
    const put = await signed(app, 'PUT', '/iamd/services/orders', EXAMPLE);
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const summary = put.body.ServiceCatalog as Record<string, unknown>;
    assert.equal(summary.ServiceName, 'orders');
    assert.equal(summary.Arn, ORDERS_ARN);
    assert.deepEqual([summary.ActionCount, summary.ResourceCount, summary.ConditionKeyCount, summary.RouteCount], [4, 1, 2, 4]);
    assert.equal(summary.Catalog, EXAMPLE);

    const got = await signed(app, 'GET', '/iamd/services/orders');
    assert.equal(got.status, 200);
    const catalog = got.body.ServiceCatalog as Record<string, string>;
    assert.equal(catalog.Catalog, EXAMPLE); // as registered, formatting and all
    assert.equal(catalog.CreateDate, summary.CreateDate);

    // A second put replaces the document and keeps the creation time.
    const changed = EXAMPLE.replace('"Description": "The example', '"Description": "Changed: the example');
    const again = await signed(app, 'PUT', '/iamd/services', changed); // the document names the service
    assert.equal(again.status, 200);
    const replaced = again.body.ServiceCatalog as Record<string, string>;
    assert.equal(replaced.CreateDate, summary.CreateDate);
    assert.match(replaced.Description!, /^Changed/);

    const tiny = JSON.stringify({ Name: 'tiny', Actions: [{ Name: 'Ping', AccessLevel: 'Read' }] });
    assert.equal((await signed(app, 'PUT', '/iamd/services/tiny', tiny)).status, 200);
    const listed = await signed(app, 'GET', '/iamd/services?MaxItems=1');
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (listed.body.ServiceCatalogs as { ServiceName: string }[]).map((s) => s.ServiceName),
      ['orders'],
    );
    assert.equal(listed.body.IsTruncated, true);
    const next = await signed(app, 'GET', `/iamd/services?Marker=${encodeURIComponent(String(listed.body.Marker))}`);
    assert.deepEqual(
      (next.body.ServiceCatalogs as { ServiceName: string }[]).map((s) => s.ServiceName),
      ['tiny'],
    );
    assert.equal(next.body.IsTruncated, false);

    // The gateway's view: the stored catalogue maps a request to an action and an ARN.
    const [orders] = (await loadServiceCatalogues(app.store, ACCOUNT_ID)).filter((c) => c.Name === 'orders');
    assert.deepEqual(
      {
        ...matchRoute(orders!, 'POST', '/orders/42/cancel', { partition: 'aws', account: ACCOUNT_ID, region: 'eu-west-1' }),
        route: undefined,
        params: undefined,
      },
      { action: 'orders:CancelOrder', resource: `arn:aws:orders:eu-west-1:${ACCOUNT_ID}:order/42`, route: undefined, params: undefined },
    );

    const deleted = await signed(app, 'DELETE', '/iamd/services/tiny');
    assert.deepEqual(deleted, { status: 200, body: {} });
    const gone = await signed(app, 'GET', '/iamd/services/tiny');
    assert.deepEqual(gone, { status: 404, body: { Code: 'NoSuchEntity', Message: 'The service catalog with name tiny cannot be found.' } });
    assert.equal((await signed(app, 'DELETE', '/iamd/services/tiny')).status, 404);
  });

  test('validation errors: every problem, in AWS ValidationError form', async () => {
    const bad = JSON.parse(EXAMPLE) as { Name: string; Actions: { Name: string }[]; Routes: { Action: string }[] };
    bad.Name = 'iam';
    bad.Actions[1]!.Name = 'Get Order';
    bad.Routes[3]!.Action = 'Cancel';
    const r = await signed(app, 'PUT', '/iamd/services/iam', JSON.stringify(bad));
    assert.equal(r.status, 400);
    assert.equal(r.body.Code, 'ValidationError');
    assert.match(r.body.Message!, /^\d+ validation errors detected: /);
    assert.match(r.body.Message!, /Value 'iam' at 'Name' failed to satisfy constraint: Member must not be a service prefix iamd serves itself/);
    assert.match(r.body.Message!, /Value 'Get Order' at 'Actions\[1\]\.Name' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    assert.match(r.body.Message!, /Value 'Cancel' at 'Routes\[3\]\.Action' failed to satisfy constraint: Member must name an action of Actions/);

    const notJson = await signed(app, 'PUT', '/iamd/services/orders', '{"Name": "orders",');
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.Message!, /^1 validation error detected: Value at 'Catalog' failed to satisfy constraint: Member must be a JSON document/);

    const mismatch = await signed(app, 'PUT', '/iamd/services/billing', EXAMPLE);
    assert.deepEqual(mismatch, {
      status: 400,
      body: { Code: 'ValidationError', Message: "The service name billing in the request does not match the catalog's Name orders." },
    });

    // The model's own constraints, as the decoder words them.
    const badName = await signed(app, 'GET', '/iamd/services/Orders');
    assert.equal(badName.status, 400);
    assert.match(badName.body.Message!, /Value 'Orders' at 'serviceName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    assert.equal((await signed(app, 'PUT', '/iamd/services/orders', '')).status, 400);
    // Routes that are none.
    assert.equal((await signed(app, 'POST', '/iamd/services/orders', EXAMPLE)).status, 404);
    assert.equal((await signed(app, 'GET', '/iamd/services/orders/x')).status, 404);
  });

  test('permissions: iamd:<Operation> on arn:aws:iamd::ACCOUNT:service/NAME; unsigned requests are refused', async () => {
    assert.equal((await signed(app, 'PUT', '/iamd/services/orders', EXAMPLE)).status, 200);
    const refused = await signed(app, 'PUT', '/iamd/services/orders', EXAMPLE, limited);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.Code, 'AccessDenied');
    assert.equal(
      refused.body.Message,
      `User: arn:aws:iam::${ACCOUNT_ID}:user/reader is not authorized to perform: iamd:PutServiceCatalog on resource: ${ORDERS_ARN} because no identity-based policy allows the iamd:PutServiceCatalog action`,
    );
    // Authorization comes first: a refused caller learns nothing of the document's problems.
    assert.equal((await signed(app, 'PUT', '/iamd/services/orders', '{', limited)).body.Code, 'AccessDenied');
    const deleteRefused = await signed(app, 'DELETE', '/iamd/services/orders', undefined, limited);
    assert.equal(deleteRefused.status, 403);
    assert.match(deleteRefused.body.Message!, /iamd:DeleteServiceCatalog on resource: arn:aws:iamd::111122223333:service\/orders/);
    // What the policy allows.
    assert.equal((await signed(app, 'GET', '/iamd/services/orders', undefined, limited)).status, 200);
    assert.equal((await signed(app, 'GET', '/iamd/services', undefined, limited)).status, 200);
    const billing = JSON.stringify({ Name: 'billing', Actions: [{ Name: 'Pay', AccessLevel: 'Write' }] });
    assert.equal((await signed(app, 'PUT', '/iamd/services/billing', billing, limited)).status, 200);
    assert.equal((await signed(app, 'DELETE', '/iamd/services/billing')).status, 200);
    // No signature, or a signature for another service.
    const anonymous = await fetch(`${app.url}/iamd/services`);
    assert.equal(anonymous.status, 403);
    assert.equal(((await anonymous.json()) as { Code: string }).Code, 'MissingAuthenticationToken');
  });

  test('quota: at most 100 catalogues per account', async () => {
    await app.store.write(async (repo) => {
      const have = await repo.countServiceCatalogues(ACCOUNT_ID);
      for (let i = have; i < MAX_SERVICE_CATALOGS; i++) {
        await repo.putServiceCatalogue({
          account_id: ACCOUNT_ID,
          name: `filler-${i}`,
          document: '{}',
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        });
      }
    });
    const more = await signed(app, 'PUT', '/iamd/services/one-more', JSON.stringify({ Name: 'one-more', Actions: [{ Name: 'A', AccessLevel: 'Read' }] }));
    assert.deepEqual(more, { status: 409, body: { Code: 'LimitExceeded', Message: 'Cannot exceed quota for ServiceCatalogsPerAccount: 100' } });
    // Replacing an existing one is not a new one.
    assert.equal((await signed(app, 'PUT', '/iamd/services/orders', EXAMPLE)).status, 200);
    await app.store.write(async (repo) => {
      for (let i = 0; i < MAX_SERVICE_CATALOGS; i++) await repo.deleteServiceCatalogue(ACCOUNT_ID, `filler-${i}`);
    });
  });

  test('iamd service put/get/list/delete, signed with the credentials in the environment', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: app.url,
    };
    const cli = (...args: string[]) => run(process.execPath, [...IAMD, 'service', ...args], env);
    await signed(app, 'DELETE', '/iamd/services/orders');

    const put = await cli('put', '--file', EXAMPLE_FILE);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(put.stdout, `orders: 4 actions, 1 resource types, 2 condition keys, 4 routes (${ORDERS_ARN})\n`);
    const list = await cli('list');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { ServiceCatalogs: { ServiceName: string }[] }).ServiceCatalogs.map((s) => s.ServiceName),
      ['orders'],
    );
    const get = await cli('get', 'orders', '--endpoint', app.url);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, EXAMPLE);

    const invalid = await run(process.execPath, [...IAMD, 'service', 'put', '--file', '-'], env);
    assert.equal(invalid.code, 1); // an empty standard input
    assert.match(invalid.stderr, /^iamd: ValidationError: /);
    const noKey = await run(process.execPath, [...IAMD, 'service', 'list'], { ...env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);

    const del = await cli('delete', 'orders');
    assert.equal(del.code, 0, del.stderr);
    assert.equal(del.stdout, 'orders: deleted\n');
    const missing = await cli('get', 'orders');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'iamd: NoSuchEntity: The service catalog with name orders cannot be found.\n');
    assert.equal((await cli('put', '--file', EXAMPLE_FILE)).code, 0);
  });

  test("the policy editor's findings for a policy naming orders actions, keys and types", async () => {
    assert.equal((await signed(app, 'PUT', '/iamd/services/orders', EXAMPLE)).status, 200);
    const c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    await c.get('/console/iam/policies/new');
    const validate = async (statement: object) => {
      const r = await c.request(
        'POST',
        '/console/api/validate-policy',
        JSON.stringify({ document: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }),
        {
          'content-type': 'application/json',
          'x-csrf-token': c.token(),
        },
      );
      assert.equal(r.status, 200);
      return JSON.parse(r.body) as { valid: boolean; findings: { severity: string; code: string; path: string; message: string; findingType?: string }[] };
    };
    const ok = await validate({ Effect: 'Allow', Action: ['orders:CancelOrder', 'orders:Get*'], Resource: `arn:aws:orders:*:${ACCOUNT_ID}:order/*` });
    assert.deepEqual(ok, { valid: true, findings: [] }); // no "no AWS service has the prefix orders" warning any more
    const r = await validate({
      Effect: 'Allow',
      Action: ['orders:CancelOrder', 'orders:RefundOrder'],
      Resource: '*',
      Condition: { StringEquals: { 'orders:Amount': '100' }, NumericLessThan: { 'orders:Total': '5' } },
    });
    assert.equal(r.valid, true); // advice: IAM accepts such a policy
    assert.deepEqual(
      r.findings.map((f) => [f.severity, f.findingType, f.code, f.path, f.message]),
      [
        ['warning', 'ERROR', 'INVALID_ACTION', 'Statement[0].Action[1]', 'The action orders:RefundOrder does not exist.'],
        [
          'warning',
          'WARNING',
          'TYPE_MISMATCH',
          'Statement[0].Condition.StringEquals.orders:Amount',
          'Type mismatch: Use an operator of type Numeric instead of operator StringEquals for the condition key orders:Amount of type Numeric.',
        ],
        [
          'warning',
          'ERROR',
          'INVALID_SERVICE_CONDITION_KEY',
          'Statement[0].Condition.NumericLessThan.orders:Total',
          'The condition key orders:Total does not exist in the service orders.',
        ],
      ],
    );
    // A service that is not registered still gets the AWS-services warning.
    const unknown = await validate({ Effect: 'Allow', Action: 'shipping:Ship', Resource: '*' });
    assert.deepEqual(
      unknown.findings.map((f) => f.code),
      ['unknown-service'],
    );
    // The simulator offers the registered actions, and passes their keys with their types.
    const sim = await c.get('/console/iam/simulator');
    assert.match(sim.body, /value="orders:CancelOrder"/);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'orders:CreateOrder', Resource: '*', Condition: { NumericLessThan: { 'orders:Amount': '100' } } }],
    });
    for (const [amount, decision] of [
      ['50', 'allowed'],
      ['150', 'implicitDeny'],
    ]) {
      const ran = await c.post('/console/iam/simulator', { mode: 'custom', policy1: policy, action: 'orders:CreateOrder', 'ctx:orders:Amount': amount! });
      assert.equal(ran.status, 200);
      assert.match(ran.body, new RegExp(`data-action="orders:CreateOrder" data-resource="\\*" data-decision="${decision}"`), amount);
    }
  });

  test('the console lists the registered services and shows their actions, resources, keys and routes', async () => {
    assert.equal((await signed(app, 'PUT', '/iamd/services/orders', EXAMPLE)).status, 200);
    const c = new ConsoleClient(app.url);
    await c.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    const dashboard = await c.get('/console/iam');
    assert.match(dashboard.body, /<a href="\/console\/iam\/services">Service catalogues<\/a>/);
    const list = await c.get('/console/iam/services');
    assert.equal(list.status, 200);
    assert.match(list.body, /<tr data-service="orders"><td><a href="\/console\/iam\/services\/orders">orders<\/a><\/td>/);
    const page = await c.get('/console/iam/services/orders');
    assert.equal(page.status, 200);
    for (const text of [
      '<code>orders:CancelOrder</code>',
      'Permissions management|Write',
      '<code>order\\*</code>',
      '<code>arn:\\$\\{Partition\\}:orders:\\$\\{Region\\}:\\$\\{Account\\}:order/\\$\\{OrderId\\}</code>',
      '<code>orders:Amount</code></td><td>Numeric',
      '<code>/orders/\\{OrderId\\}/cancel</code>',
    ]) {
      assert.match(page.body, new RegExp(text), text);
    }
    assert.equal((await c.get('/console/iam/services/nothing-here')).status, 404);
    // In Japanese.
    const ja = new ConsoleClient(app.url, 'ja');
    await ja.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
    assert.match((await ja.get('/console/iam/services')).body, /サービスカタログ.*アクション.*条件キー/s);
    assert.match((await ja.get('/console/iam/services/orders')).body, /アクセスレベル.*ARN 形式/s);
    // A user without iamd:ListServiceCatalogs sees why the list is missing.
    await iamClient(app).send(new CreateUserCommand({ UserName: 'nobody' }));
    await iamClient(app).send(new CreateLoginProfileCommand({ UserName: 'nobody', Password: 'Nobody-Passw0rd!' }));
    const nobody = new ConsoleClient(app.url);
    await nobody.signIn(ACCOUNT_ID, 'user', 'nobody', 'Nobody-Passw0rd!');
    const denied = await nobody.get('/console/iam/services');
    assert.match(denied.body, /is not authorized to perform: iamd:ListServiceCatalogs on resource: arn:aws:iamd::111122223333:service\/\*/);
    const reader = new ConsoleClient(app.url);
    await reader.signIn(ACCOUNT_ID, 'user', 'reader', 'Reader-Passw0rd!');
    assert.match((await reader.get('/console/iam/services/orders')).body, /<code>orders:GetOrder<\/code>/);
  });
});
