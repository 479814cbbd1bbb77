// iamd serving HTTPS itself (--tls-cert/--tls-key): real clients trusting a private CA, HSTS and
// Secure cookies, aws:SecureTransport from the connection, and SIGHUP reloading a renewed
// certificate without dropping the connections already open.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListUsersCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { App } from '../src/app.ts';
import { ACCOUNT_ID, awsError, type Credentials, iamClient, ROOT_KEY, startTestApp } from './helpers.ts';
import { run } from './run-command.ts';
import { makeTestCa, type TestCa } from './tls.ts';
import { IAMD } from './iamd-cli.ts';

const ROOT_EMAIL = 'root@tls.example';
const ROOT_PASSWORD = 'Tls-Root-Passw0rd!';

interface TlsChild {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** iamd as a separate process (the real CLI), serving HTTPS; resolves with the https URL it logs. */
function startTlsChild(dataDir: string, certFile: string, keyFile: string): Promise<TlsChild> {
  const child = spawn(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', dataDir, '--tls-cert', certFile, '--tls-key', keyFile], {
    env: {
      ...process.env,
      IAMD_ACCOUNT_ID: ACCOUNT_ID,
      IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      IAMD_ROOT_EMAIL: ROOT_EMAIL,
      IAMD_ROOT_PASSWORD: ROOT_PASSWORD,
      IAMD_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`iamd did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(https:\/\/[^"]+)".*"msg":"iamd listening"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ process: child, url: m[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`iamd exited with ${code}:\n${out}`));
    });
  });
}

/** Waits until the child has logged `count` lines containing `text` (a condition, not a duration). */
async function waitForLog(child: TlsChild, text: string, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (child.output().split(text).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`no '${text}' in the log:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The certificate a new TLS connection to the child is given. */
function peerCertificate(url: string, ca: string): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, servername: 'localhost' }, () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      resolve(cert);
    });
    socket.on('error', reject);
  });
}

/** A GET through the given agent: its status, headers, body and the connection's peer certificate. */
function get(url: string, agent: Agent, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; serial: string; reused: boolean }>(
    (resolve, reject) => {
      const req = httpsRequest(url, { agent, headers }, (res) => {
        // Read now: a keep-alive socket goes back to the agent's pool at the response's end.
        const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            serial,
            reused: req.reusedSocket,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

/** A user allowed iam:ListUsers only over TLS (aws:SecureTransport), and its access key. */
async function secureOnlyUser(iam: IAMClient): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: 'tls-only' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'tls-only',
      PolicyName: 'list-over-tls',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'tls-only' }))).AccessKey!;
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

