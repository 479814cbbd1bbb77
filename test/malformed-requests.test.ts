// Malformed requests are answered 4xx, never 5xx, on every HTTP surface: the Query API, the
// console, the workload API, the IMDS endpoint of `iamd exec --imds`, and the router in front of
// them. Explicit cases for the crash paths found so far, then property-based tests (fast-check)
// that send random methods, paths, percent-encodings (invalid ones, %00, CR/LF), headers and
// bodies over raw sockets, signed and unsigned, and check that no answer is a 5xx (but AWS's 501
// NotImplemented for a model action iamd does not have yet), that nothing was logged as an
// internal error, and that the server still answers /healthz afterwards.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { pino } from 'pino';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { AddRoleToInstanceProfileCommand, CreateGroupCommand, CreateInstanceProfileCommand, CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { startApp, type App } from '../src/app.ts';
import { buildRegistry } from '../src/operations.ts';
import { configFromEnv } from '../src/config.ts';
import { iamModel, stsModel, type ServiceModel, type Shape } from '../src/actions/model/service-model.ts';
import { startImdsServer, type ImdsServer } from '../src/cli-tools/imds-server.ts';
import { ACCOUNT_ID, ROOT_KEY, iamClient } from './helpers.ts';
import { ConsoleClient, ROOT_EMAIL, ROOT_PASSWORD } from './console/support.ts';

// ---------------------------------------------------------------------------------------------
// An app whose error-level log lines are kept: a 500 that never reached the client (the client
// had gone) or an error shown as "Something went wrong" on a console page is still a crash path.

interface LoggedApp {
  app: App;
  errors: string[];
}

async function startLoggedApp(): Promise<LoggedApp> {
  const errors: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      errors.push(chunk.toString('utf8').trim());
      done();
    },
  });
  const app = await startApp(
    {
      ...configFromEnv({}),
      host: '127.0.0.1',
      port: 0,
      dataDir: ':memory:',
      accountId: ACCOUNT_ID,
      rootAccessKeyId: ROOT_KEY.accessKeyId,
      rootSecretAccessKey: ROOT_KEY.secretAccessKey,
      rootEmail: ROOT_EMAIL,
      rootPassword: ROOT_PASSWORD,
      logLevel: 'error',
    },
    { logger: pino({ level: 'error' }, sink) },
  );
  return { app, errors };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a socket, so that what fetch or http.request would refuse to send (CR/LF in
// a header, a wrong Content-Length, bytes that are not UTF-8) is actually sent.

interface RawReply {
  /** 0 when the connection closed without an answer. */
  status: number;
  headers: string;
  body: string;
  raw: string;
}

function hostOf(base: string): { host: string; port: number; hostHeader: string } {
  const u = new URL(base);
  return { host: u.hostname, port: Number(u.port), hostHeader: u.host };
}

function sendRaw(base: string, bytes: Buffer, opts: { halfClose?: boolean } = {}): Promise<RawReply> {
  const { host, port } = hostOf(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s to ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`));
    }, 5000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // a reset after the server refused: the reply so far counts
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      const end = raw.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, headers: end >= 0 ? raw.slice(0, end) : raw, body: end >= 0 ? raw.slice(end + 4) : '', raw });
    });
    socket.write(bytes, () => {
      if (opts.halfClose) setTimeout(() => socket.end(), 20);
    });
  });
}

/** A request's bytes; header names and values are written as given (latin1), nothing is checked. */
function rawRequest(method: string, target: string, headers: [string, string][], body: Buffer = Buffer.alloc(0)): Buffer {
  const head = `${method} ${target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function simple(base: string, method: string, target: string, headers: [string, string][] = [], body = ''): Promise<RawReply> {
  const b = Buffer.from(body, 'utf8');
  const h: [string, string][] = [['host', hostOf(base).hostHeader], ['connection', 'close'], ...headers];
  if (b.length > 0 || method === 'POST') h.push(['content-length', String(b.length)]);
  return sendRaw(base, rawRequest(method, target, h, b));
}

// ---------------------------------------------------------------------------------------------
// Signature V4 with the SDK's own signer (the root test key), so that requests get past
// authentication and into the handlers.

/** RFC 3986 encoding, as the SDK signers encode query keys and values. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

interface ToSign {
  method: string;
  /** The raw path as sent (ASCII; may hold any percent-encoding, valid or not). */
  path: string;
  query?: [string, string][];
  headers?: Record<string, string>;
  body?: Buffer;
  service?: string;
  region?: string;
}

async function signedRaw(base: string, r: ToSign): Promise<Buffer> {
  const { hostHeader, host, port } = hostOf(base);
  const signer = new SignatureV4({ credentials: ROOT_KEY, region: r.region ?? 'us-east-1', service: r.service ?? 'iam', sha256: Sha256 });
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of r.query ?? []) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const body = r.body ?? Buffer.alloc(0);
  const signed = await signer.sign({
    method: r.method,
    protocol: 'http:',
    hostname: host,
    port,
    path: r.path,
    query,
    headers: { host: hostHeader, ...(r.headers ?? {}) },
    body: body.length > 0 ? new Uint8Array(body) : undefined,
  });
  const qs = (r.query ?? []).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
  const headers: [string, string][] = Object.entries(signed.headers as Record<string, string>).map(([k, v]) => [k, v]);
  headers.push(['connection', 'close'], ['content-length', String(body.length)]);
  return rawRequest(r.method, qs ? `${r.path}?${qs}` : r.path, headers, body);
}

// ---------------------------------------------------------------------------------------------
// Generators. IAMD_FUZZ_SCALE=20 (say) multiplies the number of runs, for a longer search.

const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.IAMD_FUZZ_SCALE ?? 1)));

