import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstErrorMessage, parsePolicy } from './parse.ts';
import type { PolicyKind } from './types.ts';

const errorsOf = (doc: unknown, kind: PolicyKind = 'identity') => {
  const r = parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc), kind);
  return r.findings.filter((f) => f.severity === 'error');
};
const firstMessage = (doc: unknown, kind: PolicyKind = 'identity') =>
  firstErrorMessage(parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc), kind).findings);
const stmt = (extra: object) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...extra }] });

test('a valid identity policy is normalised to arrays', () => {
  const r = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: {
        Effect: 'Allow',
        Action: 's3:Get*',
        Resource: 'arn:aws:s3:::b/*',
        Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 }, Bool: { 'aws:SecureTransport': true } },
      },
    }),
    'identity',
  );
  assert.deepEqual(r.findings, []);
  assert.deepEqual(r.document, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:Get*'],
        Resource: ['arn:aws:s3:::b/*'],
        Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': ['3600'] }, Bool: { 'aws:SecureTransport': ['true'] } },
      },
    ],
  });
});

test('invalid JSON and non-objects are syntax errors; parsing never throws', () => {
  for (const text of ['{', 'null', '[]', '"x"', '42', '']) {
    assert.equal(firstMessage(text), 'Syntax errors in policy.');
    assert.equal(parsePolicy(text, 'identity').document, undefined);
  }
});

test('characters outside tab, LF, CR and U+0020–U+00FF are refused', () => {
  assert.equal(errorsOf(JSON.stringify(stmt({ Sid: 'x' })).replace('"x"', '"\u2603"'))[0]?.code, 'InvalidCharacter');
  assert.deepEqual(errorsOf(JSON.stringify(stmt({ Sid: 'x' })).replace('"x"', '"\u00e9t\u00e9"')), [
    {
      severity: 'error',
      code: 'InvalidSid',
      path: 'Statement[0].Sid',
      message: 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    },
  ]);
});

test('Version: missing is a warning (2008 rules), unknown values fail legacy parsing', () => {
  const r = parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), 'identity');
  assert.equal(r.findings[0]?.code, 'MissingVersion');
  assert.equal(r.findings[0]?.severity, 'warning');
  assert.equal(r.document?.Version, undefined);
  assert.equal(firstMessage({ ...stmt({}), Version: '2012-10-18' }), 'The policy failed legacy parsing');
  assert.deepEqual(errorsOf({ ...stmt({}), Version: '2008-10-17' }), []);
});

test('unknown top-level and statement fields are errors', () => {
  assert.equal(firstMessage({ ...stmt({}), Statment: [] }), 'Unknown field Statment');
  assert.equal(errorsOf(stmt({ Actions: 'x' }))[0]?.path, 'Statement[0].Actions');
  assert.equal(firstMessage({ Version: '2012-10-17' }), 'Missing required field Statement');
});

test('Effect must be Allow or Deny', () => {
  assert.equal(firstMessage(stmt({ Effect: 'allow' })), 'The policy failed legacy parsing');
  const { Effect: _e, ...noEffect } = stmt({}).Statement[0]!;
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [noEffect] }), 'Missing required field Effect');
});

test('exactly one of Action / NotAction, each with a vendor prefix', () => {
  const { Action: _a, ...noAction } = stmt({}).Statement[0]!;
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [noAction] }), 'Policy statement must contain actions.');
  assert.equal(errorsOf(stmt({ NotAction: 'iam:*' }))[0]?.code, 'ActionAndNotAction');
  assert.equal(firstMessage(stmt({ Action: 'GetObject' })), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  assert.equal(firstMessage(stmt({ Action: [] })), 'Policy statement must contain actions.');
  assert.deepEqual(errorsOf(stmt({ Action: ['*', 's3:*', 'ec2:Describe?nstances', 'execute-api:Invoke'] })), []);
});

test('Resource: required in identity and resource policies, prohibited in trust policies, ARN or "*"', () => {
  const { Resource: _r, ...noResource } = stmt({}).Statement[0]!;
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [noResource] }), 'Policy statement must contain resources.');
  assert.equal(firstMessage(stmt({ Resource: 'bucket' })), 'Resource bucket must be in ARN format or "*".');
  assert.equal(errorsOf(stmt({ NotResource: '*' }))[0]?.code, 'ResourceAndNotResource');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  assert.deepEqual(errorsOf(trust, 'trust'), []);
  assert.equal(firstMessage({ ...trust, Statement: [{ ...trust.Statement[0], Resource: '*' }] }, 'trust'), 'Has prohibited field Resource');
  assert.deepEqual(errorsOf(stmt({ Resource: 'arn:aws:s3:::b/${aws:username}/*' })), []);
});

