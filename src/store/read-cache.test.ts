import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadCache } from './read-cache.ts';
import type { EntityRow } from './repo.ts';

const row = (i: number): EntityRow<unknown> => ({
  id: `id-${i}`,
  accountId: '1',
  kind: 'user',
  name: `u${i}`,
  path: '/',
  createdAt: new Date(0),
  data: { n: i },
});

test('cached pages are bounded by the entities they hold in all, and dropped by a write', () => {
  const source = { generation: 1 };
  const cache = new ReadCache(source);
  const page = (first: number) => ({ items: Array.from({ length: 1000 }, (_, i) => row(first + i)) });
  for (let p = 0; p < 20; p++) cache.putPage(`p${p}`, page(p * 1000));
  assert.equal(cache.page('p0')?.items.length, 1000, '20 pages of 1,000 fit');
  cache.putPage('p20', page(20_000));
  assert.equal(cache.page('p0'), undefined, 'one more page drops the others');
  assert.equal(cache.page('p20')?.items.length, 1000);
  assert.throws(() => {
    (cache.page<{ n: number }>('p20')!.items[0]!.data as { n: number }).n = 5;
  }, TypeError);
  source.generation++;
  assert.equal(cache.page('p20'), undefined, 'a write drops every page');
});
