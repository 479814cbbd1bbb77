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
  for (let p = 0; p < 20; p++) cache.putPage(`p${p}`, page(p * 1000), cache.stamp());
  assert.equal(cache.page('p0')?.items.length, 1000, '20 pages of 1,000 fit');
  cache.putPage('p20', page(20_000), cache.stamp());
  assert.equal(cache.page('p0'), undefined, 'one more page drops the others');
  assert.equal(cache.page('p20')?.items.length, 1000);
  assert.throws(() => {
    (cache.page<{ n: number }>('p20')!.items[0]!.data as { n: number }).n = 5;
  }, TypeError);
  source.generation++;
  assert.equal(cache.page('p20'), undefined, 'a write drops every page');
});

test('a read that began before a write (or a notice of one) does not put its older answer', () => {
  const source = { generation: 1 };
  const cache = new ReadCache(source);
  const stamp = cache.stamp(); // the read begins
  source.generation++; // a notice of another node's write arrives while it waits for the database
  const put = cache.putEntity('id\0u1', row(1), stamp);
  assert.equal(put?.name, 'u1', 'the reader still gets its answer');
  assert.equal(cache.entity('id\0u1'), undefined, 'but it is not kept');
  cache.putPage('p', { items: [row(2)] }, stamp);
  assert.equal(cache.page('p'), undefined);
  cache.putTags('t', [{ Key: 'k', Value: 'v' }], stamp);
  assert.equal(cache.tagsOf('t'), undefined);
  // A read that began after the notice keeps what it read.
  cache.putEntity('id\0u1', row(1), cache.stamp());
  assert.equal(cache.entity('id\0u1')?.name, 'u1');
});
