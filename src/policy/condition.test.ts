import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, conditionHolds } from './condition.ts';
import { contextView, recordMissingKeys } from './context.ts';
import type { RequestContext } from './types.ts';

/** Evaluates `{ [op]: { [key]: values } }` against `ctx`. */
function holds(op: string, values: string | string[], ctx: RequestContext, key = 'k:key', variables = true): boolean {
  const c = compileCondition({ [op]: { [key]: Array.isArray(values) ? values : [values] } }, variables);
  return conditionHolds(c, contextView(ctx));
}
const K = (v: string | string[]): RequestContext => ({ 'k:key': v });

test('String operators: exact, case-insensitive, wildcards only for Like, negations', () => {
  assert.equal(holds('StringEquals', 'eng', K('eng')), true);
  assert.equal(holds('StringEquals', 'eng', K('ENG')), false);
  assert.equal(holds('StringEquals', 'e*', K('eng')), false);
  assert.equal(holds('StringEquals', 'e*', K('e*')), true);
  assert.equal(holds('StringNotEquals', 'eng', K('ops')), true);
  assert.equal(holds('StringNotEquals', 'eng', K('eng')), false);
  assert.equal(holds('StringEqualsIgnoreCase', 'eng', K('EnG')), true);
  assert.equal(holds('StringEqualsIgnoreCase', 'E*', K('eng')), false);
  assert.equal(holds('StringNotEqualsIgnoreCase', 'eng', K('ENG')), false);
  assert.equal(holds('StringLike', 'en*', K('eng')), true);
  assert.equal(holds('StringLike', 'e?g', K('eng')), true);
  assert.equal(holds('StringLike', 'eng?', K('eng')), false);
  assert.equal(holds('StringLike', 'a.c', K('abc')), false);
  assert.equal(holds('StringLike', '*a*b*', K('xxaxxbxx')), true);
  assert.equal(holds('StringLike', '*a*b', K('xxaxxbxx')), false);
  assert.equal(holds('StringNotLike', 'en*', K('eng')), false);
  assert.equal(holds('StringLike', 'arn:aws:sqs:*', K('arn:aws:sqs:us-east-1:1:q')), true);
});

test('Numeric operators compare numbers, not strings', () => {
  assert.equal(holds('NumericEquals', '0100', K('100')), true);
  assert.equal(holds('NumericEquals', '1.5', K('1.50')), true);
  assert.equal(holds('NumericNotEquals', '10', K('10')), false);
  assert.equal(holds('NumericLessThan', '-1', K('-5')), true);
  assert.equal(holds('NumericLessThanEquals', '3600', K('3600')), true);
  assert.equal(holds('NumericGreaterThan', '10', K('10')), false);
  assert.equal(holds('NumericGreaterThanEquals', '10', K('10')), true);
  assert.equal(holds('NumericEquals', '10', K('ten')), false);
  assert.equal(holds('NumericEquals', '10', K('')), false);
});

test('Date operators: ISO 8601 (with offsets, date only) and epoch seconds', () => {
  assert.equal(holds('DateEquals', '2024-03-01T12:00:00+02:00', K('2024-03-01T10:00:00Z')), true);
  assert.equal(holds('DateEquals', '1700000000', K('2023-11-14T22:13:20Z')), true);
  assert.equal(holds('DateGreaterThanEquals', '2024-01-01', K('2024-01-01T00:00:00Z')), true);
  assert.equal(holds('DateLessThan', '2024-01-01T00:00:00Z', K('1800000000')), false);
  assert.equal(holds('DateGreaterThan', '2020-04-01T00:00:00Z', K('2020-04-01T00:00:00Z')), false);
  assert.equal(holds('DateLessThanEquals', '2020-04-01T00:00:00.500Z', K('2020-04-01T00:00:00.5Z')), true);
  assert.equal(holds('DateNotEquals', '2024-03-01T10:00:00Z', K('2024-03-01T10:00:01Z')), true);
  assert.equal(holds('DateEquals', '2024-03-01', K('not a date')), false);
});

test('Bool and BinaryEquals', () => {
  assert.equal(holds('Bool', 'true', K('true')), true);
  assert.equal(holds('Bool', 'true', K('TRUE')), true);
  assert.equal(holds('Bool', 'true', K('yes')), false);
  assert.equal(holds('Bool', 'false', {}), false);
  assert.equal(holds('BinaryEquals', 'QmluYXJ5VmFsdWU=', K('QmluYXJ5VmFsdWU=')), true);
  assert.equal(holds('BinaryEquals', 'QmluYXJ5VmFsdWU=', K('T3RoZXI=')), false);
  assert.equal(holds('BinaryEquals', 'QmluYXJ5VmFsdWU=', K('%%%')), false);
});

