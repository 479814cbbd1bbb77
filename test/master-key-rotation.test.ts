// `iamd rotate-master-key` re-seals every stored secret under a new master key while iamd serves.
// It is killed (SIGKILL, as kill -9) in the middle of a rotation twice; each time the serving node
// keeps verifying every access key, a node given only the old key refuses to start, and running
// the command again resumes. At the end no value sealed before the rotation is left anywhere in
// the store, every secret opens under the new key and none under the old one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  CreateAccessKeyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  CreateSAMLProviderCommand,
  CreateServiceSpecificCredentialCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableOutboundWebIdentityFederationCommand,
  UploadServerCertificateCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleWithSAMLCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SecretBox } from '../src/crypto/secret-box.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient, stsClient, tempDataDir, type Credentials } from './helpers.ts';
import { b64, makeTestIdp, type TestIdp } from './saml-idp.ts';
import { startChild, stopChild } from './child-process.ts';
import { run } from './run-command.ts';
import { makeTestCa } from './tls.ts';
import { createTestDatabase } from './pg.ts';
import { IAMD } from './iamd-cli.ts';

const iamd = (args: string[], env: NodeJS.ProcessEnv = {}) => run(process.execPath, [...IAMD, ...args], env);

/** Every sealed value (`v1.` + base64) anywhere in the SQLite store, JSON data included. */
function sealedValues(dataDir: string): Set<string> {
  const db = new BetterSqlite3(join(dataDir, 'iamd.sqlite'), { readonly: true });
  const found = new Set<string>();
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
        for (const value of Object.values(row)) {
          if (typeof value !== 'string') continue;
          for (const m of value.matchAll(/v1\.[A-Za-z0-9+/]{20,}={0,2}/g)) found.add(m[0]);
        }
      }
    }
  } finally {
    db.close();
  }
  return found;
}

/** Starts `iamd serve` and resolves whether it started (then killed) or refused, with its output. */
function tryServe(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ started: boolean; output: string }> {
  const child = spawn(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, IAMD_ACCOUNT_ID: ACCOUNT_ID, IAMD_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('"msg":"iamd listening"')) {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve({ started: true, output }));
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => resolve({ started: false, output }));
  });
}

async function allKeysVerify(url: string, keys: Credentials[]): Promise<void> {
  for (const key of keys) {
    const me = await stsClient(url, key).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, ACCOUNT_ID);
  }
}

