import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { parseWorkers, shareOfLimit } from './cli-workers.ts';

test('--workers: a whole number from 1, or auto; anything else refuses to start', () => {
  assert.equal(parseWorkers(undefined), 1);
  assert.equal(parseWorkers('3'), 3);
  assert.equal(parseWorkers('auto'), availableParallelism());
  for (const bad of ['0', '-1', '1.5', 'two', '2000']) assert.throws(() => parseWorkers(bad), /IAMD_WORKERS must be/);
});

test('each worker gets 1/N of a rate limit: rate and burst (at least 1)', () => {
  assert.equal(shareOfLimit(undefined, 'X', 4), undefined);
  assert.equal(shareOfLimit('10', 'X', 1), '10');
  assert.equal(shareOfLimit('10', 'X', 2), '5:5');
  assert.equal(shareOfLimit('10:3', 'X', 2), '5:2');
  assert.equal(shareOfLimit('1:1', 'X', 4), '0.25:1');
  assert.throws(() => shareOfLimit('fast', 'IAMD_RATE_LIMIT_PER_KEY', 2), /IAMD_RATE_LIMIT_PER_KEY/);
});
