// The issuer key cache with a fake network and clock: discovery rules, expiry, rotation by an
// unknown kid (at most one refetch per interval), shared fetches, failures held briefly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { cacheMaxAge } from './oidc-fetch.ts';
import { OidcFetchError, type FetchedJson, type FetchJson } from './oidc-fetch.ts';
import { allowedJwksUri, discoveryUrl, OidcKeyCache, usableKeys } from './oidc-key-cache.ts';
import { verifyWebIdentitySignature } from './oidc-token.ts';

const ISSUER = 'https://idp.example.com/tenant';

async function key(kid: string) {
  const pair = await generateKeyPair('ES256');
  return { kid, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

/** A fake issuer: what its two documents say, and every URL asked for. */
function fakeIssuer(initial: object[]) {
  const state = { keys: initial, maxAge: undefined as number | undefined, down: false, calls: [] as string[], jwksUri: `${ISSUER}/keys` };
  const fetchJson: FetchJson = async (url) => {
    state.calls.push(url);
    await new Promise((r) => setImmediate(r));
    if (state.down) throw new OidcFetchError('unreachable', `${url}: ECONNREFUSED`);
    const answer: FetchedJson =
      url === discoveryUrl(ISSUER)
        ? { body: { issuer: ISSUER, jwks_uri: state.jwksUri } }
        : url === state.jwksUri
          ? { body: { keys: state.keys }, maxAgeSeconds: state.maxAge }
          : { body: {} };
    return answer;
  };
  return { state, fetchJson, jwksFetches: () => state.calls.filter((u) => u !== discoveryUrl(ISSUER)).length };
}

const sign = (k: Awaited<ReturnType<typeof key>>, kid = k.kid) =>
  new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256', kid }).setIssuer(ISSUER).setExpirationTime('1h').sign(k.privateKey);

test('discovery: the issuer must match exactly and jwks_uri must be https on the same host and port', () => {
  assert.equal(discoveryUrl('https://a.example/'), 'https://a.example/.well-known/openid-configuration');
  assert.equal(discoveryUrl(ISSUER), `${ISSUER}/.well-known/openid-configuration`);
  assert.equal(allowedJwksUri(ISSUER, { issuer: ISSUER, jwks_uri: 'https://idp.example.com/keys' }), 'https://idp.example.com/keys');
  for (const jwks_uri of [
    'http://idp.example.com/keys',
    'https://evil.example/keys',
    'https://idp.example.com:8443/keys',
    'https://u:p@idp.example.com/k',
    'x',
  ]) {
    assert.equal(allowedJwksUri(ISSUER, { issuer: ISSUER, jwks_uri }), undefined, jwks_uri);
  }
  assert.equal(allowedJwksUri(ISSUER, { issuer: `${ISSUER}/`, jwks_uri: 'https://idp.example.com/keys' }), undefined);
  assert.equal(allowedJwksUri(ISSUER, [ISSUER]), undefined);
});

test('only public RSA/EC signature keys are kept; Cache-Control max-age is read', async () => {
  const k = await key('a');
  const set = usableKeys({ keys: [k.jwk, { ...k.jwk, kid: 'p', d: 'secret' }, { kty: 'oct', k: 'c2VjcmV0' }, { ...k.jwk, kid: 'e', use: 'enc' }, 'junk'] });
  assert.deepEqual(
    set?.keys.map((j) => j.kid),
    ['a'],
  );
  assert.equal(usableKeys({ nokeys: [] }), undefined);
  assert.equal(cacheMaxAge('public, max-age=300'), 300);
  assert.equal(cacheMaxAge('no-store'), 0);
  assert.equal(cacheMaxAge('private'), undefined);
});

test('keys are cached for max-age within [1 min, 1 h]; concurrent callers share one fetch', async () => {
  let now = 1_000_000;
  const k1 = await key('k1');
  const idp = fakeIssuer([k1.jwk]);
  const cache = new OidcKeyCache({ now: () => now, fetchJson: idp.fetchJson });
  await Promise.all(Array.from({ length: 20 }, () => cache.keys(ISSUER)));
  assert.equal(idp.jwksFetches(), 1);
  now += 599_000; // default 10 min
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 1);
  now += 2_000;
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 2);

  idp.state.maxAge = 5; // below the floor: a minute
  now += 700_000;
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 3);
  now += 59_000;
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 3);
  now += 2_000;
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 4);

  idp.state.maxAge = 86_400; // above the ceiling: an hour
  now += 61_000;
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 5);
  now += 3_601_000;
  await cache.keys(ISSUER);
  assert.equal(idp.jwksFetches(), 6);
});

