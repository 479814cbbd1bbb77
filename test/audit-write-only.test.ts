// IAMD_AUDIT_READ_WRITE_TYPE=WriteOnly, as a CloudTrail trail whose management events are
// WriteOnly: changes, refused changes and console sign-ins are recorded; read-only calls (Get…,
// List…, allowed or refused) are not, unless they wrote (GetSessionToken issues a session). ReadOnly is refused: a change is never left unrecorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, GetUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { auditOptionsFromEnv } from '../src/audit/options.ts';
import { awsError, iamClient, startTestApp, stsClient } from './helpers.ts';

test('a WriteOnly trail records changes and refused changes, not reads', async () => {
  const app = await startTestApp({ audit: { readWriteType: 'WriteOnly', flushMs: 20 } });
  try {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    await iam.send(new GetUserCommand({ UserName: 'alice' }));
    await iam.send(new ListUsersCommand({}));
    await stsClient(app).send(new GetCallerIdentityCommand({}));
    // Read-only by name, but it issues a session: recorded with its write, like any change.
    await stsClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).send(new GetSessionTokenCommand({}));
    // alice has no policy: a refused read and a refused write.
    const alice = iamClient(app, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
    assert.equal((await awsError(() => alice.send(new GetUserCommand({ UserName: 'alice' })))).name, 'AccessDenied');
    assert.equal((await awsError(() => alice.send(new CreateUserCommand({ UserName: 'mallory' })))).name, 'AccessDenied');
    await app.services.audit!.flush();
    const events = await app.store.read((repo) => repo.findAuditEvents({ order: 'oldest', limit: 100 }));
    const recorded = events.map((e) => `${e.event_name}${(JSON.parse(e.body) as { errorCode?: string }).errorCode ? ' (refused)' : ''}`);
    assert.deepEqual(recorded, ['CreateUser', 'CreateAccessKey', 'GetSessionToken', 'CreateUser (refused)']);
  } finally {
    await app.close();
  }
});

test('IAMD_AUDIT_READ_WRITE_TYPE: All or WriteOnly; ReadOnly and anything else refuse to start', () => {
  assert.equal(auditOptionsFromEnv({ IAMD_AUDIT_READ_WRITE_TYPE: 'WriteOnly' }).readWriteType, 'WriteOnly');
  assert.equal(auditOptionsFromEnv({ IAMD_AUDIT_READ_WRITE_TYPE: 'all' }).readWriteType, 'All');
  assert.equal(auditOptionsFromEnv({}).readWriteType, undefined);
  assert.throws(() => auditOptionsFromEnv({ IAMD_AUDIT_READ_WRITE_TYPE: 'ReadOnly' }), /ReadOnly would leave changes unrecorded/);
  assert.throws(() => auditOptionsFromEnv({ IAMD_AUDIT_READ_WRITE_TYPE: 'reads' }), /must be All or WriteOnly/);
});
