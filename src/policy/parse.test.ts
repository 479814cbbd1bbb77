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

test('Version: missing is a warning (2008 rules) except in managed policies; unknown values are syntax errors', () => {
  const r = parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), 'identity');
  assert.equal(r.findings[0]?.code, 'MissingVersion');
  assert.equal(r.findings[0]?.severity, 'warning');
  assert.equal(r.document?.Version, undefined);
  assert.equal(firstMessage({ ...stmt({}), Version: '2012-10-18' }), 'Syntax errors in policy.');
  assert.deepEqual(errorsOf({ ...stmt({}), Version: '2008-10-17' }), []);
  const managed = (doc: unknown) => firstErrorMessage(parsePolicy(JSON.stringify(doc), 'identity', { managed: true }).findings);
  assert.equal(managed({ Statement: stmt({}).Statement }), 'Policy document must be version 2012-10-17 or greater.');
  assert.equal(managed({ ...stmt({}), Version: '2008-10-17' }), 'Policy document must be version 2012-10-17 or greater.');
  assert.equal(managed(stmt({})), undefined);
  // The Version is checked before everything but the structure.
  assert.equal(managed({ Statement: [{ Effect: 'denY', Action: 's3:x', Resource: '*' }] }), 'Policy document must be version 2012-10-17 or greater.');
  assert.equal(managed({ Statement: [{ Effect: 'Allow', Action: 's3:x', Resource: '*', Extra: 1 }] }), 'Syntax errors in policy.');
  // Trust policies keep 2008-10-17 and no Version.
  const trust = { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  assert.deepEqual(errorsOf(trust, 'trust'), []);
  assert.deepEqual(errorsOf({ ...trust, Version: '2008-10-17' }, 'trust'), []);
});

test('unknown elements are syntax errors in identity policies, "Unknown field" in trust and resource policies', () => {
  assert.equal(firstMessage({ ...stmt({}), Statment: [] }), 'Syntax errors in policy.');
  assert.equal(errorsOf(stmt({ Actions: 'x' }))[0]?.path, 'Statement[0].Actions');
  assert.equal(firstMessage({ Version: '2012-10-17' }), 'Syntax errors in policy.');
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [] }), 'Syntax errors in policy.');
  assert.equal(firstMessage({ Version: '2012-10-17' }, 'resource'), 'Missing required field Statement');
  assert.equal(firstMessage({ ...stmt({ Principal: '*' }), Statment: [] }, 'resource'), 'Unknown field Statment');
});

test('Effect: Allow or Deny; another case fails legacy parsing, anything else is a syntax error', () => {
  assert.equal(firstMessage(stmt({ Effect: 'allow' })), 'The policy failed legacy parsing');
  assert.equal(firstMessage(stmt({ Effect: 'DENY' })), 'The policy failed legacy parsing');
  assert.equal(firstMessage(stmt({ Effect: 'Maybe' })), 'Syntax errors in policy.');
  assert.equal(firstMessage(stmt({ Effect: true })), 'Syntax errors in policy.');
  const { Effect: _e, ...noEffect } = stmt({}).Statement[0]!;
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [noEffect] }), 'Syntax errors in policy.');
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [{ ...noEffect, Principal: '*' }] }, 'resource'), 'Missing required field Effect');
});

