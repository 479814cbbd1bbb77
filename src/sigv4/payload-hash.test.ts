// A verifier that does not hold the body (the authorization API, a gateway) gives the payload hash
// instead: the canonical request uses it, a signed x-amz-content-sha256 must equal it, and
// UNSIGNED-PAYLOAD keeps the rule of the body form (presigned URLs only).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { isSigV4Error, parseSignedRequest, verifySignature, type RawRequest } from './index.ts';
import { toRawRequest, type SmithyLikeRequest } from './test-helpers.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2024-05-17T13:01:30Z');
const BODY = '{"orderId":"42","amount":100}';
const HASH = createHash('sha256').update(BODY).digest('hex');

function signer(applyChecksum: boolean): SignatureV4 {
  return new SignatureV4({
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
    region: 'eu-west-1',
    service: 'orders',
    sha256: Sha256,
    applyChecksum,
  });
}

const post: SmithyLikeRequest = {
  method: 'POST',
  path: '/orders/42/cancel',
  query: {},
  headers: { host: 'orders.local:8080', 'content-type': 'application/json' },
  body: BODY,
};
const asHttp = (r: SmithyLikeRequest) => ({ protocol: 'http:', hostname: 'orders.local', ...r }) as unknown as HttpRequest;

/** The raw request with its body replaced by the given payload hash. */
function withHash(raw: RawRequest, payloadHash: string): RawRequest {
  const { body: _body, ...rest } = raw;
  return { ...rest, payloadHash };
}

function check(raw: RawRequest) {
  const parsed = parseSignedRequest(raw, NOW);
  return isSigV4Error(parsed) ? parsed : verifySignature(parsed, SECRET);
}

describe('payload hash given instead of the body', () => {
  it('verifies with the hash alone, with or without a signed x-amz-content-sha256', async () => {
    for (const applyChecksum of [true, false]) {
      const raw = toRawRequest((await signer(applyChecksum).sign(asHttp(post), { signingDate: NOW })) as unknown as SmithyLikeRequest);
      assert.equal(check(raw), true);
      assert.equal(check(withHash(raw, HASH)), true, `applyChecksum ${applyChecksum}`);
    }
  });

  it('a hash of another body does not verify; one that differs from the signed header is a mismatch', async () => {
    const other = createHash('sha256').update('{"orderId":"43"}').digest('hex');
    const bare = toRawRequest((await signer(false).sign(asHttp(post), { signingDate: NOW })) as unknown as SmithyLikeRequest);
    assert.equal((check(withHash(bare, other)) as { code: string }).code, 'SignatureDoesNotMatch');
    const declared = toRawRequest((await signer(true).sign(asHttp(post), { signingDate: NOW })) as unknown as SmithyLikeRequest);
    assert.equal((check(withHash(declared, other)) as { code: string }).code, 'XAmzContentSHA256Mismatch');
  });

  it('UNSIGNED-PAYLOAD only in a presigned URL, as with the body', async () => {
    const get: SmithyLikeRequest = { method: 'GET', path: '/orders/42', query: {}, headers: { host: 'orders.local:8080' } };
    const presigned = (await signer(false).presign(asHttp({ ...get, headers: { ...get.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }), {
      signingDate: NOW,
      expiresIn: 300,
    })) as unknown as SmithyLikeRequest;
    assert.equal(check(withHash(toRawRequest(presigned), 'UNSIGNED-PAYLOAD')), true);
    const header = toRawRequest((await signer(false).sign(asHttp(post), { signingDate: NOW })) as unknown as SmithyLikeRequest);
    assert.equal((check(withHash(header, 'UNSIGNED-PAYLOAD')) as { code: string }).code, 'InvalidRequest');
  });

  it('a malformed hash, or both a body and a hash, is refused without a throw', async () => {
    const raw = toRawRequest((await signer(false).sign(asHttp(post), { signingDate: NOW })) as unknown as SmithyLikeRequest);
    for (const bad of [HASH.toUpperCase(), HASH.slice(1), 'unsigned-payload', '']) {
      assert.equal((check(withHash(raw, bad)) as { code: string }).code, 'IncompleteSignature', bad);
    }
    assert.equal((check({ ...raw, payloadHash: HASH }) as { code: string }).code, 'IncompleteSignature');
  });
});
