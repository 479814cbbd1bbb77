// The error registry: docs/errors.md is what scripts/gen-error-docs.ts makes of it (edit the
// registry and forget `npm run docs:errors`, and this fails), the message templates fill as they
// should, and the handlers take their messages from the registry instead of writing them inline.
// The type-level checks (a missing or extra placeholder does not compile) run with `npm run typecheck`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsError, ERROR_REGISTRY, type ErrorCode } from '../src/errors/aws-error.ts';
import { awsError, fillTemplate, MESSAGES, messageText, type MessageName, type Placeholders } from '../src/errors/messages.ts';
import type { SigV4ErrorCode } from '../src/sigv4/index.ts';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../scripts/gen-error-docs.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('docs/errors.md is up to date with the error registry (npm run docs:errors)', () => {
  const expected = renderErrorDocs();
  const current = readFileSync(ERROR_DOCS_PATH, 'utf8');
  if (current !== expected) {
    const a = current.split('\n');
    const b = expected.split('\n');
    const line = a.findIndex((l, i) => l !== b[i]);
    assert.fail(
      `docs/errors.md differs from the registry from line ${line + 1}:\n  checked in: ${a[line]}\n  generated:  ${b[line]}\nRun npm run docs:errors.`,
    );
  }
});

test('docs/errors.md lists every code and every message', () => {
  const docs = renderErrorDocs();
  for (const [code, spec] of Object.entries(ERROR_REGISTRY)) assert.match(docs, new RegExp(`^\\| \\[?${code}\\b.*\\| ${spec.status} \\|`, 'm'), code);
  for (const name of Object.keys(MESSAGES)) assert.ok(docs.includes(`| \`${name}\` |`), name);
});

test('awsError: the code and status of the registry, the template filled', () => {
  const e = awsError('entityNotFound', { kind: 'user', name: 'bob' });
  assert.ok(e instanceof AwsError);
  assert.equal(e.code, 'NoSuchEntity');
  assert.equal(e.status, 404);
  assert.equal(e.type, 'Sender');
  assert.equal(e.message, 'The user with name bob cannot be found.');

  const q = awsError('quotaExceeded', { quota: 'AccessKeysPerUser', limit: 2 });
  assert.deepEqual([q.code, q.status, q.message], ['LimitExceeded', 409, 'Cannot exceed quota for AccessKeysPerUser: 2']);

  const plain = awsError('rootCannotAssumeRole');
  assert.deepEqual([plain.code, plain.status, plain.message], ['AccessDenied', 403, 'Roles may not be assumed by root accounts.']);
});

test('messageText: values are inserted as they are, never read as templates or replacement patterns', () => {
  assert.equal(messageText('userExists', { name: '{name}' }), 'User with name {name} already exists.');
  assert.equal(messageText('policyNotFound', { arn: "$& $' $1 $$" }), "Policy $& $' $1 $$ was not found.");
  assert.equal(messageText('inlinePolicySizeExceeded', { limit: 2048, kind: 'user', name: 'inl' }), 'Maximum policy size of 2048 bytes exceeded for user inl');
  assert.equal(messageText('accessDeniedByPolicy', { detail: 'anything at all {x}' }), 'anything at all {x}');
  assert.equal(fillTemplate('a {x} b {x}', { x: 1 }), 'a 1 b 1');
  assert.equal(fillTemplate('no values {x}', undefined), 'no values {x}');
});

test('AWS texts whose spaces matter are kept as AWS sends them', () => {
  assert.equal(
    messageText('mfaDeviceUnknown'),
    'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.',
  );
  assert.equal(messageText('mfaCodeInvalid'), 'MultiFactorAuthentication failed with invalid MFA one time pass code. ');
});

test('every template is well formed: placeholders are words, no other braces, every code registered', () => {
  for (const [name, spec] of Object.entries(MESSAGES)) {
    const placeholders = [...spec.template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
    for (const p of placeholders) assert.match(p, /^\w+$/, `${name}: placeholder {${p}}`);
    const filled = fillTemplate(spec.template, Object.fromEntries(placeholders.map((p) => [p, 'X'])));
    assert.ok(!/[{}]/.test(filled), `${name}: a brace outside a placeholder`);
    assert.ok(Object.hasOwn(ERROR_REGISTRY, spec.code), `${name}: code ${spec.code}`);
    assert.ok(spec.note.length > 0 && !spec.note.includes('\n'), `${name}: a one-line note`);
  }
});

test('the handlers take their messages from the registry, not inline', () => {
  // src/actions, src/auth and src/api still build some messages where they throw them (see docs/errors.md).
  const inline = /new AwsError\(|\b(noSuchEntity|invalidInput|validationError|entityAlreadyExists|deleteConflict|limitExceeded)\(/;
  const offenders: string[] = [];
  for (const dir of ['src/iam', 'src/sts', 'src/authz', 'src/workloads']) {
    for (const file of readdirSync(join(ROOT, dir))) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      readFileSync(join(ROOT, dir, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (inline.test(line)) offenders.push(`${dir}/${file}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  assert.deepEqual(offenders, [], 'throw awsError(name, values) with a message of src/errors/messages.ts');
});

// ---- type-level checks: these lines compile only while the typing holds (npm run typecheck)

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const placeholders: Equal<Placeholders<'The {kind} with name {name} cannot be found.'>, 'kind' | 'name'> = true;
const none: Equal<Placeholders<'No placeholder here.'>, never> = true;
/** Every code a SigV4 failure carries is a registered code. */
const sigv4Codes: Equal<Exclude<SigV4ErrorCode, ErrorCode>, never> = true;

test('placeholders are typed: a missing, extra or misspelt value does not compile', () => {
  assert.ok(placeholders && none && sigv4Codes);
  const checks = () => {
    // @ts-expect-error missing placeholder {name}
    awsError('entityNotFound', { kind: 'user' });
    // @ts-expect-error extra value
    awsError('entityNotFound', { kind: 'user', name: 'bob', path: '/' });
    // @ts-expect-error misspelt placeholder
    awsError('userExists', { nmae: 'bob' });
    // @ts-expect-error values for a message without placeholders
    awsError('rootCannotAssumeRole', {});
    // @ts-expect-error values are required
    awsError('userExists');
    // @ts-expect-error no such message
    awsError('noSuchMessage');
    // @ts-expect-error values are strings or numbers
    messageText('userExists', { name: undefined });
  };
  assert.equal(typeof checks, 'function');
  const name: MessageName = 'userExists';
  assert.equal(MESSAGES[name].code, 'EntityAlreadyExists');
});
