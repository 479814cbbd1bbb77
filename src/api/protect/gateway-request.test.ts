// The client's request as a gateway endpoint rebuilds it from the proxy's check request: which
// headers are believed for each proxy convention, which are dropped, the payload hash, the body
// announced without one, and the client's address.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { conventionOf, rebuildClientRequest, type CheckRequest, type ProxyConvention } from './gateway-request.ts';
import { headerSafe } from './gateway-api.ts';

const HASH = 'a'.repeat(64);
const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/orders/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

function check(headers: [string, string][], method = 'GET', url = '/iamd/gateway/check'): CheckRequest {
  return { method, url, rawHeaders: headers.flat() };
}

function rebuilt(convention: ProxyConvention, c: CheckRequest) {
  const r = rebuildClientRequest(convention, c);
  if (r.error) throw new Error(`unexpected error: ${r.error.code}: ${r.error.message}`);
  return r;
}

function failure(convention: ProxyConvention, c: CheckRequest): { code: string; message: string; status: number } {
  const r = rebuildClientRequest(convention, c);
  assert.ok(r.error, 'expected an error');
  return { code: r.error.code, message: r.error.message, status: r.error.status };
}

/** What nginx sends to the check location of examples/nginx/orders.conf (client headers + proxy_set_header). */
const NGINX: [string, string][] = [
  ['Host', '127.0.0.1:8900'],
  ['X-Original-Method', 'POST'],
  ['X-Original-URI', '/orders/42/cancel?reason=late&x=%2F'],
  ['X-Original-Host', 'orders.example:8443'],
  ['X-Original-Content-Length', '17'],
  ['X-Original-Transfer-Encoding', ''],
  ['X-Forwarded-For', '203.0.113.9'],
  ['X-Iamd-Gateway-Token', 'iamdg_secret'],
  ['Connection', 'close'],
  ['Authorization', AUTH],
  ['X-Amz-Date', '20260101T000000Z'],
  ['X-Amz-Content-Sha256', HASH],
  ['Content-Type', 'application/json'],
  ['User-Agent', 'boto3/1.0'],
];

