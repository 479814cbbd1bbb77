// Replays AWS's published SigV4 test suite (see test/sigv4-vectors/README.md) through the verifier.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isSigV4Error, parseSignedRequest, verifySignature } from './index.ts';
import { parseHttpText, toRawRequest, withoutHeaders, type SmithyLikeRequest } from './test-helpers.ts';

const VECTORS = join(import.meta.dirname, '../../test/sigv4-vectors');
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2015-08-30T12:36:00Z');

function assertVerifies(req: Parameters<typeof parseSignedRequest>[0], form: 'header' | 'query'): void {
  const parsed = parseSignedRequest(req, NOW);
  if (isSigV4Error(parsed)) assert.fail(`parse failed: ${parsed.code} (${parsed.reason}) ${parsed.message}`);
  assert.equal(parsed.form, form);
  assert.equal(parsed.accessKeyId, 'AKIDEXAMPLE');
  assert.deepEqual({ ...parsed.scope }, { date: '20150830', region: 'us-east-1', service: 'service' });
  assert.equal(verifySignature(parsed, SECRET), true);
  // And the same request with any other secret fails.
  const wrong = verifySignature(parsed, `${SECRET}x`);
  assert.ok(isSigV4Error(wrong) && wrong.code === 'SignatureDoesNotMatch');
}

describe('AWS SigV4 test suite (raw requests, awslabs/aws-c-auth)', () => {
  const dir = join(VECTORS, 'aws-c-auth');
  for (const name of readdirSync(dir).sort()) {
    for (const file of readdirSync(join(dir, name)).sort()) {
      it(`${name} / ${file}`, () => {
        let req = parseHttpText(readFileSync(join(dir, name, file), 'utf8'));
        // The suite's presigned requests also carry an unsigned X-Amz-Date header (see README).
        if (file.startsWith('query')) req = withoutHeaders(req, 'x-amz-date');
        assertVerifies(req, file.startsWith('query') ? 'query' : 'header');
      });
    }
  }
});

describe('AWS SigV4 test suite (@smithy/signature-v4 encoding)', () => {
  const suite = JSON.parse(readFileSync(join(VECTORS, 'smithy-suite.json'), 'utf8')) as {
    cases: Array<SmithyLikeRequest & { name: string; authorization: string }>;
  };
  for (const c of suite.cases) {
    it(c.name, () => {
      assertVerifies(toRawRequest({ ...c, headers: { ...c.headers, authorization: c.authorization } }), 'header');
    });
  }
});
