// Unit tests of the small pieces: canonical URI/query, header values, key cache, partitions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalQueryString, canonicalUri, parseQuery } from './canonical.ts';
import { canonicalHeaderValue, joinedHeaderValue } from './headers.ts';
import { SigningKeyCache, deriveSigningKey, isRegionOf, partitionOfRegion } from './index.ts';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { formatIsoBasic, parseIsoBasic } from './amz-date.ts';
import { hmacSha256Hex, isSignatureHex, sameText, sha256Hex } from './hash.ts';

describe('hashing: the one-shot forms agree with createHash/createHmac', () => {
  it('HMAC-SHA256 for keys of 0–80 bytes and any message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 300 }), (key, message) => {
        const k = Buffer.from(key);
        assert.equal(hmacSha256Hex(k, message), createHmac('sha256', k).update(message).digest('hex'));
        assert.equal(hmacSha256Hex(k, message), createHmac('sha256', k).update(message).digest('hex')); // cached pads
      }),
      { numRuns: 500 },
    );
  });
  it('the constant-time comparison agrees with ===', () => {
    fc.assert(fc.property(fc.string({ maxLength: 70 }), fc.string({ maxLength: 70 }), (a, b) => assert.equal(sameText(a, b), a === b)));
    const sig = 'ab'.repeat(32);
    assert.equal(sameText(sig, sig.slice(0, 63) + 'c'), false);
    assert.equal(sameText(sig, `${sig}`), true);
  });
  it('a signature is exactly 64 lower-case hex digits', () => {
    fc.assert(fc.property(fc.string({ maxLength: 70 }), (text) => assert.equal(isSignatureHex(text), /^[0-9a-f]{64}$/.test(text))));
    assert.equal(isSignatureHex('a'.repeat(64)), true);
    assert.equal(isSignatureHex('A'.repeat(64)), false);
    assert.equal(isSignatureHex('g'.repeat(64)), false);
    assert.equal(isSignatureHex('0'.repeat(63)), false);
  });
  it('SHA-256 of strings and bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'));
        assert.equal(sha256Hex(Buffer.from(text)), createHash('sha256').update(text).digest('hex'));
      }),
    );
  });
  it('ISO 8601 basic timestamps, also outside years 0–9999', () => {
    assert.equal(formatIsoBasic(new Date('2015-08-30T12:36:00.123Z')), '20150830T123600Z');
    assert.equal(formatIsoBasic(new Date('0001-01-01T00:00:00Z')), '00010101T000000Z');
    assert.equal(formatIsoBasic(new Date(Date.UTC(10000, 0, 1))), '+0100000101T000000Z');
    // Parsing and formatting agree, so a request's own X-Amz-Date text can enter the string to sign.
    for (const text of ['20150830T123600Z', '00990101T000000Z', '00000229T235959Z', '99991231T235959Z'])
      assert.equal(formatIsoBasic(parseIsoBasic(text)!), text);
    assert.equal(parseIsoBasic('20150229T000000Z'), undefined);
  });
});

describe('canonical URI (non-S3: normalized, encoded once more)', () => {
  const cases: Array<[string, string]> = [
    ['', '/'],
    ['/', '/'],
    ['//', '/'],
    ['//example//', '/example/'],
    ['/./example', '/example'],
    ['/example1/example2/../..', '/'],
    ['/a/b/../c/', '/a/c/'],
    ['/example space/', '/example%20space/'],
    ['/my%20key', '/my%2520key'],
    ['/\u1234', '/%E1%88%B4'],
    ['/-._~AZaz09', '/-._~AZaz09'],
  ];
  for (const [raw, want] of cases) it(JSON.stringify(raw), () => assert.equal(canonicalUri(raw), want));
});

