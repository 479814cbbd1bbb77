// Express 5: `app.post('/orders/:id/cancel', iamd.express({ … }), handler)`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IamdAuthorization, IamdAuthorizer } from './client.ts';
import { type AwsErrorResponse, bodyTooLarge, internalFailure, refusal } from './errors.ts';
import { BodyTooLarge, announcesBody, readRawBody } from './material.ts';
import { type ProtectOptions, RawBodyUnavailable, decide, keptBody, question } from './protect.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by @iamd/middleware on an allowed request: who signed it, and what iamd allowed. */
      iamd?: IamdAuthorization;
      /** The raw body, kept by `keepRawBody` (or read by the middleware itself). */
      rawBody?: Buffer;
    }
  }
}

/** What the middleware reads of an Express request. */
export type ExpressLikeRequest = IncomingMessage & {
  originalUrl?: string;
  ip?: string;
  params?: Record<string, string>;
  body?: unknown;
  rawBody?: unknown;
  iamd?: IamdAuthorization;
};

/** An Express request as route callbacks see it by default: `req.params.id`, `req.body` as parsed. */
export type ExpressRequest = IncomingMessage & {
  originalUrl: string;
  ip?: string;
  params: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: Express types the parsed body as any; so does this.
  body?: any;
  rawBody?: Buffer;
  iamd?: IamdAuthorization;
};

export type ExpressMiddleware<Req> = (req: Req, res: ServerResponse, next: (error?: unknown) => void) => void;

/** For `express.json({ verify: keepRawBody })` (or any body-parser): keeps the bytes as `req.rawBody`. */
export function keepRawBody(req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  (req as ExpressLikeRequest).rawBody = buf;
}

export function expressMiddleware<Req extends ExpressLikeRequest>(authorizer: IamdAuthorizer, options: ProtectOptions<Req>): ExpressMiddleware<Req> {
  return (req, res, next) => {
    guard(authorizer, options, req).then(
      (refused) => {
        if (refused) send(res, refused);
        else next();
      },
      (error: unknown) => {
        if (error instanceof BodyTooLarge) return send(res, bodyTooLarge(error.limit));
        authorizer.onError(error instanceof Error ? error : new Error(String(error)));
        send(res, internalFailure());
      },
    );
  };
}

async function guard<Req extends ExpressLikeRequest>(
  authorizer: IamdAuthorizer,
  options: ProtectOptions<Req>,
  req: Req,
): Promise<AwsErrorResponse | undefined> {
  let body = keptBody(req);
  if (!body && announcesBody(req)) {
    // Nothing read the stream yet: read it here and keep it (parsers after this see it as read).
    if (req.readableEnded || req.body !== undefined) throw new RawBodyUnavailable('express');
    body = await readRawBody(req, authorizer.bodyLimit);
    req.rawBody = body;
  }
  const asked = await question(options, req);
  const sourceIp = options.sourceIp ? options.sourceIp(req) : (req.ip ?? req.socket.remoteAddress);
  const verdict = await decide(authorizer, req, { url: req.originalUrl ?? req.url ?? '/', body, sourceIp }, asked);
  if (!verdict.allowed) return refusal(verdict);
  req.iamd = verdict.authorization;
  return undefined;
}

function send(res: ServerResponse, answer: AwsErrorResponse): void {
  if (res.headersSent) return void res.end();
  res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}
