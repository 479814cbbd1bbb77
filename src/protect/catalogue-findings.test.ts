// catalogueFindings: Access Analyzer-style findings for the parts of a policy that name registered
// services — unknown actions, unknown condition keys, operators that do not fit a key's type.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parsePolicy } from '../policy/index.ts';
import { parseCatalogue } from './catalogue-format.ts';
import { catalogueFindings } from './catalogue-findings.ts';

const orders = parseCatalogue(readFileSync(new URL('../../examples/orders/orders.catalog.json', import.meta.url), 'utf8')).catalogue!;

function findings(statements: object[]) {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), 'identity');
  assert.ok(parsed.document, JSON.stringify(parsed.findings));
  return catalogueFindings(parsed.document, [orders]).map((f) => [f.findingType, f.issueCode, f.path, f.findingDetails]);
}

test('known actions, wildcards that match some, and other services give no finding', () => {
  assert.deepEqual(
    findings([
      {
        Effect: 'Allow',
        Action: ['orders:CancelOrder', 'orders:getorder', 'orders:*Order', 'orders:List*', 'orders:*', 's3:GetObject', 'billing:Pay'],
        Resource: '*',
      },
      { Effect: 'Deny', NotAction: 'orders:Get?rder', Resource: '*' },
    ]),
    [],
  );
});

test('unknown actions of a registered service: ERROR INVALID_ACTION', () => {
  assert.deepEqual(
    findings([
      { Effect: 'Allow', Action: ['orders:CancelOrder', 'orders:RefundOrder', 'orders:Delete*'], Resource: '*' },
      { Effect: 'Deny', NotAction: ['ORDERS:Frobnicate'], Resource: '*' },
    ]),
    [
      ['ERROR', 'INVALID_ACTION', 'Statement[0].Action[1]', 'The action orders:RefundOrder does not exist.'],
      ['ERROR', 'INVALID_ACTION', 'Statement[0].Action[2]', 'The action orders:Delete* does not exist.'],
      ['ERROR', 'INVALID_ACTION', 'Statement[1].NotAction[0]', 'The action ORDERS:Frobnicate does not exist.'],
    ],
  );
});

test("condition keys the service does not define: ERROR INVALID_SERVICE_CONDITION_KEY; other services' and global keys are left alone", () => {
  assert.deepEqual(
    findings([
      {
        Effect: 'Allow',
        Action: 'orders:CreateOrder',
        Resource: '*',
        Condition: { NumericLessThan: { 'orders:Amount': '100', 'orders:Total': '5' }, StringEquals: { 'billing:Plan': 'pro', 'aws:PrincipalTag/team': 'x' } },
      },
    ]),
    [
      [
        'ERROR',
        'INVALID_SERVICE_CONDITION_KEY',
        'Statement[0].Condition.NumericLessThan.orders:Total',
        'The condition key orders:Total does not exist in the service orders.',
      ],
    ],
  );
});

test('an operator that does not fit the key type: WARNING TYPE_MISMATCH', () => {
  assert.deepEqual(
    findings([
      {
        Effect: 'Allow',
        Action: 'orders:CreateOrder',
        Resource: '*',
        Condition: {
          StringEquals: { 'orders:Amount': '100' },
          'ForAnyValue:DateLessThan': { 'orders:Amount': '2020-01-01T00:00:00Z' },
          NumericEqualsIfExists: { 'orders:amount': '100' },
          Null: { 'orders:Amount': 'false' },
          NumericEquals: { 'aws:RequestedRegion': '1' },
          StringLike: { 'aws:RequestedRegion': 'eu-*' },
        },
      },
    ]),
    [
      [
        'WARNING',
        'TYPE_MISMATCH',
        'Statement[0].Condition.StringEquals.orders:Amount',
        'Type mismatch: Use an operator of type Numeric instead of operator StringEquals for the condition key orders:Amount of type Numeric.',
      ],
      [
        'WARNING',
        'TYPE_MISMATCH',
        'Statement[0].Condition.ForAnyValue:DateLessThan.orders:Amount',
        'Type mismatch: Use an operator of type Numeric instead of operator ForAnyValue:DateLessThan for the condition key orders:Amount of type Numeric.',
      ],
      [
        'WARNING',
        'TYPE_MISMATCH',
        'Statement[0].Condition.NumericEquals.aws:RequestedRegion',
        'Type mismatch: Use an operator of type String instead of operator NumericEquals for the condition key aws:RequestedRegion of type String.',
      ],
    ],
  );
});

test('keys with variables, ARN keys with string operators, and no catalogue at all', () => {
  const c = parseCatalogue(
    JSON.stringify({
      Name: 'shop',
      Actions: [{ Name: 'Buy', AccessLevel: 'Write' }],
      ConditionKeys: [
        { Name: 'shop:ResourceTag/${TagKey}', Type: 'String' },
        { Name: 'shop:Seller', Type: 'ARN' },
        { Name: 'shop:Express', Type: 'Bool' },
        { Name: 'shop:Tags', Type: 'ArrayOfString' },
      ],
    }),
  ).catalogue!;
  const doc = parsePolicy(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'shop:Buy',
          Resource: '*',
          Condition: {
            StringEquals: { 'shop:ResourceTag/team': 'a', 'shop:Seller': 'arn:aws:iam::123456789012:user/x', 'shop:ResourceTag/': 'b' },
            ArnLike: { 'shop:Seller': 'arn:aws:iam::*:user/*' },
            Bool: { 'shop:Express': 'true' },
            NumericEquals: { 'shop:Express': '1' },
            'ForAllValues:StringLike': { 'shop:Tags': 'x*' },
          },
        },
      ],
    }),
    'identity',
  ).document!;
  assert.deepEqual(
    catalogueFindings(doc, [c]).map((f) => [f.issueCode, f.path]),
    [
      ['INVALID_SERVICE_CONDITION_KEY', 'Statement[0].Condition.StringEquals.shop:ResourceTag/'],
      ['TYPE_MISMATCH', 'Statement[0].Condition.NumericEquals.shop:Express'],
    ],
  );
  assert.deepEqual(catalogueFindings(doc, []), []);
  assert.equal(catalogueFindings(doc, [c])[0]!.learnMoreLink, 'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html');
});
