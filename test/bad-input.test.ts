// Bad input never crashes iamd: property-based tests (fast-check) over the Query decoder, the XML
// writer, the policy parser and the whole HTTP endpoint. Every rejection is an AWS-style error.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { decodeInput } from '../src/actions/model/decode-input.ts';
import { encodeError, encodeResponse } from '../src/api/query/encode.ts';
import { iamModel, stsModel } from '../src/actions/model/service-model.ts';
import { AwsError } from '../src/errors/aws-error.ts';
import { parsePolicy } from '../src/policy/index.ts';
import { MAX_BODY_BYTES } from '../src/api/query/query-api.ts';
import type { App } from '../src/app.ts';
import { ROOT_KEY, startTestApp } from './helpers.ts';

const operations = Object.keys(iamModel.operations);

describe('decoder and encoder', () => {
  test('decodeInput never throws anything but an AwsError', () => {
    const key = fc.oneof(
      fc.constantFrom(
        'UserName',
        'Path',
        'Tags.member.1.Key',
        'Tags.member.1.Value',
        'MaxItems',
        'Marker',
        'PolicyDocument',
        'Tags.member.2.Key',
        'DurationSeconds',
        'Status',
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.constantFrom(...operations), fc.array(fc.tuple(key, fc.string({ unit: 'binary' })), { maxLength: 8 }), (op, pairs) => {
        try {
          decodeInput(iamModel, iamModel.operations[op]!.input?.shape, new Map(pairs)); // op is one of its keys
        } catch (e) {
          assert.ok(e instanceof AwsError, `non-AWS error from ${op}: ${String(e)}`);
          assert.equal(e.code, 'ValidationError');
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('the XML writer escapes any string, and a parser reads back the same values', () => {
    // XML 1.0 cannot carry most control characters, and parsers turn CR into LF: leave those out.
    const text = fc.string({ unit: 'grapheme' }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''));
    const strict = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, processEntities: true });
    fc.assert(
      fc.property(text, text, (name, arn) => {
        const user = { UserName: name, UserId: 'AIDA', Arn: arn, Path: '/', CreateDate: new Date(0) };
        const parsed = strict.parse(encodeResponse(iamModel, 'GetUser', { User: user }, 'req-1')).GetUserResponse.GetUserResult.User;
        assert.equal(String(parsed.UserName ?? ''), name);
        assert.equal(String(parsed.Arn ?? ''), arn);
        const err = strict.parse(encodeError(new AwsError('ValidationError', name), 'req-2')).ErrorResponse.Error;
        assert.equal(err.Code, 'ValidationError');
        assert.equal(String(err.Message ?? ''), name);
      }),
      { numRuns: 2000 },
    );
  });

  test('the policy parser never throws, and rejects what it cannot read with a finding', () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify({ Version: '2012-10-17', Statement: v })),
      fc
        .record(
          {
            Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), fc.string()),
            Action: fc.oneof(fc.string(), fc.array(fc.string())),
            Resource: fc.oneof(fc.string(), fc.jsonValue()),
            Condition: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((s) => JSON.stringify({ Version: '2012-10-17', Statement: [s] })),
    );
    fc.assert(
      fc.property(jsonish, fc.constantFrom('identity', 'resource', 'trust') as fc.Arbitrary<'identity' | 'resource' | 'trust'>, (text, kind) => {
        const result = parsePolicy(text, kind);
        if (!result.document) assert.ok(result.findings.some((f) => f.severity === 'error'));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the HTTP endpoint under bad input', () => {
  let app: App;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const signer = new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'iam', sha256: Sha256 });

  async function signedPost(body: string): Promise<Response> {
    const url = new URL(app.url);
    const request = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    return fetch(app.url, { method: 'POST', headers: request.headers as Record<string, string>, body });
  }

  test('random signed bodies get an AWS error document, never a 5xx', async () => {
    const samples = fc.sample(
      fc.oneof(
        fc.string(),
        fc
          .constantFrom(...operations)
          .chain((op) =>
            fc
              .array(
                fc.tuple(
                  fc.constantFrom(
                    'UserName',
                    'Path',
                    'GroupName',
                    'PolicyArn',
                    'MaxItems',
                    'Marker',
                    'Tags.member.1.Key',
                    'Tags.member.51.Key',
                    'PolicyDocument',
                    'AccessKeyId',
                  ),
                  fc.string(),
                ),
                { maxLength: 5 },
              )
              .map((pairs) => new URLSearchParams([['Action', op], ['Version', '2010-05-08'], ...pairs]).toString()),
          ),
      ),
      300,
    );
    for (const body of samples) {
      const res = await signedPost(body);
      const text = await res.text();
      assert.ok(res.status < 500 || res.status === 501, `status ${res.status} for ${body}: ${text}`);
      if (res.status >= 400) assert.match(text, /<ErrorResponse[^>]*><Error><Type>(Sender|Receiver)<\/Type><Code>\w+<\/Code>/);
    }
    const health = await fetch(`${app.url}/healthz`);
    assert.equal(health.status, 200);
  });

  test('an oversized body is refused before it is parsed', async () => {
    const res = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a'.repeat(MAX_BODY_BYTES + 1),
    });
    assert.equal(res.status, 413);
    assert.match(await res.text(), /<Code>RequestEntityTooLarge<\/Code>/);
  });

  test('garbage authorization headers and unsigned requests are refused with AWS codes', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'MissingAuthenticationToken'],
      [{ authorization: 'AWS4-HMAC-SHA256' }, 'IncompleteSignature'],
      [{ authorization: 'Bearer x' }, 'IncompleteSignature'],
      [
        {
          authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=zz',
          'x-amz-date': '20260101T000000Z',
        },
        'SignatureDoesNotMatch',
      ],
    ];
    for (const [headers, code] of cases) {
      const res = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: 'Action=ListUsers&Version=2010-05-08',
      });
      const text = await res.text();
      assert.ok(res.status === 400 || res.status === 403, text);
      assert.ok(text.includes(`<Code>`) && !text.includes('<Code>ServiceFailure'), text);
      if (code !== 'SignatureDoesNotMatch') assert.match(text, new RegExp(`<Code>${code}</Code>`));
    }
  });

  test('STS and IAM answer with their own XML namespaces', async () => {
    assert.ok(stsModel.metadata.xmlNamespace.includes('sts.amazonaws.com'));
  });
});
