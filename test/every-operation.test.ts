// Every operation of AWS's IAM and STS service models (models/iam.json, models/sts.json) is served:
// each is called once, through the real AWS SDK for JavaScript v3, against one iamd as the root
// user (AssumeRoleWithWebIdentity and AssumeRoleWithSAML unsigned, as the SDK sends them), with a
// minimal valid input built from the model's required members. AWS's errors (NoSuchEntity,
// ValidationError…) are fine answers; NotImplemented, or an internal failure, is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as iamSdk from '@aws-sdk/client-iam';
import * as stsSdk from '@aws-sdk/client-sts';
import { ACCOUNT_ID, iamClient, startTestApp, stsClient } from './helpers.ts';

interface ShapeRef {
  shape: string;
}
interface Shape {
  type: string;
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  enum?: string[];
  pattern?: string;
  min?: number;
  max?: number;
}
interface Model {
  operations: Record<string, { input?: ShapeRef }>;
  shapes: Record<string, Shape>;
}

const model = (service: string): Model => JSON.parse(readFileSync(new URL(`../models/${service}.json`, import.meta.url), 'utf8')) as Model;

const NAME = 'walk-x';
const arn = (resource: string) => `arn:aws:iam::${ACCOUNT_ID}:${resource}`;
const IDENTITY_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] });
const TRUST_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn('root') }, Action: 'sts:AssumeRole' }] });
const UUID = '00000000-0000-4000-8000-000000000000';

/** Members whose valid values a pattern cannot tell (URLs, ARNs of the right kind, codes, documents). */
const BY_MEMBER: Record<string, unknown> = {
  AccountAlias: NAME,
  ActionNames: ['iam:GetUser'],
  AssumeRolePolicyDocument: TRUST_POLICY,
  Audience: ['https://walk.example.com'],
  AuthenticationCode1: '123456',
  AuthenticationCode2: '123456',
  AWSServiceName: 'elasticbeanstalk.amazonaws.com',
  EntityPath: 'o-abcdefghij/r-abcd',
  JobId: UUID,
  NewPassword: 'Walk-x-Passw0rd!',
  OldPassword: 'Walk-x-Passw0rd!',
  OpenIDConnectProviderArn: arn('oidc-provider/walk.example.com'),
  PermissionsBoundary: arn(`policy/${NAME}`),
  PolicyArn: arn(`policy/${NAME}`),
  PolicyDocument: IDENTITY_POLICY,
  PolicyInputList: [IDENTITY_POLICY],
  PrincipalArn: arn(`saml-provider/${NAME}`),
  RoleArn: arn(`role/${NAME}`),
  SAMLProviderArn: arn(`saml-provider/${NAME}`),
  SerialNumber: arn(`mfa/${NAME}`),
  ServiceName: 'codecommit.amazonaws.com',
  ServiceNamespaces: ['iam'],
  SigningAlgorithm: 'RS256',
  TargetPrincipal: '444455556666',
  ThumbprintList: ['a'.repeat(40)],
  Url: 'https://walk.example.com',
  VersionId: 'v1',
};

function fullMatch(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(`^(?:${pattern})$`, flags);
    } catch {
      // Java's syntax that one of JavaScript's modes does not read: try the other.
    }
  }
  return undefined;
}

/** A string the shape accepts: the first candidate that fits its length and pattern. */
function stringFor(shape: Shape): string {
  const min = shape.min ?? 0;
  const max = shape.max ?? Number.POSITIVE_INFINITY;
  const re = shape.pattern ? fullMatch(shape.pattern) : undefined;
  const candidates = [NAME, 'walkx', '444455556666', arn(`user/${NAME}`), UUID, 'walkx'.padEnd(min, 'x'), '1'.repeat(min), 'a'.repeat(Math.max(min, 1))];
  const fits = (s: string) => s.length >= min && s.length <= max && (!re || re.test(s));
  return candidates.find(fits) ?? candidates[0]!;
}