test('exactly one of Action / NotAction, each with a vendor prefix', () => {
  const { Action: _a, ...noAction } = stmt({}).Statement[0]!;
  assert.equal(firstMessage({ Version: '2012-10-17', Statement: [noAction] }), 'Policy statement must contain actions.');
  assert.equal(errorsOf(stmt({ NotAction: 'iam:*' }))[0]?.code, 'ActionAndNotAction');
  assert.equal(firstMessage(stmt({ Action: 'GetObject' })), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  assert.equal(firstMessage(stmt({ Action: [] })), 'Policy statement must contain actions.');
  assert.deepEqual(errorsOf(stmt({ Action: ['*', 's3:*', 'ec2:Describe?nstances', 'execute-api:Invoke'] })), []);
  // Only the vendor is constrained: one colon, letters, digits, `-` and `.`.
  assert.deepEqual(errorsOf(stmt({ Action: ['s3.s:ListBucket', 's3-s:ListBucket', 'iam: asdf safdsf af ', '*:Get*'] })), []);
  assert.equal(firstMessage(stmt({ Action: 's3:List:Bucket' })), 'Actions/Condition can contain only one colon.');
  assert.equal(firstMessage(stmt({ Action: 'a a:ListBucket' })), 'Vendor a a is not valid');
  assert.equal(firstMessage(stmt({ Action: 's3*:Get' })), 'Vendor s3* is not valid');
  assert.equal(firstMessage(stmt({ Action: '' })), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
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
  assert.deepEqual(errorsOf(stmt({ Resource: 'arn:aws:iam::${aws:PrincipalAccount}:role/x' })), []);
  // Short ARNs pass; empty fields before the sixth, or no service, fail legacy parsing.
  assert.deepEqual(errorsOf(stmt({ Resource: 'arn:aws:fdsasf' })), []);
  for (const r of ['arn:aws:s3::bucket', 'arn:aws::::bucket', 'arn:aws::x'])
    assert.equal(firstMessage(stmt({ Resource: r })), 'The policy failed legacy parsing', r);
  assert.equal(firstMessage(stmt({ Resource: 'arn:aws' })), 'Resource vendor must be fully qualified and cannot contain regexes.');
  assert.equal(firstMessage(stmt({ Resource: 'a:b:c' })), 'Partition "b" is not valid for resource "arn:b:c:*:*:*".');
  // IAM and S3 resources are global; IAM paths name a resource type.
  assert.equal(
    firstMessage(stmt({ Resource: 'arn:aws:iam:us-east-1::user/x' })),
    'IAM resource arn:aws:iam:us-east-1::user/x cannot contain region information.',
  );
  assert.equal(firstMessage(stmt({ Resource: 'arn:aws:s3:eu-west-1::b' })), 'Resource arn:aws:s3:eu-west-1::b can not contain region information.');
  assert.deepEqual(errorsOf(stmt({ Resource: ['arn:aws:s3:us-west-2:123456789012:accesspoint/ap', 'arn:aws:s3:us-west-2:123456789012:job/*'] })), []);
  assert.match(firstMessage(stmt({ Resource: 'arn:aws:iam::123456789012:bucket' }))!, /^IAM resource path must either be "\*", root, or start with user\//);
  assert.deepEqual(errorsOf(stmt({ Resource: ['arn:aws:iam::123456789012:root', 'arn:aws:iam::*:*', 'arn:aws:iam::aws:policy/x'] })), []);
  // The partition: the served one when given, any known one otherwise.
  assert.deepEqual(errorsOf(stmt({ Resource: 'arn:aws-cn:s3:::b' })), []);
  const served = parsePolicy(JSON.stringify(stmt({ Resource: 'arn:aws-cn:s3:::b' })), 'identity', { partition: 'aws' });
  assert.equal(firstErrorMessage(served.findings), 'Partition "aws-cn" is not valid for resource "arn:aws-cn:s3:::b".');
  assert.deepEqual(errorsOf(stmt({ Resource: 'arn:*:s3:::b' })), []);
});

test('problems are reported in the order AWS reports them', () => {
  const doc = (...statements: object[]) => ({ Version: '2012-10-17', Statement: statements });
  const ok = { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' };
  // Legacy parsing before duplicate Sids, duplicate Sids before a missing action.
  assert.equal(firstMessage(doc({ ...ok, Sid: 'a', Effect: 'aLLow' }, { Sid: 'a', Effect: 'Allow' })), 'The policy failed legacy parsing');
  assert.equal(firstMessage(doc({ ...ok, Sid: 'a' }, { Sid: 'a', Effect: 'Allow' })), 'Statement IDs (SID) in a single policy must be unique.');
  // The Sid's characters before its uniqueness (AWS answered a document with two "autogenerated-id" so).
  assert.match(firstMessage(doc({ ...ok, Sid: 'x-y' }, { ...ok, Sid: 'x-y' }))!, /must be alpha-numeric/);
  // A missing action before a missing resource, a missing resource before a badly prefixed action.
  assert.equal(firstMessage(doc({ Effect: 'Allow', Resource: 'x' }, { Effect: 'Allow', Action: 's3:x' })), 'Policy statement must contain actions.');
  assert.equal(firstMessage(doc({ Effect: 'Allow', Action: 'invalid' })), 'Policy statement must contain resources.');
  // A bad resource before a badly prefixed action; a resource error stops the legacy check of short ARNs.
  assert.equal(firstMessage(doc({ Effect: 'Allow', Action: 's:3:ListBucket', Resource: 'sdfsadf' })), 'Resource sdfsadf must be in ARN format or "*".');
  assert.equal(
    firstMessage(doc({ ...ok, Resource: ['arn:error:s3:::example_bucket', 'arn:error:s3::example_bucket'] })),
    'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
  );
  // An unreadable date fails legacy parsing even before a missing action or a bad partition.
  const badDate = { DateGreaterThan: { a: 'sdfdsf' } };
  assert.equal(firstMessage(doc({ Effect: 'Allow', Condition: badDate })), 'The policy failed legacy parsing');
  assert.equal(firstMessage(doc({ ...ok, Resource: 'arn:error:s3:::b', Condition: badDate })), 'The policy failed legacy parsing');
  // A principal in an identity policy: after the structure, before legacy parsing (iamd's choice: no recorded answer says where).
  assert.equal(firstMessage(doc({ ...ok, Effect: 'allow', Principal: '*' })), 'Policy document should not specify a principal.');
});

test('trust policies: JSON, the AssumeRole actions, no Resource', () => {
  const trust = (extra: object) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', ...extra }],
  });
  assert.equal(firstMessage('{"Statement":', 'trust'), 'This policy contains invalid Json');
  assert.equal(firstMessage('[]', 'trust'), 'This policy contains invalid Json');
  assert.equal(firstMessage(trust({ Action: 'sts:InvalidAction' }), 'trust'), 'AssumeRole policy may only specify STS AssumeRole actions.');
  assert.equal(firstMessage(trust({ Action: ['sts:AssumeRole', 's3:GetObject'] }), 'trust'), 'AssumeRole policy may only specify STS AssumeRole actions.');
  for (const action of [
    ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity'],
    'sts:AssumeRoleWithSAML',
    'sts:assumerole',
    'sts:AssumeRole*',
    'sts:*',
    '*',
  ])
    assert.deepEqual(errorsOf(trust({ Action: action }), 'trust'), [], JSON.stringify(action));
  // Web identity providers' keys are written with the provider's name.
  const github = trust({
    Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:org/*' },
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
    },
  });
  assert.deepEqual(errorsOf(github, 'trust'), []);
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
  // Empty Sids are not compared.
  assert.deepEqual(errorsOf({ Version: '2012-10-17', Statement: [stmt({ Sid: '' }).Statement[0], stmt({ Sid: '' }).Statement[0]] }), []);
  assert.equal(firstMessage(stmt({ Sid: 7 })), 'Syntax errors in policy.');
});

test('Condition: unknown operators with keys and malformed blocks are errors; uninterpretable values are warnings', () => {
  assert.equal(errorsOf(stmt({ Condition: { StringEqualz: { 'aws:username': 'a' } } }))[0]?.code, 'UnknownConditionOperator');
  assert.equal(errorsOf(stmt({ Condition: { 'ForAnyValue::StringEqualsIfExists': { a: 'x' } } }))[0]?.code, 'UnknownConditionOperator');
  // An unknown operator with an empty block is accepted and left out; so are keys without a vendor and empty value lists.
  const loose = parsePolicy(JSON.stringify(stmt({ Condition: { x: {}, StringEquals: { a: 'b' }, DateGreaterThan: { c: [] } } })), 'identity');
  assert.deepEqual(
    loose.findings.filter((f) => f.severity === 'error'),
    [],
  );
  assert.deepEqual(loose.document?.Statement[0]?.Condition, { StringEquals: { a: ['b'] }, DateGreaterThan: { c: [] } });
  assert.equal(errorsOf(stmt({ Condition: { 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } } }))[0]?.code, 'UnknownConditionOperator');
  assert.equal(errorsOf(stmt({ Condition: { StringEquals: 'x' } }))[0]?.code, 'InvalidCondition');
  assert.equal(errorsOf(stmt({ Condition: { StringEquals: { 'aws:username': { a: 1 } } } }))[0]?.code, 'InvalidConditionValue');
  assert.equal(errorsOf(stmt({ Condition: { StringEquals: { 'aws:username': null } } }))[0]?.code, 'InvalidConditionValue');
  assert.equal(errorsOf(stmt({ Condition: [] }))[0]?.code, 'InvalidCondition');
  // Date values must be readable by AWS's legacy parser.
  assert.equal(firstMessage(stmt({ Condition: { DateLessThan: { 'aws:CurrentTime': '2016-13-01' } } })), 'The policy failed legacy parsing');
  assert.equal(
    firstMessage(stmt({ Condition: { 'ForAnyValue:DateEqualsIfExists': { 'aws:x': ['2020-01-01', 'soon'] } } })),
    'The policy failed legacy parsing',
  );
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

test('stored documents: rules added since they were accepted report findings but never drop the document (or its Deny)', () => {
  const doc = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      // Refused today (an IAM ARN with a region), possibly accepted when it was stored.
      { Effect: 'Deny', Action: 'iam:DeleteUser', Resource: 'arn:aws:iam:us-east-1:111122223333:user/alice' },
    ],
  });
  assert.equal(parsePolicy(doc, 'identity').document, undefined);
  const stored = parsePolicy(doc, 'identity', { stored: true });
  assert.deepEqual(
    stored.document?.Statement.map((s) => s.Effect),
    ['Allow', 'Deny'],
  );
  assert.ok(
    stored.findings.some((f) => f.severity === 'error'),
    'the finding is still reported',
  );
  // What makes a document unreadable still fails, stored or not.
  assert.equal(parsePolicy('{"Statement": ', 'identity', { stored: true }).document, undefined);
  assert.equal(parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny' }, 42] }), 'identity', { stored: true }).document, undefined);
});
