// The appender thread on a data folder: queued records are appended by it while writes append
// their own in their transactions on the request thread — one chain, in one order, that verifies;
// a write waiting for the thread's lock waits asynchronously; if the thread dies, the request
// thread appends what it had not (never a record twice), and everything after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { SecretBox } from '../crypto/secret-box.ts';
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { Store } from '../store/store.ts';
import { newThreadLock } from '../store/thread-lock.ts';
import type { AppenderThread } from './appender.ts';
import { prepareEvent } from './event.ts';
import { auditPublicKey } from './keys.ts';
import { AuditRecorder, DEFAULT_AUDIT_OPTIONS } from './recorder.ts';
import { verifyTrail } from './verify.ts';

const caller: Caller = { type: 'Root', accountId: '111122223333', partition: 'aws', arn: 'arn:aws:iam::111122223333:root', userId: '111122223333' };
const facts: RequestFacts = { sourceIp: '192.0.2.7', userAgent: 'test', secureTransport: false, region: 'us-east-1', now: new Date() };
const record = (name: string) => prepareEvent({ caller, facts, service: 'iam', eventName: name, requestId: name, readOnly: true, requestParameters: null });

test('queued records go through the appender thread, writes through their transactions: one chain that verifies', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iamd-appender-'));
  const threadLock = newThreadLock();
  const store = await Store.openSqlite({ dataDir, threadLock });
  const logs: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => logs.push(line) });
  try {
    const recorder = await AuditRecorder.open(
      store,
      new SecretBox(randomBytes(32)),
      { ...DEFAULT_AUDIT_OPTIONS, flushEvents: 50, flushMs: 5 },
      logger,
      () => new Date(),
      new Set(),
      undefined,
      { dataDir, threadLock },
    );
    const thread = (recorder as unknown as { thread?: AppenderThread }).thread;
    assert.ok(thread?.alive, 'a data folder gets the appender thread');

    // Reads queued and writes appending in their transactions, at once.
    const writes: Promise<void>[] = [];
    const reads = Array.from({ length: 600 }, (_, i) => record(`Read${i}`));
    for (let i = 0; i < 600; i++) {
      recorder.enqueue(reads[i]!);
      if (i % 20 === 0) writes.push(store.write((repo) => recorder.appendInTransaction(repo, [record(`Write${i}`)])));
      if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(writes);
    await recorder.flush();
    const verify = () => store.read(async (repo) => verifyTrail(repo, await auditPublicKey(repo)));
    let result = await verify();
    assert.equal(result.ok, true, JSON.stringify(result.problem));
    assert.equal(result.events, 630);
    const names = await store.read(async (repo) => (await repo.auditEventsAfter(0, 1000)).map((r) => r.event_name));
    assert.equal(new Set(names).size, 630, 'each record once');
    // The queued reads keep their order in the chain.
    const order = names.filter((n) => n.startsWith('Read')).map((n) => Number(n.slice(4)));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );

    // The thread dies: what is queued, and what comes after, is appended here.
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    assert.equal(thread.alive, false);
    // As if it had died after committing a batch it could not report: records already chained
    // come back with the late ones, and are not chained twice.
    for (const chained of reads.slice(590)) recorder.enqueue(chained);
    for (let i = 0; i < 120; i++) recorder.enqueue(record(`Late${i}`));
    await recorder.flush();
    result = await verify();
    assert.equal(result.ok, true, JSON.stringify(result.problem));
    assert.equal(result.events, 750);
    assert.ok(
      logs.some((l) => l.includes('appender thread stopped')),
      'the fallback is logged',
    );
    await recorder.close();
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