test('Principal: forbidden in identity policies, required in trust and resource policies', () => {
  assert.equal(firstMessage(stmt({ Principal: '*' })), 'Policy document should not specify a principal.');
  assert.equal(firstMessage(stmt({ NotPrincipal: { AWS: '*' } })), 'Policy document should not specify a principal.');
  assert.equal(firstMessage(stmt({}), 'resource'), 'Missing required field Principal');
  assert.deepEqual(errorsOf(stmt({ Principal: { AWS: ['111122223333', 'arn:aws:iam::111122223333:root'], Service: 's3.amazonaws.com' } }), 'resource'), []);
  assert.equal(firstMessage(stmt({ Principal: { Bogus: 'x' } }), 'resource'), 'Invalid principal in policy: "Bogus":"x"');
});

test('a partial wildcard in a principal ARN: error in trust policies, warning in resource policies', () => {
  const doc = stmt({ Principal: { AWS: 'arn:aws:iam::111122223333:user/*' } });
  const r = parsePolicy(JSON.stringify(doc), 'resource');
  assert.equal(r.findings[0]?.code, 'PrincipalWildcard');
  assert.ok(r.document);
  const { Resource: _r, ...trust } = doc.Statement[0]!;
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [trust] }, 'trust'), 'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*"');
});

test('Sid: alphanumeric in IAM policies, free in resource policies, unique everywhere', () => {
  assert.match(firstMessage(stmt({ Sid: 'has-dash' }))!, /^Statement IDs \(SID\) must be alpha-numeric/);
  assert.deepEqual(errorsOf(stmt({ Sid: 'has dash', Principal: '*' }), 'resource'), []);
  const dup = { Version: '2012-10-17', Statement: [stmt({ Sid: 'A' }).Statement[0], stmt({ Sid: 'A' }).Statement[0]] };
  assert.equal(firstMessage(dup), 'Statement IDs (SID) in a single policy must be unique.');
});

test('Condition: unknown operators and malformed blocks are errors; uninterpretable values are warnings', () => {
  assert.equal(errorsOf(stmt({ Condition: { StringEqualz: { 'aws:username': 'a' } } }))[0]?.code, 'UnknownConditionOperator');
  assert.equal(errorsOf(stmt({ Condition: { 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } } }))[0]?.code, 'UnknownConditionOperator');
  assert.equal(errorsOf(stmt({ Condition: { StringEquals: 'x' } }))[0]?.code, 'InvalidCondition');
  assert.equal(errorsOf(stmt({ Condition: { StringEquals: { 'aws:username': { a: 1 } } } }))[0]?.code, 'InvalidConditionValue');
  assert.equal(errorsOf(stmt({ Condition: { StringEquals: { username: 'a' } } }))[0]?.code, 'InvalidConditionKey');
  for (const op of [
    'ForAllValues:StringLikeIfExists',
    'NumericLessThanEqualsIfExists',
    'DateGreaterThan',
    'ArnNotLike',
    'BinaryEquals',
    'NotIpAddress',
    'Null',
  ]) {
    assert.deepEqual(
      errorsOf(
        stmt({
          Condition: {
            [op]: {
              'aws:x':
                op === 'Null'
                  ? 'true'
                  : op === 'BinaryEquals'
                    ? 'QQ=='
                    : op.startsWith('Date')
                      ? '2020-01-01'
                      : op.startsWith('Numeric')
                        ? '1'
                        : op === 'NotIpAddress'
                          ? '10.0.0.0/8'
                          : 'v',
            },
          },
        }),
      ),
      [],
      op,
    );
  }
  const r = parsePolicy(JSON.stringify(stmt({ Condition: { NumericEquals: { 'aws:x': 'ten' }, IpAddress: { 'aws:SourceIp': '300.1.1.1' } } })), 'identity');
  assert.deepEqual(
    r.findings.map((f) => [f.severity, f.code]),
    [
      ['warning', 'InvalidConditionValue'],
      ['warning', 'InvalidConditionValue'],
    ],
  );
});
