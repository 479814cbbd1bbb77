// The data every API benchmark target gets: 100 users (99 plus the caller), and a non-root caller
// with 10 customer-managed policies attached and an access key.
import { call, xmlText, type Credentials } from './signed.ts';

export const CALLER = 'bench-caller';
export const USER_COUNT = 100;

export function userName(i: number): string {
  return `bench-user-${String(i).padStart(6, '0')}`;
}

/**
 * The i-th of the caller's 10 policies (0–9). Each has several statements over different
 * services, variables, conditions and a Deny, so that an authorization evaluates real work;
 * policy 5 is the one that allows reading IAM users.
 */
export function callerPolicy(i: number, accountId: string): string {
  const statements: unknown[] = [
    { Sid: `S3Home${i}`, Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::bench-bucket-${i}/home/\${aws:username}/*` },
    {
      Sid: `Ec2Read${i}`,
      Effect: 'Allow',
      Action: 'ec2:Describe*',
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
    },
    { Sid: `NoDrop${i}`, Effect: 'Deny', Action: ['dynamodb:DeleteTable', `sqs:Delete*`], Resource: '*' },
    { Sid: `Logs${i}`, Effect: 'Allow', NotAction: ['logs:Delete*', 'logs:Put*'], Resource: `arn:aws:logs:*:${accountId}:log-group:/bench/${i}/*` },
  ];
  if (i === 5)
    statements.push({
      Sid: 'IamRead',
      Effect: 'Allow',
      Action: ['iam:GetUser', 'iam:ListUsers', 'iam:ListAccessKeys'],
      Resource: `arn:aws:iam::${accountId}:user/*`,
    });
  if (i === 7) statements.push({ Sid: 'NoIamWrite', Effect: 'Deny', Action: ['iam:Create*', 'iam:Delete*', 'iam:Attach*'], Resource: '*' });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export interface ApiFixture {
  accountId: string;
  caller: Credentials;
  users: string[];
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Creates the fixture through the API (works against iamd and moto alike). */
export async function createApiFixture(url: string, root: Credentials): Promise<ApiFixture> {
  const accountId = xmlText(await call(url, root, 'sts', 'GetCallerIdentity'), 'Account')!;
  const users = Array.from({ length: USER_COUNT - 1 }, (_, i) => userName(i));
  await inBatches(users, 8, (u) => call(url, root, 'iam', 'CreateUser', { UserName: u }));
  await call(url, root, 'iam', 'CreateUser', { UserName: CALLER });
  await inBatches([...Array(10).keys()], 5, async (i) => {
    const xml = await call(url, root, 'iam', 'CreatePolicy', { PolicyName: `bench-policy-${i}`, PolicyDocument: callerPolicy(i, accountId) });
    await call(url, root, 'iam', 'AttachUserPolicy', { UserName: CALLER, PolicyArn: xmlText(xml, 'Arn')! });
  });
  const key = await call(url, root, 'iam', 'CreateAccessKey', { UserName: CALLER });
  return { accountId, caller: { accessKeyId: xmlText(key, 'AccessKeyId')!, secretAccessKey: xmlText(key, 'SecretAccessKey')! }, users };
}
