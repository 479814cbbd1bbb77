import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileArnPattern, cutArn, newCuts } from './arn.ts';
import { contextView } from './context.ts';
import { compileAction } from './action.ts';
import { tokenize, STAR, QMARK } from './template.ts';

function matches(pattern: string, arn: string, ctx: Record<string, string> = {}, variables = true): boolean {
  const cuts = newCuts();
  return compileArnPattern(pattern, variables)(arn, cutArn(arn, cuts) ? cuts : null, contextView(ctx));
}

test('resource ARNs: segment by segment, case-sensitive, `*` alone matches anything', () => {
  assert.equal(matches('*', 'arn:aws:s3:::bkt/key'), true);
  assert.equal(matches('*', 'not-an-arn'), true);
  assert.equal(matches('arn:aws:s3:::bkt/key', 'arn:aws:s3:::bkt/key'), true);
  assert.equal(matches('arn:aws:s3:::*', 'arn:aws:s3:::bkt/key'), true);
  assert.equal(matches('arn:aws:s3:::bkt/?', 'arn:aws:s3:::bkt/key'), false);
  assert.equal(matches('arn:aws:s3:::BKT/*', 'arn:aws:s3:::bkt/key'), false);
  assert.equal(matches('arn:aws:sqs:*:111122223333:queue1', 'arn:aws:sqs:us-east-1:111122223333:queue1'), true);
  assert.equal(matches('arn:aws:sqs::111122223333:queue1', 'arn:aws:sqs:us-east-1:111122223333:queue1'), false);
  assert.equal(matches('arn:aws:sqs:us-east-1:1111222233??:queue1', 'arn:aws:sqs:us-east-1:111122223333:queue1'), true);
  assert.equal(matches('arn:*:sqs:us-east-1:111122223333:queue1', 'arn:aws:sqs:us-east-1:111122223333:queue1'), true);
  assert.equal(matches('arn:aws:sqs:*:queue1', 'arn:aws:sqs:us-east-1:111122223333:queue1'), false);
  assert.equal(matches('arn:aws:s*:*:*:*', 'arn:aws:sqs:us-east-1:111122223333:queue1'), true);
  // `*` in the region part does not reach across a colon into the account part.
  assert.equal(matches('arn:aws:sqs:*:queue1:*', 'arn:aws:sqs:us-east-1:111122223333:queue1'), false);
  // The resource part may hold colons and slashes.
  assert.equal(matches('arn:aws:lambda:us-east-1:111122223333:function:fn*', 'arn:aws:lambda:us-east-1:111122223333:function:fn:prod'), true);
  assert.equal(matches('arn:aws:iam::111122223333:user/*/alice', 'arn:aws:iam::111122223333:user/division/alice'), true);
  assert.equal(matches('arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::111122223333:user/division/alice'), false);
  assert.equal(matches('arn:aws:s3:::bkt', '*'), false);
  assert.equal(matches('bucket', 'bucket'), false);
});

test('resource variables: substituted for 2012-10-17, literal otherwise; missing ones never match', () => {
  const ctx = { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'eng' };
  assert.equal(matches('arn:aws:s3:::bkt/${aws:username}/*', 'arn:aws:s3:::bkt/alice/x', ctx), true);
  assert.equal(matches('arn:aws:s3:::bkt/${AWS:UserName}/*', 'arn:aws:s3:::bkt/alice/x', ctx), true);
  assert.equal(matches('arn:aws:s3:::bkt/${aws:username}/*', 'arn:aws:s3:::bkt/Alice/x', ctx), false);
  assert.equal(matches('arn:aws:s3:::bkt/${aws:PrincipalTag/team}/${aws:username}/*', 'arn:aws:s3:::bkt/eng/alice/x', ctx), true);
  assert.equal(matches("arn:aws:s3:::bkt/${aws:PrincipalTag/x, 'shared'}/*", 'arn:aws:s3:::bkt/shared/f', ctx), true);
  assert.equal(matches('arn:aws:s3:::bkt/${aws:PrincipalTag/x}/*', 'arn:aws:s3:::bkt//f', ctx), false);
  assert.equal(matches('arn:aws:s3:::bkt/a${?}b', 'arn:aws:s3:::bkt/axb', ctx), false);
  assert.equal(matches('arn:aws:s3:::bkt/a${?}b', 'arn:aws:s3:::bkt/a?b', ctx), true);
  assert.equal(matches('arn:aws:s3:::bkt/${aws:username}/*', 'arn:aws:s3:::bkt/${aws:username}/x', ctx, false), true);
  assert.equal(matches('arn:aws:s3:::bkt/${aws:username}/*', 'arn:aws:s3:::bkt/alice/x', ctx, false), false);
  // Variables whose key holds a colon stay inside their ARN part.
  assert.equal(
    matches('arn:aws:dynamodb:*:${aws:PrincipalAccount}:table/t', 'arn:aws:dynamodb:us-east-1:111122223333:table/t', {
      'aws:PrincipalAccount': '111122223333',
    }),
    true,
  );
});

test('tokenize: wildcards, variables with defaults, escapes', () => {
  assert.deepEqual(tokenize("a*b?${aws:username}${x:y, 'd'}${*}${$}", { wildcards: true, variables: true }), [
    'a',
    STAR,
    'b',
    QMARK,
    { key: 'aws:username' },
    { key: 'x:y', fallback: 'd' },
    '*$',
  ]);
  assert.deepEqual(tokenize('${aws:username}', { wildcards: false, variables: false }), ['${aws:username}']);
  assert.deepEqual(tokenize('${unclosed', { wildcards: false, variables: true }), ['${unclosed']);
});

test('actions: case-insensitive, `*` and `?`', () => {
  const m = (p: string, a: string) => compileAction(p)(a.toLowerCase());
  assert.equal(m('s3:getobject', 's3:GetObject'), true);
  assert.equal(m('S3:LIST*', 's3:ListBucket'), true);
  assert.equal(m('s3:*Object', 's3:GetObject'), true);
  assert.equal(m('s3:G?tObject', 's3:GetObject'), true);
  assert.equal(m('s3:GetObject?', 's3:GetObject'), false);
  assert.equal(m('s3:Get', 's3:GetObject'), false);
  assert.equal(m('s3:Get*Acl', 's3:GetObject'), false);
  assert.equal(m('sqs:*', 's3:GetObject'), false);
  assert.equal(m('*', 'iam:CreateUser'), true);
});