// A SAML provider holding a private key (assertions must come encrypted for it), and an OIDC
// provider with a console sign-in client secret: both sealed in the provider's JSON data.
const SAML_ARN = `arn:aws:iam::${ACCOUNT_ID}:saml-provider/RotationIdp`;
const SAML_ROLE = `arn:aws:iam::${ACCOUNT_ID}:role/SamlRotation`;
const OIDC_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/oidc.rotation.example`;
const OIDC_CLIENT_SECRET = 'rotation-console-client-secret';
const samlPrivateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

async function seedProviders(url: string): Promise<TestIdp> {
  const idp = await makeTestIdp('https://idp.rotation.example/saml');
  const iam = iamClient(url);
  await iam.send(
    new CreateSAMLProviderCommand({
      Name: 'RotationIdp',
      SAMLMetadataDocument: idp.metadata(),
      AssertionEncryptionMode: 'Required',
      AddPrivateKey: samlPrivateKey,
    }),
  );
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: SAML_ARN }, Action: 'sts:AssumeRoleWithSAML' }] };
  await iam.send(new CreateRoleCommand({ RoleName: 'SamlRotation', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://oidc.rotation.example',
      ClientIDList: ['console-client'],
      ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
    }),
  );
  // iamd's extension: the console's OAuth client at that provider, its secret sealed.
  const body = JSON.stringify({
    OpenIDConnectProviderArn: OIDC_ARN,
    Enabled: true,
    ClientId: 'console-client',
    ClientSecret: OIDC_CLIENT_SECRET,
    DisplayName: 'Rotation',
  });
  const u = new URL('/iamd/oidc-providers/console-sign-in', url);
  const signer = new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const headers = { host: u.host, 'content-type': 'application/json' };
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: u.pathname,
    query: {},
    headers,
    body,
  });
  const res = await fetch(u, { method: 'PUT', headers: signed.headers as Record<string, string>, body });
  assert.equal(res.status, 200, await res.text());
  return idp;
}

/** AssumeRoleWithSAML with an assertion encrypted for the provider's key: iamd must open that key to decrypt it. */
async function encryptedSamlWorks(url: string, idp: TestIdp): Promise<void> {
  const sts = new STSClient({
    endpoint: url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: async () => {
      throw new Error('unsigned');
    },
  });
  const response = idp.response({ encryptFor: samlPrivateKey, attributes: { Role: [`${SAML_ROLE},${SAML_ARN}`], RoleSessionName: ['rotated'] } });
  const out = await sts.send(new AssumeRoleWithSAMLCommand({ RoleArn: SAML_ROLE, PrincipalArn: SAML_ARN, SAMLAssertion: b64(response) }));
  assert.match(out.AssumedRoleUser!.Arn!, /:assumed-role\/SamlRotation\/rotated$/);
}

test('rotate-master-key re-seals every secret online, survives kill -9 twice, and resumes', async () => {
  const dir = tempDataDir();
  const ca = await makeTestCa(tempDataDir());
  const issued = await ca.issue(['rotation.example']);
  const cert = issued.cert.slice(0, issued.cert.indexOf('-----END CERTIFICATE-----') + 26); // the leaf, without the CA after it
  const certKey = issued.key;
  let child = await startChild(dir);
  const keys: Credentials[] = [];
  let idp: TestIdp | undefined;
  try {
    const iam = iamClient(child.url);
    for (let i = 0; i < 5; i++) {
      await iam.send(new CreateUserCommand({ UserName: `user-${i}` }));
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: `user-${i}` }))).AccessKey!;
      keys.push({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    }
    await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'rotation-mfa' }));
    await iam.send(new CreateServiceSpecificCredentialCommand({ UserName: 'user-0', ServiceName: 'codecommit.amazonaws.com' }));
    await iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'rotation-cert', CertificateBody: cert, PrivateKey: certKey }));
    // The account's outbound issuer: its signing keys are sealed too (every sealed value in every table is checked below).
    await iam.send(new EnableOutboundWebIdentityFederationCommand({}));
    idp = await seedProviders(child.url);
    await encryptedSamlWorks(child.url, idp);
  } finally {
    await stopChild(child);
  }
  const before = sealedValues(dir);
  assert.ok(before.size >= 11, `sealed values found: ${before.size}`);
  const oldKey = readFileSync(join(dir, 'master.key'), 'utf8').trim();
  const newKey = randomBytes(32).toString('base64');
  const newKeyFile = join(tempDataDir(), 'new.key');
  writeFileSync(newKeyFile, `${newKey}\n`, { mode: 0o600 });
  const rotate = (env: NodeJS.ProcessEnv = {}) => iamd(['rotate-master-key', '--data-dir', dir, '--new-key-file', newKeyFile], env);

  // Step 1: the new key beside the old one; iamd restarted on both.
  const prepared = await iamd(['rotate-master-key', '--prepare', '--data-dir', dir, '--new-key-file', newKeyFile]);
  assert.equal(prepared.code, 0, prepared.stderr);
  assert.equal(readFileSync(join(dir, 'master.key.new'), 'utf8').trim(), newKey);
  child = await startChild(dir);
  try {
    // Two rotations killed after a few rows while iamd serves: every key keeps verifying.
    for (const after of ['2', '3']) {
      const killed = await rotate({ IAMD_TEST_ROTATION_KILL_AFTER: after });
      assert.equal(killed.code, null, `the rotation was to be killed: ${killed.stdout}${killed.stderr}`);
      await allKeysVerify(child.url, keys);
      await encryptedSamlWorks(child.url, idp!);
      const remaining = sealedValues(dir);
      assert.ok(
        [...before].some((v) => remaining.has(v)),
        'the rotation was killed in the middle',
      );
      assert.ok(
        [...remaining].some((v) => !before.has(v)),
        'some rows were re-sealed before the kill',
      );
    }
  } finally {
    await stopChild(child, 'SIGKILL');
  }
  // A node given only the old key refuses while the rotation is in progress.
  const oldOnly = await tryServe(dir, { IAMD_MASTER_KEY: oldKey });
  assert.equal(oldOnly.started, false);
  assert.match(oldOnly.output, /master key rotation is in progress/);

  // Resumed to the end, iamd serving meanwhile.
  child = await startChild(dir);
  try {
    const done = await rotate();
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /re-sealed \d+ secrets/);
    await allKeysVerify(child.url, keys);
    await encryptedSamlWorks(child.url, idp!);
  } finally {
    await stopChild(child);
  }
  assert.equal(existsSync(join(dir, 'master.key.new')), false);
  assert.equal(readFileSync(join(dir, 'master.key'), 'utf8').trim(), newKey);

  const after = sealedValues(dir);
  assert.deepEqual(
    [...before].filter((v) => after.has(v)),
    [],
    'no value sealed under the old key is left',
  );
  // Every secret opens under the new key, none under the old one.
  const newBox = new SecretBox(Buffer.from(newKey, 'base64'));
  const oldBox = new SecretBox(Buffer.from(oldKey, 'base64'));
  const db = new BetterSqlite3(join(dir, 'iamd.sqlite'), { readonly: true });
  try {
    const sealed: [string, string][] = [];
    for (const r of db.prepare('select id, secret_sealed from access_keys').all() as { id: string; secret_sealed: string }[])
      sealed.push([r.secret_sealed, r.id]);
    for (const r of db.prepare('select id, secret_sealed from service_specific_credentials').all() as { id: string; secret_sealed: string }[])
      sealed.push([r.secret_sealed, r.id]);
    for (const r of db.prepare('select id, data from entities').all() as { id: string; data: string }[]) {
      const data = JSON.parse(r.data) as {
        seed?: string;
        privateKey?: string;
        privateKeys?: { keyId: string; sealed: string }[];
        consoleSignIn?: { clientSecretSealed?: string };
      };
      if (data.seed) sealed.push([data.seed, r.id]);
      if (data.privateKey) sealed.push([data.privateKey, `server-certificate/${r.id}/private-key`]);
      for (const k of data.privateKeys ?? []) sealed.push([k.sealed, `saml-provider-key:${r.id}:${k.keyId}`]);
      if (data.consoleSignIn?.clientSecretSealed) {
        const record = `oidc-console-client-secret:${r.id}`;
        sealed.push([data.consoleSignIn.clientSecretSealed, record]);
        // The console's client secret unseals to what was given, under the new key.
        assert.equal(newBox.open(data.consoleSignIn.clientSecretSealed, record), OIDC_CLIENT_SECRET);
      }
    }
    const check = db.prepare("select value from meta where key = 'master_key_check'").get() as { value: string };
    sealed.push([check.value, 'iamd:meta:master_key_check']);
    assert.equal(sealed.length, 5 + 1 /* root */ + 1 + 1 + 1 + 1 /* SAML key */ + 1 /* OIDC client secret */ + 1);
    for (const [value, record] of sealed) {
      assert.doesNotThrow(() => newBox.open(value, record), record);
      assert.throws(() => oldBox.open(value, record), record);
    }
    assert.equal(db.prepare("select 1 from meta where key = 'master_key_rotation'").get(), undefined);
  } finally {
    db.close();
  }

  // The old key alone no longer starts iamd; the new one, alone, serves every key.
  const stale = await tryServe(dir, { IAMD_MASTER_KEY: oldKey });
  assert.equal(stale.started, false);
  assert.match(stale.output, /does not open the secrets/);
  child = await startChild(dir);
  try {
    await allKeysVerify(child.url, keys);
    await encryptedSamlWorks(child.url, idp!);
  } finally {
    await stopChild(child);
  }
});

test('with IAMD_MASTER_KEY, the keyring "NEW,OLD" serves during the rotation and NEW alone after it', async () => {
  const dir = tempDataDir();
  const oldKey = randomBytes(32).toString('hex');
  const newKey = randomBytes(32).toString('hex');
  let child = await startChild(dir, { IAMD_MASTER_KEY: oldKey });
  let key: Credentials;
  try {
    await iamClient(child.url).send(new CreateUserCommand({ UserName: 'env-key' }));
    const k = (await iamClient(child.url).send(new CreateAccessKeyCommand({ UserName: 'env-key' }))).AccessKey!;
    key = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  } finally {
    await stopChild(child);
  }
  child = await startChild(dir, { IAMD_MASTER_KEY: `${newKey},${oldKey}` });
  try {
    const killed = await iamd(['rotate-master-key', '--data-dir', dir], { IAMD_MASTER_KEY: `${newKey},${oldKey}`, IAMD_TEST_ROTATION_KILL_AFTER: '1' });
    assert.equal(killed.code, null);
    await allKeysVerify(child.url, [key]);
    const resumed = await iamd(['rotate-master-key', '--data-dir', dir], { IAMD_MASTER_KEY: oldKey, IAMD_NEW_MASTER_KEY: newKey });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /IAMD_MASTER_KEY=NEW/);
    await allKeysVerify(child.url, [key]);
  } finally {
    await stopChild(child);
  }
  assert.equal(existsSync(join(dir, 'master.key')), false, 'no key file beside an IAMD_MASTER_KEY');
  assert.equal((await tryServe(dir, { IAMD_MASTER_KEY: oldKey })).started, false);
  child = await startChild(dir, { IAMD_MASTER_KEY: newKey });
  try {
    await allKeysVerify(child.url, [key]);
  } finally {
    await stopChild(child);
  }
});

test('PostgreSQL: several nodes on NEW,OLD while the rotation runs (killed once), then NEW alone', async () => {
  const db = await createTestDatabase();
  const oldKey = randomBytes(32).toString('hex');
  const newKey = randomBytes(32).toString('hex');
  const node = (masterKey: string) => startChild(tempDataDir(), { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey });
  try {
    let a = await node(oldKey);
    const keys: Credentials[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        await iamClient(a.url).send(new CreateUserCommand({ UserName: `pg-${i}` }));
        const k = (await iamClient(a.url).send(new CreateAccessKeyCommand({ UserName: `pg-${i}` }))).AccessKey!;
        keys.push({ accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
      }
    } finally {
      await stopChild(a);
    }
    a = await node(`${newKey},${oldKey}`);
    const b = await node(`${newKey},${oldKey}`);
    try {
      const env = { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: oldKey, IAMD_NEW_MASTER_KEY: newKey };
      const killed = await iamd(['rotate-master-key'], { ...env, IAMD_TEST_ROTATION_KILL_AFTER: '2' });
      assert.equal(killed.code, null);
      await allKeysVerify(a.url, keys);
      await allKeysVerify(b.url, keys);
      const done = await iamd(['rotate-master-key'], env);
      assert.equal(done.code, 0, done.stderr);
      await allKeysVerify(b.url, keys);
    } finally {
      await stopChild(a);
      await stopChild(b);
    }
    assert.equal((await tryServe(tempDataDir(), { IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: oldKey })).started, false);
    const c = await node(newKey);
    try {
      await allKeysVerify(c.url, keys);
    } finally {
      await stopChild(c);
    }
  } finally {
    await db.drop();
  }
});
