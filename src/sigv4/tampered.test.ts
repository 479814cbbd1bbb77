// Negative corpus: every tampered, stale, malformed or ambiguous request is rejected with AWS's code.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import fc from 'fast-check';
import { isSigV4Error, parseSignedRequest, verifySignature, type RawRequest, type SigV4Error } from './index.ts';
import { toRawRequest, type SmithyLikeRequest } from './test-helpers.ts';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLEtoken';
const NOW = new Date('2024-05-17T13:01:30Z');
const BODY = 'Action=CreateUser&UserName=alice&Version=2010-05-08';

function signer(sessionToken?: string): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET, ...(sessionToken ? { sessionToken } : {}) },
    region: 'us-east-1',
    service: 'iam',
    sha256: Sha256,
    applyChecksum: false,
  });
}

const base: SmithyLikeRequest = {
  method: 'POST',
  path: '/',
  query: {},
  headers: {
    host: 'iam.amazonaws.com',
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'x-amz-content-sha256': '',
  },
  body: BODY,
};

let header: RawRequest; // valid, header form, with x-amz-content-sha256 and a session token
let query: RawRequest; // valid, presigned GET, 900 s
let queryToken: RawRequest; // valid, presigned GET with a session token

function asHttp(r: SmithyLikeRequest): HttpRequest {
  return { protocol: 'https:', hostname: 'iam.amazonaws.com', ...r, query: r.query ?? {} } as unknown as HttpRequest;
}

before(async () => {
  const { createHash } = await import('node:crypto');
  const withHash = { ...base, headers: { ...base.headers, 'x-amz-content-sha256': createHash('sha256').update(BODY).digest('hex') } };
  header = toRawRequest((await signer(TOKEN).sign(asHttp(withHash), { signingDate: NOW })) as unknown as SmithyLikeRequest);
  const get: SmithyLikeRequest = { method: 'GET', path: '/', query: { Action: 'GetUser', Version: '2010-05-08' }, headers: { host: 'iam.amazonaws.com' } };
  query = toRawRequest((await signer().presign(asHttp(get), { signingDate: NOW, expiresIn: 900 })) as unknown as SmithyLikeRequest);
  queryToken = toRawRequest((await signer(TOKEN).presign(asHttp(get), { signingDate: NOW, expiresIn: 900 })) as unknown as SmithyLikeRequest);
});

/** Parse then verify; the first error, or true. */
function check(req: RawRequest, now = NOW): true | SigV4Error {
  const parsed = parseSignedRequest(req, now);
  if (isSigV4Error(parsed)) return parsed;
  return verifySignature(parsed, SECRET);
}

function expectError(req: RawRequest, code: string, reason?: string, now = NOW): SigV4Error {
  const out = check(req, now);
  assert.notEqual(out, true, 'tampered request was accepted');
  const e = out as SigV4Error;
  assert.equal(e.code, code, `${e.code} (${e.reason}): ${e.message}`);
  if (reason !== undefined) assert.equal(e.reason, reason, e.message);
  assert.ok(!e.message.includes(SECRET), 'secret leaked into the message');
  return e;
}

function headerValue(req: RawRequest, name: string): string {
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) return req.rawHeaders[i + 1]!;
  throw new Error(`no ${name}`);
}

function setHeader(req: RawRequest, name: string, value: string | undefined): RawRequest {
  const rawHeaders: string[] = [];
  let done = false;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === name) {
      if (value !== undefined && !done) rawHeaders.push(req.rawHeaders[i]!, value);
      done = true;
    } else rawHeaders.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  if (!done && value !== undefined) rawHeaders.push(name, value);
  return { ...req, rawHeaders };
}

function addHeader(req: RawRequest, name: string, value: string): RawRequest {
  return { ...req, rawHeaders: [...req.rawHeaders, name, value] };
}

function setAuth(req: RawRequest, f: (auth: string) => string): RawRequest {
  return setHeader(req, 'authorization', f(headerValue(req, 'authorization')));
}

