// One contract for the storage interface, run against SQLite and PostgreSQL: every operation,
// the constraints, transactions and the pagination order must behave the same on both.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getMeta, setMeta, Store } from '../src/store/store.ts';
import type { EntityRow } from '../src/store/repo.ts';
import pg from 'pg';
import { createTestDatabase, PG_ADMIN_URL } from './pg.ts';

const ACCOUNT = '111122223333';
const now = new Date('2026-01-02T03:04:05.000Z');

function entity(kind: string, name: string, path = '/', id = `${kind}-${name}`): EntityRow<unknown> {
  return { id, accountId: ACCOUNT, kind, name, path, createdAt: now, data: { note: name } };
}

const dialects: { name: string; open(): Promise<{ store: Store; cleanup(): Promise<void>; url?: string }> }[] = [
  {
    name: 'sqlite',
    async open() {
      const store = await Store.openSqlite({ dataDir: ':memory:' });
      return { store, cleanup: () => store.close() };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase();
      const store = await Store.openPostgres(db.url);
      return {
        store,
        url: db.url,
        async cleanup() {
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

for (const dialect of dialects) {
  describe(`store contract: ${dialect.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let url: string | undefined;
    before(async () => {
      ({ store, cleanup, url } = await dialect.open());
      await store.write((repo) => repo.insertAccount({ id: ACCOUNT, alias: null, root_email: null, root_password_hash: null, created_at: now.toISOString() }));
    });
    after(() => cleanup());

    test('entities: insert, case-insensitive lookup, unique names per kind, update, delete', async () => {
      await store.write((repo) => repo.insertEntity(entity('user', 'Alice')));
      const found = await store.read((repo) => repo.getEntityByName(ACCOUNT, 'user', 'alice'));
      assert.equal(found?.name, 'Alice');
      assert.deepEqual(found?.data, { note: 'Alice' });
      assert.equal(found?.createdAt.toISOString(), now.toISOString());
      await assert.rejects(store.write((repo) => repo.insertEntity(entity('user', 'ALICE', '/', 'other-id'))));
      await store.write((repo) => repo.insertEntity(entity('group', 'alice')));
      await store.write((repo) => repo.updateEntity('user-Alice', { name: 'Alicia', path: '/x/', data: { v: 2 } }));
      const renamed = await store.read((repo) => repo.getEntityById('user-Alice'));
      assert.deepEqual([renamed?.name, renamed?.path, renamed?.data], ['Alicia', '/x/', { v: 2 }]);
      assert.equal(await store.read((repo) => repo.countEntities(ACCOUNT, 'user')), 1);
      await store.write((repo) => repo.deleteEntity('user-Alicia'.replace('Alicia', 'Alice')));
      assert.equal(await store.read((repo) => repo.getEntityById('user-Alice')), undefined);
    });

    test('pagination: byte order of lower-cased names, markers, path prefixes, filters', async () => {
      const names = ['b', 'A', 'c', '_x', 'Z9', 'a-1', 'a.1', 'a_1', 'aa'];
      for (const n of names) await store.write((repo) => repo.insertEntity(entity('role', n, n.startsWith('a') ? '/team/' : '/')));
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await store.read((repo) => repo.listEntities(ACCOUNT, 'role', { marker, maxItems: 2 }));
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((e) => e.name));
        marker = page.marker;
      } while (marker);
      const expected = [...names].sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : 1));
      assert.deepEqual(seen, expected);
      const team = await store.read((repo) => repo.listEntities(ACCOUNT, 'role', { pathPrefix: '/team/', maxItems: 100 }));
      assert.deepEqual(
        team.items.map((e) => e.name),
        ['a-1', 'a.1', 'a_1', 'aa'],
      );
      const filtered = await store.read((repo) => repo.listEntities(ACCOUNT, 'role', { maxItems: 2, filter: (e) => e.name.length === 1 }));
      assert.deepEqual(
        filtered.items.map((e) => e.name),
        ['A', 'b'],
      );
      assert.ok(filtered.marker);
    });

    test('tags: ordered, keys case-insensitive, overwrite keeps position, remove', async () => {
      await store.write((repo) =>
        repo.putTags('r1', [
          { Key: 'Team', Value: 'a' },
          { Key: 'cost', Value: '1' },
        ]),
      );
      await store.write((repo) =>
        repo.putTags('r1', [
          { Key: 'team', Value: 'b' },
          { Key: 'env', Value: 'dev' },
        ]),
      );
      assert.deepEqual(await store.read((repo) => repo.getTags('r1')), [
        { Key: 'team', Value: 'b' },
        { Key: 'cost', Value: '1' },
        { Key: 'env', Value: 'dev' },
      ]);
      await store.write((repo) => repo.removeTags('r1', ['COST']));
      assert.deepEqual(
        (await store.read((repo) => repo.getTags('r1'))).map((t) => t.Key),
        ['team', 'env'],
      );
    });

    test('memberships, attachments, inline policies, policy versions', async () => {
      await store.write(async (repo) => {
        await repo.addMembership('g1', 'u1');
        await repo.addMembership('g1', 'u1');
        await repo.addMembership('g2', 'u1');
      });
      assert.deepEqual((await store.read((repo) => repo.groupIdsOfUser('u1'))).sort(), ['g1', 'g2']);
      assert.equal(await store.write((repo) => repo.removeMembership('g1', 'u1')), true);
      assert.equal(await store.write((repo) => repo.removeMembership('g1', 'u1')), false);

      await store.write(async (repo) => {
        await repo.attach('u1', 'arn:aws:iam::aws:policy/ReadOnlyAccess', now);
        await repo.attach('u1', 'arn:aws:iam::aws:policy/ReadOnlyAccess', now);
        await repo.attach('g2', 'arn:aws:iam::aws:policy/ReadOnlyAccess', now);
      });
      assert.equal(await store.read((repo) => repo.countAttachments('arn:aws:iam::aws:policy/ReadOnlyAccess')), 2);
      assert.equal(await store.write((repo) => repo.detach('u1', 'arn:aws:iam::aws:policy/ReadOnlyAccess')), true);

      await store.write((repo) => repo.putInlinePolicy('u1', 'Pol', '{"a":1}'));
      await store.write((repo) => repo.putInlinePolicy('u1', 'pol', '{"a":2}'));
      assert.deepEqual(await store.read((repo) => repo.listInlinePolicies('u1')), [{ name: 'pol', document: '{"a":2}' }]);
      assert.equal(await store.write((repo) => repo.deleteInlinePolicy('u1', 'POL')), true);

      await store.write(async (repo) => {
        await repo.insertPolicyVersion('p1', 'v1', '{"v":1}', true, new Date('2026-01-01T00:00:00Z'));
        await repo.insertPolicyVersion('p1', 'v2', '{"v":2}', false, new Date('2026-01-02T00:00:00Z'));
        await repo.setDefaultPolicyVersion('p1', 'v2');
      });
      const versions = await store.read((repo) => repo.listPolicyVersions('p1'));
      assert.deepEqual(
        versions.map((v) => [v.versionId, v.isDefault]),
        [
          ['v2', true],
          ['v1', false],
        ],
      );
    });

    test("a user's dependents, as DeleteUser checks them", async () => {
      const none = { loginProfile: false, accessKeys: false, inlinePolicies: false, attachedPolicies: false, groups: false };
      assert.deepEqual(await store.read((repo) => repo.userDependents(ACCOUNT, 'dep')), none);
      await store.write(async (repo) => {
        await repo.putLoginProfile({ user_id: 'dep', password_hash: 'h', reset_required: 0, created_at: now.toISOString() });
        await repo.attach('dep', 'arn:aws:iam::aws:policy/ReadOnlyAccess', now);
        await repo.addMembership('g-dep', 'dep');
      });
      assert.deepEqual(await store.read((repo) => repo.userDependents(ACCOUNT, 'dep')), { ...none, loginProfile: true, attachedPolicies: true, groups: true });
      await store.write(async (repo) => {
        await repo.deleteLoginProfile('dep');
        await repo.insertAccessKey({
          id: 'AKIADEP',
          account_id: ACCOUNT,
          user_id: 'dep',
          secret_sealed: 'x',
          status: 'Active',
          created_at: now.toISOString(),
          last_used_at: null,
          last_used_service: null,
          last_used_region: null,
        });
        await repo.putInlinePolicy('dep', 'p', '{}');
      });
      assert.deepEqual(await store.read((repo) => repo.userDependents(ACCOUNT, 'dep')), {
        ...none,
        accessKeys: true,
        inlinePolicies: true,
        attachedPolicies: true,
        groups: true,
      });
      // Another account's keys are not this user's.
      assert.equal((await store.read((repo) => repo.userDependents('999988887777', 'dep'))).accessKeys, false);
    });

    test('the boundaries index follows the entities; attached policies per account', async () => {
      const arn = 'arn:aws:iam::111122223333:policy/Boundary';
      await store.write(async (repo) => {
        await repo.insertEntity({ ...entity('user', 'bounded'), data: { permissionsBoundary: arn } });
        await repo.insertEntity({ ...entity('role', 'bounded-role'), data: { permissionsBoundary: arn } });
      });
      assert.deepEqual((await store.read((repo) => repo.entityIdsWithBoundary(ACCOUNT, arn))).sort(), ['role-bounded-role', 'user-bounded']);
      assert.equal((await store.read((repo) => repo.boundaryUseCounts(ACCOUNT))).get(arn), 2);
      await store.write((repo) => repo.updateEntity('user-bounded', { data: {} }));
      await store.write((repo) => repo.deleteEntity('role-bounded-role'));
      assert.deepEqual(await store.read((repo) => repo.entityIdsWithBoundary(ACCOUNT, arn)), []);
      assert.equal((await store.read((repo) => repo.boundaryUseCounts(ACCOUNT))).get(arn), undefined);

      await store.write(async (repo) => {
        await repo.insertEntity(entity('group', 'holders'));
        await repo.attach('group-holders', 'arn:aws:iam::aws:policy/A', now);
        await repo.attach('user-bounded', 'arn:aws:iam::aws:policy/B', now);
      });
      const attached = await store.read((repo) => repo.attachedPolicyArnsInAccount(ACCOUNT));
      assert.ok(attached.has('arn:aws:iam::aws:policy/A') && attached.has('arn:aws:iam::aws:policy/B'));
      assert.equal((await store.read((repo) => repo.attachedPolicyArnsInAccount('999999999999'))).size, 0);
    });

    test('access keys, login profiles, password history and policy', async () => {
      const key = {
        id: 'AKIATEST',
        account_id: ACCOUNT,
        user_id: 'u1',
        secret_sealed: 'sealed',
        status: 'Active',
        created_at: now.toISOString(),
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      };
      await store.write((repo) => repo.insertAccessKey(key));
      await store.write((repo) => repo.insertAccessKey({ ...key, id: 'AKIAROOT', user_id: null }));
      assert.deepEqual(
        (await store.read((repo) => repo.listAccessKeys(ACCOUNT, 'u1'))).map((k) => k.id),
        ['AKIATEST'],
      );
      assert.deepEqual(
        (await store.read((repo) => repo.listAccessKeys(ACCOUNT, null))).map((k) => k.id),
        ['AKIAROOT'],
      );
      await store.write((repo) => repo.setAccessKeyStatus('AKIATEST', 'Inactive'));
      await store.touch((repo) => repo.markAccessKeyUsed('AKIATEST', now, 'iam', 'us-east-1'));
      const updated = await store.read((repo) => repo.getAccessKey('AKIATEST'));
      assert.deepEqual([updated?.status, updated?.last_used_service], ['Inactive', 'iam']);
      await store.write((repo) => repo.deleteAccessKey('AKIATEST'));
      assert.equal(await store.read((repo) => repo.getAccessKey('AKIATEST')), undefined);

      await store.write((repo) => repo.putLoginProfile({ user_id: 'u1', password_hash: 'h1', reset_required: 1, created_at: now.toISOString() }));
      await store.write((repo) => repo.putLoginProfile({ user_id: 'u1', password_hash: 'h2', reset_required: 0, created_at: now.toISOString() }));
      assert.equal((await store.read((repo) => repo.getLoginProfile('u1')))?.password_hash, 'h2');
      await store.write(async (repo) => {
        await repo.addPasswordHistory('u1', 'h1', new Date('2026-01-01T00:00:00Z'));
        await repo.addPasswordHistory('u1', 'h2', new Date('2026-01-02T00:00:00Z'));
      });
      assert.deepEqual(await store.read((repo) => repo.passwordHistory('u1', 1)), ['h2']);
      await store.write((repo) => repo.putPasswordPolicy(ACCOUNT, { MinimumPasswordLength: 9 }));
      assert.deepEqual(await store.read((repo) => repo.getPasswordPolicy(ACCOUNT)), { MinimumPasswordLength: 9 });
      assert.equal(await store.write((repo) => repo.deletePasswordPolicy(ACCOUNT)), true);
      assert.equal(await store.write((repo) => repo.deletePasswordPolicy(ACCOUNT)), false);
    });

    test("console sessions: insert, get, delete one, delete a user's or root's, delete the expired", async () => {
      const session = (idHash: string, userId: string | null, expiresAt: string) => ({
        id_hash: idHash,
        account_id: ACCOUNT,
        user_id: userId,
        stage: 'active',
        csrf: `csrf-${idHash}`,
        password_fp: 'fp',
        mfa_at: null,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        role_session: null,
      });
      const later = '2026-01-03T00:00:00.000Z';
      await store.write(async (repo) => {
        await repo.insertConsoleSession(session('s-root', null, later));
        await repo.insertConsoleSession(session('s-u1a', 'u1', later));
        await repo.insertConsoleSession(session('s-u1b', 'u1', later));
        await repo.insertConsoleSession(session('s-u2', 'u2', later));
        await repo.insertConsoleSession(session('s-old', 'u2', '2026-01-01T00:00:00.000Z'));
      });
      assert.deepEqual(await store.read((repo) => repo.getConsoleSession('s-u1a')), session('s-u1a', 'u1', later));
      assert.equal(await store.read((repo) => repo.getConsoleSession('nope')), undefined);
      const exists = (ids: string[]) => store.read(async (repo) => Promise.all(ids.map(async (id) => (await repo.getConsoleSession(id)) !== undefined)));
      await store.write((repo) => repo.deleteExpiredConsoleSessions(now));
      assert.deepEqual(await exists(['s-old', 's-u2']), [false, true]);
      await store.write((repo) => repo.deleteConsoleSessionsOfUser(ACCOUNT, 'u1'));
      assert.deepEqual(await exists(['s-u1a', 's-u1b', 's-root', 's-u2']), [false, false, true, true]);
      await store.write((repo) => repo.deleteConsoleSessionsOfUser('999988887777', null)); // another account's root
      assert.deepEqual(await exists(['s-root']), [true]);
      await store.write((repo) => repo.deleteConsoleSessionsOfUser(ACCOUNT, null));
      assert.deepEqual(await exists(['s-root', 's-u2']), [false, true]);
      await store.write((repo) => repo.deleteConsoleSession('s-u2'));
      assert.deepEqual(await exists(['s-u2']), [false]);
    });

    test('console sign-ins through an OIDC provider in progress: taken once, expired ones deleted', async () => {
      const flow = (idHash: string, expiresAt: string) => ({
        id_hash: idHash,
        browser_hash: `b-${idHash}`,
        account_id: ACCOUNT,
        data: 'sealed',
        expires_at: expiresAt,
      });
      await store.write(async (repo) => {
        await repo.insertConsoleSsoFlow(flow('f1', '2026-01-03T00:00:00.000Z'));
        await repo.insertConsoleSsoFlow(flow('f-old', '2026-01-01T00:00:00.000Z'));
      });
      // Both callers race for one flow: exactly one gets it.
      const taken = await Promise.all([store.write((repo) => repo.takeConsoleSsoFlow('f1')), store.write((repo) => repo.takeConsoleSsoFlow('f1'))]);
      assert.deepEqual(
        taken.filter((t) => t !== undefined),
        [flow('f1', '2026-01-03T00:00:00.000Z')],
      );
      await store.write((repo) => repo.deleteExpiredConsoleSsoFlows(now));
      assert.equal(await store.write((repo) => repo.takeConsoleSsoFlow('f-old')), undefined);
    });

    test('sign-in failures: one row per key, overwritten in place, cleared', async () => {
      assert.equal(await store.read((repo) => repo.getSigninFailures('k1')), undefined);
      await store.write((repo) => repo.putSigninFailures({ key: 'k1', failures: 1, locked_until: null, updated_at: now.toISOString() }));
      const locked = { key: 'k1', failures: 4, locked_until: '2026-01-02T03:05:05.000Z', updated_at: '2026-01-02T03:04:06.000Z' };
      await store.write((repo) => repo.putSigninFailures(locked));
      await store.write((repo) => repo.putSigninFailures({ key: 'k2', failures: 1, locked_until: null, updated_at: now.toISOString() }));
      assert.deepEqual(await store.read((repo) => repo.getSigninFailures('k1')), locked);
      await store.write((repo) => repo.clearSigninFailures('k1'));
      assert.equal(await store.read((repo) => repo.getSigninFailures('k1')), undefined);
      assert.equal((await store.read((repo) => repo.getSigninFailures('k2')))?.failures, 1);
    });

    test('service catalogues: put creates then replaces (keeping the creation time), pages by name, per account, delete', async () => {
      const OTHER = '444455556666';
      const row = (name: string, document: string, at: string, account = ACCOUNT) => ({ account_id: account, name, document, created_at: at, updated_at: at });
      await store.write((repo) => repo.putServiceCatalogue(row('orders', '{"v":1}', '2026-01-01T00:00:00.000Z')));
      await store.write((repo) => repo.putServiceCatalogue(row('orders', '{"v":2}', '2026-02-01T00:00:00.000Z')));
      assert.deepEqual(await store.read((repo) => repo.getServiceCatalogue(ACCOUNT, 'orders')), {
        account_id: ACCOUNT,
        name: 'orders',
        document: '{"v":2}',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-02-01T00:00:00.000Z',
      });
      for (const name of ['billing', 'a-1', 'zeta', 'a1', 'b']) await store.write((repo) => repo.putServiceCatalogue(row(name, '{}', now.toISOString())));
      await store.write((repo) => repo.putServiceCatalogue(row('orders', '{"other":true}', now.toISOString(), OTHER)));
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await store.read((repo) => repo.listServiceCatalogues(ACCOUNT, { marker, maxItems: 2 }));
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((r) => r.name));
        marker = page.marker;
      } while (marker);
      assert.deepEqual(seen, ['a-1', 'a1', 'b', 'billing', 'orders', 'zeta']);
      assert.deepEqual(
        (await store.read((repo) => repo.allServiceCatalogues(ACCOUNT))).map((r) => r.name),
        seen,
      );
      assert.equal(await store.read((repo) => repo.countServiceCatalogues(ACCOUNT)), 6);
      assert.equal(await store.read((repo) => repo.countServiceCatalogues(OTHER)), 1);
      assert.equal((await store.read((repo) => repo.getServiceCatalogue(OTHER, 'orders')))?.document, '{"other":true}');
      assert.equal(await store.write((repo) => repo.deleteServiceCatalogue(ACCOUNT, 'orders')), true);
      assert.equal(await store.write((repo) => repo.deleteServiceCatalogue(ACCOUNT, 'orders')), false);
      assert.equal(await store.read((repo) => repo.getServiceCatalogue(ACCOUNT, 'orders')), undefined);
      assert.equal((await store.read((repo) => repo.getServiceCatalogue(OTHER, 'orders')))?.name, 'orders');
    });

    test('resource policies: put creates then replaces (keeping the creation time), exact and prefix ARNs, pages by ARN, per account, delete', async () => {
      const OTHER = '444455556666';
      const arn = (rest: string, account = ACCOUNT) => `arn:aws:orders:eu-west-1:${account}:${rest}`;
      const row = (resourceArn: string, document: string, at: string, account = ACCOUNT) => ({
        account_id: account,
        resource_arn: resourceArn,
        is_prefix: resourceArn.endsWith('*') ? 1 : 0,
        document,
        created_at: at,
        updated_at: at,
      });
      await store.write((repo) => repo.putResourcePolicy(row(arn('order/42'), '{"v":1}', '2026-01-01T00:00:00.000Z')));
      await store.write((repo) => repo.putResourcePolicy(row(arn('order/42'), '{"v":2}', '2026-02-01T00:00:00.000Z')));
      assert.deepEqual(await store.read((repo) => repo.getResourcePolicy(ACCOUNT, arn('order/42'))), {
        account_id: ACCOUNT,
        resource_arn: arn('order/42'),
        is_prefix: 0,
        document: '{"v":2}',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-02-01T00:00:00.000Z',
      });
      for (const r of ['order/*', 'order/4*', '*', 'order/_x', 'order/a%b'])
        await store.write((repo) => repo.putResourcePolicy(row(arn(r), '{}', now.toISOString())));
      await store.write((repo) => repo.putResourcePolicy(row(arn('order/*', OTHER), '{"other":true}', now.toISOString(), OTHER)));
      // Byte order of the ARNs, on both databases ('*' < '/' < '4' < '_' < 'a').
      const seen: string[] = [];
      let marker: string | undefined;
      do {
        const page = await store.read((repo) => repo.listResourcePolicies(ACCOUNT, marker, 2));
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((r) => r.resource_arn));
        marker = page.marker;
      } while (marker);
      assert.deepEqual(
        seen,
        ['*', 'order/*', 'order/4*', 'order/42', 'order/_x', 'order/a%b'].map((r) => arn(r)),
      );
      assert.deepEqual(
        (await store.read((repo) => repo.listResourcePolicyPrefixes(ACCOUNT))).map((r) => r.resource_arn),
        ['*', 'order/*', 'order/4*'].map((r) => arn(r)),
      );
      assert.equal((await store.read((repo) => repo.listResourcePolicyPrefixes(OTHER))).length, 1);
      // A prefix is a key like any other: the exact ARN 'order/*' is the prefix policy, not a wildcard lookup.
      assert.equal(await store.read((repo) => repo.getResourcePolicy(ACCOUNT, arn('order/43'))), undefined);
      assert.equal(await store.write((repo) => repo.deleteResourcePolicy(ACCOUNT, arn('order/*'))), true);
      assert.equal(await store.write((repo) => repo.deleteResourcePolicy(ACCOUNT, arn('order/*'))), false);
      assert.equal((await store.read((repo) => repo.getResourcePolicy(OTHER, arn('order/*', OTHER))))?.document, '{"other":true}');
    });

    test('gateways: insert, by id and by token hash only (unique), per account and service, oldest first, revoke once', async () => {
      const OTHER = '444455556666';
      const row = (id: string, service: string, at: string, account = ACCOUNT) => ({
        id,
        account_id: account,
        service_name: service,
        name: `gw-${id}`,
        token_hash: `hash-${id.slice(3)}`,
        created_by: `arn:aws:iam::${account}:user/admin`,
        created_at: at,
        revoked_at: null,
      });
      await store.write((repo) => repo.insertGateway(row('gw-b', 'orders', '2026-01-02T00:00:00.000Z')));
      await store.write((repo) => repo.insertGateway(row('gw-a', 'orders', '2026-01-02T00:00:00.000Z')));
      await store.write((repo) => repo.insertGateway(row('gw-c', 'billing', '2026-01-01T00:00:00.000Z')));
      await store.write((repo) => repo.insertGateway(row('gw-d', 'orders', '2026-01-01T00:00:00.000Z', OTHER)));
      assert.deepEqual(await store.read((repo) => repo.getGateway('gw-a')), row('gw-a', 'orders', '2026-01-02T00:00:00.000Z'));
      assert.equal((await store.read((repo) => repo.getGatewayByTokenHash('hash-b')))?.id, 'gw-b');
      assert.equal(await store.read((repo) => repo.getGatewayByTokenHash('gw-b')), undefined);
      // One token, one gateway: a second row with the same hash is refused by the database.
      await assert.rejects(store.write((repo) => repo.insertGateway({ ...row('gw-e', 'orders', now.toISOString()), token_hash: 'hash-a' })));
      assert.equal(await store.read((repo) => repo.getGateway('gw-e')), undefined);
      assert.deepEqual(
        (await store.read((repo) => repo.listGateways(ACCOUNT))).map((r) => r.id),
        ['gw-c', 'gw-a', 'gw-b'],
      );
      assert.deepEqual(
        (await store.read((repo) => repo.listGateways(ACCOUNT, 'orders'))).map((r) => r.id),
        ['gw-a', 'gw-b'],
      );
      assert.deepEqual(
        (await store.read((repo) => repo.listGateways(OTHER))).map((r) => r.id),
        ['gw-d'],
      );
      await store.write((repo) => repo.revokeGateway('gw-a', new Date('2026-03-01T00:00:00.000Z')));
      await store.write((repo) => repo.revokeGateway('gw-a', new Date('2026-04-01T00:00:00.000Z')));
      assert.equal((await store.read((repo) => repo.getGatewayByTokenHash('hash-a')))?.revoked_at, '2026-03-01T00:00:00.000Z');
      assert.equal((await store.read((repo) => repo.getGateway('gw-b')))?.revoked_at, null);
    });

    test('outbound federation: one issuer per account (unique id), enabled and disabled in place; signing keys per account, oldest first, deleted one by one', async () => {
      const OTHER = '444455556666';
      const issuer = (account: string, id: string) => ({
        account_id: account,
        issuer_id: id,
        enabled: 1,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        disabled_at: null,
      });
      await store.write((repo) => repo.insertOutboundFederation(issuer(ACCOUNT, 'issuer-a')));
      await assert.rejects(store.write((repo) => repo.insertOutboundFederation(issuer(OTHER, 'issuer-a'))));
      await assert.rejects(store.write((repo) => repo.insertOutboundFederation(issuer(ACCOUNT, 'issuer-b'))));
      assert.deepEqual(await store.read((repo) => repo.getOutboundFederation(ACCOUNT)), issuer(ACCOUNT, 'issuer-a'));
      assert.equal((await store.read((repo) => repo.getOutboundFederationByIssuer('issuer-a')))?.account_id, ACCOUNT);
      assert.equal(await store.read((repo) => repo.getOutboundFederation(OTHER)), undefined);
      const off = new Date('2026-02-01T00:00:00.000Z');
      assert.equal(await store.write((repo) => repo.setOutboundFederationEnabled(ACCOUNT, false, off)), true);
      assert.equal(await store.write((repo) => repo.setOutboundFederationEnabled(OTHER, false, off)), false);
      assert.deepEqual(await store.read((repo) => repo.getOutboundFederation(ACCOUNT)), {
        ...issuer(ACCOUNT, 'issuer-a'),
        enabled: 0,
        updated_at: off.toISOString(),
        disabled_at: off.toISOString(),
      });
      await store.write((repo) => repo.setOutboundFederationEnabled(ACCOUNT, true, now));
      assert.equal((await store.read((repo) => repo.getOutboundFederation(ACCOUNT)))?.disabled_at, null);

      const key = (kid: string, at: string, account = ACCOUNT) => ({
        kid,
        account_id: account,
        alg: 'RS256',
        public_jwk: `{"kid":"${kid}"}`,
        private_sealed: `sealed-${kid}`,
        created_at: at,
        active_from: at,
      });
      await store.write((repo) => repo.insertOutboundSigningKey(key('k2', '2026-01-02T00:00:00.000Z')));
      await store.write((repo) => repo.insertOutboundSigningKey(key('k1', '2026-01-01T00:00:00.000Z')));
      await store.write((repo) => repo.insertOutboundSigningKey(key('k3', '2026-01-01T00:00:00.000Z', OTHER)));
      await assert.rejects(store.write((repo) => repo.insertOutboundSigningKey(key('k1', '2026-01-03T00:00:00.000Z'))));
      assert.deepEqual(await store.read((repo) => repo.listOutboundSigningKeys(ACCOUNT)), [
        key('k1', '2026-01-01T00:00:00.000Z'),
        key('k2', '2026-01-02T00:00:00.000Z'),
      ]);
      assert.equal(await store.write((repo) => repo.deleteOutboundSigningKey(OTHER, 'k1')), false);
      assert.equal(await store.write((repo) => repo.deleteOutboundSigningKey(ACCOUNT, 'k1')), true);
      assert.deepEqual(
        (await store.read((repo) => repo.listOutboundSigningKeys(ACCOUNT))).map((k) => k.kid),
        ['k2'],
      );
    });

    test('meta: a value per key, set and overwritten; getMeta/setMeta are the same queries', async () => {
      assert.equal(await store.read((repo) => repo.getMeta('contract')), undefined);
      await store.write((repo) => repo.setMeta('contract', 'one'));
      await store.write((repo) => setMeta(repo, 'contract', 'two'));
      await store.write((repo) => repo.setMeta('contract-other', 'x'));
      assert.equal(await store.read((repo) => getMeta(repo, 'contract')), 'two');
      assert.equal(await store.read((repo) => repo.getMeta('contract-other')), 'x');
    });

    test('capabilities: what the dialect declares; touch never bumps the generation', async () => {
      assert.deepEqual(
        { ...store.capabilities },
        dialect.name === 'sqlite'
          ? { readCache: true, directStatements: true, serializableRetries: false, notify: false }
          : { readCache: true, directStatements: false, serializableRetries: true, notify: true },
      );
      const before = store.generation;
      await store.touch((repo) => repo.markAccessKeyUsed('AKIAROOT', now, 'sts', 'us-east-1'));
      assert.equal(store.generation, before);
      assert.equal((await store.read((repo) => repo.getAccessKey('AKIAROOT')))?.last_used_service, 'sts');
      assert.equal(store.integrityCheck(), 'ok');
    });

    test('notify: another store on the same database learns of a write at once', { skip: dialect.name !== 'postgres' }, async () => {
      assert.ok(store.capabilities.notify);
      const other = await Store.openPostgres(url!, { cacheTtlMs: 60_000 });
      try {
        const heard = new Promise<unknown>((resolve) => other.once('change', resolve));
        const before = other.generation;
        await store.write((repo) => repo.setMeta('notify', 'sent'));
        assert.equal(
          await Promise.race([heard, new Promise((r) => setTimeout(() => r('timeout'), 5_000))]),
          undefined,
          'a notice, with no details: anything may have changed',
        );
        assert.ok(other.generation > before);
        assert.equal(await other.read((repo) => repo.getMeta('notify')), 'sent');
      } finally {
        await other.close();
      }
    });

    test('a failed write changes nothing; reads inside a write see its changes; writes bump the generation', async () => {
      const before = store.generation;
      const session = store.session();
      await assert.rejects(
        session.write(async (repo) => {
          await repo.insertEntity(entity('user', 'ghost'));
          // A read through the same session joins the write; the session knows it may have written.
          const inside = await session.read((r) => r.getEntityByName(ACCOUNT, 'user', 'ghost'));
          assert.equal(inside?.name, 'ghost');
          assert.equal(session.inWriteTransaction(), true);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(session.inWriteTransaction(), false);
      // A Repo kept past its transaction refuses to run anything.
      const leaked = await store.read(async (repo) => repo);
      await assert.rejects(leaked.getAccount(ACCOUNT), /Repo used after its transaction ended/);
      assert.equal(await store.read((repo) => repo.getEntityByName(ACCOUNT, 'user', 'ghost')), undefined);
      assert.ok(store.generation > before);
      await store.write((repo) => repo.setAccountAlias(ACCOUNT, 'my-alias'));
      assert.equal((await store.read((repo) => repo.getAccountByAlias('my-alias')))?.id, ACCOUNT);
    });

    test('reads outside writes are answered from memory until the next write, which they then see', async () => {
      await store.write(async (repo) => {
        await repo.insertEntity(entity('user', 'cached', '/c/'));
        await repo.putTags('user-cached', [{ Key: 'k', Value: 'v1' }]);
      });
      const first = await store.read((repo) => repo.getEntityByName<{ note: string }>(ACCOUNT, 'user', 'CACHED'));
      const again = await store.read((repo) => repo.getEntityById<{ note: string }>('user-cached'));
      assert.equal(first?.path, '/c/');
      if (store.capabilities.readCache) {
        // Shared between requests, so nobody may change it.
        assert.throws(() => {
          (first as { path: string }).path = '/x/';
        }, TypeError);
        assert.throws(() => {
          (again!.data as { note: string }).note = 'x';
        }, TypeError);
      }
      assert.deepEqual(await store.read((repo) => repo.getTags('user-cached')), [{ Key: 'k', Value: 'v1' }]);
      await store.write(async (repo) => {
        await repo.updateEntity('user-cached', { path: '/d/', data: { note: 'changed' } });
        await repo.putTags('user-cached', [{ Key: 'k', Value: 'v2' }]);
      });
      assert.equal((await store.read((repo) => repo.getEntityByName(ACCOUNT, 'user', 'cached')))?.path, '/d/');
      assert.deepEqual((await store.read((repo) => repo.getEntityById<{ note: string }>('user-cached')))?.data, { note: 'changed' });
      assert.deepEqual(await store.read((repo) => repo.getTags('user-cached')), [{ Key: 'k', Value: 'v2' }]);
      await store.write((repo) => repo.deleteEntity('user-cached'));
      assert.equal(await store.read((repo) => repo.getEntityById('user-cached')), undefined);

      // Pages too: a page read twice is the same; a write shows in the next read.
      const page = () => store.read((repo) => repo.listEntities(ACCOUNT, 'group', { pathPrefix: '/pg/', maxItems: 2 }));
      await store.write((repo) => repo.insertEntity(entity('group', 'pg-b', '/pg/')));
      assert.deepEqual(
        (await page()).items.map((e) => e.name),
        ['pg-b'],
      );
      const cachedPage = await page();
      cachedPage.items.push(entity('group', 'not-stored')); // the caller's copy of the list
      assert.deepEqual(
        (await page()).items.map((e) => e.name),
        ['pg-b'],
      );
      await store.write((repo) => repo.insertEntity(entity('group', 'pg-a', '/pg/')));
      assert.deepEqual(
        (await page()).items.map((e) => e.name),
        ['pg-a', 'pg-b'],
      );
    });

    test('a database connection the server ends is replaced, not fatal', { skip: dialect.name !== 'postgres' }, async () => {
      await store.read((repo) => repo.getAccount(ACCOUNT)); // leaves an idle pooled connection
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      const database = new URL(url!).pathname.slice(1);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]);
      await admin.end();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await store.read((repo) => repo.getAccount(ACCOUNT)))?.id, ACCOUNT);
    });

    test('concurrent writers cannot break an invariant (at most 2 keys per user)', async () => {
      const attempt = (i: number) =>
        store.write(async (repo) => {
          const keys = await repo.listAccessKeys(ACCOUNT, 'u9');
          if (keys.length >= 2) return false;
          await repo.insertAccessKey({
            id: `AKIACONC${i}`,
            account_id: ACCOUNT,
            user_id: 'u9',
            secret_sealed: 's',
            status: 'Active',
            created_at: now.toISOString(),
            last_used_at: null,
            last_used_service: null,
            last_used_region: null,
          });
          return true;
        });
      const results = await Promise.all([1, 2, 3, 4, 5].map(attempt));
      assert.equal(results.filter(Boolean).length, 2);
      assert.equal((await store.read((repo) => repo.listAccessKeys(ACCOUNT, 'u9'))).length, 2);
    });
  });
}