test('IpAddress / NotIpAddress: IPv4 and IPv6 CIDR, single addresses, no cross-family match', () => {
  assert.equal(holds('IpAddress', '203.0.113.0/24', K('203.0.113.77')), true);
  assert.equal(holds('IpAddress', '203.0.113.0/24', K('203.0.114.1')), false);
  assert.equal(holds('IpAddress', '203.0.113.5', K('203.0.113.5')), true);
  assert.equal(holds('IpAddress', '203.0.113.4/31', K('203.0.113.5')), true);
  assert.equal(holds('IpAddress', '0.0.0.0/0', K('198.51.100.9')), true);
  assert.equal(holds('IpAddress', '0.0.0.0/1', K('200.1.2.3')), false);
  assert.equal(holds('IpAddress', '::/0', K('2001:db8::9')), true);
  assert.equal(holds('IpAddress', '2001:db8::/32', K('2001:0DB8:0000:0000:0000:0000:0000:0001')), true);
  assert.equal(holds('IpAddress', '2001:db8::/32', K('2001:db9::1')), false);
  assert.equal(holds('IpAddress', '2001:db8:abcd:12::/64', K('2001:db8:abcd:12:ffff::1')), true);
  assert.equal(holds('IpAddress', '::ffff:0:0/96', K('::ffff:10.1.2.3')), true);
  assert.equal(holds('IpAddress', '2001:db8::/32', K('203.0.113.5')), false);
  assert.equal(holds('IpAddress', '203.0.113.0/24', K('2001:db8::1')), false);
  assert.equal(holds('IpAddress', '10.0.0.0/8', K('10.1.2')), false);
  assert.equal(holds('IpAddress', '10.0.0.0/8', K('10.1.2.300')), false);
  assert.equal(holds('NotIpAddress', ['192.0.2.0/24', '203.0.113.0/24'], K('203.0.113.9')), false);
  assert.equal(holds('NotIpAddress', '203.0.113.0/24', K('198.51.100.1')), true);
});

test('Arn operators match the six parts separately; ArnEquals allows wildcards like ArnLike', () => {
  const arn = K('arn:aws:sqs:us-east-1:111122223333:queue1');
  assert.equal(holds('ArnLike', 'arn:aws:sqs:*:*:queue1', arn), true);
  assert.equal(holds('ArnEquals', 'arn:aws:sqs:*:*:queue1', arn), true);
  assert.equal(holds('ArnLike', 'arn:aws:sqs:*:queue1', arn), false);
  assert.equal(holds('ArnLike', 'arn:aws:sqs:us-east-1:111122223333:QUEUE*', arn), false);
  assert.equal(holds('ArnLike', 'arn:aws:sqs:us-east-1:1111222233?3:queue1', arn), true);
  assert.equal(holds('ArnLike', 'arn:aws:*:*:*:*', K('not-an-arn')), false);
  assert.equal(holds('ArnNotLike', 'arn:aws:sqs:*:*:queue*', arn), false);
  assert.equal(holds('ArnNotEquals', 'arn:aws:sns:*:*:queue1', arn), true);
});

test('Null tests presence', () => {
  assert.equal(holds('Null', 'true', {}), true);
  assert.equal(holds('Null', 'true', K('x')), false);
  assert.equal(holds('Null', 'false', K('x')), true);
  assert.equal(holds('Null', 'false', K(['a', 'b'])), true);
  assert.equal(holds('Null', 'false', K([])), false);
});

test('missing keys: false, except IfExists, ForAllValues and negated single-valued operators', () => {
  assert.equal(holds('StringEquals', 'x', {}), false);
  assert.equal(holds('StringEqualsIfExists', 'x', {}), true);
  assert.equal(holds('StringNotEquals', 'x', {}), true);
  assert.equal(holds('NumericNotEquals', '1', {}), true);
  assert.equal(holds('NotIpAddress', '10.0.0.0/8', {}), true);
  assert.equal(holds('ArnNotLike', 'arn:*:*:*:*:*', {}), true);
  assert.equal(holds('ForAllValues:StringEquals', 'x', {}), true);
  assert.equal(holds('ForAllValues:StringNotEquals', 'x', {}), true);
  assert.equal(holds('ForAnyValue:StringEquals', 'x', {}), false);
  assert.equal(holds('ForAnyValue:StringNotEquals', 'x', {}), false);
  assert.equal(holds('ForAnyValue:StringEqualsIfExists', 'x', {}), true);
  assert.equal(holds('NumericLessThanIfExists', '3600', K('7200')), false);
});