const PCT = [
  '%',
  '%%',
  '%E0%A4%A',
  '%E0%A4',
  '%00',
  '%0d%0a',
  '%0D%0ASet-Cookie:%20x=1',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%FE%FF',
  '%80',
  '%2F',
  '%2f',
  '%25',
  '%2e%2e',
  '%2E',
  '%5C',
  '%uD800',
  '%G1',
  '%1',
  '%F0%9F%98%80',
  '%E2%80%AE',
  '%3F',
  '%23',
  '%20',
  '+',
];
const WORDS = [
  'console',
  'iam',
  'users',
  'roles',
  'groups',
  'policies',
  'view',
  'new',
  'lang',
  'en',
  'ja',
  'xx',
  'static',
  'app.js',
  'style.css',
  'signin',
  'signout',
  'api',
  'validate-policy',
  'trust-policy',
  'iamd',
  'workloads',
  'workload-credentials',
  'authorize',
  'authenticate',
  'batch',
  'resource-policies',
  'gateways',
  'gateway',
  'check',
  'latest',
  'meta-data',
  'token',
  'security-credentials',
  'healthz',
  'download',
  'inline',
  'attach',
  'simulator',
  'mfa',
  'change-password',
  'account-settings',
  'mfa-assign',
  'delete',
  'tag',
  'update',
  '111122223333',
  'root',
  'wl-1',
  '..',
  '.',
  '',
];
const pct = fc.constantFrom(...PCT);
const word = fc.constantFrom(...WORDS);
const urlChars = fc.string({ unit: fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@[]{}|^`"<>\\'.split('')), maxLength: 6 });
/** Bytes the request line cannot carry: Node's parser must refuse them (400), never the app. */
const badRaw = fc.constantFrom(' ', '\r\n', '\t', '\u00e9', '\u0000', '#', '\u007f');
const segment = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: word },
      { weight: 3, arbitrary: pct },
      { weight: 2, arbitrary: urlChars },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((a) => a.join(''));
const cleanSegment = segment.map((s) => s.replace(/[^\x21-\x7e]/g, 'x').replace(/[?#]/g, '%3F'));

const PREFIXES = [
  '/',
  '/console',
  '/console/',
  '/console/iam/',
  '/console/iam/users/',
  '/console/iam/roles/',
  '/console/lang/',
  '/console/static/',
  '/console/api/',
  '/iamd/workloads/',
  '/iamd/',
  '/iamd/workload-credentials',
  '/iamd/authorize',
  '/iamd/authorize/batch',
  '/iamd/authenticate',
  '/iamd/resource-policies',
  '/iamd/services',
  '/iamd/services/',
  '/iamd/gateways/',
  '/iamd/gateway/check',
  '/iamd/gateway/forward-auth',
  '/iamd/gateway/ext-authz/',
  '/iamd/oidc-providers/keys',
  '/iamd/oidc-providers/console-sign-in',
  '/oidc/',
  '/oidc/00000000-0000-4000-8000-000000000000/.well-known/',
  '/console/sso/',
  '/console/iam/identity-providers/',
  '/readyz',
  '/metrics',
  '/latest/',
  '/latest/api/token',
  '/latest/meta-data/iam/security-credentials/',
  '//',
  '/healthz',
  '*',
  'http://evil.example/console/',
];
const pathArb = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.array(cleanSegment, { maxLength: 3 }), fc.boolean())
  .map(([p, segs, slash]) => `${p}${segs.join('/')}${slash && segs.length ? '/' : ''}`);

const QUERY_KEYS = [
  'next',
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Expires',
  'ok',
  'q',
  'marker',
  'arn',
  'kind',
  'name',
  'policy',
  'user',
  'scope',
  'InstanceProfileName',
  'UserName',
];
const NEXTS = [
  '/console/%0d%0aSet-Cookie:%20x=1',
  '//evil.example',
  '/console/../\\evil.example',
  '/console/..%2F..%2F%2Fevil.example',
  'https://evil.example/console/',
  '/\\evil.example',
  '/console/\\\\evil.example',
  '/console/%E0%A4%A',
  '/console/iam',
  'javascript:alert(1)',
];
const queryValue = fc.oneof(
  cleanSegment,
  fc.constantFrom(...NEXTS.map((n) => n.replace(/\\/g, '%5C'))),
  fc.constantFrom(
    'ListUsers',
    'GetUser',
    'AWS4-HMAC-SHA256',
    '2010-05-08',
    'AKIAIOSFODNN7ROOTKEY/20260101/us-east-1/iam/aws4_request',
    'host',
    '99999999999999999999',
  ),
);
const queryArb = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), cleanSegment), fc.option(queryValue, { nil: undefined })), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&'));

/** Header values: printable Latin-1 (what a header can carry), and a few chosen ones. */
const latin1 = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const headerArbs: Record<string, fc.Arbitrary<string>> = {
  origin: fc.oneof(
    latin1,
    fc.constantFrom('garbage', 'null', '', 'http://[::1', 'http://evil.example', '://', 'http://%', 'javascript:alert(1)', 'http://127.0.0.1:1', 'http://a b'),
  ),
  referer: fc.oneof(latin1, fc.constantFrom('garbage', 'http://[', '/console/', 'http://evil.example/')),
  cookie: fc
    .array(
      fc.oneof(
        latin1.map((v) => v.replace(/[;]/g, '')),
        fc.constantFrom(
          'iamd-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
          'iamd-lang=ja',
          'iamd-lang=%',
          'iamd-lang=__proto__',
          'iamd-pre=xxxxxxxxxxxxxxxxxxxxxxxxx',
          'iamd-flash=v1.garbage',
          'iamd-flash=%E0%A4%A',
          '__Host-iamd-session=x',
          '=',
          '==;',
          'constructor=1',
        ),
      ),
      { maxLength: 4 },
    )
    .map((a) => a.join('; ')),
  'content-type': fc.oneof(
    latin1,
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'multipart/form-data; boundary=x',
      'APPLICATION/X-WWW-FORM-URLENCODED',
    ),
  ),
  authorization: fc.oneof(
    latin1,
    fc.constantFrom(
      'AWS4-HMAC-SHA256',
      'Bearer x',
      'AWS4-HMAC-SHA256 Credential=%/%/%/%/%, SignedHeaders=host, Signature=00',
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7ROOTKEY/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=zz',
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7ROOTKEY/2/3/4/5/6/7, SignedHeaders=;;;, Signature=',
      'AWS4-HMAC-SHA256 Credential=, Credential=, SignedHeaders=, Signature=',
      'iamd-wl-AAAA',
      'AWS4-HMAC-SHA256 Credential=ASIAQAAAAAAAAAAAAAAA/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=00',
    ),
  ),
  'x-amz-date': fc.oneof(latin1, fc.constantFrom('20260101T000000Z', '99999999T999999Z', '', 'Thu, 01 Jan 1970 00:00:00 GMT')),
  'x-amz-security-token': fc.oneof(
    latin1,
    fc.constantFrom('', '!!!!', 'AAAA', 'v1.AAAA', 'djEuQUFBQQ', 'djEu' + 'A'.repeat(60)),
    fc.base64String().map((b) => b.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')),
  ),
  'x-amz-content-sha256': fc.oneof(latin1, fc.constantFrom('UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'zz')),
  'x-amz-target': latin1,
  'accept-language': fc.oneof(latin1, fc.constantFrom('ja', 'ja;q=abc', ';;;', '*', 'en-US,ja;q=0.5')),
  'x-forwarded-proto': fc.constantFrom('https', 'http', 'https,http', '', 'ftp'),
  'x-forwarded-for': fc.constantFrom('1.2.3.4', ''),
  'x-csrf-token': latin1,
  'x-aws-ec2-metadata-token': latin1,
  'x-aws-ec2-metadata-token-ttl-seconds': fc.oneof(latin1, fc.constantFrom('60', '0', '-1', '21601', '1e3', '60.5', '99999999999999999999')),
  'user-agent': latin1,
};
const headerNames = Object.keys(headerArbs);
const optionalHeaders = fc
  .uniqueArray(fc.constantFrom(...headerNames), { maxLength: 6 })
  .chain((names) => fc.tuple(...names.map((n) => headerArbs[n]!.map((v): [string, string] => [n, v]))));

const FORM_KEYS = [
  'mode',
  'principal',
  'actions',
  'resources',
  'policy1',
  'boundary',
  'ctx:aws:sourceip',
  'ctx:aws:currenttime',
  'ctx:aws:multifactorauthage',
  'description',
  'status',
  'op',
  '_csrf',
  '_pre',
  '_json',
  'kind',
  'account',
  'name',
  'password',
  'Action',
  'Version',
  'UserName',
  'PolicyDocument',
  'document',
  'arn',
  'policy',
  'next',
  'code',
  'old',
  'new',
  'confirm',
  'alias',
  'user',
  'key',
  'serial',
  'version',
  'trust',
  'entity',
  'userArn',
  'service',
  'accountId',
  'maxSessionHours',
  'name1',
  'programmatic',
  'console',
  'tagKey',
  'tagValue',
  'workload',
  'action',
  'resource',
  'context',
];
const bodyArb = fc
  .oneof(
    fc.constant(''),
    fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...FORM_KEYS), cleanSegment), fc.oneof(cleanSegment, fc.string({ maxLength: 20 }), fc.constantFrom(...PCT))), {
        maxLength: 6,
      })
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
    fc.json({ maxDepth: 2 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
  )
  .map((s) => Buffer.from(s, 'utf8'));
const binaryBody = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));

type Framing = 'exact' | 'short' | 'long' | 'none' | 'garbage' | 'double' | 'chunked';
const framingArb: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 20, arbitrary: fc.constant('exact' as const) },
  { weight: 1, arbitrary: fc.constantFrom<Framing>('short', 'long', 'none', 'garbage', 'double', 'chunked') },
);

interface RandomRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body: Buffer;
  framing: Framing;
  /** A request Node's parser accepts: the app must answer it. */
  wellFormed: boolean;
}

/** `arb` once in about `n` runs, undefined otherwise. */
function rarely<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];
const hostHeader = (base: string) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(hostOf(base).hostHeader) },
    { weight: 1, arbitrary: fc.oneof(latin1, fc.constantFrom('', 'evil.example', '[', 'a:b:c', 'localhost:0')) },
  );

const methodArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST') },
  { weight: 4, arbitrary: fc.constantFrom(...METHODS) },
  { weight: 1, arbitrary: fc.constantFrom('get', 'FOO', 'TRACE', 'CONNECT') },
);

function randomRequest(base: string, paths: fc.Arbitrary<string> = pathArb, methods: fc.Arbitrary<string> = methodArb): fc.Arbitrary<RandomRequest> {
  return fc
    .record({
      method: methods,
      path: paths,
      origin: rarely(headerArbs.origin!, 3),
      query: fc.option(queryArb, { nil: undefined }),
      bad: rarely(badRaw, 15),
      host: hostHeader(base),
      headers: optionalHeaders,
      crlfHeader: rarely(fc.constantFrom<[string, string]>(['x-test', 'a\r\nSet-Cookie: x=1'], ['origin', 'http://a\rb'], ['cookie', 'a\nb']), 30),
      body: fc.oneof({ weight: 5, arbitrary: bodyArb }, { weight: 1, arbitrary: binaryBody }),
      framing: framingArb,
    })
    .map((r) => {
      const target = `${r.path}${r.bad ?? ''}${r.query !== undefined ? `?${r.query}` : ''}`;
      const headers: [string, string][] = [['host', r.host], ['connection', 'close'], ...r.headers.filter(([k]) => r.origin === undefined || k !== 'origin')];
      if (r.origin !== undefined) headers.push(['origin', r.origin]);
      if (r.crlfHeader) headers.push(r.crlfHeader);
      const n = r.body.length;
      switch (r.framing) {
        case 'exact':
          headers.push(['content-length', String(n)]);
          break;
        case 'short':
          headers.push(['content-length', String(Math.max(0, n - 3))]);
          break;
        case 'long':
          headers.push(['content-length', String(n + 10)]);
          break;
        case 'garbage':
          headers.push(['content-length', '12abc']);
          break;
        case 'double':
          headers.push(['content-length', String(n)], ['content-length', String(n + 1)]);
          break;
        case 'chunked':
          headers.push(['transfer-encoding', 'chunked']);
          break;
        case 'none':
          break;
      }
      const wellFormed =
        r.framing === 'exact' && r.bad === undefined && !r.crlfHeader && METHODS.includes(r.method) && r.host !== '' && !r.path.startsWith('*');
      return { method: r.method, target, headers, body: r.body, framing: r.framing, wellFormed };
    });
}

function describeRequest(r: { method: string; target: string; headers: [string, string][]; body: Buffer }): string {
  return JSON.stringify({ method: r.method, target: r.target, headers: r.headers, body: r.body.toString('latin1') });
}

/** Sends one random request; fails on a 5xx, or on no answer to a request the parser accepts. */
async function checkRandom(base: string, r: RandomRequest): Promise<RawReply> {
  const reply = await sendRaw(base, rawRequest(r.method, r.target, r.headers, r.body), { halfClose: r.framing === 'long' || r.framing === 'chunked' });
  assert.ok(reply.status < 500, `${reply.status} for ${describeRequest(r)}:\n${reply.raw.slice(0, 600)}`);
  if (r.wellFormed) assert.notEqual(reply.status, 0, `no answer to ${describeRequest(r)}`);
  return reply;
}

async function assertHealthy(logged: LoggedApp): Promise<void> {
  const health = await simple(logged.app.url, 'GET', '/healthz');
  assert.equal(health.status, 200);
  assert.match(health.body, /"status":"ok"/);
  assert.deepEqual(logged.errors, [], 'internal errors were logged');
}

/** A role for workloads behind instance profile `fuzz`, a user, a group, and an IMDS endpoint with a session token. */
interface Fixture {
  imds: ImdsServer;
  imdsBase: string;
  imdsToken: string;
  roleName: string;
}

async function prepare(logged: LoggedApp): Promise<Fixture> {
  const iam = iamClient(logged.app);
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  // The property tests may change or delete what they can name (fuzz-*): IMDS gets its own role.
  for (const [role, profile] of [
    ['fuzz-role', 'fuzz'],
    ['imds-role-0', 'imds-profile-0'],
  ]) {
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trust }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profile }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: role }));
  }
  const roleName = 'imds-role-0';
  await iam.send(new CreateUserCommand({ UserName: 'fuzz-user' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'fuzz-group' }));
  const base = logged.app.url;
  const reg = await sendRaw(
    base,
    await signedRaw(base, {
      method: 'POST',
      path: '/iamd/workloads',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ InstanceProfileName: 'imds-profile-0', Name: 'imds' })),
    }),
  );
  assert.equal(reg.status, 200, reg.raw);
  const token = (JSON.parse(reg.body) as { AuthorizationToken: string }).AuthorizationToken;
  const imds = await startImdsServer(`${base}/iamd/workload-credentials`, token);
  const imdsBase = imds.endpoint.replace(/\/$/, '');
  const issued = await simple(imdsBase, 'PUT', '/latest/api/token', [['x-aws-ec2-metadata-token-ttl-seconds', '21600']]);
  assert.equal(issued.status, 200, issued.raw);
  return { imds, imdsBase, imdsToken: issued.body, roleName };
}

/** A root console session: its cookie header and CSRF token. */
async function consoleSession(base: string): Promise<{ cookie: string; csrf: string }> {
  const client = new ConsoleClient(base);
  const signedIn = await client.signIn(ACCOUNT_ID, 'root', ROOT_EMAIL, ROOT_PASSWORD);
  assert.equal(signedIn.status, 303);
  await client.get('/console/iam/users');
  const csrf = client.token('_csrf');
  assert.ok(csrf);
  return { cookie: client.cookieHeader(), csrf };
}

// ---------------------------------------------------------------------------------------------

describe('the reported crash paths (issue #12, item 4)', () => {
  let logged: LoggedApp;
  before(async () => {
    logged = await startLoggedApp();
  });
  after(() => logged.app.close());
  beforeEach(() => {
    logged.errors.length = 0;
  });

  test('POST /console/signin with Origin: garbage is refused with a 4xx, not a 500 (Invalid URL)', async () => {
    const base = logged.app.url;
    for (const origin of ['garbage', 'http://[::1', '://', 'http://a b']) {
      const r = await simple(
        base,
        'POST',
        '/console/signin',
        [
          ['origin', origin],
          ['content-type', 'application/x-www-form-urlencoded'],
        ],
        'kind=root&account=x&name=y&password=z',
      );
      assert.ok(r.status >= 400 && r.status < 500, `${r.status} for Origin: ${origin}\n${r.raw}`);
      assert.match(r.headers, /content-type: text\/plain/i);
      assert.ok(r.body.length > 0, 'a clear error message');
    }
    await assertHealthy(logged);
  });

  test('GET /console/lang/en?next=/console/%0d%0aSet-Cookie… redirects inside the console, with no header injected', async () => {
    const base = logged.app.url;
    const r = await simple(base, 'GET', '/console/lang/en?next=/console/%0d%0aSet-Cookie:%20x=1');
    assert.equal(r.status, 303, r.raw);
    const location = /^location: (.*)$/im.exec(r.headers)?.[1] ?? '';
    assert.ok(location.startsWith('/console/'), location);
    assert.doesNotMatch(r.headers, /^set-cookie: x=1/im);
    assert.doesNotMatch(location, /[\r\n\s]/);
    await assertHealthy(logged);
  });

  test('`next` is only ever a same-site /console/ path: never an open redirect', async () => {
    const base = logged.app.url;
    const cases = [
      '//evil.example',
      '/console/../%5Cevil.example',
      '/console/..%2F..%2F%2Fevil.example',
      'https://evil.example/console/',
      '/%5Cevil.example',
      '/console/%5C%5Cevil.example',
      '/console/../../evil',
      'javascript:alert(1)',
      '/console/%E0%A4%A',
      '%2F%2Fevil.example',
      '/console/%09/evil',
      '/console/\t//evil'.replace('\t', '%09'),
    ];
    for (const next of cases) {
      const r = await simple(base, 'GET', `/console/lang/ja?next=${next}`);
      assert.equal(r.status, 303, `${next}: ${r.raw}`);
      const location = /^location: (.*)$/im.exec(r.headers)?.[1] ?? '';
      assert.ok(location.startsWith('/console/') && !location.startsWith('//'), `${next} → ${location}`);
      // Resolved the way a browser does, it stays on this server, under /console/.
      const resolved = new URL(location, `${base}/console/lang/ja`);
      assert.equal(resolved.origin, base, `${next} → ${location}`);
      assert.ok(resolved.pathname.startsWith('/console/'), `${next} → ${location}`);
    }
    // A good `next` is kept.
    const ok = await simple(base, 'GET', '/console/lang/ja?next=/console/iam/users%3Fq%3Dx');
    assert.match(ok.headers, /^location: \/console\/iam\/users\?q=x\r?$/im);
    await assertHealthy(logged);
  });

  test('a validly signed DELETE /iamd/workloads/%E0%A4%A gets a 400 JSON error, not a 500 ServiceFailure (URI malformed)', async () => {
    const base = logged.app.url;
    // The same for every JSON API with a name or id in its path.
    const paths = ['/iamd/workloads/%E0%A4%A', '/iamd/workloads/%', '/iamd/workloads/%ED%A0%80', '/iamd/services/%E0%A4%A', '/iamd/gateways/%'];
    for (const path of paths) {
      const r = await sendRaw(base, await signedRaw(base, { method: 'DELETE', path }));
      assert.equal(r.status, 400, `${path}: ${r.raw}`);
      assert.match(r.headers, /content-type: application\/json/i);
      const body = JSON.parse(r.body) as { Code: string; Message: string };
      assert.equal(body.Code, 'ValidationError', r.body);
      assert.ok(body.Message.length > 0);
    }
    await assertHealthy(logged);
  });
});

describe('crash paths found by the property tests', () => {
  let logged: LoggedApp;
  let fixture: Fixture;
  before(async () => {
    logged = await startLoggedApp();
    fixture = await prepare(logged);
  });
  after(async () => {
    await fixture?.imds.close();
    await logged.app.close();
  });
  // Each test answers for the errors logged while it ran.
  beforeEach(() => {
    logged.errors.length = 0;
  });

  test('a console path segment that is not valid percent-encoded UTF-8 gets a 400 page, not a 500 (URI malformed)', async () => {
    const base = logged.app.url;
    const { cookie, csrf } = await consoleSession(base);
    const cases: [string, string, string][] = [
      ['GET', '/console/%E0%A4%A', ''],
      ['GET', '/console/iam/users/%E0%A4%A', ''],
      ['GET', '/console/iam/roles/%ED%A0%80', ''],
      ['POST', '/console/iam/users/%/delete', `_csrf=${csrf}`],
      ['POST', '/console/iam/groups/%FF/delete', `_csrf=${csrf}`],
    ];
    for (const [method, path, body] of cases) {
      for (const headers of [[], [['cookie', cookie]]] as [string, string][][]) {
        const r = await simple(base, method, path, [...headers, ['content-type', 'application/x-www-form-urlencoded']], body);
        assert.equal(r.status, 400, `${method} ${path}: ${r.raw}`);
        assert.match(r.body, /Bad request: the address is not valid/);
      }
    }
    await assertHealthy(logged);
  });

  test('the console JSON endpoints answer a body that is not a JSON object with a 400, not a 500 (TypeError)', async () => {
    const base = logged.app.url;
    const { cookie, csrf } = await consoleSession(base);
    const post = (path: string, body: string) =>
      simple(
        base,
        'POST',
        path,
        [
          ['cookie', cookie],
          ['x-csrf-token', csrf],
          ['content-type', 'application/json'],
        ],
        body,
      );
    for (const path of ['/console/api/validate-policy', '/console/api/trust-policy']) {
      for (const body of ['null', '[]', '1', '"x"', 'not json']) {
        const r = await post(path, body);
        assert.equal(r.status, 400, `${path} ${body}: ${r.raw}`);
        assert.deepEqual(JSON.parse(r.body), { error: 'Bad request: the body must be a JSON object.' });
      }
    }
    // Values of the wrong JSON type are ignored, as a missing field is (String() of such an object throws).
    for (const body of [
      '{"service":{"toString":1}}',
      '{"accountId":{"valueOf":null,"toString":null}}',
      '{"userArn":[{"toString":1},"arn:aws:iam::111122223333:user/fuzz-user"]}',
      '{"entity":["service"]}',
    ]) {
      const r = await post('/console/api/trust-policy', body);
      assert.equal(r.status, 200, `${body}: ${r.raw}`);
      assert.ok(typeof (JSON.parse(r.body) as { document: string }).document === 'string');
    }
    await assertHealthy(logged);
  });

  test('a body cut short (fewer bytes than its Content-Length, then the connection closed) is not an internal error', async () => {
    const base = logged.app.url;
    for (const path of ['/', '/iamd/workloads', '/console/signin']) {
      const head: [string, string][] = [
        ['host', hostOf(base).hostHeader],
        ['content-length', '100'],
        ['content-type', 'application/x-www-form-urlencoded'],
      ];
      const r = await sendRaw(base, rawRequest('POST', path, head, Buffer.from('Action=ListUsers&Version=')), { halfClose: true });
      assert.ok(r.status === 0 || (r.status >= 400 && r.status < 500), `${path}: ${r.raw}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assertHealthy(logged);
  });

  test('IMDS: a role name that is not valid percent-encoded UTF-8 gets a 400, not a 500 (URI malformed)', async () => {
    for (const path of ['%E0%A4%A', '%', 'imds-role-0%FF']) {
      const r = await simple(fixture.imdsBase, 'GET', `/latest/meta-data/iam/security-credentials/${path}`, [['x-aws-ec2-metadata-token', fixture.imdsToken]]);
      assert.equal(r.status, 400, `${path}: ${r.raw}`);
    }
    const ok = await simple(fixture.imdsBase, 'GET', '/latest/meta-data/iam/security-credentials/imds%2Drole-0', [
      ['x-aws-ec2-metadata-token', fixture.imdsToken],
    ]);
    assert.equal(ok.status, 200, ok.raw);
  });
});

