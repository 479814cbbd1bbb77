// `iamd serve --config FILE` (and IAMD_CONFIG): iamd started as a separate process with a TOML
// file; flag > environment > file > default; secrets read from files the config names; unknown
// keys, wrong types and bad values refused at start with the key and the file in the message.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CONFIG_KEYS, environmentWithConfigFile, readConfigFile } from '../src/cli-tools/config-file.ts';
import { configFromEnv } from '../src/config.ts';
import { ACCOUNT_ID, ROOT_KEY } from './helpers.ts';
import { run } from './run-command.ts';
import { IAMD } from './iamd-cli.ts';

const EXAMPLE = fileURLToPath(new URL('../docs/iamd.example.toml', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = mkdtempSync(join(tmpdir(), 'iamd-config-'));
  dirs.push(d);
  return d;
}

const baseEnv = {
  IAMD_ACCOUNT_ID: ACCOUNT_ID,
  IAMD_ROOT_ACCESS_KEY_ID: ROOT_KEY.accessKeyId,
  IAMD_ROOT_SECRET_ACCESS_KEY: ROOT_KEY.secretAccessKey,
};

/** The environment of a child iamd: this process's, minus every IAMD_* setting the test did not give. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IAMD_')));
  return { ...clean, ...baseEnv, ...env };
}

/** Starts `iamd serve ARGS`; resolves with its URL and its `iamd listening` log line once it listens. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; line: Record<string, unknown>; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...IAMD, 'serve', ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"msg":"iamd listening"'));
      if (!line) return;
      const parsed = JSON.parse(line) as Record<string, unknown>;
      resolve({
        url: String(parsed.url),
        line: parsed,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`iamd exited with ${code}:\n${out}`)));
  });
}

/** `iamd serve ARGS` that must refuse to start: its exit code and stderr. */
async function refused(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await run(process.execPath, [...IAMD, 'serve', ...args], childEnv(env));
  return { code: r.code, stderr: r.stderr };
}

describe('config file', () => {
  test('iamd serves with the settings of its file; secrets come from the files it names', async () => {
    const dir = folder();
    const masterKey = randomBytes(32).toString('hex');
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'master.key'), `${masterKey}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'secrets', 'metrics.token'), 'scrape-me\n', { mode: 0o600 });
    // Relative paths are the file's folder's.
    writeFileSync(
      join(dir, 'iamd.toml'),
      [
        '# iamd settings',
        'host = "127.0.0.1"',
        'port = 0',
        'data-dir = "data"',
        'log-level = "info"',
        'metrics = true',
        'master-key-file = "secrets/master.key"',
        'metrics-token-file = "secrets/metrics.token"',
        'rate-limit-per-key = "100:200"',
        'shutdown-timeout = 5',
      ].join('\n'),
    );
    const node = await serve(['--config', join(dir, 'iamd.toml')]);
    assert.equal(node.line.dataDir, join(dir, 'data'));
    const sts = new STSClient({ endpoint: node.url, region: 'us-east-1', credentials: ROOT_KEY });
    assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Account, ACCOUNT_ID);
    // The master key is the file's: none was generated into the data folder.
    assert.equal(existsSync(join(dir, 'data', 'master.key')), false);
    // Metrics on, behind the token read from its file.
    assert.equal((await fetch(`${node.url}/metrics`)).status, 401);
    const scraped = await fetch(`${node.url}/metrics`, { headers: { authorization: 'Bearer scrape-me' } });
    assert.equal(scraped.status, 200);
    assert.match(await scraped.text(), /iamd_requests_total/);
    await node.stop();

    // Started again with another master key (from the environment, which wins over the file): refused, the key does not open the store.
    const wrong = await refused(['--config', join(dir, 'iamd.toml')], { IAMD_MASTER_KEY: randomBytes(32).toString('hex') });
    assert.equal(wrong.code, 1);
    assert.doesNotMatch(wrong.stderr, new RegExp(masterKey));
  });

  test('flag > environment > file > default, with --config or IAMD_CONFIG', async () => {
    const dir = folder();
    const file = join(dir, 'iamd.toml');
    writeFileSync(file, `port = 0\ndata-dir = "from-file"\n`);
    const fromFile = await serve([], { IAMD_CONFIG: file });
    assert.equal(fromFile.line.dataDir, join(dir, 'from-file'));
    await fromFile.stop();
    const fromEnv = await serve(['--config', file], { IAMD_DATA_DIR: join(dir, 'from-env') });
    assert.equal(fromEnv.line.dataDir, join(dir, 'from-env'));
    await fromEnv.stop();
    const fromFlag = await serve(['--config', file, '--data-dir', join(dir, 'from-flag')], { IAMD_DATA_DIR: join(dir, 'from-env') });
    assert.equal(fromFlag.line.dataDir, join(dir, 'from-flag'));
    await fromFlag.stop();

    // Every layer, key by key, in process.
    writeFileSync(file, 'host = "0.0.0.0"\nport = 9000\nlog-level = "warn"\npartition = "aws-cn"\nmetrics = true\nrate-limit-sign-in = 2\n');
    const layered = (env: NodeJS.ProcessEnv, flags = {}) => configFromEnv(environmentWithConfigFile(env, file), flags);
    const fileOnly = layered({});
    assert.deepEqual(
      [fileOnly.host, fileOnly.port, fileOnly.logLevel, fileOnly.partition, fileOnly.metrics, fileOnly.rateLimitSignIn],
      ['0.0.0.0', 9000, 'warn', 'aws-cn', true, '2'],
    );
    const envOver = layered({ IAMD_PORT: '9100', IAMD_PARTITION: 'aws', IAMD_METRICS: 'off' });
    assert.deepEqual([envOver.host, envOver.port, envOver.partition, envOver.metrics], ['0.0.0.0', 9100, 'aws', false]);
    const flagOver = layered({ IAMD_PORT: '9100' }, { port: 9200, logLevel: 'debug' });
    assert.deepEqual([flagOver.port, flagOver.logLevel], [9200, 'debug']);
    // No file: the defaults.
    assert.deepEqual([configFromEnv(environmentWithConfigFile({}, undefined)).port, configFromEnv({}).host], [8900, '127.0.0.1']);
  });

  test('unknown keys, wrong types, inline secrets and bad values refuse to start, naming the key and the file', async () => {
    const dir = folder();
    const file = join(dir, 'iamd.toml');
    const cases: [string, RegExp][] = [
      ['prot = 8900', /unknown key `prot`/],
      ['port = "8900"', /`port` must be a port number \(0 to 65535\); not the string "8900"/],
      ['port = 70000', /`port` must be a port number/],
      ['metrics = "yes"', /`metrics` must be true or false/],
      ['shutdown-timeout = -1', /`shutdown-timeout` must be a number/],
      ['data-dir = 3', /`data-dir` must be a file or folder path/],
      ['[tls]\ncert = "x.pem"', /unknown key `tls`/],
      ['master-key = "00112233"', /`master-key` may not hold a secret in the config file: use master-key-file/],
      ['master-key-file = "missing.key"', /`master-key-file`: cannot read .*missing\.key: ENOENT/],
      ['partition = "aws-moon"', /`partition` must be one of aws, /],
      ['rate-limit-per-key = "fast"', /`rate-limit-per-key` must be RATE or RATE:BURST/],
      ['public-url = "ftp://x"', /`public-url` must be an http\(s\) URL/],
      ['port = 1\nport = 2', /is not valid TOML \(line 2/],
      ['workers = 0', /`workers` must be a whole number from 1 to 1024, or "auto"/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, `${text}\n`);
      assert.throws(
        () => readConfigFile(file),
        (err: Error) => {
          assert.match(err.message, message);
          assert.ok(err.message.startsWith(`${file}`) || err.message.includes(file), err.message);
          return true;
        },
      );
    }
    assert.throws(() => readConfigFile(join(dir, 'nowhere.toml')), /cannot read the config file .*nowhere\.toml: ENOENT/);

    // Through the command line: exit 1, the message on stderr, nothing created.
    writeFileSync(file, 'port = 0\ndata-dir = "data"\nmetrics-port = "9464"\n');
    const r = await refused(['--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`iamd: ${file.replace(/[.]/g, '\\.')}: \`metrics-port\` must be a port number`));
    assert.equal(existsSync(join(dir, 'data')), false);
    const secret = 'not-a-valid-key-but-secret';
    writeFileSync(join(dir, 'k'), secret);
    writeFileSync(file, 'port = 0\ndata-dir = "data"\nmaster-key-file = "k"\n');
    const bad = await refused(['--config', file]);
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, new RegExp(secret));
  });

  test('every serve flag has a key, and the shipped example is valid', async () => {
    const help = await run(process.execPath, [...IAMD, 'serve', '--help'], {});
    const flags = [...help.stdout.matchAll(/^\s+--([a-z-]+)/gm)].map((m) => m[1]!).filter((f) => f !== 'help' && f !== 'config');
    assert.ok(flags.length > 10, help.stdout);
    for (const flag of flags) assert.ok(CONFIG_KEYS[flag], `--${flag} has no config file key`);
    // The example parses, sets nothing secret inline, and starts as documented.
    const values = readConfigFile(EXAMPLE);
    assert.ok(Object.keys(values).length > 0);
    assert.doesNotMatch(readFileSync(EXAMPLE, 'utf8'), /^\s*master-key\s*=/m);
  });
});