function valueFor(m: Model, member: string, shapeName: string, depth = 0): unknown {
  if (member in BY_MEMBER) return BY_MEMBER[member];
  const shape = m.shapes[shapeName]!;
  switch (shape.type) {
    case 'string':
      if (shape.enum) return shape.enum[0];
      if (shapeName === 'arnType') return arn(`user/${NAME}`);
      if (shapeName === 'policyDocumentType') return IDENTITY_POLICY;
      return stringFor(shape);
    case 'integer':
    case 'long':
      return shape.min ?? 1;
    case 'boolean':
      return false;
    case 'timestamp':
      return new Date();
    case 'blob':
      return new TextEncoder().encode(NAME);
    case 'list':
      return Array.from({ length: Math.max(shape.min ?? 1, 1) }, () => valueFor(m, `${member}.member`, shape.member!.shape, depth + 1));
    case 'map':
      return { [stringFor(m.shapes[shape.key!.shape]!)]: valueFor(m, `${member}.value`, shape.value!.shape, depth + 1) };
    case 'structure':
      return structureFor(m, shapeName, depth + 1);
    default:
      return undefined;
  }
}

function structureFor(m: Model, shapeName: string, depth = 0): Record<string, unknown> {
  const shape = m.shapes[shapeName]!;
  const out: Record<string, unknown> = {};
  if (depth > 5) return out;
  for (const name of shape.required ?? []) out[name] = valueFor(m, name, shape.members![name]!.shape, depth);
  // A required structure none of whose members is required (AssumeRoot's TaskPolicyArn) is sent
  // empty by the SDKs, that is not at all: give it its first member.
  const first = Object.entries(shape.members ?? {})[0];
  if (depth > 0 && Object.keys(out).length === 0 && first) out[first[0]] = valueFor(m, first[0], first[1].shape, depth);
  return out;
}

// SDK commands by operation name: each module exports `${Operation}Command`.
type AnyCommand = new (input: unknown) => object;
function commandFor(sdk: Record<string, unknown>, operation: string): AnyCommand {
  const command = sdk[`${operation}Command`];
  assert.equal(typeof command, 'function', `the SDK has no ${operation}Command`);
  return command as AnyCommand;
}

test('every IAM and STS operation is served: none answers NotImplemented or an internal failure', async () => {
  const app = await startTestApp();
  try {
    const iam = iamClient(app);
    const sts = stsClient(app);
    // The operations that authenticate by their own input are sent unsigned: no credentials at all.
    const unsignedSts = new stsSdk.STSClient({
      endpoint: app.url,
      region: 'us-east-1',
      maxAttempts: 1,
      credentials: async () => {
        throw new Error('an unsigned operation asked for credentials');
      },
    });
    // Entities the ARNs and names of the inputs refer to, so that many calls reach their real work.
    await iam.send(new iamSdk.CreateUserCommand({ UserName: NAME }));
    await iam.send(new iamSdk.CreateGroupCommand({ GroupName: NAME }));
    await iam.send(new iamSdk.CreateRoleCommand({ RoleName: NAME, AssumeRolePolicyDocument: TRUST_POLICY }));
    await iam.send(new iamSdk.CreatePolicyCommand({ PolicyName: NAME, PolicyDocument: IDENTITY_POLICY }));
    await iam.send(new iamSdk.CreateInstanceProfileCommand({ InstanceProfileName: NAME }));

    const failures: string[] = [];
    let answered = 0;
    for (const [service, sdk] of [
      ['iam', iamSdk],
      ['sts', stsSdk],
    ] as const) {
      const m = model(service);
      for (const [operation, op] of Object.entries(m.operations)) {
        const input = op.input ? structureFor(m, op.input.shape) : {};
        const Command = commandFor(sdk as unknown as Record<string, unknown>, operation);
        const unsigned = operation === 'AssumeRoleWithWebIdentity' || operation === 'AssumeRoleWithSAML';
        const client = service === 'iam' ? iam : unsigned ? unsignedSts : sts;
        try {
          await (client as any).send(new Command(input));
          answered++;
        } catch (err) {
          const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
          const code = e.Code ?? e.name ?? 'unknown';
          const status = e.$metadata?.httpStatusCode;
          if (status === undefined) failures.push(`${service}:${operation} got no answer: ${code}: ${e.message}`);
          else if (status === 501 || status >= 500 || ['NotImplemented', 'InternalFailure', 'ServiceFailure'].includes(code)) {
            failures.push(`${service}:${operation} ${status} ${code}: ${e.message}`);
          } else answered++;
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} operations are not served:\n${failures.join('\n')}`);
    assert.equal(answered, Object.keys(model('iam').operations).length + Object.keys(model('sts').operations).length);
  } finally {
    await app.close();
  }
});
