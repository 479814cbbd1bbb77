// The passkeys aggregate (migration 0015_passkeys) on both databases: a passkey of a user and of
// root listed by owner, its counter a number after an update (PostgreSQL answers bigint as text),
// credential ids unique, and a WebAuthn challenge taken once: a second take finds nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../src/store/store.ts';
import type { PasskeyTable } from '../src/store/schema.ts';
import { createTestDatabase } from './pg.ts';

const ACCOUNT = '111122223333';

function passkey(serial: string, userId: string | null, credentialId: string): PasskeyTable {
  return {
    serial,
    account_id: ACCOUNT,
    user_id: userId,
    name: 'key',
    credential_id: credentialId,
    public_key: 'pk',
    counter: 0,
    transports: '["internal"]',
    aaguid: '00000000-0000-0000-0000-000000000000',
    created_at: '2026-01-02T03:04:05.000Z',
    last_used_at: null,
  };
}

const dialects = [
  { name: 'sqlite', open: async () => ({ store: await Store.open({ dataDir: ':memory:' }), drop: async () => {} }) },
  {
    name: 'postgres',
    open: async () => {
      const db = await createTestDatabase();
      return { store: await Store.openPostgres(db.url), drop: db.drop };
    },
  },
];

for (const dialect of dialects) {
  describe(`passkeys store (${dialect.name})`, () => {
    test('owners, counters, unique credential ids, single-use challenges', async () => {
      const { store, drop } = await dialect.open();
      try {
        await store.write(async (repo) => {
          await repo.insertPasskey(passkey(`arn:aws:iam::${ACCOUNT}:u2f/user/alice/key-A`, 'AIDAALICE', 'cred-a'));
          await repo.insertPasskey(passkey(`arn:aws:iam::${ACCOUNT}:u2f/root/key-R`, null, 'cred-r'));
        });
        await store.write((repo) => repo.setPasskeyCounter(`arn:aws:iam::${ACCOUNT}:u2f/user/alice/key-A`, 4_000_000_000, new Date('2026-01-03T00:00:00Z')));
        const [alice, root, byCredential, count] = await store.read(async (repo) => [
          await repo.listPasskeys(ACCOUNT, 'AIDAALICE'),
          await repo.listPasskeys(ACCOUNT, null),
          await repo.getPasskeyByCredentialId('cred-r'),
          await repo.countAccountPasskeys(ACCOUNT),
        ]);
        assert.deepEqual(
          (alice as PasskeyTable[]).map((p) => [p.serial, p.counter]),
          [[`arn:aws:iam::${ACCOUNT}:u2f/user/alice/key-A`, 4_000_000_000]],
        );
        assert.deepEqual(
          (root as PasskeyTable[]).map((p) => p.serial),
          [`arn:aws:iam::${ACCOUNT}:u2f/root/key-R`],
        );
        assert.equal((byCredential as PasskeyTable).user_id, null);
        assert.equal(count, 2);
        await assert.rejects(store.write((repo) => repo.insertPasskey(passkey(`arn:aws:iam::${ACCOUNT}:u2f/root/key-S`, null, 'cred-r'))));

        const challenge = { session_hash: 'h', purpose: 'authenticate', challenge: 'c1', data: '{}', expires_at: '2999-01-01T00:00:00.000Z' };
        await store.write((repo) => repo.putPasskeyChallenge(challenge));
        await store.write((repo) => repo.putPasskeyChallenge({ ...challenge, challenge: 'c2' }));
        assert.equal((await store.write((repo) => repo.takePasskeyChallenge('h', 'authenticate')))?.challenge, 'c2');
        assert.equal(await store.write((repo) => repo.takePasskeyChallenge('h', 'authenticate')), undefined);

        await store.write((repo) => repo.deletePasskey(`arn:aws:iam::${ACCOUNT}:u2f/root/key-R`));
        assert.equal(await store.read((repo) => repo.countAccountPasskeys(ACCOUNT)), 1);
      } finally {
        await store.close();
        await drop();
      }
    });
  });
}
