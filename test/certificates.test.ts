// Server certificates, signing certificates and SSH public keys through the real AWS SDK for
// JavaScript v3 (and one aws CLI call), against a fresh iamd. Certificates and keys are made here:
// X.509 with @peculiar/x509, SSH keys with node:crypto and formatted by sshpk.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import sshpk from 'sshpk';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteServerCertificateCommand,
  DeleteSigningCertificateCommand,
  DeleteUserCommand,
  DeleteSSHPublicKeyCommand,
  GetAccountSummaryCommand,
  GetServerCertificateCommand,
  GetSSHPublicKeyCommand,
  ListServerCertificatesCommand,
  ListServerCertificateTagsCommand,
  ListSigningCertificatesCommand,
  ListSSHPublicKeysCommand,
  PutUserPolicyCommand,
  TagServerCertificateCommand,
  UntagServerCertificateCommand,
  UpdateServerCertificateCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
  UploadServerCertificateCommand,
  UploadSigningCertificateCommand,
  UploadSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, ROOT_KEY, awsError, iamClient, startTestApp } from './helpers.ts';
import { run } from './run-command.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type Alg = typeof RSA | typeof EC;
const DAY = 86_400_000;

interface Issued {
  pem: string;
  /** PKCS#8 PEM of the certificate's private key. */
  key: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  alg: Alg;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

let serial = 0;

/** A certificate for `cn` (ECDSA unless told: RSA key generation is slow), self-signed or issued by `issuer`, valid from `from` to `to` (ms from now). */
async function issue(cn: string, opts: { alg?: Alg; issuer?: Issued; ca?: boolean; from?: number; to?: number } = {}): Promise<Issued> {
  const alg = opts.alg ?? EC;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const signer = opts.issuer ?? { keys, alg, cert: undefined };
  serial += 1;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString(16).padStart(2, '0'),
    subject: `CN=${cn}`,
    issuer: signer.cert ? signer.cert.subject : `CN=${cn}`,
    notBefore: new Date(Date.now() + (opts.from ?? -DAY)),
    notAfter: new Date(Date.now() + (opts.to ?? 30 * DAY)),
    publicKey: keys.publicKey,
    signingKey: signer.keys.privateKey,
    signingAlgorithm: signer.alg,
    extensions: opts.ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : [],
  });
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { pem: cert.toString('pem'), key, cert, keys, alg };
}

/**
 * An OpenSSH public key line for an RSA public key of `bits`, with a comment. A public key is
 * parsed, never used: a random odd modulus of the right length makes a distinct key at no cost
 * (generating real RSA keys takes seconds on a shared machine).
 */
function sshRsa(bits = 2048): { line: string; spki: string; blob: Buffer } {
  const n = randomBytes(bits / 8);
  n[0]! |= 0x80;
  n[n.length - 1]! |= 1;
  const publicKey = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
  const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const blob = sshpk.parseKey(spki, 'pem').toBuffer('rfc4253');
  return { line: `ssh-rsa ${blob.toString('base64')} alice@laptop`, spki, blob };
}

const md5Fingerprint = (blob: Buffer) => createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');

const certArn = (path: string, name: string) => `arn:aws:iam::${ACCOUNT_ID}:server-certificate${path}${name}`;

