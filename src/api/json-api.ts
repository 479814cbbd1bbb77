// What iamd's own JSON APIs (workloads, the authorization API and resource policies, service
// catalogues, gateways) share: the body read bounded, the caller verified with Signature V4 for
// the `iam` signing name, and the answer — the operation's output, or an AwsError as
// {"Code","Message"} with its HTTP status, or a logged ServiceFailure — written as JSON.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Caller, RequestFacts, Services } from '../actions/context.ts';
import { normalizeIp, type Authenticator } from '../auth/authenticate.ts';
import { newRequestId } from '../domain/ids.ts';
import { AwsError } from '../errors/aws-error.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { pathOf } from '../http/raw-header.ts';
import { readBody } from './read-body.ts';
import { cameOverTls } from './tls.ts';
import { sendThisTurn } from './send-this-turn.ts';
import { Throttle, type ThrottledApi } from './throttle.ts';

export interface SignedCaller {
  raw: Buffer;
  caller: Caller;
  facts: RequestFacts;
}

export class JsonApi {
  constructor(
    private readonly services: Services,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
    private readonly throttle: Throttle = new Throttle(),
  ) {}

  /** Reads the body (at most `maxBody` bytes) without authenticating (routes that decide before). */
  body(req: IncomingMessage, maxBody: number): Promise<Buffer> {
    return readBody(
      req,
      maxBody,
      () => awsError('bodyTooLarge', { limit: String(maxBody) }),
      () => awsError('bodyIncomplete'),
    );
  }

  /**
   * The request's caller, verified with SigV4 (signing name `iam`), or AWS's error; then charged to
   * `api`'s rate limit (the authorization API has its own budget).
   */
  async verify(req: IncomingMessage, raw: Buffer, api: ThrottledApi = 'api'): Promise<SignedCaller> {
    const now = this.services.clock();
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body: raw };
    const parsed = this.authenticator.parse(request, now);
    if (parsed instanceof AwsError) throw parsed;
    if (parsed.scope.service !== 'iam') throw awsError('credentialWrongService', { service: 'iam' });
    const { caller, facts } = await this.authenticator.verify(request, parsed, now, {
      sourceIp: normalizeIp(req.socket.remoteAddress),
      secureTransport: cameOverTls(req),
    });
    this.throttle.check(api, parsed.accessKeyId, caller.accountId);
    return { raw, caller, facts };
  }

  /** Reads the body and verifies the caller. */
  async signed(req: IncomingMessage, maxBody: number): Promise<SignedCaller> {
    return this.verify(req, await this.body(req, maxBody));
  }

  /**
   * Answers one request with what `run` resolves to. Refusals are logged at info, successes at
   * debug (decisions are a hot path); nothing of the request's parameters is logged.
   */
  async answer(req: IncomingMessage, res: ServerResponse, run: (requestId: string) => Promise<unknown>): Promise<void> {
    const requestId = newRequestId();
    let status = 200;
    let body: unknown;
    try {
      body = (await run(requestId)) ?? {};
    } catch (error) {
      if (error instanceof AwsError) {
        status = error.status;
        body = { Code: error.code, Message: error.message };
      } else {
        this.logger.error({ requestId, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'internal error');
        status = 500;
        body = { Code: 'ServiceFailure', Message: messageText('serviceFailure') };
      }
    }
    const text = JSON.stringify(body);
    sendThisTurn(() => {
      res.writeHead(status, [
        'content-type',
        'application/json',
        'cache-control',
        'no-store',
        'x-amzn-requestid',
        requestId,
        'content-length',
        String(Buffer.byteLength(text)),
      ]);
      res.end(text);
    });
    const path = pathOf(req.url);
    if (status >= 400) this.logger.info({ requestId, path, method: req.method, status }, 'request refused');
    else if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, path, method: req.method, status }, 'request');
  }
}

/** A JSON body that must be an object (empty = `{}`), or ValidationError. */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8') || '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw awsError('jsonBodyInvalid');
  }
}

/** A percent-encoded path segment, decoded; a malformed one (`%E0%A4%A`) is the caller's error. */
export function decodePathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw awsError('pathSegmentInvalid', { what });
  }
}
