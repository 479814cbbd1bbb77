// Runs every case of test/fixtures/conformance/policy-cases.json (copied from the team's shared
// conformance set, ids kept) through parse → compile → evaluate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compilePolicy, evaluate, parsePolicy, type CompiledPolicy, type EvaluationInput, type PolicyKind, type PolicySource } from '../src/policy/index.ts';

interface Case {
  id: string;
  title: string;
  principal: string;
  principalAccount: string;
  policies: { identity: unknown[]; permissionsBoundary: unknown | null; session: unknown | null; resource: unknown | null };
  request: { action: string; resource: string; resourceAccount?: string; context: Record<string, string | string[]> };
  expected: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied' | null;
}

const file = new URL('./fixtures/conformance/policy-cases.json', import.meta.url);
const { cases } = JSON.parse(readFileSync(file, 'utf8')) as { cases: Case[] };

function load(doc: unknown, kind: PolicyKind, source: PolicySource): CompiledPolicy {
  const parsed = parsePolicy(JSON.stringify(doc), kind);
  const errors = parsed.findings.filter((f) => f.severity === 'error');
  assert.deepEqual(errors, [], `${source.type} policy ${source.name} does not validate`);
  return compilePolicy(parsed.document!, source);
}

for (const c of cases) {
  if (c.expected === null) continue; // the docs are silent
  test(`${c.id}: ${c.title}`, () => {
    const identityPolicies = c.policies.identity.map((d, i) => load(d, 'identity', { type: 'identity', name: `identity-${i}` }));
    const boundary = c.policies.permissionsBoundary === null ? null : load(c.policies.permissionsBoundary, 'identity', { type: 'boundary', name: 'boundary' });
    const session = c.policies.session === null ? null : load(c.policies.session, 'identity', { type: 'session', name: 'session' });
    // A resource policy for sts:AssumeRole* is the role's trust policy.
    const kind = c.request.action.startsWith('sts:AssumeRole') ? 'trust' : 'resource';
    const resource = c.policies.resource === null ? null : load(c.policies.resource, kind, { type: kind, name: 'resource' });
    const input: EvaluationInput = {
      principal: { arn: c.principal, account: c.principalAccount },
      identityPolicies,
      permissionsBoundary: boundary,
      sessionPolicies: session ? [session] : null,
      resourcePolicy: resource,
      request: c.request,
    };
    const explained = evaluate(input);
    assert.equal(explained.decision, c.expected);
    // The fast path (no explanation) must decide the same.
    assert.equal(evaluate({ ...input, explain: false }).decision, c.expected);
  });
}