describe('random requests never get a 5xx', () => {
  let logged: LoggedApp;
  let fixture: Fixture;
  before(async () => {
    logged = await startLoggedApp();
    fixture = await prepare(logged);
  });
  after(async () => {
    await fixture?.imds.close();
    await logged.app.close();
  });
  // Each test answers for the errors logged while it ran.
  beforeEach(() => {
    logged.errors.length = 0;
  });

  test('unsigned requests to every surface of the app (router, Query API, console, workload API)', async () => {
    const base = logged.app.url;
    await fc.assert(
      fc.asyncProperty(randomRequest(base), (r) => checkRandom(base, r).then(() => undefined)),
      { numRuns: runs(400) },
    );
    await assertHealthy(logged);
  });

  test('signed Query API requests with random actions, parameters and headers', async () => {
    const base = logged.app.url;
    const ops = [...Object.keys(iamModel.operations), ...Object.keys(stsModel.operations)];
    const registry = buildRegistry();
    const modelOps = [
      ...Object.keys(iamModel.operations).map((op) => ['iam', op] as const),
      ...Object.keys(stsModel.operations).map((op) => ['sts', op] as const),
    ];
    const implemented = modelOps.filter(([service, op]) => registry.get(service, op));
    const notYet = modelOps.filter(([service, op]) => !registry.get(service, op));
    const valueFor = (leaf: Shape | undefined): fc.Arbitrary<string> =>
      fc.oneof(
        {
          weight: 3,
          arbitrary: leaf?.enum?.length
            ? fc.constantFrom(...leaf.enum)
            : leaf?.type === 'integer' || leaf?.type === 'long'
              ? fc.integer().map(String)
              : leaf?.type === 'boolean'
                ? fc.constantFrom('true', 'false')
                : fc.constantFrom(
                    'fuzz-role',
                    'fuzz-user',
                    'fuzz-group',
                    'fuzz',
                    '/',
                    '/a/',
                    'arn:aws:iam::111122223333:role/fuzz-role',
                    'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
                    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
                  ),
        },
        { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
        { weight: 1, arbitrary: fc.constantFrom(...PCT) },
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '-1',
            '0',
            '1e400',
            '99999999999999999999',
            'NaN',
            '',
            'true',
            '2026-13-45T99:99:99Z',
            '{"Version":"2012-10-17"',
            '\u0000',
            '\r\n',
            'A'.repeat(3000),
            '__proto__',
          ),
        },
        { weight: 1, arbitrary: fc.json({ maxDepth: 2 }) },
      );
    /** The flat parameter names of an operation's input (`Tags.member.1.Key`), with their leaf shapes. */
    const inputKeys = (model: ServiceModel, shapeName: string | undefined, prefix = '', depth = 0): { key: string; leaf?: Shape }[] => {
      const shape = shapeName ? model.shapes[shapeName] : undefined;
      if (!shape || depth > 3) return [];
      if (shape.type === 'structure')
        return Object.entries(shape.members ?? {}).flatMap(([name, ref]) =>
          inputKeys(model, ref.shape, `${prefix}${prefix ? '.' : ''}${ref.locationName ?? name}`, depth + 1),
        );
      if (shape.type === 'list')
        return [
          { key: prefix, leaf: shape },
          ...['1', '2', '0', '1001', '-1', 'x'].flatMap((i) => inputKeys(model, shape.member!.shape, `${prefix}.member.${i}`, depth + 1)),
        ];
      if (shape.type === 'map')
        return ['1', '2', '0'].flatMap((i) => [
          ...inputKeys(model, shape.key!.shape, `${prefix}.entry.${i}.key`, depth + 1),
          ...inputKeys(model, shape.value!.shape, `${prefix}.entry.${i}.value`, depth + 1),
        ]);
      return [{ key: prefix, leaf: shape }];
    };
    const paramsFor = (model: ServiceModel, op: string) => {
      const keys = inputKeys(model, model.operations[op]?.input?.shape);
      const known = keys.length
        ? fc.constantFrom(...keys).chain(({ key, leaf }) => valueFor(leaf).map((v): [string, string] => [key, v]))
        : fc.constant<[string, string]>(['Marker', 'x']);
      const other = fc.tuple(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 10 }),
          fc.constantFrom('Action', 'Version', 'X-Amz-Signature', 'Tags.member.1.Key', 'Tags.member.51.Key', 'Tags.member.1001.Key'),
        ),
        valueFor(undefined),
      );
      return fc.array(fc.oneof({ weight: 5, arbitrary: known }, { weight: 1, arbitrary: other }), { maxLength: 6 });
    };
    const request = fc
      .oneof(
        { weight: 12, arbitrary: fc.constantFrom(...implemented) },
        // Operations of the models iamd does not serve (none, once every one is): NotImplemented, never 5xx.
        ...(notYet.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...notYet) }] : []),
        {
          weight: 1,
          arbitrary: fc.constantFrom<readonly [string, string]>(
            ['iam', ''],
            ['iam', 'constructor'],
            ['iam', '__proto__'],
            ['sts', 'toString'],
            ['iam', 'hasOwnProperty'],
            ['iam', 'listusers'],
            ['iam', 'ListUsers '],
          ),
        },
      )
      .chain(([service, action]) => {
        const model = service === 'sts' ? stsModel : iamModel;
        return fc.record({
          action: fc.constant(action),
          version: fc.oneof(
            { weight: 10, arbitrary: fc.constant(model.metadata.apiVersion) },
            { weight: 1, arbitrary: fc.constantFrom(undefined, '', 'x', service === 'sts' ? '2010-05-08' : '2011-06-15') },
          ),
          params: paramsFor(model, action),
          inQuery: fc.boolean(),
          service: fc.oneof({ weight: 12, arbitrary: fc.constant(service) }, { weight: 1, arbitrary: fc.constantFrom('iam', 'sts', 's3', 'IAM', 'iamd', '') }),
          region: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom('us-east-1', 'eu-west-3', 'ap-northeast-1') },
            { weight: 1, arbitrary: fc.constantFrom('cn-north-1', 'us-gov-west-1', 'x', 'us-iso-east-1', '') },
          ),
          contentType: fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom('application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded') },
            { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', undefined) },
          ),
          amz: rarely(
            fc
              .uniqueArray(fc.constantFrom('x-amz-security-token', 'x-amz-target', 'x-amz-user-agent', 'x-amz-meta-x'), { minLength: 1, maxLength: 2 })
              .chain((names) => fc.tuple(...names.map((n) => latin1.map((v): [string, string] => [n, v.trim()])))),
            6,
          ),
          extra: rarely(
            fc.constantFrom<[string, string]>(['origin', 'garbage'], ['cookie', 'iamd-session=%'], ['accept-language', ';;'], ['x-forwarded-proto', 'https']),
            4,
          ),
          method: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('POST', 'GET') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH') }),
          path: fc.oneof(
            { weight: 8, arbitrary: fc.constant('/') },
            { weight: 1, arbitrary: fc.constantFrom('/%E0%A4%A', '/x/../', '/%00', '/%2e%2e/', '/iamd/../') },
          ),
        });
      });
    await fc.assert(
      fc.asyncProperty(request, async (q) => {
        const pairs: [string, string][] = [['Action', q.action], ...(q.version !== undefined ? [['Version', q.version] as [string, string]] : []), ...q.params];
        const headers: Record<string, string> = {};
        if (q.contentType) headers['content-type'] = q.contentType;
        for (const [k, v] of q.amz ?? []) headers[k] = v;
        if (q.extra) headers[q.extra[0]] = q.extra[1];
        const inQuery = q.inQuery || q.method === 'GET';
        const body = inQuery ? Buffer.alloc(0) : Buffer.from(new URLSearchParams(pairs).toString(), 'utf8');
        const bytes = await signedRaw(base, {
          method: q.method,
          path: q.path,
          query: inQuery ? pairs : undefined,
          headers,
          body,
          service: q.service,
          region: q.region,
        });
        const reply = await sendRaw(base, bytes);
        // 501 NotImplemented is AWS's answer for an action of the model that iamd does not have yet.
        const notImplemented = reply.status === 501 && /<Code>NotImplemented<\/Code>/.test(reply.body) && ops.includes(q.action);
        assert.ok(reply.status > 0 && (reply.status < 500 || notImplemented), `${reply.status} for ${JSON.stringify(q)}:\n${reply.raw.slice(0, 800)}`);
        if (reply.status >= 400 && !notImplemented) assert.match(reply.body, /<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>\w+<\/Code>/, reply.body);
      }),
      { numRuns: runs(400) },
    );
    await assertHealthy(logged);
  });

  test('signed workload API requests with random methods, paths and bodies', async () => {
    const base = logged.app.url;
    const seconds = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, 2 ** 53, 43200, 900, '60', null, true, [], {}));
    const jsonBody = fc
      .record(
        {
          InstanceProfileName: fc.oneof(fc.constantFrom('fuzz', 'nope', '', 'a'.repeat(200)), fc.string(), fc.jsonValue()),
          Name: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.jsonValue(), fc.constantFrom('%E0', '../..', '\u0000')),
          SessionDurationSeconds: seconds,
          ExpiresInSeconds: seconds,
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o));
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD'),
      path: fc.oneof(
        fc.constant('/iamd/workloads'),
        fc.constant('/iamd/workload-credentials'),
        fc.array(cleanSegment, { minLength: 1, maxLength: 2 }).map((s) => `/iamd/workloads/${s.join('/')}`),
      ),
      query: fc.array(fc.tuple(fc.constantFrom('InstanceProfileName', 'x', ''), fc.string({ unit: 'grapheme', maxLength: 10 })), { maxLength: 2 }),
      body: fc.oneof(
        jsonBody.map((s) => Buffer.from(s)),
        fc.json().map((s) => Buffer.from(s)),
        fc.string({ unit: 'binary', maxLength: 30 }).map((s) => Buffer.from(s)),
        binaryBody,
        fc.constant(Buffer.alloc(0)),
      ),
      contentType: fc.constantFrom('application/json', 'text/plain', undefined),
    });
    await fc.assert(
      fc.asyncProperty(request, async (w) => {
        const headers: Record<string, string> = w.contentType ? { 'content-type': w.contentType } : {};
        const bytes = await signedRaw(base, { method: w.method, path: w.path, query: w.query, headers, body: w.body });
        const reply = await sendRaw(base, bytes);
        const shown = JSON.stringify({ ...w, body: w.body.toString('latin1') });
        assert.ok(reply.status > 0 && reply.status < 500, `${reply.status} for ${shown}:\n${reply.raw.slice(0, 800)}`);
        if (w.method !== 'HEAD') {
          const body = JSON.parse(reply.body) as { Code?: string; Message?: string };
          if (reply.status >= 400) assert.ok(typeof body.Code === 'string' && typeof body.Message === 'string', reply.body);
        }
      }),
      { numRuns: runs(300) },
    );
    await assertHealthy(logged);
  });

  test('signed authorization API requests with random routes and bodies (embedded requests, contexts, resource policies)', async () => {
    const base = logged.app.url;
    const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue());
    const embedded = fc.record(
      {
        Method: fc.oneof(fc.constantFrom('GET', 'POST', ''), scalar),
        Path: fc.oneof(fc.constantFrom('/', '/orders/42', 'orders', '/%E0%A4%A', ''), scalar),
        Query: fc.oneof(fc.constantFrom('a=1', 'X-Amz-Credential=AKIA%2F20260101%2Fus-east-1%2Forders%2Faws4_request', '%', '&&='), scalar),
        Headers: fc.oneof(
          fc.dictionary(
            fc.constantFrom('host', 'Authorization', 'x-amz-date', 'X-Amz-Security-Token', '__proto__', ''),
            fc.oneof(scalar, fc.array(fc.string())),
          ),
          scalar,
        ),
        PayloadHash: fc.oneof(fc.constantFrom('UNSIGNED-PAYLOAD', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'), scalar),
        Body: fc.oneof(fc.base64String({ maxLength: 12 }), scalar),
        SourceIp: fc.oneof(fc.constantFrom('10.0.0.1', '::1', '::ffff:1.2.3.4', '999.1.1.1'), scalar),
      },
      { requiredKeys: [] },
    );
    const entry = fc.record(
      {
        Action: fc.oneof(fc.constantFrom('orders:Get', 'iam:ListUsers', 'x', 'a:b:c'), scalar),
        Resource: fc.oneof(fc.constantFrom('*', 'arn:aws:orders:eu-west-1:111122223333:order/1', 'arn:aws-cn:x:::y', 'arn:'), scalar),
        Context: fc.oneof(fc.dictionary(fc.constantFrom('orders:Amount', 'aws:SourceIp', 'x', '__proto__'), fc.oneof(scalar, fc.array(scalar))), scalar),
        ResourcePolicy: fc.oneof(
          fc.constantFrom('{}', '{"Statement":[]}', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'),
          scalar,
        ),
      },
      { requiredKeys: [] },
    );
    const request = fc.oneof(
      fc.record({
        method: fc.constantFrom('POST', 'GET'),
        path: fc.constantFrom('/iamd/authorize', '/iamd/authenticate'),
        body: fc.tuple(embedded, entry).map(([r, e]) => JSON.stringify({ Request: r, ...e })),
        query: fc.constant([] as [string, string][]),
      }),
      fc.record({
        method: fc.constant('POST'),
        path: fc.constant('/iamd/authorize/batch'),
        body: fc.tuple(embedded, fc.oneof(fc.array(entry, { maxLength: 32 }), scalar)).map(([r, e]) => JSON.stringify({ Request: r, Requests: e })),
        query: fc.constant([] as [string, string][]),
      }),
      fc.record({
        method: fc.constantFrom('POST', 'GET', 'DELETE', 'PUT'),
        path: fc.constant('/iamd/resource-policies'),
        body: fc.oneof(
          fc.json(),
          fc.record({ ResourceArn: scalar, PolicyDocument: scalar }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
        ),
        query: fc.array(fc.tuple(fc.constantFrom('ResourceArn', 'Marker', 'MaxItems'), fc.string({ unit: 'grapheme', maxLength: 10 })), { maxLength: 2 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async (w) => {
        const bytes = await signedRaw(base, {
          method: w.method,
          path: w.path,
          query: w.query,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(w.body),
        });
        const reply = await sendRaw(base, bytes);
        assert.ok(reply.status > 0 && reply.status < 500, `${reply.status} for ${JSON.stringify(w)}:\n${reply.raw.slice(0, 800)}`);
        const body = JSON.parse(reply.body) as { Code?: string; Message?: string };
        if (reply.status >= 400) assert.ok(typeof body.Code === 'string' && typeof body.Message === 'string', reply.body);
      }),
      { numRuns: runs(300) },
    );
    await assertHealthy(logged);
  });

  test('a signed-in console session: random pages, forms and JSON, with the CSRF token', async () => {
    const base = logged.app.url;
    const { cookie, csrf } = await consoleSession(base);
    const consolePaths = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('users', 'roles', 'groups'),
          fc.oneof({ weight: 3, arbitrary: fc.constantFrom('fuzz-role', 'fuzz-user', 'fuzz-group', 'nobody', 'new') }, { weight: 1, arbitrary: cleanSegment }),
          fc.option(
            fc.constantFrom(
              'delete',
              'groups/add',
              'groups/remove',
              'detach',
              'keys/create',
              'keys/status',
              'password',
              'mfa/remove',
              'tag',
              'untag',
              'update',
              'trust',
              'boundary',
              'boundary/delete',
              'instance-profile',
              'workloads/revoke',
              'users/add',
              'users/remove',
            ),
            { nil: undefined },
          ),
        )
        .map(([kind, name, op]) => `/console/iam/${kind}/${name}${op ? `/${op}` : ''}`),
      fc.constantFrom(
        '/console/iam',
        '/console/iam/users',
        '/console/iam/roles',
        '/console/iam/groups',
        '/console/iam/policies',
        '/console/iam/policies/view',
        '/console/iam/policies/new',
        '/console/iam/policies/version',
        '/console/iam/inline',
        '/console/iam/inline/delete',
        '/console/iam/attach',
        '/console/iam/simulator',
        '/console/iam/account-settings',
        '/console/iam/mfa-assign',
        '/console/iam/alias',
        '/console/iam/roles/new',
        '/console/iam/users/new',
        '/console/iam/groups/new',
        '/console/api/validate-policy',
        '/console/api/trust-policy',
        '/console/iam/download/abc',
        '/console/iam/credentials/abc',
        '/console/iam/credentials/AAAAAAAAAAAAAAAAAAAAAAAA',
        '/console/iam/change-password',
        '/console/iam/mfa',
        '/console/iam/security-credentials',
        '/console/lang/ja',
        '/console/',
        `/console/${ACCOUNT_ID}`,
      ),
      pathArb.filter((p) => p.startsWith('/console')),
    );
    const consoleQuery = fc
      .array(
        fc.tuple(
          fc.constantFrom('kind', 'name', 'policy', 'arn', 'q', 'marker', 'scope', 'user', 'ok', 'next'),
          fc.oneof(
            cleanSegment,
            fc.constantFrom('user', 'role', 'group', 'fuzz-role', 'arn:aws:iam::aws:policy/IAMReadOnlyAccess', 'arn:aws:iam::111122223333:policy/%E0'),
          ),
        ),
        { maxLength: 3 },
      )
      .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
    const formBody = fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...FORM_KEYS.filter((k) => k !== '_csrf')), cleanSegment),
        fc.oneof(
          cleanSegment,
          fc.string({ unit: 'grapheme', maxLength: 20 }),
          fc.constantFrom(
            'user',
            'role',
            'group',
            'fuzz-role',
            'arn:aws:iam::aws:policy/IAMReadOnlyAccess',
            '{"Version":"2012-10-17","Statement":[]}',
            '1',
            'on',
          ),
        ),
      ),
      { maxLength: 6 },
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT'),
      path: consolePaths,
      query: fc.option(consoleQuery, { nil: undefined }),
      form: formBody,
      json: fc.option(
        fc.oneof(
          fc.json({ maxDepth: 2 }),
          fc
            .record(
              {
                document: fc.oneof(fc.string(), fc.json()),
                kind: fc.constantFrom('trust', 'resource', 'identity', 1),
                entity: fc.constantFrom('service', 'account', 'users', '__proto__'),
                userArn: fc.jsonValue(),
                requireMfa: fc.jsonValue(),
              },
              { requiredKeys: [] },
            )
            .map((o) => JSON.stringify(o)),
        ),
        { nil: undefined },
      ),
      withCsrf: fc.boolean(),
      headers: optionalHeaders.map((hs) => hs.filter(([k]) => k !== 'cookie' && k !== 'origin')),
    });
    await fc.assert(
      fc.asyncProperty(request, async (c) => {
        // Never sign out: the rest of the run needs the session.
        if (/signout/.test(c.path)) return;
        const isJson = c.json !== undefined;
        const body =
          c.method === 'GET'
            ? Buffer.alloc(0)
            : Buffer.from(isJson ? c.json! : new URLSearchParams([...(c.withCsrf ? [['_csrf', csrf] as [string, string]] : []), ...c.form]).toString(), 'utf8');
        const headers: [string, string][] = [
          ['host', hostOf(base).hostHeader],
          ['connection', 'close'],
          ['cookie', cookie],
          ...c.headers.filter(([k]) => k !== 'content-type' && k !== 'x-csrf-token'),
        ];
        headers.push(['content-type', isJson ? 'application/json' : 'application/x-www-form-urlencoded']);
        if (c.withCsrf) headers.push(['x-csrf-token', csrf]);
        headers.push(['content-length', String(body.length)]);
        const target = `${c.path}${c.query !== undefined ? `?${c.query}` : ''}`;
        await checkRandom(base, { method: c.method, target, headers, body, framing: 'exact', wellFormed: true });
      }),
      { numRuns: runs(300) },
    );
    // Still signed in.
    const still = await simple(base, 'GET', '/console/iam', [['cookie', cookie]]);
    assert.equal(still.status, 200);
    await assertHealthy(logged);
  });

  test('the IMDS endpoint of `iamd exec --imds`', async () => {
    const base = fixture.imdsBase;
    const imdsPaths = fc.oneof(
      fc.array(cleanSegment, { maxLength: 2 }).map((s) => `/latest/meta-data/iam/security-credentials/${s.join('/')}`),
      fc.constantFrom(
        '/latest/meta-data/iam/security-credentials/imds-role-0',
        '/latest/meta-data/iam/security-credentials/imds%2Drole-0',
        '/latest/api/token',
        '/latest/meta-data/',
        '/',
        '/latest/meta-data/iam/security-credentials',
      ),
      pathArb,
    );
    const request = fc.record({
      req: randomRequest(base, imdsPaths, fc.oneof({ weight: 6, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: methodArb })),
      withToken: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ req, withToken }) => {
        const headers = withToken
          ? [...req.headers.filter(([k]) => k !== 'x-aws-ec2-metadata-token'), ['x-aws-ec2-metadata-token', fixture.imdsToken] as [string, string]]
          : req.headers;
        await checkRandom(base, { ...req, headers });
      }),
      { numRuns: runs(300) },
    );
    // Still serving credentials.
    const creds = await simple(base, 'GET', `/latest/meta-data/iam/security-credentials/${fixture.roleName}`, [
      ['x-aws-ec2-metadata-token', fixture.imdsToken],
    ]);
    assert.equal(creds.status, 200, creds.raw);
    await assertHealthy(logged);
  });
});