test('rotation: an unknown kid refetches once; a flood of made-up kids does not hammer the issuer', async () => {
  let now = 5_000_000;
  const [k1, k2, stranger] = await Promise.all([key('k1'), key('k2'), key('nobody')]);
  const idp = fakeIssuer([k1.jwk]);
  const cache = new OidcKeyCache({ now: () => now, fetchJson: idp.fetchJson });
  const source = { keys: () => cache.keys(ISSUER), refreshForUnknownKey: () => cache.refreshForUnknownKey(ISSUER) };
  const old = await sign(k1);
  assert.equal((await verifyWebIdentitySignature(old, source)).sub, 'x');
  assert.equal(idp.jwksFetches(), 1);

  idp.state.keys = [k2.jwk, k1.jwk];
  const rotated = await sign(k2);
  // Concurrent tokens with the new kid: one refetch between them.
  const results = await Promise.all(Array.from({ length: 5 }, () => verifyWebIdentitySignature(rotated, source)));
  assert.equal(results.length, 5);
  assert.equal(idp.jwksFetches(), 2);
  assert.equal((await verifyWebIdentitySignature(old, source)).sub, 'x'); // still published

  const bogus = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => verifyWebIdentitySignature(await sign(stranger, `made-up-${i}`), source).catch((e: Error) => e.message)),
  );
  assert.ok(bogus.every((m) => typeof m === 'string' && m.startsWith("Couldn't retrieve verification key")));
  assert.equal(idp.jwksFetches(), 2);
  now += 30_000; // the interval passed: one more refetch is allowed
  await verifyWebIdentitySignature(await sign(stranger, 'made-up-again'), source).catch(() => undefined);
  await verifyWebIdentitySignature(await sign(stranger, 'made-up-more'), source).catch(() => undefined);
  assert.equal(idp.jwksFetches(), 3);

  // The old key is withdrawn: once the keys expire, its tokens fail.
  idp.state.keys = [k2.jwk];
  now += 600_000;
  await assert.rejects(verifyWebIdentitySignature(old, source), /Couldn't retrieve verification key/);
  assert.equal((await verifyWebIdentitySignature(rotated, source)).sub, 'x');
});

test('a signature by another key with a known kid is not valid; a failed fetch is held for 5 s', async () => {
  let now = 9_000_000;
  const [k1, other] = await Promise.all([key('k1'), key('k1')]);
  const idp = fakeIssuer([k1.jwk]);
  const errors: string[] = [];
  const cache = new OidcKeyCache({ now: () => now, fetchJson: idp.fetchJson, onFetchError: (_, e) => errors.push(e.failure) });
  const source = { keys: () => cache.keys(ISSUER), refreshForUnknownKey: () => cache.refreshForUnknownKey(ISSUER) };
  await assert.rejects(verifyWebIdentitySignature(await sign(other), source), /could not be validated/);

  const down = new OidcKeyCache({ now: () => now, fetchJson: idp.fetchJson, onFetchError: (_, e) => errors.push(e.failure) });
  idp.state.down = true;
  const before = idp.state.calls.length;
  await assert.rejects(down.keys(ISSUER), (e: OidcFetchError) => e.failure === 'unreachable');
  await assert.rejects(down.keys(ISSUER), (e: OidcFetchError) => e.failure === 'unreachable');
  assert.equal(idp.state.calls.length, before + 1);
  idp.state.down = false;
  now += 5_000;
  await down.keys(ISSUER);
  assert.deepEqual(errors, ['unreachable']);

  // A jwks_uri off the issuer's host is refused without being fetched.
  idp.state.jwksUri = 'https://elsewhere.example/keys';
  const strict = new OidcKeyCache({ now: () => now, fetchJson: idp.fetchJson });
  await assert.rejects(strict.keys(ISSUER), (e: OidcFetchError) => e.failure === 'unusable');
  assert.ok(!idp.state.calls.includes('https://elsewhere.example/keys'));
});

test('given keys are parsed once per text and never fetched', async () => {
  const k1 = await key('k1');
  const idp = fakeIssuer([]);
  const cache = new OidcKeyCache({ fetchJson: idp.fetchJson });
  const text = JSON.stringify({ keys: [k1.jwk] });
  const a = cache.givenKeys(ISSUER, text);
  assert.ok(a);
  assert.equal(cache.givenKeys(ISSUER, text), a);
  assert.notEqual(cache.givenKeys(ISSUER, JSON.stringify({ keys: [k1.jwk, k1.jwk] })), a);
  assert.equal(cache.givenKeys(ISSUER, 'not json'), undefined);
  assert.equal(idp.state.calls.length, 0);
});
