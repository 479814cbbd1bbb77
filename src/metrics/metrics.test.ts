import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, parseExposition } from './metrics.ts';

test("samples: the text format (a cluster's scrape) reads back as the registry's own values", async () => {
  const metrics = new Metrics();
  metrics.request('iam', 'ListUsers', 0.001, 200);
  metrics.request('iam', 'ListUsers', 0.002, 200);
  metrics.request('iam', 'GetUser', 0.001, 404, 'NoSuchEntity');
  metrics.decision('explicit_deny');
  const own = await metrics.samples();
  const fromText = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const s of parseExposition((await metrics.scrape()).body)) fromText.set(s.name, [...(fromText.get(s.name) ?? []), { labels: s.labels, value: s.value }]);
  for (const name of ['iamd_requests_total', 'iamd_authorization_decisions_total']) {
    const key = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort());
    const expected = (own.get(name) ?? []).map((s) => [key(s.labels), s.value]).sort();
    assert.ok(expected.length > 0, name);
    assert.deepEqual((fromText.get(name) ?? []).map((s) => [key(s.labels), s.value]).sort(), expected, name);
  }
  const notFound = (own.get('iamd_requests_total') ?? []).find((s) => s.labels.code === 'NoSuchEntity');
  assert.equal(notFound?.value, 1);
});

test('parseExposition: escaped label values and samples without labels', () => {
  const samples = parseExposition('# HELP x y\n# TYPE x counter\nx{a="q\\"uote",b="back\\\\slash",c="line\\nbreak"} 3\nup 1\n');
  assert.deepEqual(samples, [
    { name: 'x', labels: { a: 'q"uote', b: 'back\\slash', c: 'line\nbreak' }, value: 3 },
    { name: 'up', labels: {}, value: 1 },
  ]);
});
