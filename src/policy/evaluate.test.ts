import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accessDeniedMessage,
  accessDeniedReason,
  allowingStatements,
  compilePolicy,
  contextKeysOf,
  evaluate,
  parsePolicy,
  policySizeWithoutWhitespace,
} from './index.ts';
import type { CompiledPolicy, EvaluationInput, PolicyKind, PolicySource } from './types.ts';

const ACCT = '111122223333';
const ALICE = { arn: `arn:aws:iam::${ACCT}:user/alice`, account: ACCT };
const SESSION = { arn: `arn:aws:sts::${ACCT}:assumed-role/AppRole/s1`, account: ACCT };
const GET = { action: 's3:GetObject', resource: 'arn:aws:s3:::bkt/key', resourceAccount: ACCT, context: {} };

function policy(statements: object[], type: PolicySource['type'] = 'identity', name: string = type): CompiledPolicy {
  const kind: PolicyKind = type === 'resource' ? 'resource' : type === 'trust' ? 'trust' : 'identity';
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), kind);
  assert.deepEqual(
    parsed.findings.filter((f) => f.severity === 'error'),
    [],
  );
  return compilePolicy(parsed.document!, { type, name });
}
const allow = (extra: object = {}) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...extra });
const deny = (extra: object = {}) => ({ Effect: 'Deny', Action: 's3:GetObject', Resource: '*', ...extra });
const grant = (principal: unknown, effect = 'Allow') =>
  policy([{ Effect: effect, Principal: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt/*' }], 'resource');

function decide(input: Partial<EvaluationInput>): { decision: string; deniedBy?: string } {
  const full: EvaluationInput = { principal: ALICE, identityPolicies: [], request: GET, ...input };
  const d = evaluate(full);
  const fast = evaluate({ ...full, explain: false });
  assert.equal(fast.decision, d.decision, 'fast path agrees');
  assert.equal(fast.deniedBy, d.deniedBy, 'fast path agrees on deniedBy');
  if (fast.decision === 'Allowed') {
    // What the fast path says allowed it is among the explained decision's allowing statements.
    const key = (m: { source: PolicySource; index: number }) => `${m.source.type} ${m.source.name} #${m.index}`;
    const explained = new Set(d.matchedStatements.filter((m) => m.effect === 'Allow').map(key));
    const by = allowingStatements();
    for (const m of by) assert.ok(explained.has(key(m)), `${key(m)} allowed it`);
    assert.ok(by.length > 0 || explained.size === 0, 'an allow through policies names one');
  }
  return { decision: d.decision, deniedBy: d.deniedBy };
}

test('the fast path names the first allowing statement of each policy that had to allow', () => {
  const input: EvaluationInput = {
    principal: SESSION,
    identityPolicies: [
      policy([{ ...allow(), Sid: 'Other', Action: 's3:PutObject' }], 'identity', 'unrelated'),
      policy([allow({ Sid: 'Read' }), allow({ Sid: 'ReadToo' })], 'identity', 'reader'),
    ],
    permissionsBoundary: policy([allow({ Sid: 'Fence' })], 'boundary', 'fence'),
    sessionPolicies: [policy([allow({ Sid: 'Narrow' })], 'session', 'narrow')],
    request: GET,
    explain: false,
  };
  assert.equal(evaluate(input).decision, 'Allowed');
  assert.deepEqual(
    allowingStatements().map((m) => [m.source.name, m.sid, m.effect]),
    [
      ['reader', 'Read', 'Allow'],
      ['fence', 'Fence', 'Allow'],
      ['narrow', 'Narrow', 'Allow'],
    ],
  );
  // The next decision starts afresh: a denial names nothing.
  assert.equal(evaluate({ ...input, sessionPolicies: [policy([deny()], 'session')] }).decision, 'ExplicitlyDenied');
  assert.deepEqual(allowingStatements(), []);
});

test('default deny, allow, explicit deny wins wherever it is', () => {
  assert.deepEqual(decide({}), { decision: 'ImplicitlyDenied', deniedBy: 'identity' });
  assert.deepEqual(decide({ identityPolicies: [policy([allow()])] }), { decision: 'Allowed', deniedBy: undefined });
  assert.deepEqual(decide({ identityPolicies: [policy([allow()]), policy([deny()])] }), { decision: 'ExplicitlyDenied', deniedBy: 'identity' });
  assert.deepEqual(decide({ identityPolicies: [policy([allow()])], permissionsBoundary: policy([allow(), deny()], 'boundary') }), {
    decision: 'ExplicitlyDenied',
    deniedBy: 'boundary',
  });
  assert.deepEqual(decide({ principal: SESSION, identityPolicies: [policy([allow()])], sessionPolicies: [policy([deny()], 'session')] }), {
    decision: 'ExplicitlyDenied',
    deniedBy: 'session',
  });
  assert.deepEqual(decide({ identityPolicies: [policy([allow()])], resourcePolicy: grant({ AWS: ALICE.arn }, 'Deny') }), {
    decision: 'ExplicitlyDenied',
    deniedBy: 'resource',
  });
});

test('boundary and session policies limit, never grant', () => {
  assert.deepEqual(decide({ permissionsBoundary: policy([allow()], 'boundary') }), { decision: 'ImplicitlyDenied', deniedBy: 'identity' });
  assert.deepEqual(decide({ identityPolicies: [policy([allow()])], permissionsBoundary: policy([{ ...allow(), Action: 'sqs:*' }], 'boundary') }), {
    decision: 'ImplicitlyDenied',
    deniedBy: 'boundary',
  });
  assert.deepEqual(
    decide({ principal: SESSION, identityPolicies: [policy([allow()])], sessionPolicies: [policy([{ ...allow(), Action: 'sqs:*' }], 'session')] }),
    { decision: 'ImplicitlyDenied', deniedBy: 'session' },
  );
  assert.deepEqual(
    decide({
      principal: SESSION,
      identityPolicies: [policy([allow()])],
      sessionPolicies: [policy([{ ...allow(), Action: 'sqs:*' }], 'session'), policy([allow()], 'session')],
    }).decision,
    'Allowed',
  );
});

test('same-account resource policies, by how they name the caller', () => {
  const sqsBoundary = policy([{ ...allow(), Action: 'sqs:*' }], 'boundary');
  // The user's own ARN: allowed without identity policy and despite the boundary.
  assert.equal(decide({ resourcePolicy: grant({ AWS: ALICE.arn }), permissionsBoundary: sqsBoundary }).decision, 'Allowed');
  // The account: delegates to IAM.
  assert.deepEqual(decide({ resourcePolicy: grant({ AWS: ACCT }) }), { decision: 'ImplicitlyDenied', deniedBy: 'identity' });
  assert.equal(decide({ resourcePolicy: grant({ AWS: ACCT }), identityPolicies: [policy([allow()])] }).decision, 'Allowed');
  // The role ARN, for a session: stands in for identity policies; boundary and session policies still apply.
  const roleGrant = grant({ AWS: `arn:aws:iam::${ACCT}:role/AppRole` });
  assert.equal(decide({ principal: SESSION, resourcePolicy: roleGrant }).decision, 'Allowed');
  assert.deepEqual(decide({ principal: SESSION, resourcePolicy: roleGrant, permissionsBoundary: sqsBoundary }), {
    decision: 'ImplicitlyDenied',
    deniedBy: 'boundary',
  });
  // The session ARN: not limited by boundary or session policy.
  assert.equal(
    decide({
      principal: SESSION,
      resourcePolicy: grant({ AWS: SESSION.arn }),
      permissionsBoundary: sqsBoundary,
      sessionPolicies: [policy([{ ...allow(), Action: 'sqs:*' }], 'session')],
    }).decision,
    'Allowed',
  );
});

test('cross-account: both sides must allow', () => {
  const carol = { arn: 'arn:aws:iam::444455556666:user/carol', account: '444455556666' };
  assert.deepEqual(decide({ principal: carol, identityPolicies: [policy([allow()])] }), { decision: 'ImplicitlyDenied', deniedBy: 'resource' });
  assert.deepEqual(decide({ principal: carol, resourcePolicy: grant({ AWS: carol.arn }) }), { decision: 'ImplicitlyDenied', deniedBy: 'identity' });
  assert.equal(decide({ principal: carol, identityPolicies: [policy([allow()])], resourcePolicy: grant({ AWS: '444455556666' }) }).decision, 'Allowed');
});

test('KMS key policies and trust policies must allow even within the account', () => {
  const kms = { action: 'kms:Decrypt', resource: `arn:aws:kms:us-east-1:${ACCT}:key/k`, resourceAccount: ACCT, context: {} };
  const keyPolicy = (principal: unknown) => policy([{ Effect: 'Allow', Principal: principal, Action: 'kms:*', Resource: '*' }], 'resource');
  const idAllow = policy([{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }]);
  assert.deepEqual(decide({ request: kms, identityPolicies: [idAllow], resourcePolicy: keyPolicy({ AWS: `arn:aws:iam::${ACCT}:user/admin` }) }), {
    decision: 'ImplicitlyDenied',
    deniedBy: 'resource',
  });
  assert.equal(decide({ request: kms, identityPolicies: [idAllow], resourcePolicy: keyPolicy({ AWS: `arn:aws:iam::${ACCT}:root` }) }).decision, 'Allowed');
  const assume = { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCT}:role/Target`, resourceAccount: ACCT, context: {} };
  const trust = policy([{ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }], 'trust');
  const idAssume = policy([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]);
  assert.deepEqual(decide({ request: assume, resourcePolicy: trust }), { decision: 'ImplicitlyDenied', deniedBy: 'identity' });
  assert.equal(decide({ request: assume, resourcePolicy: trust, identityPolicies: [idAssume] }).decision, 'Allowed');
  const ec2 = { arn: 'ec2.amazonaws.com', account: ACCT, type: 'Service' as const };
  const serviceTrust = policy([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }], 'trust');
  assert.equal(decide({ principal: ec2, request: assume, resourcePolicy: serviceTrust }).decision, 'Allowed');
  assert.deepEqual(decide({ principal: { ...ec2, arn: 'lambda.amazonaws.com' }, request: assume, resourcePolicy: serviceTrust }), {
    decision: 'ImplicitlyDenied',
    deniedBy: 'resource',
  });
});

test('NotPrincipal Deny always denies principals with a permissions boundary', () => {
  const np = policy(
    [{ Effect: 'Deny', NotPrincipal: { AWS: [ALICE.arn, `arn:aws:iam::${ACCT}:root`] }, Action: 's3:*', Resource: 'arn:aws:s3:::bkt/*' }],
    'resource',
  );
  const id = [policy([allow()])];
  assert.equal(decide({ identityPolicies: id, resourcePolicy: np }).decision, 'Allowed');
  assert.equal(
    decide({ identityPolicies: id, resourcePolicy: np, permissionsBoundary: policy([{ ...allow(), Action: 's3:*' }], 'boundary') }).decision,
    'ExplicitlyDenied',
  );
});

test('explanation: matched statements, missing context keys, and no explanation on the fast path', () => {
  const p = policy([
    { Sid: 'Read', ...allow({ Condition: { StringEquals: { 'aws:PrincipalTag/team': 'eng' } } }) },
    { Sid: 'Other', ...allow({ Action: 'sqs:*' }) },
    { Sid: 'Mfa', ...deny({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }) },
  ]);
  const input: EvaluationInput = { principal: ALICE, identityPolicies: [p], request: { ...GET, context: { 'aws:PrincipalTag/team': 'eng' } } };
  const d = evaluate(input);
  assert.equal(d.decision, 'Allowed');
  assert.deepEqual(d.matchedStatements, [{ source: { type: 'identity', name: 'identity' }, sid: 'Read', index: 0, effect: 'Allow' }]);
  assert.deepEqual(d.missingContextKeys, ['aws:multifactorauthpresent']);
  const fast = evaluate({ ...input, explain: false });
  assert.deepEqual(fast.matchedStatements, []);
  assert.ok(Object.isFrozen(fast));
  const denied = evaluate({ ...input, request: { ...input.request, context: { 'aws:PrincipalTag/team': 'eng', 'aws:MultiFactorAuthPresent': 'false' } } });
  assert.equal(denied.decision, 'ExplicitlyDenied');
  // An explicit deny is explained by the deny statements alone.
  assert.deepEqual(
    denied.matchedStatements.map((m) => [m.sid, m.effect]),
    [['Mfa', 'Deny']],
  );
});

test('the request context is never mutated and may be reused', () => {
  const context = Object.freeze({ 'AWS:PrincipalTag/Team': 'eng' });
  const p = policy([allow({ Condition: { StringEquals: { 'aws:principaltag/team': 'eng' } } })]);
  for (let i = 0; i < 3; i++) assert.equal(evaluate({ principal: ALICE, identityPolicies: [p], request: { ...GET, context } }).decision, 'Allowed');
  assert.deepEqual(Object.keys(context), ['AWS:PrincipalTag/Team']);
});

test('a statement that fails during evaluation never grants; a failing Deny denies', () => {
  const bad = { ...GET, context: { 'aws:PrincipalTag/team': [42] as unknown as string } };
  const cond = { Condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'eng' } } };
  const allowed = evaluate({ principal: ALICE, identityPolicies: [policy([allow(cond)])], request: bad });
  assert.equal(allowed.decision, 'ImplicitlyDenied');
  assert.equal(allowed.errors?.length, 1);
  assert.equal(evaluate({ principal: ALICE, identityPolicies: [policy([allow(), deny(cond)])], request: bad, explain: false }).decision, 'ExplicitlyDenied');
});

test('AccessDenied wording', () => {
  const action = 'iam:CreateUser';
  const msg = (decision: 'ExplicitlyDenied' | 'ImplicitlyDenied', deniedBy: 'identity' | 'boundary' | 'session' | 'resource') =>
    accessDeniedReason({ decision, deniedBy, matchedStatements: [], missingContextKeys: [] }, action);
  assert.equal(msg('ImplicitlyDenied', 'identity'), 'because no identity-based policy allows the iam:CreateUser action');
  assert.equal(msg('ImplicitlyDenied', 'boundary'), 'because no permissions boundary allows the iam:CreateUser action');
  assert.equal(msg('ImplicitlyDenied', 'session'), 'because no session policy allows the iam:CreateUser action');
  assert.equal(msg('ImplicitlyDenied', 'resource'), 'because no resource-based policy allows the iam:CreateUser action');
  assert.equal(msg('ExplicitlyDenied', 'identity'), 'with an explicit deny in an identity-based policy');
  assert.equal(msg('ExplicitlyDenied', 'boundary'), 'with an explicit deny in a permissions boundary');
  assert.equal(msg('ExplicitlyDenied', 'session'), 'with an explicit deny in a session policy');
  assert.equal(msg('ExplicitlyDenied', 'resource'), 'with an explicit deny in a resource-based policy');
  const d = evaluate({ principal: ALICE, identityPolicies: [], request: { action, resource: `arn:aws:iam::${ACCT}:user/bob`, context: {} } });
  assert.equal(
    accessDeniedMessage(d, ALICE.arn, action, `arn:aws:iam::${ACCT}:user/bob`),
    `User: ${ALICE.arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${ACCT}:user/bob because no identity-based policy allows the iam:CreateUser action`,
  );
  assert.equal(accessDeniedReason(evaluate({ principal: ALICE, identityPolicies: [policy([allow()])], request: GET }), 's3:GetObject'), undefined);
});

test('contextKeysOf lists condition keys and variables once, in order', () => {
  const doc = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:*',
          Resource: 'arn:aws:s3:::b/${aws:username}/*',
          Condition: { StringEquals: { 'aws:PrincipalTag/team': '${aws:PrincipalTag/team}', 's3:prefix': 'x' } },
        },
        { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { Bool: { 'AWS:USERNAME': 'true' } } },
      ],
    }),
    'identity',
  ).document!;
  assert.deepEqual(contextKeysOf(doc), ['aws:username', 'aws:PrincipalTag/team', 's3:prefix']);
});

test('policy size excludes whitespace', () => {
  assert.equal(policySizeWithoutWhitespace('{ "a" :\n\t"b c" }\r\n'), 10);
});

test('sts:GetCallerIdentity needs no permission, even against an explicit deny', () => {
  const request = { action: 'sts:GetCallerIdentity', resource: '*', context: {} };
  assert.equal(decide({ request }).decision, 'Allowed');
  assert.equal(decide({ request, identityPolicies: [policy([{ Effect: 'Deny', Action: '*', Resource: '*' }])] }).decision, 'Allowed');
});
