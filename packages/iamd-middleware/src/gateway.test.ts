// Behind a gateway: the body checked against the signed x-amz-content-sha256 (verifyBodyHash, and
// as Express and Fastify middleware), and the principal read from the gateway's headers only when
// the request comes from a trusted gateway. With a real nginx: test/gateway-nginx.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { bodyIntegrity, bodyIntegrityFastify, gatewayPrincipal, keepRawBody, keepRawBodyFastify, verifyBodyHash } from './index.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const MISSING = { ok: false, status: 401, code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256' };
const MISMATCH = {
  ok: false,
  status: 401,
  code: 'XAmzContentSHA256Mismatch',
  message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
};

describe('verifyBodyHash', () => {
  test('the body must hash to the signed header; without one only an empty body passes', () => {
    const body = Buffer.from('{"Item":"pen"}');
    assert.deepEqual(verifyBodyHash(body, sha('{"Item":"pen"}')), { ok: true });
    assert.deepEqual(verifyBodyHash(body, ` ${sha('{"Item":"pen"}')} `), { ok: true });
    assert.deepEqual(verifyBodyHash(body, sha('{"Item":"car"}')), MISMATCH);
    assert.deepEqual(verifyBodyHash(body, sha('{"Item":"pen"}').toUpperCase()), MISMATCH);
    assert.deepEqual(verifyBodyHash(body, undefined), MISSING);
    assert.deepEqual(verifyBodyHash(body, ''), MISSING);
    assert.deepEqual(verifyBodyHash(body, 'UNSIGNED-PAYLOAD'), MISMATCH);
    assert.deepEqual(verifyBodyHash(body, [sha('{"Item":"pen"}'), sha('x')]), MISMATCH);
    assert.deepEqual(verifyBodyHash(undefined, undefined), { ok: true });
    assert.deepEqual(verifyBodyHash(new Uint8Array(0), sha('')), { ok: true });
    assert.deepEqual(verifyBodyHash(undefined, 'UNSIGNED-PAYLOAD'), { ok: true });
    assert.deepEqual(verifyBodyHash(undefined, sha('x')), MISMATCH, 'a body claimed but not sent');
  });
});

describe('bodyIntegrity and gatewayPrincipal on Express and Fastify', () => {
  let kept: Server;
  let keptUrl: string;
  let unparsed: Server;
  let unparsedUrl: string;
  let untrusted: Server;
  let untrustedUrl: string;
  let fastify: FastifyInstance;
  let fastifyUrl: string;

  const listen = async (app: express.Express): Promise<[Server, string]> => {
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
  };

  before(async () => {
    // A JSON parser that keeps the raw bytes, then the checks.
    const a = express();
    a.use(express.json({ verify: keepRawBody }));
    a.use(gatewayPrincipal());
    a.use(bodyIntegrity());
    a.post(
      '/orders',
      (req, res) => void res.json({ by: req.iamdGateway!.principal.Arn, body: req.body, action: req.iamdGateway!.action, resource: req.iamdGateway!.resource }),
    );
    [kept, keptUrl] = await listen(a);
    // No parser before it: it reads the body itself.
    const b = express();
    b.use(bodyIntegrity());
    b.post('/raw', (req, res) => void res.json({ length: (req.rawBody as Buffer).length }));
    [unparsed, unparsedUrl] = await listen(b);
    // A gateway elsewhere: this loopback client is not it.
    const c = express();
    c.use(gatewayPrincipal({ trustedPeers: ['10.1.2.3'] }));
    c.get('/orders', (_req, res) => void res.json({}));
    [untrusted, untrustedUrl] = await listen(c);

    fastify = Fastify();
    fastify.addHook('preParsing', keepRawBodyFastify);
    fastify.post('/orders', { preHandler: bodyIntegrityFastify() }, async (request) => ({ body: request.body }));
    fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    for (const s of [kept, unparsed, untrusted]) await new Promise((r) => s.close(r));
    await fastify.close();
  });

  const PRINCIPAL = {
    'x-iamd-principal-arn': 'arn:aws:iam::111122223333:user/alice',
    'x-iamd-account': '111122223333',
    'x-iamd-user-id': 'AIDAEXAMPLE',
    'x-iamd-principal-type': 'User',
    'x-iamd-mfa': 'false',
    'x-iamd-action': 'orders:CreateOrder',
    'x-iamd-resource': 'arn:aws:orders:us-east-1:111122223333:order/caf%C3%A9',
  };

  test('Express: the signed body passes, with the principal from the gateway; another body or no hash is refused 401', async () => {
    const body = '{"Item":"pen"}';
    const ok = await fetch(`${keptUrl}/orders`, {
      method: 'POST',
      headers: { ...PRINCIPAL, 'content-type': 'application/json', 'x-amz-content-sha256': sha(body) },
      body,
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), {
      by: 'arn:aws:iam::111122223333:user/alice',
      body: { Item: 'pen' },
      action: 'orders:CreateOrder',
      resource: 'arn:aws:orders:us-east-1:111122223333:order/café',
    });
    const changed = await fetch(`${keptUrl}/orders`, {
      method: 'POST',
      headers: { ...PRINCIPAL, 'content-type': 'application/json', 'x-amz-content-sha256': sha(body) },
      body: '{"Item":"car"}',
    });
    assert.equal(changed.status, 401);
    assert.equal(changed.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.equal(changed.headers.get('x-amzn-errortype'), 'XAmzContentSHA256Mismatch');
    assert.deepEqual(await changed.json(), { __type: MISMATCH.code, message: MISMATCH.message });
    const noHash = await fetch(`${keptUrl}/orders`, { method: 'POST', headers: { ...PRINCIPAL, 'content-type': 'application/json' }, body });
    assert.deepEqual([noHash.status, (await noHash.json()).__type], [401, 'InvalidRequest']);
  });

  test('Express without a parser: the middleware reads and keeps the body itself', async () => {
    const body = 'plain bytes';
    const ok = await fetch(`${unparsedUrl}/raw`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-amz-content-sha256': sha(body) }, body });
    assert.deepEqual([ok.status, await ok.json()], [200, { length: body.length }]);
    const bad = await fetch(`${unparsedUrl}/raw`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-amz-content-sha256': sha('other') }, body });
    assert.equal(bad.status, 401);
  });

  test('principal headers are believed only from a trusted gateway, and a request without them is refused', async () => {
    const fromElsewhere = await fetch(`${untrustedUrl}/orders`, { headers: PRINCIPAL });
    assert.equal(fromElsewhere.status, 403);
    assert.deepEqual(await fromElsewhere.json(), { __type: 'AccessDenied', message: 'The request did not come through the gateway.' });
    const unchecked = await fetch(`${keptUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-content-sha256': sha('{}') },
      body: '{}',
    });
    assert.equal(unchecked.status, 403, 'from the gateway address, but without its answer');
  });

  test('Fastify preHandler: the same checks with keepRawBodyFastify', async () => {
    const body = '{"Item":"pen"}';
    const ok = await fetch(`${fastifyUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-content-sha256': sha(body) },
      body,
    });
    assert.deepEqual([ok.status, await ok.json()], [200, { body: { Item: 'pen' } }]);
    const changed = await fetch(`${fastifyUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-content-sha256': sha(body) },
      body: '{"Item":"car"}',
    });
    assert.deepEqual([changed.status, (await changed.json()).__type], [401, 'XAmzContentSHA256Mismatch']);
  });
});