describe('canonical query string', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['Param2=value2&Param1=value1', 'Param1=value1&Param2=value2'],
    ['b=2&a=2&a=1', 'a=1&a=2&b=2'],
    ['flag', 'flag='],
    ['a=&b', 'a=&b='],
    ['a=1&&b=2&', 'a=1&b=2'],
    ['k=a%2fb', 'k=a%2Fb'],
    ['k=a b+c', 'k=a%20b%2Bc'],
    ['k=%zz%4', 'k=%25zz%254'],
    ['%E1%88%B4=bar', '%E1%88%B4=bar'],
    ['\u1234=bar', '%E1%88%B4=bar'],
    ['Param-3=Value3&Param=Value2&%E1%88%B4=Value1', '%E1%88%B4=Value1&Param=Value2&Param-3=Value3'],
    ['a=%7E%2D', 'a=~-'],
  ];
  for (const [raw, want] of cases) it(JSON.stringify(raw), () => assert.equal(canonicalQueryString(parseQuery(raw)), want));

  it('drops only the named key', () => {
    assert.equal(canonicalQueryString(parseQuery('X-Amz-Signature=abc&a=1'), 'X-Amz-Signature'), 'a=1');
  });
});

describe('canonical header values', () => {
  it('trims and collapses whitespace runs', () => {
    assert.equal(canonicalHeaderValue('  "a   b   c"  '), '"a b c"');
    assert.equal(canonicalHeaderValue('a\t \tb'), 'a b');
    assert.equal(canonicalHeaderValue('value1'), 'value1');
    assert.equal(canonicalHeaderValue('   '), '');
  });
  it('joins repeated headers with a bare comma (not ", " as req.headers does)', () => {
    assert.equal(joinedHeaderValue(['value4', ' value1 ', 'value3']), 'value4,value1,value3');
  });
});

describe('SigningKeyCache', () => {
  const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
  it("derives AWS's documented signing key", () => {
    // IAM User Guide example (iam, us-east-1, 20150830).
    assert.equal(deriveSigningKey(SECRET, '20150830', 'us-east-1', 'iam').toString('hex'), 'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9');
  });
  it('returns the cached key and follows a rotated secret', () => {
    const cache = new SigningKeyCache(2);
    const a = cache.signingKey('AKID', SECRET, '20150830', 'us-east-1', 'iam');
    assert.equal(cache.signingKey('AKID', SECRET, '20150830', 'us-east-1', 'iam'), a);
    const b = cache.signingKey('AKID', 'other', '20150830', 'us-east-1', 'iam');
    assert.notDeepEqual(b, a);
    assert.deepEqual(b, deriveSigningKey('other', '20150830', 'us-east-1', 'iam'));
    assert.equal(cache.size, 1);
  });
  it('is bounded (least recently used goes first)', () => {
    const cache = new SigningKeyCache(2);
    const k1 = cache.signingKey('A', SECRET, '20150830', 'us-east-1', 'iam');
    cache.signingKey('B', SECRET, '20150830', 'us-east-1', 'iam');
    assert.equal(cache.signingKey('A', SECRET, '20150830', 'us-east-1', 'iam'), k1); // A is now newest
    cache.signingKey('C', SECRET, '20150830', 'us-east-1', 'iam'); // evicts B
    assert.equal(cache.size, 2);
    assert.equal(cache.signingKey('A', SECRET, '20150830', 'us-east-1', 'iam'), k1);
  });
});

describe('partitionOfRegion', () => {
  const cases: Array<[string, string | undefined]> = [
    ['us-east-1', 'aws'],
    ['eu-west-3', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eusc-de-east-1', 'aws-eusc'],
    ['aws-global', undefined],
    ['us-east', undefined],
    ['', undefined],
    ['US-EAST-1', undefined],
  ];
  for (const [region, want] of cases) it(region || '(empty)', () => assert.equal(partitionOfRegion(region), want));
  it('a region belongs to its own partition only', () => {
    assert.equal(isRegionOf('us-east-1', 'aws'), true);
    assert.equal(isRegionOf('cn-north-1', 'aws'), false);
    assert.equal(isRegionOf('us-gov-west-1', 'aws'), false);
    assert.equal(isRegionOf('us-iso-east-1', 'aws'), false);
    assert.equal(isRegionOf('cn-north-1', 'aws-cn'), true);
  });
});
