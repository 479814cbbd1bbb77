import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../policy/index.ts';
import { unknownActionWarnings } from './iam-actions.ts';

test('actions no AWS service defines are warned about, with their place; real ones are not', async () => {
  const { document } = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetObject', 'iam:Get*', 'S3:getobject', '*'], Resource: '*' },
        { Effect: 'Deny', NotAction: ['s3:GetObjekt', 'iam:Fly*', 'nosuchservice:Do'], Resource: '*' },
      ],
    }),
    'identity',
  );
  const warnings = await unknownActionWarnings(document!);
  assert.deepEqual(
    warnings.map((w) => [w.severity, w.code, w.path]),
    [
      ['warning', 'unknown-action', 'Statement[1].NotAction[0]'],
      ['warning', 'unknown-action', 'Statement[1].NotAction[1]'],
      ['warning', 'unknown-service', 'Statement[1].NotAction[2]'],
    ],
  );
  assert.match(warnings[0]?.message ?? '', /`s3:GetObjekt` matches no action of the service `s3`/);
});
