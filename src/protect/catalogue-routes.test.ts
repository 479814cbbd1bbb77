// matchRoute: an HTTP request → the catalogue's action and resource ARN, failing closed on every
// path it cannot map unambiguously.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseCatalogue, type ServiceCatalogue } from './catalogue-format.ts';
import { matchRoute } from './catalogue-routes.ts';

const scope = { partition: 'aws', account: '123456789012', region: 'eu-west-1' };
const orders = parseCatalogue(readFileSync(new URL('../../examples/orders/orders.catalog.json', import.meta.url), 'utf8')).catalogue!;

function catalogue(doc: object): ServiceCatalogue {
  const r = parseCatalogue(JSON.stringify(doc));
  assert.deepEqual(r.errors, undefined);
  return r.catalogue!;
}

const match = (c: ServiceCatalogue, method: string, path: string) => {
  const m = matchRoute(c, method, path, scope);
  return m && { action: m.action, resource: m.resource };
};

test('the orders routes map to their actions and order ARNs', () => {
  assert.deepEqual(match(orders, 'POST', '/orders/42/cancel'), { action: 'orders:CancelOrder', resource: 'arn:aws:orders:eu-west-1:123456789012:order/42' });
  assert.deepEqual(match(orders, 'GET', '/orders/42'), { action: 'orders:GetOrder', resource: 'arn:aws:orders:eu-west-1:123456789012:order/42' });
  assert.deepEqual(match(orders, 'GET', '/orders'), { action: 'orders:ListOrders', resource: '*' });
  assert.deepEqual(match(orders, 'POST', '/orders'), { action: 'orders:CreateOrder', resource: '*' });
  // The method is case-insensitive; the query string is not part of the path.
  assert.deepEqual(match(orders, 'get', '/orders/7?expand=1#x'), { action: 'orders:GetOrder', resource: 'arn:aws:orders:eu-west-1:123456789012:order/7' });
  assert.deepEqual(matchRoute(orders, 'GET', '/orders/7', scope)?.params, { OrderId: '7' });
  // Another partition, account and region come from the scope.
  assert.equal(
    matchRoute(orders, 'GET', '/orders/7', { partition: 'aws-cn', account: '210987654321', region: 'cn-north-1' })?.resource,
    'arn:aws-cn:orders:cn-north-1:210987654321:order/7',
  );
});

test('no route: another method, another path, extra or missing segments', () => {
  assert.equal(match(orders, 'DELETE', '/orders/42'), undefined);
  assert.equal(match(orders, 'GET', '/orders/42/cancel'), undefined);
  assert.equal(match(orders, 'POST', '/orders/42/cancel/now'), undefined);
  assert.equal(match(orders, 'GET', '/Orders/42'), undefined);
  assert.equal(match(orders, 'GET', '/'), undefined);
  assert.equal(match(orders, 'GET', ''), undefined);
  assert.equal(match(orders, 'GET', 'orders/42'), undefined);
});

test('percent-decoding: values are decoded; bad encodings, encoded slashes, dot and empty segments are no match', () => {
  assert.equal(match(orders, 'GET', '/orders/a%20b')?.resource, 'arn:aws:orders:eu-west-1:123456789012:order/a b');
  assert.equal(match(orders, 'GET', '/orders/%E6%97%A5')?.resource, 'arn:aws:orders:eu-west-1:123456789012:order/日');
  assert.equal(match(orders, 'GET', '/%6Frders/1')?.action, 'orders:GetOrder'); // literals compare decoded
  for (const path of [
    '/orders/%E0%A4%A', // malformed UTF-8
    '/orders/%zz',
    '/orders/%',
    '/orders/a%2Fb', // one segment may not stand for two
    '/orders/..',
    '/orders/%2e%2e',
    '/orders/.',
    '/orders//cancel',
    '/orders/42/',
    '//orders',
    '/orders/%00',
    '/orders/a%0Ab',
  ]) {
    assert.equal(matchRoute(orders, 'GET', path, scope), undefined, path);
    assert.equal(matchRoute(orders, 'POST', `${path}/cancel`, scope)?.action === 'orders:CancelOrder' && path.includes('%2F'), false, path);
  }
});

test('the most specific route wins; exact methods before *; HEAD falls back to GET', () => {
  const c = catalogue({
    Name: 'files',
    Actions: [
      { Name: 'GetFile', AccessLevel: 'Read', Resources: [{ Name: 'file', Required: true }] },
      { Name: 'GetLatest', AccessLevel: 'Read' },
      { Name: 'Anything', AccessLevel: 'Write' },
      { Name: 'HeadFile', AccessLevel: 'Read', Resources: [{ Name: 'file' }] },
    ],
    Resources: [{ Name: 'file', ArnFormats: ['arn:${Partition}:files:::bucket/${Bucket}/${Key}'] }],
    Routes: [
      { Method: '*', Path: '/{Bucket}/latest', Action: 'Anything' },
      { Method: 'GET', Path: '/{Bucket}/{Key+}', Action: 'GetFile', Resource: 'file' },
      { Method: 'GET', Path: '/{Bucket}/latest', Action: 'GetLatest' },
      { Method: 'HEAD', Path: '/{Bucket}/latest', Action: 'HeadFile' },
    ],
  });
  assert.deepEqual(match(c, 'GET', '/b/latest'), { action: 'files:GetLatest', resource: '*' });
  assert.deepEqual(match(c, 'PUT', '/b/latest'), { action: 'files:Anything', resource: '*' });
  assert.deepEqual(match(c, 'HEAD', '/b/latest'), { action: 'files:HeadFile', resource: '*' });
  // {Key+} takes the rest of the path, slashes included; the partition has no region or account here.
  assert.deepEqual(match(c, 'GET', '/b/a/b/c.txt'), { action: 'files:GetFile', resource: 'arn:aws:files:::bucket/b/a/b/c.txt' });
  assert.equal(match(c, 'GET', '/b'), undefined);
  assert.equal(match(c, 'GET', '/b/a%2Fb/c.txt'), undefined);
  assert.deepEqual(match(c, 'HEAD', '/b/x.txt'), { action: 'files:GetFile', resource: 'arn:aws:files:::bucket/b/x.txt' });
  assert.deepEqual(match(c, 'POST', '/b/x.txt'), undefined);
});

test('never throws, whatever the path and method', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom('GET', 'POST', 'HEAD', 'X', ''), (path, method) => {
      const m = matchRoute(orders, method, path, scope);
      if (m) {
        assert.ok(m.action.startsWith('orders:'));
        assert.ok(m.resource === '*' || m.resource.startsWith('arn:aws:orders:eu-west-1:123456789012:order/'));
        assert.ok(!m.resource.slice('arn:aws:orders:eu-west-1:123456789012:order/'.length).includes('/'));
      }
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant('orders'), fc.constant('%'), fc.constant('%2F'), fc.constant('..'), fc.string({ maxLength: 5 })), { maxLength: 4 }),
      (parts) => {
        matchRoute(orders, 'POST', `/${parts.join('/')}`, scope);
      },
    ),
  );
});
