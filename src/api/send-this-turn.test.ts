import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sendThisTurn } from './send-this-turn.ts';

test('replies ready in one turn are written together at its end, in order, each despite another failing', async () => {
  const written: string[] = [];
  sendThisTurn(() => written.push('a'));
  await Promise.resolve(); // a handler finishing in a microtask of the same turn
  sendThisTurn(() => {
    throw new Error('connection closed meanwhile');
  });
  sendThisTurn(() => written.push('b'));
  assert.equal(written.length, 0, 'nothing is written before the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, ['a', 'b']);
  sendThisTurn(() => written.push('c'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(written, ['a', 'b', 'c']);
});