describe('certificates and SSH public keys with @aws-sdk/client-iam', () => {
  let app: App;
  let rsaCert: Issued;
  before(async () => {
    app = await startTestApp();
    rsaCert = await issue('www.example.com', { alg: RSA });
  });
  after(() => app.close());

  test('UploadServerCertificate → Get, List, summary: metadata as AWS gives it, the private key never returned and sealed at rest', async () => {
    const iam = iamClient(app);
    const up = await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: 'www',
        Path: '/prod/',
        CertificateBody: rsaCert.pem,
        PrivateKey: rsaCert.key,
        Tags: [{ Key: 'team', Value: 'web' }],
      }),
    );
    const meta = up.ServerCertificateMetadata!;
    assert.equal(meta.ServerCertificateName, 'www');
    assert.equal(meta.Path, '/prod/');
    assert.equal(meta.Arn, certArn('/prod/', 'www'));
    assert.match(meta.ServerCertificateId ?? '', /^ASCA[A-Z2-7]{17}$/);
    assert.equal(meta.Expiration?.getTime(), Math.floor(rsaCert.cert.notAfter.getTime() / 1000) * 1000);
    assert.ok(meta.UploadDate instanceof Date);
    assert.deepEqual(up.Tags, [{ Key: 'team', Value: 'web' }]);

    const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'WWW' }));
    assert.equal(got.ServerCertificate?.CertificateBody, rsaCert.pem);
    assert.equal(got.ServerCertificate?.CertificateChain, undefined);
    assert.deepEqual(got.ServerCertificate?.ServerCertificateMetadata, meta);
    assert.deepEqual(got.ServerCertificate?.Tags, [{ Key: 'team', Value: 'web' }]);

    const list = await iam.send(new ListServerCertificatesCommand({}));
    assert.deepEqual(list.ServerCertificateMetadataList, [meta]);
    assert.equal(list.IsTruncated, false);
    const keyBase64 = rsaCert.key.split('\n')[1]!;
    assert.ok(!JSON.stringify([got, list]).includes(keyBase64));

    // At rest: sealed with the master key, not the PEM.
    const row = await app.store.read((repo) => repo.getEntityByName<{ privateKey: string }>(ACCOUNT_ID, 'server-certificate', 'www'));
    assert.ok(row && !row.data.privateKey.includes('PRIVATE KEY') && !row.data.privateKey.includes(keyBase64));
    assert.equal(app.services.secrets.open(row.data.privateKey, `server-certificate/${row.id}/private-key`), rsaCert.key);

    const summary = await iam.send(new GetAccountSummaryCommand({}));
    assert.equal(summary.SummaryMap?.ServerCertificates, 1);
    assert.equal(summary.SummaryMap?.ServerCertificatesQuota, 20);
  });

  test('a chain in issuing order is accepted with an ECDSA leaf; a chain out of order names the failing index', async () => {
    const iam = iamClient(app);
    const root = await issue('Test Root CA', { alg: EC, ca: true });
    const intermediate = await issue('Test Intermediate CA', { alg: EC, issuer: root, ca: true });
    const leaf = await issue('api.example.com', { alg: EC, issuer: intermediate });
    const chain = intermediate.pem + root.pem;
    await iam.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'api', CertificateBody: leaf.pem, PrivateKey: leaf.key, CertificateChain: chain }),
    );
    const got = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'api' }));
    assert.equal(got.ServerCertificate?.CertificateChain, chain);
    // Without the root is fine too: AWS does not need it.
    await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: 'api-short',
        CertificateBody: leaf.pem,
        PrivateKey: leaf.key,
        CertificateChain: intermediate.pem,
      }),
    );

    const chainError = (index: number) =>
      `Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: ${index}`;
    const reversed = await awsError(() =>
      iam.send(
        new UploadServerCertificateCommand({
          ServerCertificateName: 'bad',
          CertificateBody: leaf.pem,
          PrivateKey: leaf.key,
          CertificateChain: root.pem + intermediate.pem,
        }),
      ),
    );
    assert.deepEqual(reversed, { name: 'MalformedCertificate', status: 400, message: chainError(-1) });
    const otherRoot = await issue('Other Root CA', { alg: EC, ca: true });
    const wrongRoot = await awsError(() =>
      iam.send(
        new UploadServerCertificateCommand({
          ServerCertificateName: 'bad',
          CertificateBody: leaf.pem,
          PrivateKey: leaf.key,
          CertificateChain: intermediate.pem + otherRoot.pem,
        }),
      ),
    );
    assert.deepEqual(wrongRoot, { name: 'MalformedCertificate', status: 400, message: chainError(0) });
    const textInChain = await awsError(() =>
      iam.send(
        new UploadServerCertificateCommand({
          ServerCertificateName: 'bad',
          CertificateBody: leaf.pem,
          PrivateKey: leaf.key,
          CertificateChain: `subject=CN=x\n${intermediate.pem}`,
        }),
      ),
    );
    assert.equal(textInChain.name, 'MalformedCertificate');
    assert.equal(textInChain.message, 'Unable to parse certificate chain. Please ensure the certificate chain is in PEM format.');

    for (const name of ['api', 'api-short']) await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
  });

  test('UploadServerCertificate refuses what AWS refuses, and stores nothing', async () => {
    const iam = iamClient(app);
    const upload = (over: { CertificateBody?: string; PrivateKey?: string; ServerCertificateName?: string }) =>
      awsError(() =>
        iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'refused', CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key, ...over })),
      );
    const malformed = { name: 'MalformedCertificate', status: 400, message: 'Unable to parse certificate. Please ensure the certificate is in PEM format.' };
    assert.deepEqual(await upload({ CertificateBody: 'not a certificate' }), malformed);
    assert.deepEqual(await upload({ CertificateBody: `Certificate:\n${rsaCert.pem}` }), malformed);
    assert.deepEqual(await upload({ CertificateBody: rsaCert.pem.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n') }), malformed);

    const expired = await issue('old.example.com', { from: -30 * DAY, to: -DAY });
    assert.deepEqual(await upload({ CertificateBody: expired.pem, PrivateKey: expired.key }), {
      name: 'MalformedCertificate',
      status: 400,
      message: "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed.",
    });
    const future = await issue('soon.example.com', { from: DAY, to: 30 * DAY });
    assert.equal((await upload({ CertificateBody: future.pem, PrivateKey: future.key })).name, 'MalformedCertificate');

    const other = await issue('other.example.com');
    const mismatch = { name: 'KeyPairMismatch', status: 400, message: 'The public key certificate and the private key do not match.' };
    assert.deepEqual(await upload({ PrivateKey: other.key }), mismatch);
    const another = await issue('another.example.com');
    assert.deepEqual(await upload({ CertificateBody: another.pem, PrivateKey: other.key }), mismatch);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const encrypted = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    const badKey = await upload({ PrivateKey: encrypted });
    assert.equal(badKey.name, 'MalformedCertificate');
    assert.match(badKey.message, /^Unable to parse private key/);
    assert.equal((await upload({ PrivateKey: 'garbage' })).name, 'MalformedCertificate');

    // A key of a type IAM does not take: Ed25519 (the certificate is issued by an EC CA).
    const ca = await issue('Ed CA', { alg: EC, ca: true });
    const ed = generateKeyPairSync('ed25519');
    const edCert = await x509.X509CertificateGenerator.create({
      serialNumber: '7f',
      subject: 'CN=ed.example.com',
      issuer: ca.cert.subject,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + DAY),
      publicKey: await x509.PublicKey.create(ed.publicKey.export({ type: 'spki', format: 'der' })),
      signingKey: ca.keys.privateKey,
      signingAlgorithm: EC,
    });
    const edRefused = await upload({ CertificateBody: edCert.toString('pem'), PrivateKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    assert.equal(edRefused.name, 'MalformedCertificate');
    assert.match(edRefused.message, /not supported \(ed25519\)/);

    assert.deepEqual(await upload({ ServerCertificateName: 'WWW' }), {
      name: 'EntityAlreadyExists',
      status: 409,
      message: 'The Server Certificate with name WWW already exists.',
    });
    const names = (await iam.send(new ListServerCertificatesCommand({}))).ServerCertificateMetadataList?.map((m) => m.ServerCertificateName);
    assert.deepEqual(names, ['www']);
  });

  test('ListServerCertificates: PathPrefix and paging; UpdateServerCertificate renames and moves; tags; Delete', async () => {
    const iam = iamClient(app);
    await iam.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'alpha', Path: '/dev/', CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key }),
    );
    await iam.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'beta', Path: '/dev/team/', CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key }),
    );
    const dev = await iam.send(new ListServerCertificatesCommand({ PathPrefix: '/dev/' }));
    assert.deepEqual(
      dev.ServerCertificateMetadataList?.map((m) => m.ServerCertificateName),
      ['alpha', 'beta'],
    );
    const first = await iam.send(new ListServerCertificatesCommand({ MaxItems: 2 }));
    assert.equal(first.IsTruncated, true);
    const rest = await iam.send(new ListServerCertificatesCommand({ MaxItems: 2, Marker: first.Marker }));
    assert.deepEqual(
      [...first.ServerCertificateMetadataList!, ...rest.ServerCertificateMetadataList!].map((m) => m.ServerCertificateName),
      ['alpha', 'beta', 'www'],
    );
    assert.equal(rest.IsTruncated, false);

    await iam.send(
      new TagServerCertificateCommand({
        ServerCertificateName: 'alpha',
        Tags: [
          { Key: 'a', Value: '1' },
          { Key: 'b', Value: '2' },
        ],
      }),
    );
    await iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'alpha', NewServerCertificateName: 'gamma', NewPath: '/prod/' }));
    const moved = await iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'gamma' }));
    assert.equal(moved.ServerCertificate?.ServerCertificateMetadata?.Arn, certArn('/prod/', 'gamma'));
    assert.equal((await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'gamma' }))).Tags?.length, 2);
    assert.deepEqual(await awsError(() => iam.send(new GetServerCertificateCommand({ ServerCertificateName: 'alpha' }))), {
      name: 'NoSuchEntity',
      status: 404,
      message: 'The Server Certificate with name alpha cannot be found.',
    });
    assert.equal(
      (await awsError(() => iam.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'gamma', NewServerCertificateName: 'beta' })))).name,
      'EntityAlreadyExists',
    );

    await iam.send(new UntagServerCertificateCommand({ ServerCertificateName: 'gamma', TagKeys: ['a'] }));
    const tags = await iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'gamma', MaxItems: 1 }));
    assert.deepEqual(tags.Tags, [{ Key: 'b', Value: '2' }]);
    assert.equal(tags.IsTruncated, false);
    assert.equal((await awsError(() => iam.send(new ListServerCertificateTagsCommand({ ServerCertificateName: 'nope' })))).name, 'NoSuchEntity');

    for (const name of ['gamma', 'beta']) await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: name }));
    assert.deepEqual(await awsError(() => iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'gamma' }))), {
      name: 'NoSuchEntity',
      status: 404,
      message: 'The Server Certificate with name gamma cannot be found.',
    });
  });

  test('at most 20 server certificates per account', async () => {
    const iam = iamClient(app);
    for (let i = 1; i < 20; i++) {
      await iam.send(new UploadServerCertificateCommand({ ServerCertificateName: `bulk-${i}`, CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key }));
    }
    assert.equal((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.ServerCertificates, 20);
    assert.deepEqual(
      await awsError(() =>
        iam.send(new UploadServerCertificateCommand({ ServerCertificateName: 'one-too-many', CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key })),
      ),
      { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for ServerCertificatesPerAccount: 20' },
    );
    for (let i = 1; i < 20; i++) await iam.send(new DeleteServerCertificateCommand({ ServerCertificateName: `bulk-${i}` }));
  });

  test('signing certificates: a user and root, 2 each, Active/Inactive, one certificate once in the account', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'signer' }));
    await iam.send(new CreateUserCommand({ UserName: 'signer2' }));
    const one = await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: rsaCert.pem }));
    const cert = one.Certificate!;
    assert.equal(cert.UserName, 'signer');
    assert.match(cert.CertificateId ?? '', /^[A-Z2-7]{32}$/);
    assert.equal(cert.Status, 'Active');
    assert.equal(cert.CertificateBody, rsaCert.pem);

    // The same certificate, laid out differently, for another user: DuplicateCertificate.
    const relaid = rsaCert.pem.replace(/\n/g, '\r\n');
    assert.deepEqual(await awsError(() => iam.send(new UploadSigningCertificateCommand({ UserName: 'signer2', CertificateBody: relaid }))), {
      name: 'DuplicateCertificate',
      status: 409,
      message: 'The same certificate is already associated with an IAM user in the account.',
    });
    const ecCert = await issue('signer-ec');
    await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: ecCert.pem }));
    const third = await issue('signer-3');
    assert.deepEqual(await awsError(() => iam.send(new UploadSigningCertificateCommand({ UserName: 'signer', CertificateBody: third.pem }))), {
      name: 'LimitExceeded',
      status: 409,
      message: 'Cannot exceed quota for SigningCertificatesPerUser: 2',
    });

    await iam.send(new UpdateSigningCertificateCommand({ UserName: 'signer', CertificateId: cert.CertificateId, Status: 'Inactive' }));
    const list = await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' }));
    assert.deepEqual(
      list.Certificates?.map((c) => [c.CertificateId, c.Status]),
      [
        [cert.CertificateId, 'Inactive'],
        [list.Certificates![1]!.CertificateId, 'Active'],
      ],
    );
    const page = await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer', MaxItems: 1 }));
    assert.equal(page.IsTruncated, true);
    const next = await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer', MaxItems: 1, Marker: page.Marker }));
    assert.equal(next.Certificates?.[0]?.CertificateId, list.Certificates![1]!.CertificateId);

    const expiredSet = await awsError(() =>
      iam.send(new UpdateSigningCertificateCommand({ UserName: 'signer', CertificateId: cert.CertificateId, Status: 'Expired' })),
    );
    assert.equal(expiredSet.name, 'InvalidInput');
    // Another user's certificate id is not found for this user.
    assert.deepEqual(await awsError(() => iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer2', CertificateId: cert.CertificateId }))), {
      name: 'NoSuchEntity',
      status: 404,
      message: `The Certificate with id ${cert.CertificateId} cannot be found.`,
    });
    assert.equal((await awsError(() => iam.send(new UploadSigningCertificateCommand({ UserName: 'ghost', CertificateBody: third.pem })))).name, 'NoSuchEntity');
    assert.equal(
      (await awsError(() => iam.send(new UploadSigningCertificateCommand({ UserName: 'signer2', CertificateBody: 'x' })))).name,
      'MalformedCertificate',
    );

    // Root's own (no UserName): no UserName in the answer, as for its access keys.
    const rootCert = await iam.send(new UploadSigningCertificateCommand({ CertificateBody: third.pem }));
    assert.equal(rootCert.Certificate?.UserName, undefined);
    assert.deepEqual(
      (await iam.send(new ListSigningCertificatesCommand({}))).Certificates?.map((c) => c.CertificateId),
      [rootCert.Certificate?.CertificateId],
    );
    await iam.send(new DeleteSigningCertificateCommand({ CertificateId: rootCert.Certificate!.CertificateId! }));
    await iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer', CertificateId: cert.CertificateId! }));
    assert.equal((await iam.send(new ListSigningCertificatesCommand({ UserName: 'signer' }))).Certificates?.length, 1);
    // Deleted, the certificate may be uploaded again (for another user).
    await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer2', CertificateBody: rsaCert.pem }));

    // A certificate whose user is gone blocks no one: it is dropped when the certificate comes again.
    const orphaned = await issue('orphaned');
    const left = (await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer2', CertificateBody: orphaned.pem }))).Certificate!;
    await app.store.write((repo) => repo.updateEntity(left.CertificateId!, { path: '/AIDAGONEGONEGONEGONEG/' }));
    await iam.send(new CreateUserCommand({ UserName: 'signer3' }));
    const again = await iam.send(new UploadSigningCertificateCommand({ UserName: 'signer3', CertificateBody: orphaned.pem }));
    assert.notEqual(again.Certificate?.CertificateId, left.CertificateId);
    assert.equal(await app.store.read((repo) => repo.getEntityById(left.CertificateId!)), undefined);

    // A user with a signing certificate cannot be deleted before it is (AWS's order of checks).
    assert.deepEqual(await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'signer3' }))), {
      name: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must delete signing certificates first.',
    });
    await iam.send(new DeleteSigningCertificateCommand({ UserName: 'signer3', CertificateId: again.Certificate!.CertificateId! }));
    await iam.send(new DeleteUserCommand({ UserName: 'signer3' }));
  });

  test('SSH public keys: ssh-rsa or PEM, MD5 fingerprint, SSH or PEM on Get, 5 per user, the errors', async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'git' }));
    const key = sshRsa();
    const up = (await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyBody: `${key.line}\n` }))).SSHPublicKey!;
    assert.match(up.SSHPublicKeyId ?? '', /^APKA[A-Z2-7]{17}$/);
    assert.equal(up.UserName, 'git');
    assert.equal(up.Fingerprint, md5Fingerprint(key.blob));
    assert.equal(up.SSHPublicKeyBody, `ssh-rsa ${key.blob.toString('base64')}`);
    assert.equal(up.Status, 'Active');

    const asSsh = await iam.send(new GetSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyId: up.SSHPublicKeyId, Encoding: 'SSH' }));
    assert.deepEqual(asSsh.SSHPublicKey, up);
    const asPem = await iam.send(new GetSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyId: up.SSHPublicKeyId, Encoding: 'PEM' }));
    assert.match(asPem.SSHPublicKey?.SSHPublicKeyBody ?? '', /^-----BEGIN PUBLIC KEY-----\n/);
    assert.equal(createPublicKey(asPem.SSHPublicKey!.SSHPublicKeyBody!).export({ type: 'spki', format: 'pem' }), key.spki);

    // The same key as PEM is a duplicate; a second key as PEM is taken.
    assert.deepEqual(await awsError(() => iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyBody: key.spki }))), {
      name: 'DuplicateSSHPublicKey',
      status: 400,
      message: 'The SSH public key is already associated with the specified IAM user.',
    });
    const second = sshRsa(3072);
    const pemUp = (await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyBody: second.spki }))).SSHPublicKey!;
    assert.equal(pemUp.Fingerprint, md5Fingerprint(second.blob));

    const upload = (body: string) => awsError(() => iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyBody: body })));
    assert.deepEqual(await upload(sshRsa(1024).line), {
      name: 'InvalidPublicKey',
      status: 400,
      message: 'The minimum bit-length of the public key is 2048 bits.',
    });
    assert.deepEqual(await upload('ssh-rsa AAAAB3NzaC1yc2EAAAA= truncated'), {
      name: 'InvalidPublicKey',
      status: 400,
      message: 'The public key is malformed or otherwise invalid.',
    });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const edLine = sshpk.parseKey(ed, 'pem').toString('ssh');
    for (const body of [
      edLine,
      'hello',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
      rsaCert.key,
    ]) {
      const e = await upload(body);
      assert.equal(e.name, 'UnrecognizedPublicKeyEncoding', body.slice(0, 20));
      assert.equal(e.status, 400);
    }
    assert.equal((await awsError(() => iam.send(new UploadSSHPublicKeyCommand({ UserName: 'nobody', SSHPublicKeyBody: key.line })))).name, 'NoSuchEntity');

    for (let i = 0; i < 3; i++) await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyBody: sshRsa().line }));
    assert.deepEqual(await upload(sshRsa().line), { name: 'LimitExceeded', status: 409, message: 'Cannot exceed quota for SSHPublicKeysPerUser: 5' });

    await iam.send(new UpdateSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyId: up.SSHPublicKeyId, Status: 'Inactive' }));
    const list = await iam.send(new ListSSHPublicKeysCommand({ UserName: 'git' }));
    assert.equal(list.SSHPublicKeys?.length, 5);
    assert.deepEqual(
      list.SSHPublicKeys?.slice(0, 2).map((k) => [k.SSHPublicKeyId, k.Status, k.UserName]),
      [
        [up.SSHPublicKeyId, 'Inactive', 'git'],
        [pemUp.SSHPublicKeyId, 'Active', 'git'],
      ],
    );
    const missing = 'APKAAAAAAAAAAAAAAAAAA';
    assert.deepEqual(await awsError(() => iam.send(new GetSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyId: missing, Encoding: 'SSH' }))), {
      name: 'NoSuchEntity',
      status: 404,
      message: `The SSH Public Key with id ${missing} cannot be found.`,
    });
    await iam.send(new CreateUserCommand({ UserName: 'git2' }));
    assert.equal(
      (await awsError(() => iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'git2', SSHPublicKeyId: up.SSHPublicKeyId })))).name,
      'NoSuchEntity',
      "another user's key is not found",
    );
    // The same key may belong to another user.
    await iam.send(new UploadSSHPublicKeyCommand({ UserName: 'git2', SSHPublicKeyBody: key.line }));
    assert.deepEqual(await awsError(() => iam.send(new DeleteUserCommand({ UserName: 'git2' }))), {
      name: 'DeleteConflict',
      status: 409,
      message: 'Cannot delete entity, must delete SSH public keys first.',
    });
    await iam.send(new DeleteSSHPublicKeyCommand({ UserName: 'git', SSHPublicKeyId: up.SSHPublicKeyId }));
    assert.equal((await iam.send(new ListSSHPublicKeysCommand({ UserName: 'git' }))).SSHPublicKeys?.length, 4);
    assert.deepEqual((await iam.send(new ListSSHPublicKeysCommand({}))).SSHPublicKeys, [], "the root user's own list");
  });

  test("a user's policy allows and denies these actions on the right resources", async () => {
    const iam = iamClient(app);
    await iam.send(new CreateUserCommand({ UserName: 'certops' }));
    await iam.send(new CreateUserCommand({ UserName: 'other' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'certops',
        PolicyName: 'certs',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: ['iam:UploadServerCertificate', 'iam:GetServerCertificate', 'iam:DeleteServerCertificate'],
              Resource: `arn:aws:iam::${ACCOUNT_ID}:server-certificate/ops/*`,
            },
            { Effect: 'Allow', Action: 'iam:ListServerCertificates', Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['iam:UploadSSHPublicKey', 'iam:ListSSHPublicKeys', 'iam:UploadSigningCertificate'],
              Resource: `arn:aws:iam::${ACCOUNT_ID}:user/\${aws:username}`,
            },
          ],
        }),
      }),
    );
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'certops' }))).AccessKey!;
    const ops = iamClient(app, { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! });
    const user = `arn:aws:iam::${ACCOUNT_ID}:user/certops`;

    await ops.send(
      new UploadServerCertificateCommand({ ServerCertificateName: 'ops-cert', Path: '/ops/', CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key }),
    );
    assert.equal((await ops.send(new GetServerCertificateCommand({ ServerCertificateName: 'ops-cert' }))).ServerCertificate?.CertificateBody, rsaCert.pem);
    const elsewhere = await awsError(() =>
      ops.send(new UploadServerCertificateCommand({ ServerCertificateName: 'dev-cert', Path: '/dev/', CertificateBody: rsaCert.pem, PrivateKey: rsaCert.key })),
    );
    assert.equal(elsewhere.name, 'AccessDenied');
    assert.equal(
      elsewhere.message,
      `User: ${user} is not authorized to perform: iam:UploadServerCertificate on resource: ${certArn('/dev/', 'dev-cert')} because no identity-based policy allows the iam:UploadServerCertificate action`,
    );
    // www is under /prod/: denied, and the message names its real ARN.
    const prod = await awsError(() => ops.send(new GetServerCertificateCommand({ ServerCertificateName: 'www' })));
    assert.match(prod.message, new RegExp(`on resource: ${certArn('/prod/', 'www')} `));
    const missing = await awsError(() => ops.send(new GetServerCertificateCommand({ ServerCertificateName: 'no-such' })));
    assert.equal(missing.name, 'AccessDenied', 'an unauthorized caller does not learn what exists');
    assert.equal(
      (await awsError(() => ops.send(new UpdateServerCertificateCommand({ ServerCertificateName: 'ops-cert', NewPath: '/x/' })))).name,
      'AccessDenied',
    );

    const key = sshRsa();
    await ops.send(new UploadSSHPublicKeyCommand({ UserName: 'certops', SSHPublicKeyBody: key.line }));
    assert.equal((await ops.send(new ListSSHPublicKeysCommand({}))).SSHPublicKeys?.length, 1, 'the calling user when UserName is absent');
    const forOther = await awsError(() => ops.send(new UploadSSHPublicKeyCommand({ UserName: 'other', SSHPublicKeyBody: key.line })));
    assert.equal(
      forOther.message,
      `User: ${user} is not authorized to perform: iam:UploadSSHPublicKey on resource: arn:aws:iam::${ACCOUNT_ID}:user/other because no identity-based policy allows the iam:UploadSSHPublicKey action`,
    );
    const signing = await issue('certops-signing');
    await ops.send(new UploadSigningCertificateCommand({ CertificateBody: signing.pem }));
    assert.equal((await awsError(() => ops.send(new ListSigningCertificatesCommand({})))).name, 'AccessDenied');
    await ops.send(new DeleteServerCertificateCommand({ ServerCertificateName: 'ops-cert' }));
  });

  test('aws CLI: upload-server-certificate from files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iamd-certs-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), rsaCert.pem);
      writeFileSync(join(dir, 'key.pem'), rsaCert.key);
      const r = await run(
        'aws',
        [
          '--endpoint-url',
          app.url,
          '--output',
          'json',
          'iam',
          'upload-server-certificate',
          '--server-certificate-name',
          'cli-cert',
          '--path',
          '/cli/',
          '--certificate-body',
          `file://${join(dir, 'cert.pem')}`,
          '--private-key',
          `file://${join(dir, 'key.pem')}`,
        ],
        {
          AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
          AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
      );
      assert.equal(r.code, 0, r.stderr);
      const meta = JSON.parse(r.stdout).ServerCertificateMetadata;
      assert.equal(meta.Arn, certArn('/cli/', 'cli-cert'));
      assert.match(meta.ServerCertificateId, /^ASCA/);
      await iamClient(app).send(new DeleteServerCertificateCommand({ ServerCertificateName: 'cli-cert' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