test('ForAnyValue / ForAllValues over multi-valued keys, with negated operators per value', () => {
  assert.equal(holds('ForAnyValue:StringEquals', ['env', 'team'], K(['team', 'other'])), true);
  assert.equal(holds('ForAnyValue:StringEquals', ['env', 'team'], K(['x', 'y'])), false);
  assert.equal(holds('ForAnyValue:StringEquals', ['env'], K('env')), true);
  assert.equal(holds('ForAnyValue:StringNotEquals', ['env'], K(['env', 'team'])), true);
  assert.equal(holds('ForAnyValue:StringNotEquals', ['env', 'team'], K(['env', 'team'])), false);
  assert.equal(holds('ForAllValues:StringEquals', ['env', 'team'], K(['env', 'other'])), false);
  assert.equal(holds('ForAllValues:StringEquals', ['env', 'team'], K(['env'])), true);
  assert.equal(holds('ForAllValues:StringEquals', ['env'], K([])), true);
  assert.equal(holds('ForAllValues:StringNotEquals', ['secret', 'admin'], K(['env', 'admin'])), false);
  assert.equal(holds('ForAnyValue:StringLike', ['cost-*'], K(['name', 'cost-center'])), true);
  assert.equal(holds('ForAllValues:NumericLessThan', '10', K(['1', '2'])), true);
  assert.equal(holds('ForAnyValue:IpAddress', '10.0.0.0/8', K(['192.0.2.1', '10.9.9.9'])), true);
  // A single-valued operator on a multi-valued key: any value matching is enough; negated: none may match.
  assert.equal(holds('StringEquals', 'b', K(['a', 'b'])), true);
  assert.equal(holds('StringNotEquals', 'b', K(['a', 'b'])), false);
});

test('AND across operators and keys, OR across values; key names are case-insensitive', () => {
  const c = compileCondition(
    { StringEquals: { 'AWS:PRINCIPALTAG/team': ['ops', 'eng'], 'aws:PrincipalTag/env': ['prod'] }, Bool: { 'aws:SecureTransport': ['true'] } },
    true,
  );
  const ok = { 'aws:PrincipalTag/team': 'eng', 'aws:principaltag/ENV': 'prod', 'aws:SecureTransport': 'true' };
  assert.equal(conditionHolds(c, contextView(ok)), true);
  assert.equal(conditionHolds(c, contextView({ ...ok, 'aws:SecureTransport': 'false' })), false);
  assert.equal(conditionHolds(c, contextView({ ...ok, 'aws:principaltag/ENV': 'dev' })), false);
  assert.equal(conditionHolds(compileCondition({}, true), contextView({})), true);
});

test('variables in condition values; missing variables never match and are recorded', () => {
  const ctx = { 'k:key': 'alice', 'aws:username': 'alice', 'aws:PrincipalTag/dept': 'hr' };
  assert.equal(holds('StringEquals', '${aws:username}', ctx), true);
  assert.equal(holds('StringEquals', '${aws:username}', ctx, 'k:key', false), false);
  assert.equal(holds('StringEquals', "${aws:PrincipalTag/missing, 'alice'}", ctx), true);
  assert.equal(holds('StringEquals', "${aws:PrincipalTag/dept, 'alice'}", ctx), false);
  assert.equal(holds('StringLike', '${aws:username}*', { ...ctx, 'k:key': 'alice-x' }), true);
  assert.equal(holds('StringEqualsIgnoreCase', '${aws:username}', { ...ctx, 'k:key': 'ALICE' }), true);
  assert.equal(holds('StringEquals', 'a${*}b', { 'k:key': 'a*b' }), true);
  assert.equal(holds('StringLike', 'a${*}b', { 'k:key': 'axxb' }), false);
  assert.equal(holds('StringEquals', 'cost${$}', { 'k:key': 'cost$' }), true);
  assert.equal(holds('StringEquals', 'a$b', { 'k:key': 'a$b' }), true);
  assert.equal(holds('NumericLessThan', '${k:max}', { 'k:key': '5', 'k:max': '10' }), true);
  const missing = new Set<string>();
  recordMissingKeys(missing);
  try {
    assert.equal(holds('StringEquals', '${aws:PrincipalTag/missing}', ctx), false);
    assert.equal(holds('StringNotEquals', '${aws:PrincipalTag/missing}', ctx), true);
  } finally {
    recordMissingKeys(null);
  }
  assert.deepEqual([...missing], ['aws:principaltag/missing']);
});
