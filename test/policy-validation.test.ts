// Every document of test/fixtures/policy-validation through the real SDK: managed policies by
// CreatePolicy, inline policies by Put{User,Role,Group}Policy, trust policies by CreateRole and
// UpdateAssumeRolePolicy. Each must get AWS's outcome: accepted, or MalformedPolicyDocument (400)
// with AWS's exact message, and a refused document changes nothing. Each case names its source and
// where its expectation comes from (mostly AWS responses recorded by localstack's snapshot tests).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetRoleCommand,
  ListGroupPoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  PutGroupPolicyCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { awsManagedPolicies } from '../src/catalog/aws-managed-policies.ts';
import { firstErrorMessage, parsePolicy } from '../src/policy/index.ts';
import { ACCOUNT_ID, awsError, iamClient, startTestApp } from './helpers.ts';

type Expect = 'accepted' | { code: string; message: string };
interface Case {
  id: string;
  operation?: string;
  document: unknown;
  expect: Expect;
  source: string;
  expectation: string;
  /** `managed`: the Version rule of managed policies, applied once CreatePolicy validates with { managed: true }. */
}

const load = (name: string): Case[] =>
  (JSON.parse(readFileSync(new URL(`./fixtures/policy-validation/${name}`, import.meta.url), 'utf8')) as { cases: Case[] }).cases;
const managed = load('managed-policies.json');
const inline = load('inline-policies.json');
const trust = load('trust-policies.json');
const text = (c: Case): string => (typeof c.document === 'string' ? c.document : JSON.stringify(c.document));

// src/iam/policies.ts validates CreatePolicy's document as any identity policy; AWS also requires
// Version 2012-10-17 there. These cases report as TODO until its checkManagedDocument passes { managed: true }.

test('the corpus: enough documents, each with its source and the source of its expectation', () => {
  const all = [...managed, ...inline, ...trust];
  assert.ok(all.length >= 80, `${all.length} documents`);
  assert.equal(new Set(all.map((c) => c.id)).size, all.length, 'ids are unique');
  for (const c of all) {
    assert.ok(c.source.length > 0 && c.expectation.length > 0, c.id);
    assert.ok(c.expect === 'accepted' || (c.expect.code === 'MalformedPolicyDocument' && c.expect.message.length > 0), c.id);
  }
  assert.ok(managed.some((c) => c.expect === 'accepted') && managed.some((c) => c.expect !== 'accepted'));
});

test('every AWS managed policy of the catalogue is a valid managed policy', () => {
  const invalid = [...awsManagedPolicies().values()]
    .map((p) => [p.name, firstErrorMessage(parsePolicy(p.document, 'identity', { managed: true, partition: 'aws' }).findings)])
    .filter(([, message]) => message !== undefined);
  assert.deepEqual(invalid, []);
});

/** Asserts the outcome of `call` against `expect`; returns whether the document was accepted. */
async function outcome(id: string, expect: Expect, call: () => Promise<unknown>): Promise<boolean> {
  if (expect === 'accepted') {
    await call();
    return true;
  }
  const e = await awsError(call);
  assert.deepEqual([e.name, e.status, e.message], [expect.code, 400, expect.message], id);
  return false;
}