describe('gateway check: the client request rebuilt from the proxy headers', () => {
  test('the endpoint path chooses the convention; nothing else does', () => {
    assert.equal(conventionOf('/iamd/gateway/check'), 'original');
    assert.equal(conventionOf('/iamd/gateway/forward-auth'), 'forwarded');
    assert.equal(conventionOf('/iamd/gateway/ext-authz'), 'ext-authz');
    assert.equal(conventionOf('/iamd/gateway/ext-authz/orders/1'), 'ext-authz');
    assert.equal(conventionOf('/iamd/gateway/check/x'), undefined);
    assert.equal(conventionOf('/iamd/gateway/ext-authzz'), undefined);
    assert.equal(conventionOf('/iamd/gateways'), undefined);
  });

  test('nginx (X-Original-*): method, URI with its query, host, the client content length; proxy and hop-by-hop headers dropped', () => {
    const r = rebuilt('original', check(NGINX));
    assert.deepEqual(r.request, {
      Method: 'POST',
      Path: '/orders/42/cancel',
      Query: 'reason=late&x=%2F',
      Headers: {
        authorization: AUTH,
        'x-amz-date': '20260101T000000Z',
        'x-amz-content-sha256': HASH,
        'content-type': 'application/json',
        'user-agent': 'boto3/1.0',
        host: 'orders.example:8443',
        'content-length': '17',
      },
      PayloadHash: HASH,
      SourceIp: '203.0.113.9',
    });
    assert.equal(r.bodyWithoutHash, false);
  });

  test('X-Original-Host missing: the check request Host (proxy_set_header Host $host)', () => {
    const r = rebuilt('original', check(NGINX.filter(([n]) => n !== 'X-Original-Host')));
    assert.equal(r.request.Headers.host, '127.0.0.1:8900');
  });

  test('a client cannot pick the convention: X-Forwarded-* are ignored (and dropped) at the nginx endpoint, X-Original-* at forward-auth', () => {
    const forged: [string, string][] = [
      ['X-Forwarded-Method', 'GET'],
      ['X-Forwarded-Uri', '/orders'],
      ['X-Forwarded-Host', 'evil.example'],
      ['Forwarded', 'for=1.2.3.4'],
    ];
    const r = rebuilt('original', check([...NGINX, ...forged]));
    assert.equal(r.request.Method, 'POST');
    assert.equal(r.request.Path, '/orders/42/cancel');
    assert.equal(r.request.Headers.host, 'orders.example:8443');
    for (const name of Object.keys(r.request.Headers))
      assert.ok(!name.startsWith('x-forwarded-') && !name.startsWith('x-original-') && name !== 'forwarded', name);

    const caddy = rebuilt(
      'forwarded',
      check([
        ['Host', 'orders.example'],
        ['X-Original-URI', '/admin'],
        ['X-Original-Method', 'DELETE'],
        ['X-Forwarded-Method', 'GET'],
        ['X-Forwarded-Uri', '/orders/1'],
        ['X-Forwarded-Host', 'orders.example'],
        ['X-Forwarded-For', '198.51.100.1, 10.0.0.2'],
        ['Authorization', AUTH],
      ]),
    );
    assert.deepEqual(
      [caddy.request.Method, caddy.request.Path, caddy.request.Query, caddy.request.Headers.host],
      ['GET', '/orders/1', undefined, 'orders.example'],
    );
    assert.equal(caddy.request.SourceIp, '10.0.0.2', 'the last X-Forwarded-For entry: the one the proxy added');
  });

  test('Envoy (ext_authz, path_prefix): the check request own method, and its path after the prefix', () => {
    const headers: [string, string][] = [
      ['Host', 'orders.example'],
      ['Authorization', AUTH],
      ['X-Original-URI', '/forged'],
    ];
    const r = rebuilt('ext-authz', check(headers, 'DELETE', '/iamd/gateway/ext-authz/orders/7?force=1'));
    assert.deepEqual([r.request.Method, r.request.Path, r.request.Query, r.request.Headers.host], ['DELETE', '/orders/7', 'force=1', 'orders.example']);
    assert.equal(rebuilt('ext-authz', check(headers, 'GET', '/iamd/gateway/ext-authz')).request.Path, '/');
    assert.equal(rebuilt('ext-authz', check(headers, 'GET', '/iamd/gateway/ext-authz?a=1')).request.Query, 'a=1');
  });

  test('the method is upper-cased; an empty query is none', () => {
    const r = rebuilt(
      'original',
      check([
        ['X-Original-Method', 'get'],
        ['X-Original-URI', '/orders?'],
      ]),
    );
    assert.deepEqual([r.request.Method, r.request.Path, r.request.Query], ['GET', '/orders', undefined]);
  });

  test('headers Connection names are hop-by-hop; repeated headers are trimmed and joined with "," as SigV4 joins them', () => {
    const r = rebuilt(
      'original',
      check([
        ['X-Original-Method', 'GET'],
        ['X-Original-URI', '/orders'],
        ['Connection', 'keep-alive, X-Hop'],
        ['X-Hop', 'dropped'],
        ['Keep-Alive', 'timeout=5'],
        ['Transfer-Encoding', 'chunked'],
        ['TE', 'trailers'],
        ['Upgrade', 'h2c'],
        ['Proxy-Authorization', 'Basic x'],
        ['Content-Length', '0'],
        ['X-Amz-Meta-A', ' one '],
        ['x-amz-meta-a', 'two'],
      ]),
    );
    assert.deepEqual(r.request.Headers, { 'x-amz-meta-a': 'one,two' });
  });

  test('no x-amz-content-sha256: the hash of an empty body (no PayloadHash); a body announced without one is bodyWithoutHash', () => {
    const base: [string, string][] = [
      ['X-Original-Method', 'POST'],
      ['X-Original-URI', '/orders'],
      ['Authorization', AUTH],
    ];
    const empty = rebuilt('original', check([...base, ['X-Original-Content-Length', '0']]));
    assert.equal(empty.request.PayloadHash, undefined);
    assert.equal(empty.bodyWithoutHash, false);
    assert.equal(rebuilt('original', check([...base, ['X-Original-Content-Length', '']])).bodyWithoutHash, false);
    assert.equal(rebuilt('original', check(base)).bodyWithoutHash, false, 'nothing announced');
    assert.equal(rebuilt('original', check([...base, ['X-Original-Content-Length', '12']])).bodyWithoutHash, true);
    assert.equal(rebuilt('original', check([...base, ['X-Original-Transfer-Encoding', 'chunked']])).bodyWithoutHash, true);
    // UNSIGNED-PAYLOAD is no hash of the body: passed on (the verifier accepts it only in presigned URLs), and still bodyWithoutHash.
    const unsigned = rebuilt('original', check([...base, ['X-Original-Content-Length', '5'], ['X-Amz-Content-Sha256', 'UNSIGNED-PAYLOAD']]));
    assert.equal(unsigned.request.PayloadHash, 'UNSIGNED-PAYLOAD');
    assert.equal(unsigned.bodyWithoutHash, true);
    // A value that is no hash (STREAMING-…) is not taken as one: the verifier then reports the mismatch.
    const streaming = rebuilt('original', check([...base, ['X-Amz-Content-Sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']]));
    assert.equal(streaming.request.PayloadHash, undefined);
    assert.equal(streaming.request.Headers['x-amz-content-sha256'], 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const hashed = rebuilt('original', check([...base, ['X-Original-Content-Length', '5'], ['X-Amz-Content-Sha256', HASH]]));
    assert.deepEqual([hashed.request.PayloadHash, hashed.bodyWithoutHash], [HASH, false]);
  });

  test('the client address: the last X-Forwarded-For entry (IPv4-mapped IPv6 as IPv4); none without the header', () => {
    const base: [string, string][] = [
      ['X-Original-Method', 'GET'],
      ['X-Original-URI', '/orders'],
    ];
    const ip = (xff: [string, string][]) => rebuilt('original', check([...base, ...xff])).request.SourceIp;
    assert.equal(ip([['X-Forwarded-For', '6.6.6.6, 203.0.113.9']]), '203.0.113.9', 'what the client claimed comes first');
    assert.equal(
      ip([
        ['X-Forwarded-For', '6.6.6.6'],
        ['X-Forwarded-For', '2001:db8::1'],
      ]),
      '2001:db8::1',
    );
    assert.equal(ip([['X-Forwarded-For', '::ffff:192.0.2.1']]), '192.0.2.1');
    assert.equal(ip([]), undefined);
    assert.deepEqual(failure('original', check([...base, ['X-Forwarded-For', '1.2.3.4, not-an-ip']])), {
      code: 'InternalFailure',
      message: 'The proxy sent an invalid X-Forwarded-For.',
      status: 500,
    });
  });

  test('a proxy that sends too little, or something ambiguous, is a configuration error (500), never a guess', () => {
    assert.deepEqual(failure('original', check([['X-Original-URI', '/orders']])), {
      code: 'InternalFailure',
      message: 'The proxy did not send X-Original-Method: see examples/nginx/README.md.',
      status: 500,
    });
    assert.equal(failure('original', check([['X-Original-Method', 'GET']])).message, 'The proxy did not send X-Original-URI: see examples/nginx/README.md.');
    assert.equal(failure('forwarded', check([['X-Forwarded-Method', 'GET']])).message, 'The proxy did not send X-Forwarded-Uri: see examples/nginx/README.md.');
    assert.equal(
      failure(
        'original',
        check([
          ['X-Original-Method', 'GET'],
          ['X-Original-URI', 'http://evil/orders'],
        ]),
      ).message,
      'The proxy sent an invalid X-Original-URI.',
    );
    assert.equal(
      failure(
        'original',
        check([
          ['X-Original-Method', 'GET'],
          ['X-Original-URI', '/orders'],
          ['X-Original-URI', '/admin'],
        ]),
      ).message,
      'The proxy sent an invalid X-Original-URI.',
    );
    assert.equal(
      failure(
        'original',
        check([
          ['X-Original-Method', 'GET'],
          ['X-Original-URI', '/orders'],
          ['X-Original-Content-Length', '1e3'],
        ]),
      ).message,
      'The proxy sent an invalid X-Original-Content-Length.',
    );
  });

  test('principal header values: printable ASCII as is; "%" and anything else percent-encoded (UTF-8)', () => {
    assert.equal(headerSafe('arn:aws:iam::111122223333:user/alice+ops@x.y'), 'arn:aws:iam::111122223333:user/alice+ops@x.y');
    assert.equal(headerSafe('arn:aws:orders:us-east-1:111122223333:order/café'), 'arn:aws:orders:us-east-1:111122223333:order/caf%C3%A9');
    assert.equal(headerSafe('order/50%'), 'order/50%25');
    assert.equal(headerSafe('a\u0000b\u007f'), 'a%00b%7F');
    assert.equal(headerSafe('x\ud800y'), 'x%EF%BF%BDy');
    for (const v of ['order/café', 'order/50%', 'emoji 🙂']) assert.equal(decodeURIComponent(headerSafe(v)), v);
  });
});
