import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionError, arnFields, legacyDateOk, legacyResourceOk, resourceFormatError, trustActionOk } from './legacy-rules.ts';

test('ARN fields: a colon inside a policy variable separates nothing', () => {
  assert.deepEqual(arnFields('arn:aws:s3:::b/${aws:username}/*'), ['arn', 'aws', 's3', '', '', 'b/${aws:username}/*']);
  assert.deepEqual(arnFields('arn:aws:iam::${aws:PrincipalAccount}:role/x'), ['arn', 'aws', 'iam', '', '${aws:PrincipalAccount}', 'role/x']);
  assert.deepEqual(arnFields('a:${unclosed:x'), ['a', '${unclosed', 'x']);
  assert.deepEqual(arnFields('plain'), ['plain']);
});

test('Date condition values AWS reads: ISO 8601 dates and times, epoch seconds up to 2^63-1', () => {
  for (const v of [
    '2017-07-01T00:00:00Z',
    '2016-12-13T21:20:37.593194+00:00',
    '2016-12-13t2:00:00.593194+23',
    '2020-01-01T00:00:00-05:00',
    '2020-01-01',
    '2020',
    '01T',
    '-292275054',
    '292278993-12-31',
    '1700000000',
    '9223372036854775807',
    '2019-07-01T13:20:15.123456789Z',
  ])
    assert.equal(legacyDateOk(v), true, v);
  for (const v of [
    'sdfdsf',
    '234-13',
    '2016-12-13t2:00:00.593194+1',
    '2016-12-13t2:00:00.1999999999+10:59',
    '9223372036854775808',
    '292278994-01-01',
    '-292275055',
    '2020-01-32',
    '2020-01-01T24:00:00Z',
    '2020-01-01T10:60:00Z',
    '2020-01-01T10:00:61Z',
    '2020-01-01T10:00:00Zx',
    '2020-01-01-01',
    '',
    'true',
  ])
    assert.equal(legacyDateOk(v), false, v);
});

test('resource ARNs: the messages of the refused ones', () => {
  assert.equal(resourceFormatError('*', 'aws'), undefined);
  assert.equal(resourceFormatError('arn:aws:s3:::b', 'aws'), undefined);
  assert.equal(resourceFormatError('bucket', 'aws'), 'Resource bucket must be in ARN format or "*".');
  assert.equal(resourceFormatError('a:bsdfdsafsad', undefined), 'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".');
  assert.equal(resourceFormatError('aws:s3:::example_bucket', undefined), 'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".');
  assert.equal(resourceFormatError('a:b:c:d:e:f:g:h', undefined), 'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".');
  assert.equal(resourceFormatError('arn:aws-us-gov:s3:::b', 'aws'), 'Partition "aws-us-gov" is not valid for resource "arn:aws-us-gov:s3:::b".');
  assert.equal(resourceFormatError('arn:aws-us-gov:s3:::b', 'aws-us-gov'), undefined);
  assert.equal(resourceFormatError('arn:aws?:s3:::b', 'aws'), undefined);
  assert.equal(resourceFormatError('arn:aws:iam', 'aws'), 'IAM resource arn:aws:iam cannot contain region information.');
  assert.equal(resourceFormatError('arn:aws:ec2:us-east-1::x', 'aws'), undefined);
  assert.equal(resourceFormatError('arn:aws:s3:us-east-1:1:storage-lens/x', 'aws'), undefined);
  assert.equal(legacyResourceOk('arn:aws:fdsasf'), true);
  assert.equal(legacyResourceOk('arn:aws:s3:::b'), true);
  assert.equal(legacyResourceOk('arn:aws:s3::b'), false);
  assert.equal(legacyResourceOk('arn:aws::::b'), false);
});

test('actions: one vendor prefix; trust policies: the AssumeRole family', () => {
  assert.equal(actionError('*'), undefined);
  assert.equal(actionError('s3.s:ListBucket'), undefined);
  assert.equal(actionError('nope'), 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  assert.equal(actionError('s:3s:ListBucket'), 'Actions/Condition can contain only one colon.');
  assert.equal(actionError('s_3:ListBucket'), 'Vendor s_3 is not valid');
  assert.equal(trustActionOk('sts:AssumeRole'), true);
  assert.equal(trustActionOk('STS:ASSUMEROLEWITHSAML'), true);
  assert.equal(trustActionOk('sts:SetContext'), true);
  assert.equal(trustActionOk('sts:Assume*'), true);
  assert.equal(trustActionOk('sts:GetCallerIdentity'), false);
  assert.equal(trustActionOk('sts:Get*'), false);
  assert.equal(trustActionOk('iam:*'), false);
});
