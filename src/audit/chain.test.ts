import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { eventHash, GENESIS_HASH } from './chain.ts';

test('eventHash: SHA-256 of the previous hash, the sequence number and the record, newline-separated (trails written before stay valid)', () => {
  const body = '{"eventName":"GetUser","requestParameters":{"userName":"ユーザー-é"}}';
  const expected = createHash('sha256').update(`${GENESIS_HASH}\n42\n`).update(body, 'utf8').digest('hex');
  assert.equal(eventHash(GENESIS_HASH, 42, body), expected);
});
