// Developer tool: what one read's audit record costs in one process, apart from HTTP — building
// it (AuditCall.succeeded) and appending it (the batched flush). node --import tsx bench/audit-micro.ts
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { AuditCall } from '../src/audit/call.ts';
import { AuditRecorder, DEFAULT_AUDIT_OPTIONS } from '../src/audit/recorder.ts';
import { SecretBox } from '../src/crypto/secret-box.ts';
import type { Caller, RequestFacts } from '../src/domain/caller.ts';
import { Store } from '../src/store/store.ts';

const N = Number(process.env.N ?? 20_000);
const caller: Caller = {
  type: 'Root',
  accountId: '111122223333',
  partition: 'aws',
  arn: 'arn:aws:iam::111122223333:root',
  userId: '111122223333',
  accessKeyId: 'AKIAEXAMPLEEXAMPLE12',
} as Caller;
const facts = { now: new Date(), region: 'us-east-1', sourceIp: '127.0.0.1', userAgent: 'aws-sdk-js/3.0 ua/2.1 os/linux lang/js md/nodejs#20' } as RequestFacts;
const store = await Store.openSqlite({ dataDir: ':memory:' });
const recorder = await AuditRecorder.open(
  store,
  new SecretBox(randomBytes(32)),
  { ...DEFAULT_AUDIT_OPTIONS, flushMs: 60_000, flushEvents: 1_000_000 },
  pino({ level: 'silent' }),
  () => new Date(),
);
const output = { User: { UserName: 'alice', UserId: 'AIDAEXAMPLE', Arn: 'arn:aws:iam::111122223333:user/alice', Path: '/', CreateDate: new Date() } };
for (let round = 0; round < 3; round++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) {
    const call = new AuditCall(recorder, { service: 'iam', action: 'GetUser', caller, facts, requestId: `req-${i}` });
    call.input = { UserName: 'alice' };
    call.authorization = () => ({ action: 'iam:GetUser', resource: 'arn:aws:iam::111122223333:user/alice', allowedBy: [] });
    await call.succeeded(output);
  }
  const build = (performance.now() - t) / N;
  t = performance.now();
  await recorder.flush();
  const append = (performance.now() - t) / N;
  console.log(`round ${round}: build ${(build * 1000).toFixed(1)} µs, append ${(append * 1000).toFixed(1)} µs per record`);
}
await recorder.close();
await store.close();