describe('iamd serving HTTPS (--tls-cert, --tls-key)', () => {
  let dir: string;
  let ca: TestCa;
  let certFile: string;
  let keyFile: string;
  let child: TlsChild;
  let firstSerial: string;
  const sdk = (credentials: Credentials = ROOT_KEY) => ({
    endpoint: child.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: ca.certPem }) }),
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iamd-tls-'));
    ca = await makeTestCa(dir);
    const pair = await ca.issue(['localhost'], ['127.0.0.1']);
    certFile = join(dir, 'server.pem');
    keyFile = join(dir, 'server.key');
    writeFileSync(certFile, pair.cert);
    writeFileSync(keyFile, pair.key);
    child = await startTlsChild(join(dir, 'data'), certFile, keyFile);
    firstSerial = (await peerCertificate(child.url, ca.certPem)).serialNumber;
  });
  after(async () => {
    if (child && child.process.exitCode === null) {
      child.process.removeAllListeners('exit');
      await new Promise((resolve) => {
        child.process.once('exit', resolve);
        child.process.kill('SIGTERM');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('the certificate without its key (or the reverse) refuses to start, with a clear error', async () => {
    const onlyCert = await run(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', ':memory:'], { IAMD_TLS_CERT: certFile });
    assert.equal(onlyCert.code, 1);
    assert.match(onlyCert.stderr, /--tls-cert \(IAMD_TLS_CERT\) and --tls-key \(IAMD_TLS_KEY\) go together/);
    const onlyKey = await run(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', ':memory:', '--tls-key', keyFile], {});
    assert.equal(onlyKey.code, 1);
    assert.match(onlyKey.stderr, /go together/);
    // A key that is not the certificate's: refused at start, naming the files, showing no key.
    const other = await ca.issue(['localhost']);
    const wrongKey = join(dir, 'wrong.key');
    writeFileSync(wrongKey, other.key);
    const mismatched = await run(process.execPath, [...IAMD, 'serve', '--port', '0', '--data-dir', ':memory:'], {
      IAMD_TLS_CERT: certFile,
      IAMD_TLS_KEY: wrongKey,
    });
    assert.equal(mismatched.code, 1);
    assert.match(mismatched.stderr, /are not a usable pair/);
    assert.doesNotMatch(mismatched.stderr, /PRIVATE KEY/);
  });

  test('the aws CLI (AWS_CA_BUNDLE), boto3 and the SDK v3 call GetCallerIdentity over https', async () => {
    assert.match(child.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const cli = await run('aws', ['--endpoint-url', child.url, '--output', 'json', 'sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_CA_BUNDLE: ca.certFile,
    });
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).Account, ACCOUNT_ID);

    const boto3 = await run(
      'python3',
      [
        '-c',
        [
          'import boto3, os',
          "sts = boto3.client('sts', endpoint_url=os.environ['IAMD_URL'], region_name='us-east-1', verify=os.environ['IAMD_CA'])",
          "print(sts.get_caller_identity()['Arn'])",
        ].join('\n'),
      ],
      {
        IAMD_URL: child.url,
        IAMD_CA: ca.certFile,
        AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    );
    assert.equal(boto3.code, 0, boto3.stderr);
    assert.equal(boto3.stdout.trim(), `arn:aws:iam::${ACCOUNT_ID}:root`);

    const me = await new STSClient(sdk()).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, ACCOUNT_ID);

    // Without the CA, a client refuses the certificate: it is really TLS, with this CA's certificate.
    const untrusted = await run('aws', ['--endpoint-url', child.url, 'sts', 'get-caller-identity'], {
      AWS_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    });
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /SSL|certificate/i);
  });

  test('aws:SecureTransport is true over TLS: a policy requiring it allows here, and not over plain http', async () => {
    const overTls = await secureOnlyUser(new IAMClient(sdk()));
    const users = await new IAMClient(sdk(overTls)).send(new ListUsersCommand({}));
    assert.ok(users.Users?.some((u) => u.UserName === 'tls-only'));

    // The same user and policy on a plain-http iamd: the condition does not hold, the call is denied.
    const plain: App = await startTestApp();
    try {
      const overHttp = await secureOnlyUser(iamClient(plain));
      const denied = await awsError(() => iamClient(plain, overHttp).send(new ListUsersCommand({})));
      assert.equal(denied.name, 'AccessDenied');
    } finally {
      await plain.close();
    }
  });

  test('HSTS on every response, and Secure __Host- console cookies', async () => {
    const agent = new Agent({ ca: ca.certPem });
    const health = await get(`${child.url}/healthz`, agent);
    assert.equal(health.status, 200);
    assert.equal(health.headers['strict-transport-security'], 'max-age=31536000');
    const unsigned = await get(`${child.url}/?Action=ListUsers&Version=2010-05-08`, agent);
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers['strict-transport-security'], 'max-age=31536000');

    const page = await get(`${child.url}/console/${ACCOUNT_ID}`, agent);
    assert.equal(page.status, 200);
    assert.equal(page.headers['strict-transport-security'], 'max-age=31536000');
    const cookies = page.headers['set-cookie'] ?? [];
    assert.ok(cookies.length > 0);
    for (const c of cookies) assert.match(c, /^__Host-[\w-]+=.*; Secure/);
    agent.destroy();

    // A plain-http iamd sends neither.
    const plain = await startTestApp();
    try {
      const r = await fetch(`${plain.url}/console/${ACCOUNT_ID}`);
      assert.equal(r.headers.get('strict-transport-security'), null);
      assert.doesNotMatch(r.headers.getSetCookie().join('\n'), /Secure|__Host-/);
    } finally {
      await plain.close();
    }
  });

  test('SIGHUP reads renewed files: new connections get the new certificate, open ones keep working; a bad pair is refused', async () => {
    // A keep-alive connection opened before the renewal.
    const agent = new Agent({ ca: ca.certPem, keepAlive: true, maxSockets: 1 });
    const before = await get(`${child.url}/healthz`, agent);
    assert.equal(before.status, 200);
    assert.equal(before.serial, firstSerial);

    const renewed = await ca.issue(['localhost'], ['127.0.0.1']);
    writeFileSync(certFile, renewed.cert);
    writeFileSync(keyFile, renewed.key);
    child.process.kill('SIGHUP');
    await waitForLog(child, 'TLS certificate reloaded', 1);

    const fresh = await peerCertificate(child.url, ca.certPem);
    assert.notEqual(fresh.serialNumber, firstSerial);
    assert.equal(fresh.subject.CN, 'localhost');
    // The connection made before the reload still answers, with the certificate it was made with.
    const after = await get(`${child.url}/healthz`, agent);
    assert.equal(after.status, 200);
    assert.equal(after.reused, true);
    assert.equal(after.serial, firstSerial);
    agent.destroy();

    // A key that is not the certificate's: refused, logged, and the renewed certificate stays.
    const stray = await ca.issue(['localhost']);
    writeFileSync(keyFile, stray.key);
    child.process.kill('SIGHUP');
    await waitForLog(child, 'TLS certificate not reloaded', 1);
    assert.doesNotMatch(child.output(), /PRIVATE KEY/);
    assert.equal((await peerCertificate(child.url, ca.certPem)).serialNumber, fresh.serialNumber);
    const me = await new STSClient(sdk()).send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, ACCOUNT_ID);
    assert.equal(readFileSync(certFile, 'utf8'), renewed.cert);
  });
});
