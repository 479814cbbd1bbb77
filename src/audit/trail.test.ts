// The audit trail's core on an in-memory store: secrets never recorded (keyed hashes instead),
// the chain verifies, retention prunes from the oldest and the anchored chain still verifies, and
// a pruning without its signed digest is caught.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHmac, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { SecretBox } from '../crypto/secret-box.ts';
import { Store } from '../store/store.ts';
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { prepareEvent } from './event.ts';
import { auditPublicKey } from './keys.ts';
import { AuditRecorder, DEFAULT_AUDIT_OPTIONS } from './recorder.ts';
import { Redactor } from './redact.ts';
import { verifyTrail } from './verify.ts';
import { parseDecisions } from './options.ts';

const caller: Caller = { type: 'Root', accountId: '111122223333', partition: 'aws', arn: 'arn:aws:iam::111122223333:root', userId: '111122223333' };
const facts = (now: Date): RequestFacts => ({ sourceIp: '192.0.2.7', userAgent: 'test', secureTransport: false, region: 'us-east-1', now });

test('secrets are replaced by keyed hashes, wherever they are', () => {
  const key = randomBytes(32);
  const r = new Redactor(key, new Set(['customsecretfield']));
  // HMAC-SHA256 under the trail's key, base64url: what a holder of the key recomputes to correlate.
  assert.equal(r.hash('Canary1!'), `HMAC-SHA256:${createHmac('sha256', key).update('Canary1!').digest('base64url')}`);
  const out = r.redact({
    UserName: 'bob',
    Password: 'Canary1!',
    Credentials: { AccessKeyId: 'ASIAX', SecretAccessKey: 'canary-secret', SessionToken: 'canary-token' },
    Tags: [{ Key: 'k', Value: 'v' }],
    CustomSecretField: 'canary-x',
    AuthenticationCode1: '123456',
  }) as Record<string, unknown>;
  const text = JSON.stringify(out);
  for (const canary of ['Canary1!', 'canary-secret', 'canary-token', 'canary-x', '123456']) assert.ok(!text.includes(canary), canary);
  assert.equal(out.userName, 'bob');
  assert.match(String(out.password), /^HMAC-SHA256:/);
  // The same value, the same hash (correlation without disclosure).
  assert.equal(out.password, (r.redact({ Password: 'Canary1!' }) as { password: string }).password);
  assert.equal((out.credentials as { accessKeyId?: string }).accessKeyId, 'ASIAX');
  assert.match(String((out.credentials as { sessionToken?: string }).sessionToken), /^HMAC-SHA256:/);
  assert.deepEqual(out.tags, [{ key: 'k', value: 'v' }]);
  // A relayed signed request: who signed stays, its signature and session token do not.
  const sig = 'a'.repeat(64);
  const relayed = r.redact({
    Request: {
      Headers: { Authorization: `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261130/eu-west-1/orders/aws4_request, SignedHeaders=host, Signature=${sig}` },
      Query: `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261130&X-Amz-Security-Token=canary-session&X-Amz-Signature=${sig}`,
    },
  }) as { request: { headers: { authorization: string }; query: string } };
  assert.match(
    relayed.request.headers.authorization,
    /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/20261130\/eu-west-1\/orders\/aws4_request, SignedHeaders=host, Signature=HMAC-SHA256:/,
  );
  assert.match(
    relayed.request.query,
    /^X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAEXAMPLE%2F20261130&X-Amz-Security-Token=HMAC-SHA256:[^&]+&X-Amz-Signature=HMAC-SHA256:/,
  );
  assert.ok(!JSON.stringify(relayed).includes(sig) && !JSON.stringify(relayed).includes('canary-session'));
});

test('retention prunes from the oldest; the anchored chain verifies; an unsigned pruning does not', async () => {
  const store = await Store.openSqlite({ dataDir: ':memory:' });
  try {
    let now = new Date('2026-01-01T00:00:00Z');
    const secrets = new SecretBox(randomBytes(32));
    const recorder = await AuditRecorder.open(store, secrets, { ...DEFAULT_AUDIT_OPTIONS, maxEvents: 5 }, pino({ level: 'silent' }), () => now);
    for (let i = 0; i < 12; i++) {
      now = new Date(now.getTime() + 60_000);
      const event = prepareEvent({
        caller,
        facts: facts(now),
        service: 'iam',
        eventName: `Op${i}`,
        requestId: `r${i}`,
        readOnly: true,
        requestParameters: null,
      });
      await store.write((repo) => recorder.append(repo, [event]));
    }
    const verify = () => store.read(async (repo) => verifyTrail(repo, await auditPublicKey(repo)));
    assert.equal((await verify()).ok, true);
    assert.equal(await recorder.prune(), 7);
    const after = await verify();
    assert.equal(after.ok, true, JSON.stringify(after.problem));
    assert.equal(after.events, 5);
    assert.equal(after.firstSeq, 8);
    // Pruning one more by hand, moving the anchor without a digest, is caught.
    await store.write(async (repo) => {
      const row = await repo.auditEvent(8);
      await repo.deleteAuditEventsThrough(8);
      await repo.setAuditChainRow({ name: 'anchor', seq: 8, hash: row!.hash });
    });
    const tampered = await verify();
    assert.equal(tampered.ok, false);
    assert.equal(tampered.problem?.kind, 'anchor');
    await recorder.close();
  } finally {
    await store.close();
  }
});

test('IAMD_AUDIT_DECISIONS: a default level and per-service levels', () => {
  const d = parseDecisions('all,orders=denials,billing=sample:0.25,health=none');
  assert.deepEqual(d.default, { mode: 'all' });
  assert.deepEqual(d.services, { orders: { mode: 'denials' }, billing: { mode: 'sample', rate: 0.25 }, health: { mode: 'none' } });
  assert.throws(() => parseDecisions('sometimes'), /IAMD_AUDIT_DECISIONS/);
});
