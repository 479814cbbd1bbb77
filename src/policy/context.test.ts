import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, conditionHolds } from './condition.ts';
import { contextView, contextWith } from './context.ts';

test('contextWith: the added keys win over the base, keys are case-insensitive, and the base is untouched', () => {
  const base = { 'aws:SourceIp': '10.0.0.1', 'orders:Amount': '5' };
  const ctx = contextWith(base, { 'Orders:Amount': '500', 'orders:Channel': 'web' });
  const view = contextView(ctx);
  assert.equal(view.get('orders:amount'), '500');
  assert.equal(view.get('orders:channel'), 'web');
  assert.equal(view.get('aws:sourceip'), '10.0.0.1');
  assert.equal(view.has('aws:username'), false);
  assert.deepEqual(base, { 'aws:SourceIp': '10.0.0.1', 'orders:Amount': '5' });
  assert.equal(contextView(base).get('orders:amount'), '5');
  // The merged object is a whole context for whoever reads it as one.
  assert.equal(ctx['Orders:Amount'], '500');
  const over100 = compileCondition({ NumericGreaterThan: { 'orders:amount': ['100'] } }, true);
  assert.equal(conditionHolds(over100, view), true);
  assert.equal(conditionHolds(over100, contextView(base)), false);
});
