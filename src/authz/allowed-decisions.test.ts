// Which allowed decisions the authorizer may reuse (allowed-decisions.ts): only those that read no
// fact of the request, and only until the store's next write.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Caller } from '../domain/caller.ts';
import { compilePolicy, parsePolicy, type CompiledPolicy, type MatchedStatement } from '../policy/index.ts';
import type { Store } from '../store/store.ts';
import { AllowedDecisions, dependsOnlyOnRequestTarget } from './allowed-decisions.ts';

function policy(statement: object): CompiledPolicy {
  const parsed = parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }), 'identity');
  assert.ok(parsed.document, JSON.stringify(parsed.findings));
  return compilePolicy(parsed.document, { type: 'identity', name: 'p' });
}

const plain = policy({ Effect: 'Allow', Action: 'iamd:Authorize', Resource: 'arn:aws:iamd::123456789012:service/orders' });
const fromOffice = policy({
  Effect: 'Allow',
  Action: 'iamd:Authorize',
  Resource: '*',
  Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
});
const ownService = policy({ Effect: 'Allow', Action: 'iamd:Authorize', Resource: 'arn:aws:iamd::123456789012:service/${aws:username}' });
const denyAtNight = policy({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } });

test('a policy with a Condition, or a variable in a Resource, may read the request: not reusable', () => {
  assert.equal(dependsOnlyOnRequestTarget(plain), true);
  assert.equal(dependsOnlyOnRequestTarget(fromOffice), false);
  assert.equal(dependsOnlyOnRequestTarget(ownService), false);
  assert.equal(dependsOnlyOnRequestTarget(denyAtNight), false);
});

test('kept per caller, action and resource until the next write, with what allowed it; never with a policy that reads the request', () => {
  const store = { generation: 1 } as unknown as Store & { generation: number };
  const cache = new AllowedDecisions(store);
  const alice = Object.freeze({ arn: 'arn:aws:iam::123456789012:user/alice' }) as unknown as Caller;
  const bob = Object.freeze({ arn: 'arn:aws:iam::123456789012:user/bob' }) as unknown as Caller;
  const service = 'arn:aws:iamd::123456789012:service/orders';
  const by: MatchedStatement[] = [{ source: plain.source, index: 0, effect: 'Allow', sid: 'Orders' }];

  cache.add(alice, 'iamd:Authorize', service, 1, [plain, null], by);
  assert.deepEqual(cache.get(alice, 'iamd:Authorize', service), by);
  assert.equal(cache.get(alice, 'iamd:Authorize', 'arn:aws:iamd::123456789012:service/billing'), undefined);
  assert.equal(cache.get(alice, 'iamd:GetServiceCatalog', service), undefined);
  assert.equal(cache.get(bob, 'iamd:Authorize', service), undefined);

  // A decision that a Condition took part in is not kept: the next request may come from elsewhere.
  cache.add(bob, 'iamd:Authorize', service, 1, [plain, denyAtNight], by);
  assert.equal(cache.get(bob, 'iamd:Authorize', service), undefined);

  // Read before a write that committed meanwhile: not kept.
  store.generation = 2;
  cache.add(bob, 'iamd:Authorize', service, 1, [plain], by);
  assert.equal(cache.get(bob, 'iamd:Authorize', service), undefined);
  // Any write forgets every decision.
  assert.equal(cache.get(alice, 'iamd:Authorize', service), undefined);
  cache.add(bob, 'iamd:Authorize', service, 2, [plain], by);
  assert.deepEqual(cache.get(bob, 'iamd:Authorize', service), by);
});
