import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BY_ACCOUNT, BY_ROLE, callerOf, compilePrincipal, DIRECTLY, listedIn, NOT_NAMED, principalMatch, principalTypeOf } from './principal.ts';

const alice = callerOf({ arn: 'arn:aws:iam::111122223333:user/alice', account: '111122223333' });
const session = callerOf({ arn: 'arn:aws:sts::111122223333:assumed-role/AppRole/sess-1', account: '111122223333' });
const root = callerOf({ arn: 'arn:aws:iam::111122223333:root', account: '111122223333' });
const ec2 = callerOf({ arn: 'ec2.amazonaws.com', account: '111122223333', type: 'Service' });
const google = callerOf({ arn: 'accounts.google.com', account: '111122223333', type: 'WebIdentity' });

test('principal types are inferred from ARNs', () => {
  assert.equal(principalTypeOf('arn:aws:iam::111122223333:user/alice'), 'User');
  assert.equal(principalTypeOf('arn:aws:sts::111122223333:assumed-role/R/s'), 'AssumedRole');
  assert.equal(principalTypeOf('arn:aws:sts::111122223333:federated-user/bob'), 'FederatedUser');
  assert.equal(principalTypeOf('arn:aws:iam::111122223333:root'), 'Root');
  assert.equal(principalTypeOf('arn:aws:iam::111122223333:role/path/R'), 'Role');
});

test('Principal: how strongly each form names the caller', () => {
  const m = (block: Parameters<typeof compilePrincipal>[0], c = alice) => principalMatch(compilePrincipal(block), c);
  assert.equal(m('*'), DIRECTLY);
  assert.equal(m({ AWS: '*' }), DIRECTLY);
  assert.equal(m({ AWS: ['arn:aws:iam::111122223333:user/bob', 'arn:aws:iam::111122223333:user/alice'] }), DIRECTLY);
  assert.equal(m({ AWS: 'arn:aws:iam::111122223333:user/bob' }), NOT_NAMED);
  assert.equal(m({ AWS: 'arn:aws:iam::111122223333:user/*' }), NOT_NAMED);
  assert.equal(m({ AWS: '111122223333' }), BY_ACCOUNT);
  assert.equal(m({ AWS: 'arn:aws:iam::111122223333:root' }), BY_ACCOUNT);
  assert.equal(m({ AWS: 'arn:aws:iam::444455556666:root' }), NOT_NAMED);
  assert.equal(m({ AWS: 'arn:aws:iam::111122223333:root' }, root), DIRECTLY);
  assert.equal(m({ AWS: 'arn:aws:iam::111122223333:role/AppRole' }, session), BY_ROLE);
  assert.equal(m({ AWS: 'arn:aws:iam::111122223333:role/team/AppRole' }, session), BY_ROLE);
  assert.equal(m({ AWS: 'arn:aws:sts::111122223333:assumed-role/AppRole/sess-1' }, session), DIRECTLY);
  assert.equal(m({ AWS: 'arn:aws:sts::111122223333:assumed-role/AppRole/other' }, session), NOT_NAMED);
  assert.equal(m({ Service: 'EC2.amazonaws.com' }, ec2), DIRECTLY);
  assert.equal(m({ Service: 'lambda.amazonaws.com' }, ec2), NOT_NAMED);
  assert.equal(m({ AWS: '111122223333' }, ec2), NOT_NAMED);
  assert.equal(m({ Federated: 'accounts.google.com' }, google), DIRECTLY);
});

test('NotPrincipal listing is exact: an account entry exempts only its root user', () => {
  const np = compilePrincipal({ AWS: ['arn:aws:iam::111122223333:user/bob', 'arn:aws:iam::111122223333:root'] });
  assert.equal(listedIn(np, alice), false);
  assert.equal(listedIn(np, root), true);
  assert.equal(listedIn(compilePrincipal({ AWS: 'arn:aws:iam::111122223333:user/alice' }), alice), true);
  assert.equal(listedIn(compilePrincipal({ AWS: 'arn:aws:iam::111122223333:role/AppRole' }), session), false);
  assert.equal(listedIn(compilePrincipal({ AWS: 'arn:aws:sts::111122223333:assumed-role/AppRole/sess-1' }), session), true);
});
