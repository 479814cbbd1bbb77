// Behind a gateway (nginx auth_request, Caddy forward_auth, Envoy ext_authz) iamd decides at the
// gateway, which never sees the body: a signed x-amz-content-sha256 only proves what the client
// CLAIMED the body is. The upstream holds the body, so it checks the body against that claim
// (`verifyBodyHash`, `bodyIntegrity()`), and takes who signed from the gateway's X-Iamd-* headers
// only when the request really comes from the gateway (`gatewayPrincipal()`).
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AwsErrorResponse, awsErrorResponse, bodyTooLarge, internalFailure } from './errors.ts';
import { BodyTooLarge, announcesBody, readRawBody, sha256Hex } from './material.ts';
import { RawBodyUnavailable, keptBody } from './protect.ts';
import type { FastifyLikeReply, FastifyLikeRequest } from './fastify.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by gatewayPrincipal(): who signed, as the gateway's X-Iamd-* headers say. */
      iamdGateway?: GatewayAuthorization;
    }
  }
}

const EMPTY = new Uint8Array(0);
const HASH = /^[0-9a-f]{64}$/;

export type BodyHashCheck = { ok: true } | { ok: false; status: 401; code: 'InvalidRequest' | 'XAmzContentSHA256Mismatch'; message: string };

const OK: BodyHashCheck = { ok: true };
const MISSING: BodyHashCheck = { ok: false, status: 401, code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256' };
const MISMATCH: BodyHashCheck = {
  ok: false,
  status: 401,
  code: 'XAmzContentSHA256Mismatch',
  message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
};

/**
 * Whether the raw body is the one the client signed: its SHA-256 must be the x-amz-content-sha256
 * header (which the gateway verified as signed). Without the header (or with UNSIGNED-PAYLOAD)
 * only an empty body passes: nothing ties any other body to the signature.
 */
export function verifyBodyHash(rawBody: Uint8Array | undefined, headerValue: string | readonly string[] | undefined): BodyHashCheck {
  const body = rawBody ?? EMPTY;
  if (Array.isArray(headerValue) && headerValue.length > 1) return MISMATCH;
  const declared = (Array.isArray(headerValue) ? headerValue[0] : (headerValue as string | undefined))?.trim();
  if (declared === undefined || declared === '') return body.length === 0 ? OK : MISSING;
  if (!HASH.test(declared)) return body.length === 0 && declared === 'UNSIGNED-PAYLOAD' ? OK : MISMATCH;
  return sha256Hex(body) === declared ? OK : MISMATCH;
}

export interface BodyIntegrityOptions {
  /** The most the middleware reads itself when no body parser kept the bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Where a failure to read the body goes (default console.error); the request is refused 500. */
  onError?: (error: Error) => void;
}

function write(res: ServerResponse, answer: AwsErrorResponse): void {
  if (res.headersSent) return void res.end();
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

type RawBodyRequest = IncomingMessage & { body?: unknown; rawBody?: unknown };

/**
 * Express 5 middleware: refuses 401 (AWS JSON error style) a request whose body is not the one
 * the client signed. Keep the raw bytes with `express.json({ verify: keepRawBody })` (or use
 * express.raw()); with no parser before it, it reads the body itself into `req.rawBody`.
 */
export function bodyIntegrity(options: BodyIntegrityOptions = {}): (req: RawBodyRequest, res: ServerResponse, next: (error?: unknown) => void) => void {
  const limit = options.bodyLimit ?? 1024 * 1024;
  const onError = options.onError ?? ((error: Error) => console.error(`@iamd/middleware: ${error.message}`));
  return (req, res, next) => {
    (async () => {
      let body = keptBody(req);
      if (!body && announcesBody(req)) {
        if (req.readableEnded || req.body !== undefined) throw new RawBodyUnavailable('express');
        body = await readRawBody(req, limit);
        req.rawBody = body;
      }
      return verifyBodyHash(body, req.headers['x-amz-content-sha256']);
    })().then(
      (checked) => (checked.ok ? next() : write(res, awsErrorResponse(checked.status, checked.code, checked.message))),
      (error: unknown) => {
        if (error instanceof BodyTooLarge) return write(res, bodyTooLarge(error.limit));
        onError(error instanceof Error ? error : new Error(String(error)));
        write(res, internalFailure());
      },
    );
  };
}

/**
 * The same as a Fastify 5 preHandler. Needs the raw bytes: `app.addHook('preParsing', keepRawBodyFastify)`.
 */
export function bodyIntegrityFastify(
  options: Pick<BodyIntegrityOptions, 'onError'> = {},
): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown> {
  const onError = options.onError ?? ((error: Error) => console.error(`@iamd/middleware: ${error.message}`));
  return async (request, reply) => {
    let answer: AwsErrorResponse;
    const body = keptBody(request);
    if (!body && announcesBody(request.raw)) {
      onError(new RawBodyUnavailable('fastify'));
      answer = internalFailure();
    } else {
      const checked = verifyBodyHash(body, request.raw.headers['x-amz-content-sha256']);
      if (checked.ok) return undefined;
      answer = awsErrorResponse(checked.status, checked.code, checked.message);
    }
    reply.code(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    reply.send(answer.body);
    return reply;
  };
}

/** Who signed, as the gateway's X-Iamd-* headers say (iamd's answer to the gateway). */
export interface GatewayAuthorization {
  principal: {
    Arn: string;
    AccountId: string;
    UserId: string;
    /** User, AssumedRole, Root or FederatedUser. */
    Type: string;
    MfaAuthenticated: boolean;
  };
  /** The action the catalogue's route mapped the request to (`orders:CancelOrder`). */
  action: string;
  /** The resource ARN it mapped to, or `*`. */
  resource: string;
}

export interface GatewayPrincipalOptions {
  /**
   * The gateway's addresses, as this server sees the connection (an IPv4-mapped IPv6 address is
   * compared as IPv4), or a test of the address. Default: loopback (`127.0.0.1`, `::1`), for a
   * gateway on the same host. A request from anywhere else is refused: only the gateway may say who
   * signed.
   */
  trustedPeers?: readonly string[] | ((address: string) => boolean);
}

const PRINCIPAL_HEADERS = {
  arn: 'x-iamd-principal-arn',
  account: 'x-iamd-account',
  userId: 'x-iamd-user-id',
  type: 'x-iamd-principal-type',
  mfa: 'x-iamd-mfa',
  action: 'x-iamd-action',
  resource: 'x-iamd-resource',
} as const;

/**
 * The gateway's answer on a request, when it comes from a trusted gateway: undefined for a request
 * from anywhere else, or without the headers (a gateway that did not ask iamd). The values are
 * percent-decoded (iamd percent-encodes `%` and anything outside printable ASCII).
 */
export function readGatewayAuthorization(req: IncomingMessage, options: GatewayPrincipalOptions = {}): GatewayAuthorization | undefined {
  const peer = req.socket.remoteAddress ?? '';
  const address = peer.startsWith('::ffff:') && isIP(peer.slice(7)) === 4 ? peer.slice(7) : peer;
  const trusted = options.trustedPeers ?? ['127.0.0.1', '::1'];
  if (!(typeof trusted === 'function' ? trusted(address) : trusted.includes(address))) return undefined;
  const value = (name: string): string | undefined => {
    const v = req.headers[name];
    if (typeof v !== 'string' || v === '') return undefined;
    try {
      return decodeURIComponent(v);
    } catch {
      return undefined;
    }
  };
  const arn = value(PRINCIPAL_HEADERS.arn);
  const account = value(PRINCIPAL_HEADERS.account);
  const userId = value(PRINCIPAL_HEADERS.userId);
  const type = value(PRINCIPAL_HEADERS.type);
  const action = value(PRINCIPAL_HEADERS.action);
  const resource = value(PRINCIPAL_HEADERS.resource);
  if (!arn || !account || !userId || !type || !action || !resource) return undefined;
  return {
    principal: { Arn: arn, AccountId: account, UserId: userId, Type: type, MfaAuthenticated: value(PRINCIPAL_HEADERS.mfa) === 'true' },
    action,
    resource,
  };
}

/**
 * Express 5 middleware for a service behind a gateway: sets `req.iamdGateway` from the gateway's
 * headers, or refuses 403 a request that did not come through the gateway (or that the gateway did
 * not check) — never serves it as anyone.
 */
export function gatewayPrincipal(
  options: GatewayPrincipalOptions = {},
): (req: IncomingMessage & { iamdGateway?: GatewayAuthorization }, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const authorization = readGatewayAuthorization(req, options);
    if (!authorization) return write(res, awsErrorResponse(403, 'AccessDenied', 'The request did not come through the gateway.'));
    req.iamdGateway = authorization;
    next();
  };
}