function editUrl(req: RawRequest, f: (url: string) => string): RawRequest {
  return { ...req, url: f(req.url) };
}

function flipHex(hex: string, at: number): string {
  const c = hex[at] === '0' ? '1' : '0';
  return hex.slice(0, at) + c + hex.slice(at + 1);
}

function minutes(n: number): Date {
  return new Date(NOW.getTime() + n * 60_000);
}

describe('baseline', () => {
  it('the untampered requests verify', () => {
    assert.equal(check(header), true);
    assert.equal(check(query), true);
    assert.equal(check(queryToken), true);
  });
});

describe('tampered content', () => {
  it('every flipped body byte is rejected', () => {
    for (let i = 0; i < header.body!.length; i++) {
      const body = Buffer.from(header.body!);
      body[i]! ^= 0x01;
      expectError({ ...header, body }, 'XAmzContentSHA256Mismatch', 'payload-hash-mismatch');
    }
  });

  it('a swapped body without x-amz-content-sha256 is a signature mismatch', async () => {
    const plain = toRawRequest(
      (await signer().sign(asHttp({ ...base, headers: { host: 'iam.amazonaws.com' } }), { signingDate: NOW })) as unknown as SmithyLikeRequest,
    );
    assert.equal(check(plain), true);
    expectError({ ...plain, body: Buffer.from(BODY.replace('alice', 'admin')) }, 'SignatureDoesNotMatch', 'signature-mismatch');
    expectError({ ...plain, body: Buffer.alloc(0) }, 'SignatureDoesNotMatch', 'signature-mismatch');
  });

  it('a changed x-amz-content-sha256 (body unchanged) is rejected', () => {
    const h = headerValue(header, 'x-amz-content-sha256');
    expectError(setHeader(header, 'x-amz-content-sha256', flipHex(h, 5)), 'XAmzContentSHA256Mismatch');
  });

  it('UNSIGNED-PAYLOAD is refused in the header form', () => {
    expectError(setHeader(header, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD'), 'InvalidRequest', 'unsigned-payload-not-allowed');
  });

  it('every flipped character of a signed header value is rejected', () => {
    for (const name of ['host', 'content-type', 'x-amz-date', 'x-amz-security-token']) {
      const v = headerValue(header, name);
      for (let i = 0; i < v.length; i++) {
        const flipped = v.slice(0, i) + String.fromCharCode(v.charCodeAt(i) ^ 0x01) + v.slice(i + 1);
        const out = check(setHeader(header, name, flipped));
        assert.notEqual(out, true, `${name}[${i}] accepted`);
      }
    }
  });

  it('a second value for a signed header is rejected', () => {
    expectError(addHeader(header, 'Content-Type', 'text/plain'), 'SignatureDoesNotMatch');
  });

  it('every flipped signature digit is rejected, in both forms', () => {
    const sig = /Signature=([0-9a-f]{64})/.exec(headerValue(header, 'authorization'))![1]!;
    for (let i = 0; i < 64; i++) {
      expectError(
        setAuth(header, (a) => a.replace(sig, flipHex(sig, i))),
        'SignatureDoesNotMatch',
        'signature-mismatch',
      );
    }
    const qsig = /X-Amz-Signature=([0-9a-f]{64})/.exec(query.url)![1]!;
    expectError(
      editUrl(query, (u) => u.replace(qsig, flipHex(qsig, 63))),
      'SignatureDoesNotMatch',
      'signature-mismatch',
    );
  });

  it('non-hex, upper-case, short, long or empty signatures are rejected', () => {
    const sig = /Signature=([0-9a-f]{64})/.exec(headerValue(header, 'authorization'))![1]!;
    for (const bad of ['z'.repeat(64), sig.toUpperCase().replace(/^./, 'A'), sig.slice(1), `${sig}0`, '', `${sig.slice(0, 63)}g`]) {
      expectError(
        setAuth(header, (a) => a.replace(`Signature=${sig}`, `Signature=${bad}`)),
        'SignatureDoesNotMatch',
      );
    }
  });

  it('a changed query parameter or method is rejected', () => {
    expectError(
      editUrl(query, (u) => u.replace('Action=GetUser', 'Action=DeleteUser')),
      'SignatureDoesNotMatch',
    );
    expectError(
      editUrl(query, (u) => `${u}&Extra=1`),
      'SignatureDoesNotMatch',
    );
    expectError({ ...query, method: 'POST' }, 'SignatureDoesNotMatch');
    expectError(
      editUrl(query, (u) => u.replace('/?', '/x?')),
      'SignatureDoesNotMatch',
    );
  });

  it('a changed credential scope region or service fails the signature', () => {
    expectError(
      setAuth(header, (a) => a.replace('/us-east-1/', '/us-west-2/')),
      'SignatureDoesNotMatch',
      'signature-mismatch',
    );
    expectError(
      setAuth(header, (a) => a.replace('/iam/', '/sts/')),
      'SignatureDoesNotMatch',
      'signature-mismatch',
    );
  });
});

describe('unsigned or unlisted headers', () => {
  it('an added unsigned x-amz-* header is rejected, in both forms', () => {
    for (const name of ['X-Amz-Target', 'x-amz-copy-source', 'X-Amz-Foo', 'x-amz-user-agent']) {
      expectError(addHeader(header, name, 'v'), 'AccessDenied', 'unsigned-amz-header');
      expectError(addHeader(query, name, 'v'), 'AccessDenied', 'unsigned-amz-header');
    }
  });

  it('x-amz-security-token present but not signed is rejected', () => {
    expectError(addHeader(query, 'X-Amz-Security-Token', TOKEN), 'AccessDenied', 'unsigned-amz-header');
    const signedList = (a: string) => a.replace(';x-amz-security-token', '');
    expectError(setAuth(header, signedList), 'AccessDenied', 'unsigned-amz-header');
  });

  it('an x-amzn-* header (no hyphen after amz) needs no signature', () => {
    assert.equal(check(addHeader(header, 'X-Amzn-Trace-Id', 'Root=1-abc')), true);
    assert.equal(check(addHeader(header, 'User-Agent', 'aws-cli/2')), true);
  });

  it('host must be signed', () => {
    expectError(
      setAuth(header, (a) => a.replace('SignedHeaders=content-type;host;', 'SignedHeaders=content-type;')),
      'IncompleteSignature',
      'host-not-signed',
    );
    expectError(
      editUrl(query, (u) => u.replace('X-Amz-SignedHeaders=host', 'X-Amz-SignedHeaders=')),
      'IncompleteSignature',
      'host-not-signed',
    );
  });

  it('a signed header that is absent is rejected', () => {
    expectError(setHeader(header, 'content-type', undefined), 'SignatureDoesNotMatch', 'signed-header-missing');
  });

  it('SignedHeaders must be lower-case, sorted and without repeats', () => {
    for (const f of [
      (a: string) => a.replace('content-type;host', 'host;content-type'),
      (a: string) => a.replace('content-type;host', 'Content-Type;host'),
      (a: string) => a.replace('content-type;host', 'content-type;host;host'),
      (a: string) => a.replace('content-type;host', 'content-type;;host'),
    ]) {
      expectError(setAuth(header, f), 'IncompleteSignature', 'malformed-signed-headers');
    }
  });
});

describe('time', () => {
  it("header form: more than 15 minutes stale or early is rejected, with AWS's message", () => {
    const stale = expectError(header, 'SignatureDoesNotMatch', 'expired', minutes(15.02));
    assert.match(stale.message, /^Signature expired: 20240517T130130Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    const early = expectError(header, 'SignatureDoesNotMatch', 'not-yet-valid', minutes(-15.02));
    assert.match(early.message, /^Signature not yet current: 20240517T130130Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
    expectError(header, 'SignatureDoesNotMatch', 'expired', minutes(60 * 24 * 365));
  });

  it("AWS's example message, exactly", () => {
    const e = expectError(header, 'SignatureDoesNotMatch', 'expired', new Date('2024-05-17T13:31:30Z'));
    assert.equal(e.message, 'Signature expired: 20240517T130130Z is now earlier than 20240517T131630Z (20240517T133130Z - 15 min.)');
  });

  it('presigned: expired after X-Amz-Expires, not valid more than 15 minutes before X-Amz-Date', () => {
    assert.equal(check(query, minutes(15)), true);
    expectError(query, 'AccessDenied', 'presign-expired', minutes(15.02));
    assert.equal(check(query, minutes(-15)), true);
    expectError(query, 'AccessDenied', 'presign-not-yet-valid', minutes(-15.02));
  });

  it('X-Amz-Expires above 604800, zero, negative or not a number is rejected', () => {
    const set = (v: string) => editUrl(query, (u) => u.replace('X-Amz-Expires=900', `X-Amz-Expires=${v}`));
    expectError(set('604801'), 'AuthorizationQueryParametersError', 'expires-too-long');
    expectError(set('99999999999999999999'), 'AuthorizationQueryParametersError', 'expires-too-long');
    expectError(set('0'), 'AuthorizationQueryParametersError', 'bad-expires');
    expectError(set('-1'), 'AuthorizationQueryParametersError', 'bad-expires');
    expectError(set('1e3'), 'AuthorizationQueryParametersError', 'bad-expires');
    expectError(set(''), 'AuthorizationQueryParametersError', 'bad-expires');
    // A valid but different lifetime is covered by the signature.
    expectError(set('901'), 'SignatureDoesNotMatch', 'signature-mismatch');
  });

  it('the credential scope date must be the request day', () => {
    const e = expectError(
      setAuth(header, (a) => a.replace('/20240517/', '/20240516/')),
      'SignatureDoesNotMatch',
      'scope-date-mismatch',
    );
    assert.equal(
      e.message,
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240516' != '20240517', from '20240517T130130Z'.",
    );
    expectError(
      editUrl(query, (u) => u.replace('%2F20240517%2F', '%2F20240518%2F')),
      'SignatureDoesNotMatch',
      'scope-date-mismatch',
    );
    expectError(
      setAuth(header, (a) => a.replace('/20240517/', '/2024517/')),
      'SignatureDoesNotMatch',
      'scope-date-mismatch',
    );
  });

  it('a malformed X-Amz-Date is rejected', () => {
    for (const d of ['2024-05-17T13:01:30Z', '20240517T130130', '20240532T130130Z', '20240517T250130Z', '']) {
      expectError(setHeader(header, 'x-amz-date', d), 'IncompleteSignature', 'malformed-date');
    }
  });
});

describe('malformed or ambiguous authentication', () => {
  it('no authentication at all', () => {
    const e = expectError(setHeader(header, 'authorization', undefined), 'MissingAuthenticationToken', 'missing-auth');
    assert.equal(e.status, 403);
    assert.equal(e.message, 'Request is missing Authentication Token');
    expectError({ method: 'GET', url: '/?Action=GetUser', rawHeaders: ['Host', 'iam.amazonaws.com'], body: Buffer.alloc(0) }, 'MissingAuthenticationToken');
  });

  it('credentials in both the Authorization header and the query', () => {
    expectError(setHeader(query, 'authorization', headerValue(header, 'authorization')), 'InvalidArgument', 'both-auth-forms');
    expectError(
      editUrl(header, (u) => `${u}?X-Amz-Credential=x`),
      'InvalidArgument',
      'both-auth-forms',
    );
    expectError(
      editUrl(header, (u) => `${u}?X-Amz-Signature=x`),
      'InvalidArgument',
      'both-auth-forms',
    );
  });

  it("missing Credential, SignedHeaders, Signature: all named, in AWS's words", () => {
    const e = expectError(setHeader(header, 'authorization', 'AWS4-HMAC-SHA256 '), 'IncompleteSignature', 'missing-components');
    assert.equal(e.status, 400);
    assert.equal(
      e.message,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.",
    );
    const only = setHeader(
      setHeader(header, 'authorization', `AWS4-HMAC-SHA256 Credential=${AKID}/20240517/us-east-1/iam/aws4_request`),
      'x-amz-date',
      undefined,
    );
    const m = expectError(only, 'IncompleteSignature', 'missing-components');
    assert.equal(
      m.message,
      "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
    expectError(
      setAuth(header, (a) => a.replace(/Credential=[^,]*, /, '')),
      'IncompleteSignature',
      'missing-components',
    );
    expectError(
      setAuth(header, (a) => a.replace(/, SignedHeaders=[^,]*/, '')),
      'IncompleteSignature',
      'missing-components',
    );
    expectError(
      setAuth(header, (a) => a.replace(/, Signature=.*/, '')),
      'IncompleteSignature',
      'missing-components',
    );
  });

  it('presigned: missing parameters and wrong algorithm', () => {
    for (const p of ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Algorithm']) {
      const r = editUrl(query, (u) => u.replace(new RegExp(`[?&]${p}=[^&]*`), (m) => (m.startsWith('?') ? '?' : '')));
      expectError(r, 'AuthorizationQueryParametersError', 'missing-components');
    }
    expectError(
      editUrl(query, (u) => u.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-HMAC-SHA1')),
      'AuthorizationQueryParametersError',
      'unsupported-algorithm',
    );
  });

  it('wrong algorithm or scheme in the Authorization header', () => {
    for (const v of [
      'AWS4-HMAC-SHA1 Credential=a',
      'aws4-hmac-sha256 Credential=a',
      'AWS4-ECDSA-P256-SHA256 Credential=a',
      'AWS AKID:c2ln',
      'Bearer abc',
      '',
    ]) {
      expectError(setHeader(header, 'authorization', v), 'IncompleteSignature', 'unsupported-algorithm');
    }
  });

  it('the scope terminator must be aws4_request', () => {
    const e = expectError(
      setAuth(header, (a) => a.replace('/aws4_request', '/aws4_requesx')),
      'SignatureDoesNotMatch',
      'bad-terminator',
    );
    assert.equal(e.message, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesx'.");
  });

  it('the credential must have exactly five elements', () => {
    for (const f of [
      (a: string) => a.replace(`${AKID}/`, ''),
      (a: string) => a.replace(`${AKID}/`, `${AKID}/x/`),
      (a: string) => a.replace(`Credential=${AKID}`, 'Credential='),
      (a: string) => a.replace('/us-east-1/', '//'),
      (a: string) => a.replace('/us-east-1/', '/us east 1/'),
    ]) {
      expectError(setAuth(header, f), 'IncompleteSignature', 'malformed-credential');
    }
  });

  it('duplicated parameters are rejected', () => {
    expectError(
      setAuth(header, (a) => `${a}, Signature=${'0'.repeat(64)}`),
      'IncompleteSignature',
      'duplicate-parameter',
    );
    expectError(
      setAuth(header, (a) => a.replace('SignedHeaders=', 'SignedHeaders=host, SignedHeaders=')),
      'IncompleteSignature',
      'duplicate-parameter',
    );
    for (const p of ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-Algorithm']) {
      const m = new RegExp(`${p}=[^&]*`).exec(query.url)![0];
      expectError(
        editUrl(query, (u) => `${u}&${m}`),
        'IncompleteSignature',
        'duplicate-parameter',
      );
    }
    expectError(addHeader(header, 'Authorization', headerValue(header, 'authorization')), 'IncompleteSignature', 'duplicate-header');
    expectError(addHeader(header, 'X-Amz-Date', headerValue(header, 'x-amz-date')), 'IncompleteSignature', 'duplicate-header');
    expectError(addHeader(header, 'X-Amz-Security-Token', TOKEN), 'IncompleteSignature', 'duplicate-header');
    expectError(addHeader(queryToken, 'X-Amz-Security-Token', TOKEN), 'IncompleteSignature', 'duplicate-parameter');
  });

  it('a duplicated non-auth parameter (e.g. Action) changes the canonical query', () => {
    expectError(
      editUrl(query, (u) => `${u}&Action=DeleteUser`),
      'SignatureDoesNotMatch',
      'signature-mismatch',
    );
  });

  it('garbage Authorization values', () => {
    for (const v of [
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 garbage',
      'AWS4-HMAC-SHA256 Credential',
      'AWS4-HMAC-SHA256 ,,,',
      'AWS4-HMAC-SHA256 Foo=bar',
      `AWS4-HMAC-SHA256 Credential=${'/'.repeat(5000)}, SignedHeaders=host, Signature=00`,
      'AWS4-HMAC-SHA256 Credential=\u0000\u0001/\uffff, SignedHeaders=\u00e9, Signature=\ud800',
    ]) {
      const out = check(setHeader(header, 'authorization', v));
      assert.notEqual(out, true, v);
      assert.ok(['IncompleteSignature', 'SignatureDoesNotMatch'].includes((out as SigV4Error).code), `${v}: ${(out as SigV4Error).code}`);
      assert.ok((out as SigV4Error).message.length < 600);
    }
  });

  it('a wrong secret never passes, and errors never contain it', () => {
    const parsed = parseSignedRequest(header, NOW);
    assert.ok(!isSigV4Error(parsed));
    for (const s of ['', 'x', SECRET.slice(1), `${SECRET} `, SECRET.toLowerCase()]) {
      const out = verifySignature(parsed, s);
      assert.notEqual(out, true);
      assert.ok(!(out as SigV4Error).message.includes(SECRET));
    }
  });
});

describe('robustness', () => {
  it('never throws on arbitrary input (fuzz)', () => {
    const anyString = fc.string({ unit: 'binary', maxLength: 200 });
    fc.assert(
      fc.property(
        anyString,
        anyString,
        fc.array(
          fc.oneof(
            anyString,
            fc.constantFrom(
              'Authorization',
              'X-Amz-Date',
              'Host',
              'x-amz-content-sha256',
              'AWS4-HMAC-SHA256 Credential=a/20240517/r/s/aws4_request, SignedHeaders=host, Signature=00',
            ),
          ),
          { maxLength: 12 },
        ),
        fc.uint8Array({ maxLength: 64 }),
        (method, url, rawHeaders, body) => {
          const out = parseSignedRequest({ method, url, rawHeaders, body: Buffer.from(body) }, NOW);
          assert.ok(isSigV4Error(out) || typeof out.stringToSign === 'string');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on structurally invalid input', () => {
    for (const bad of [
      null,
      undefined,
      1,
      {},
      { method: 'GET' },
      { method: 'GET', url: '/', rawHeaders: ['a'], body: Buffer.alloc(0) },
      { method: 'GET', url: '/', rawHeaders: [1, 2], body: Buffer.alloc(0) },
      { method: 'GET', url: '/', rawHeaders: [], body: 'x' },
    ]) {
      const out = parseSignedRequest(bad as unknown as RawRequest, NOW);
      assert.ok(isSigV4Error(out));
    }
    assert.ok(isSigV4Error(parseSignedRequest(header, new Date(Number.NaN))));
  });

  it('mutations of a valid presigned URL are never accepted (fuzz)', () => {
    fc.assert(
      fc.property(fc.nat(query.url.length - 1), fc.integer({ min: 0x20, max: 0x7e }), (at, code) => {
        const ch = String.fromCharCode(code);
        if (query.url[at] === ch) return;
        const url = query.url.slice(0, at) + ch + query.url.slice(at + 1);
        const out = check({ ...query, url });
        // A change that decodes to the same canonical query (e.g. %2F -> %2f) is the same request.
        if (out === true) {
          const a = parseSignedRequest(query, NOW);
          const b = parseSignedRequest({ ...query, url }, NOW);
          assert.ok(!isSigV4Error(a) && !isSigV4Error(b) && a.canonicalRequestHash === b.canonicalRequestHash, url);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