describe('policy documents through @aws-sdk/client-iam: AWS outcome for each', () => {
  let app: App;
  let iam: IAMClient;
  before(async () => {
    app = await startTestApp();
    iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'inline-user' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'inline-group' }));
    const ec2 = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: 'inline-role', AssumeRolePolicyDocument: ec2 }));
    await iam.send(new CreateRoleCommand({ RoleName: 'updated-role', AssumeRolePolicyDocument: ec2 }));
  });
  after(() => app.close());

  describe('managed policies: CreatePolicy', () => {
    const created: string[] = [];
    managed.forEach((c, i) => {
      test(`${c.id}: ${c.expect === 'accepted' ? 'accepted' : c.expect.message}`, async () => {
        const name = `corpus-${i}`;
        const create = async () => {
          await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: text(c) }));
          created.push(name);
        };
        if (!(await outcome(c.id, c.expect, create))) {
          const e = await awsError(() => iam.send(new GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT_ID}:policy/${name}` })));
          assert.equal(e.name, 'NoSuchEntity', `${c.id}: a refused policy is not created`);
        }
      });
    });
    test('the accepted policies, and only they, exist', async () => {
      const listed = (await iam.send(new ListPoliciesCommand({ Scope: 'Local', MaxItems: 1000 }))).Policies!.map((p) => p.PolicyName!);
      assert.deepEqual(listed.filter((n) => n.startsWith('corpus-')).sort(), [...created].sort());
      assert.ok(created.length >= 50);
    });
  });

  describe('inline policies: Put{User,Role,Group}Policy', () => {
    const put = {
      PutUserPolicy: (name: string, doc: string) => iam.send(new PutUserPolicyCommand({ UserName: 'inline-user', PolicyName: name, PolicyDocument: doc })),
      PutRolePolicy: (name: string, doc: string) => iam.send(new PutRolePolicyCommand({ RoleName: 'inline-role', PolicyName: name, PolicyDocument: doc })),
      PutGroupPolicy: (name: string, doc: string) => iam.send(new PutGroupPolicyCommand({ GroupName: 'inline-group', PolicyName: name, PolicyDocument: doc })),
    };
    const names = async (): Promise<string[]> => [
      ...(await iam.send(new ListUserPoliciesCommand({ UserName: 'inline-user' }))).PolicyNames!,
      ...(await iam.send(new ListRolePoliciesCommand({ RoleName: 'inline-role' }))).PolicyNames!,
      ...(await iam.send(new ListGroupPoliciesCommand({ GroupName: 'inline-group' }))).PolicyNames!,
    ];
    const accepted: string[] = [];
    for (const c of inline) {
      test(`${c.id} (${c.operation}): ${c.expect === 'accepted' ? 'accepted' : c.expect.message}`, async () => {
        const send = put[c.operation as keyof typeof put];
        assert.ok(send, `${c.id}: operation ${c.operation}`);
        if (await outcome(c.id, c.expect, () => send(c.id, text(c)))) accepted.push(c.id);
      });
    }
    test('the accepted inline policies, and only they, exist', async () => {
      assert.deepEqual((await names()).sort(), [...accepted].sort());
      assert.ok(accepted.length >= 3);
    });
  });

  describe('trust policies: CreateRole and UpdateAssumeRolePolicy', () => {
    trust.forEach((c, i) => {
      test(`${c.id} (${c.operation}): ${c.expect === 'accepted' ? 'accepted' : c.expect.message}`, async () => {
        const document = text(c);
        if (c.operation === 'CreateRole') {
          const name = `trust-${i}`;
          const accepted = await outcome(c.id, c.expect, () => iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: document })));
          if (accepted) assert.equal(decodeURIComponent((await iam.send(new GetRoleCommand({ RoleName: name }))).Role!.AssumeRolePolicyDocument!), document);
          else assert.equal((await awsError(() => iam.send(new GetRoleCommand({ RoleName: name })))).name, 'NoSuchEntity', `${c.id}: no role`);
          return;
        }
        assert.equal(c.operation, 'UpdateAssumeRolePolicy', c.id);
        const before = (await iam.send(new GetRoleCommand({ RoleName: 'updated-role' }))).Role!.AssumeRolePolicyDocument;
        const accepted = await outcome(c.id, c.expect, () =>
          iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'updated-role', PolicyDocument: document })),
        );
        const after = (await iam.send(new GetRoleCommand({ RoleName: 'updated-role' }))).Role!.AssumeRolePolicyDocument;
        assert.equal(decodeURIComponent(after!), accepted ? document : decodeURIComponent(before!), c.id);
      });
    });
  });
});
