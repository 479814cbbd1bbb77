// The middleware against a fake of iamd's authorization API (docs/authorization-api.md): what it
// sends, how it answers each verdict in Express and Fastify, its cache, and its failures. The
// end-to-end tests against the real iamd are test/protect-e2e.test.ts.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { createIamdClient, keepRawBody, keepRawBodyFastify, type IamdAuthorization, type IamdClient } from './index.ts';
import { cacheKey } from './cache.ts';

declare module 'fastify' {
  interface FastifyRequest {
    iamd?: IamdAuthorization;
    rawBody?: Buffer;
  }
}

const PRINCIPAL = { Arn: 'arn:aws:iam::111122223333:user/alice', AccountId: '111122223333', UserId: 'AIDAEXAMPLE', Type: 'User', UserName: 'alice' };
const AUTH = 'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/orders/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64);

type Answer = { status?: number; body: Record<string, unknown> };

describe('@iamd/middleware against a fake iamd', () => {
  let fake: Server;
  let fakeUrl: string;
  const calls: { headers: Record<string, string | string[] | undefined>; body: any }[] = [];
  let answer: (body: any) => Answer = () => ({
    body: { Decision: 'Allow', Authenticated: true, Principal: PRINCIPAL, MatchedStatements: [], CacheTtlSeconds: 0 },
  });
  let clock = 1_000_000;
  const errors: Error[] = [];

  let iamd: IamdClient;
  let expressServer: Server;
  let expressUrl: string;
  let fastify: FastifyInstance;
  let fastifyUrl: string;

  before(async () => {
    fake = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const body = JSON.parse(raw);
        calls.push({ headers: req.headers, body });
        const a = req.url === '/iamd/authorize' ? answer(body) : { status: 404, body: { Code: 'InvalidAction', Message: 'no' } };
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    iamd = createIamdClient({
      endpoint: fakeUrl + '/',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIASERVICE', secretAccessKey: 'service-secret' },
      now: () => clock,
      onError: (e) => errors.push(e),
      bodyLimit: 1000,
    });

    const app = express();
    app.post(
      '/json/:id',
      express.json({ verify: keepRawBody }),
      iamd.express({ action: 'orders:Create', resource: (req) => `arn:aws:orders:eu-west-1:111122223333:order/${req.params.id}` }),
      (req, res) => {
        res.json({ principal: req.iamd?.principal.Arn, cached: req.iamd?.cached, body: req.body });
      },
    );
    app.post('/unkept', express.json(), iamd.express({ action: 'orders:Create', resource: 'arn:aws:orders:eu-west-1:111122223333:order/*' }), (_req, res) => {
      res.json({});
    });
    app.all(
      '/raw/*rest',
      iamd.express({
        action: (req) => (req.method === 'GET' ? 'orders:GetOrder' : 'orders:CancelOrder'),
        resource: 'arn:aws:orders:eu-west-1:111122223333:order/42',
        context: () => ({ 'orders:Amount': 250, 'orders:Rush': true, 'orders:Tags': ['a', 'b'] }),
        resourcePolicy: '{"Version":"2012-10-17","Statement":[]}',
      }),
      (req, res) => {
        res.json({ rawBody: req.rawBody?.toString('utf8') ?? null, principal: req.iamd?.principal.Arn });
      },
    );
    // A router mounted under a prefix: Express strips it from req.url, but the client signed the whole path.
    const v1 = express.Router();
    v1.get(
      '/orders/:id',
      iamd.express({ action: 'orders:GetOrder', resource: (req) => `arn:aws:orders:eu-west-1:111122223333:order/${req.params.id}` }),
      (req, res) => {
        res.json({ principal: req.iamd?.principal.Arn });
      },
    );
    app.use('/v1', v1);
    expressServer = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => expressServer.once('listening', r));
    expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;

    fastify = Fastify();
    fastify.decorateRequest('iamd', undefined);
    fastify.decorateRequest('rawBody', undefined);
    fastify.addHook('preParsing', keepRawBodyFastify);
    const cancel = iamd.fastify({
      action: 'orders:CancelOrder',
      resource: (req) => `arn:aws:orders:eu-west-1:111122223333:order/${(req.params as { id: string }).id}`,
    });
    fastify.post('/orders/:id/cancel', { preHandler: cancel }, async (request) => ({ principal: request.iamd?.principal.Arn, body: request.body }));
    fastify.get('/orders/:id', { preHandler: cancel }, async (request) => ({ principal: request.iamd?.principal.Arn }));
    fastifyUrl = await fastify.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await fastify.close();
    await new Promise((r) => expressServer.close(r));
    await new Promise((r) => fake.close(r));
  });
  beforeEach(() => {
    calls.length = 0;
    errors.length = 0;
    iamd.clearCache();
    answer = () => ({ body: { Decision: 'Allow', Authenticated: true, Principal: PRINCIPAL, MatchedStatements: [], CacheTtlSeconds: 0 } });
  });

  const signedHeaders = (extra: Record<string, string> = {}) => ({ authorization: AUTH, 'x-amz-date': '20260101T000000Z', ...extra });

  test('sends the signature material: method, raw path and query, the signed headers, and the SHA-256 of the raw body it computed', async () => {
    const body = '{"item":"book",  "qty": 2}';
    const res = await fetch(`${expressUrl}/raw/a%2Fb%20c?z=1&a=%41`, {
      method: 'POST',
      headers: signedHeaders({ 'content-type': 'application/json', cookie: 'session=secret', 'x-amz-meta-x': 'y' }),
      body,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { rawBody: body, principal: PRINCIPAL.Arn });
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    // The call to iamd is the service's own, signed for iam in the configured region.
    assert.match(String(call.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIASERVICE\/\d{8}\/eu-west-1\/iam\/aws4_request, SignedHeaders=[^,]*host/);
    assert.equal(call.headers['content-type'], 'application/json');
    const sent = call.body;
    assert.equal(sent.Request.Method, 'POST');
    assert.equal(sent.Request.Path, '/raw/a%2Fb%20c');
    assert.equal(sent.Request.Query, 'z=1&a=%41');
    assert.equal(sent.Request.PayloadHash, createHash('sha256').update(body).digest('hex'));
    assert.equal(sent.Request.Body, undefined);
    // Authorization, every x-amz-* header and the signed ones (host); not the cookie.
    assert.deepEqual(Object.keys(sent.Request.Headers).sort(), ['authorization', 'host', 'x-amz-date', 'x-amz-meta-x']);
    assert.equal(sent.Request.Headers.host, new URL(expressUrl).host);
    assert.equal(sent.Action, 'orders:CancelOrder');
    assert.equal(sent.Resource, 'arn:aws:orders:eu-west-1:111122223333:order/42');
    assert.deepEqual(sent.Context, { 'orders:Amount': ['250'], 'orders:Rush': ['true'], 'orders:Tags': ['a', 'b'] });
    assert.equal(sent.Request.SourceIp, '127.0.0.1');
    assert.equal(sent.ResourcePolicy, '{"Version":"2012-10-17","Statement":[]}');
  });

  test('a GET with no body hashes the empty body; repeated headers are joined with commas', async () => {
    const res = await fetch(`${expressUrl}/raw/x`, { headers: signedHeaders({ 'x-amz-meta-list': 'a' }) });
    assert.equal(res.status, 200);
    assert.equal(calls[0]!.body.Request.PayloadHash, createHash('sha256').update('').digest('hex'));
    assert.equal(calls[0]!.body.Request.Query, undefined);
    assert.equal(calls[0]!.body.Request.Method, 'GET');
  });

  test('a router mounted under a prefix: the path sent is the one the client signed (originalUrl)', async () => {
    const res = await fetch(`${expressUrl}/v1/orders/8?view=full`, { headers: signedHeaders() });
    assert.equal(res.status, 200);
    assert.equal(calls[0]!.body.Request.Path, '/v1/orders/8');
    assert.equal(calls[0]!.body.Request.Query, 'view=full');
    assert.equal(calls[0]!.body.Resource, 'arn:aws:orders:eu-west-1:111122223333:order/8');
  });

  test('express.json({ verify: keepRawBody }): the parsed body for the handler, the raw bytes for the hash', async () => {
    const body = '{ "a" : 1 }';
    const res = await fetch(`${expressUrl}/json/7`, { method: 'POST', headers: signedHeaders({ 'content-type': 'application/json' }), body });
    assert.deepEqual(await res.json(), { principal: PRINCIPAL.Arn, cached: false, body: { a: 1 } });
    assert.equal(calls[0]!.body.Request.PayloadHash, createHash('sha256').update(body).digest('hex'));
    assert.equal(calls[0]!.body.Resource, 'arn:aws:orders:eu-west-1:111122223333:order/7');
  });

  test('a body parser that kept no raw bytes: refused 500 (fail closed), and the developer is told how to fix it', async () => {
    const res = await fetch(`${expressUrl}/unkept`, { method: 'POST', headers: signedHeaders({ 'content-type': 'application/json' }), body: '{}' });
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as any).__type, 'InternalFailure');
    assert.equal(calls.length, 0);
    assert.match(errors[0]!.message, /raw request body is not available.*keepRawBody/);
  });

  test('not authentic: 401 with the SigV4 error code and message iamd gave, in the AWS JSON error style', async () => {
    answer = () => ({
      body: {
        Decision: 'Deny',
        Authenticated: false,
        Error: { Code: 'SignatureDoesNotMatch', Message: 'The request signature we calculated does not match the signature you provided.', HttpStatus: 403 },
        CacheTtlSeconds: 0,
      },
    });
    const res = await fetch(`${expressUrl}/raw/x`, { headers: signedHeaders() });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-amzn-errortype'), 'SignatureDoesNotMatch');
    assert.equal(res.headers.get('www-authenticate'), 'AWS4-HMAC-SHA256');
    assert.match(res.headers.get('x-amzn-requestid')!, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), {
      __type: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    });
  });

  test("denied: 403 AccessDenied with iamd's reason", async () => {
    const reason = `User: ${PRINCIPAL.Arn} is not authorized to perform: orders:GetOrder on resource: arn:aws:orders:eu-west-1:111122223333:order/42 because no identity-based policy allows the orders:GetOrder action`;
    answer = () => ({ body: { Decision: 'Deny', Authenticated: true, Principal: PRINCIPAL, Reason: reason, MatchedStatements: [], CacheTtlSeconds: 30 } });
    const res = await fetch(`${expressUrl}/raw/x`, { headers: signedHeaders() });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDenied');
    assert.deepEqual(await res.json(), { __type: 'AccessDenied', message: reason });
  });

  test('a request signed for another service is refused 401 without asking iamd, as AWS refuses it', async () => {
    const res = await fetch(`${expressUrl}/raw/x`, { headers: signedHeaders({ authorization: AUTH.replace('/orders/', '/billing/') }) });
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { __type: 'SignatureDoesNotMatch', message: "Credential should be scoped to correct service: 'orders'. " });
    assert.equal(calls.length, 0);
  });

  test('decisions are reused for the exact same signed request only, and only for CacheTtlSeconds', async () => {
    answer = () => ({ body: { Decision: 'Allow', Authenticated: true, Principal: PRINCIPAL, MatchedStatements: [], CacheTtlSeconds: 60 } });
    const get = (headers = signedHeaders()) => fetch(`${expressUrl}/raw/x`, { headers }).then((r) => r.status);
    assert.equal(await get(), 200);
    assert.equal(await get(), 200);
    assert.equal(calls.length, 1, 'the second identical request is answered from the cache');
    assert.equal(await get(signedHeaders({ authorization: AUTH.replace(/a{64}$/, 'b'.repeat(64)) })), 200);
    assert.equal(calls.length, 2, 'another signature is another question');
    clock += 59_000;
    assert.equal(await get(), 200);
    assert.equal(calls.length, 2);
    clock += 1_000;
    assert.equal(await get(), 200);
    assert.equal(calls.length, 3, 'after CacheTtlSeconds iamd is asked again');

    answer = () => ({ body: { Decision: 'Allow', Authenticated: true, Principal: PRINCIPAL, MatchedStatements: [], CacheTtlSeconds: 0 } });
    iamd.clearCache();
    await get();
    await get();
    assert.equal(calls.length, 5, 'CacheTtlSeconds 0: never reused');
  });

  test('concurrent identical requests share one call to iamd', async () => {
    answer = () => ({ body: { Decision: 'Allow', Authenticated: true, Principal: PRINCIPAL, MatchedStatements: [], CacheTtlSeconds: 5 } });
    const statuses = await Promise.all(Array.from({ length: 5 }, () => fetch(`${expressUrl}/raw/x`, { headers: signedHeaders() }).then((r) => r.status)));
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.equal(calls.length, 1);
  });

  test('the cache key is a SHA-256 of the material: no signature or token kept in clear', () => {
    const material = { Method: 'GET', Path: '/', Headers: { authorization: AUTH, 'x-amz-security-token': 'TOKEN' }, PayloadHash: 'e3b0' };
    const key = cacheKey(material, { action: 'orders:GetOrder', resource: 'arn:x' });
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.notEqual(
      key,
      cacheKey({ ...material, Headers: { ...material.Headers, 'x-amz-security-token': 'OTHER' } }, { action: 'orders:GetOrder', resource: 'arn:x' }),
    );
    assert.notEqual(key, cacheKey(material, { action: 'orders:GetOrder', resource: 'arn:x', context: { k: ['v'] } }));
  });

  test('iamd refusing the service itself, or unreachable: 500 InternalFailure (fail closed), reported to onError', async () => {
    answer = () => ({
      status: 403,
      body: { Code: 'AccessDenied', Message: 'User: arn:aws:iam::111122223333:user/svc is not authorized to perform: iamd:Authorize' },
    });
    const res = await fetch(`${expressUrl}/raw/x`, { headers: signedHeaders() });
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as any).__type, 'InternalFailure');
    assert.match(errors[0]!.message, /iamd answered 403 AccessDenied: .*iamd:Authorize/);

    const unreachable = createIamdClient({
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'A', secretAccessKey: 'B' },
      onError: (e) => errors.push(e),
    });
    await assert.rejects(
      unreachable.authorize({ method: 'GET', url: '/', rawHeaders: [] }, { action: 'orders:GetOrder', resource: 'arn:x' }),
      /fetch failed|ECONNREFUSED/,
    );
  });

  test('a body over bodyLimit, read by the middleware itself: 413', async () => {
    const res = await fetch(`${expressUrl}/raw/x`, { method: 'POST', headers: signedHeaders(), body: 'x'.repeat(1001) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as any).__type, 'RequestEntityTooLarge');
    assert.equal(calls.length, 0);
  });

  describe('Fastify preHandler', () => {
    test('allow: request.iamd is set; the JSON body is parsed as usual and hashed from the raw bytes', async () => {
      const body = '{"reason":"changed my mind"}';
      const res = await fetch(`${fastifyUrl}/orders/9/cancel?x=%2F`, { method: 'POST', headers: signedHeaders({ 'content-type': 'application/json' }), body });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { principal: PRINCIPAL.Arn, body: { reason: 'changed my mind' } });
      const sent = calls[0]!.body;
      assert.equal(sent.Request.PayloadHash, createHash('sha256').update(body).digest('hex'));
      assert.equal(sent.Request.Path, '/orders/9/cancel');
      assert.equal(sent.Request.Query, 'x=%2F');
      assert.equal(sent.Resource, 'arn:aws:orders:eu-west-1:111122223333:order/9');
    });

    test('deny → 403 and not authentic → 401, in the AWS JSON error style', async () => {
      answer = () => ({
        body: { Decision: 'Deny', Authenticated: true, Principal: PRINCIPAL, Reason: 'User: x is not authorized', MatchedStatements: [], CacheTtlSeconds: 0 },
      });
      let res = await fetch(`${fastifyUrl}/orders/9`, { headers: signedHeaders() });
      assert.equal(res.status, 403);
      assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDenied');
      assert.deepEqual(await res.json(), { __type: 'AccessDenied', message: 'User: x is not authorized' });

      answer = () => ({
        body: { Decision: 'Deny', Authenticated: false, Error: { Code: 'IncompleteSignature', Message: 'bad', HttpStatus: 400 }, CacheTtlSeconds: 0 },
      });
      res = await fetch(`${fastifyUrl}/orders/9`, { headers: signedHeaders() });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { __type: 'IncompleteSignature', message: 'bad' });
    });
  });
});
