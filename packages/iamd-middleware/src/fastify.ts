// Fastify 5: `app.post('/orders/:id/cancel', { preHandler: iamd.fastify({ … }) }, handler)`.
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import type { IamdAuthorization, IamdAuthorizer } from './client.ts';
import { type AwsErrorResponse, internalFailure, refusal } from './errors.ts';
import { BodyTooLarge, announcesBody } from './material.ts';
import { type ProtectOptions, RawBodyUnavailable, decide, keptBody, question } from './protect.ts';

/** What the preHandler reads of a Fastify request. */
export interface FastifyLikeRequest {
  raw: IncomingMessage;
  ip?: string;
  params?: unknown;
  body?: unknown;
  rawBody?: unknown;
  iamd?: IamdAuthorization;
}

export interface FastifyLikeReply {
  code(statusCode: number): unknown;
  header(name: string, value: string): unknown;
  send(payload?: unknown): unknown;
}

export type FastifyPreHandler<Req> = (request: Req, reply: FastifyLikeReply) => Promise<unknown>;

export function fastifyPreHandler<Req extends FastifyLikeRequest>(authorizer: IamdAuthorizer, options: ProtectOptions<Req>): FastifyPreHandler<Req> {
  return async (request, reply) => {
    let refused: AwsErrorResponse | undefined;
    try {
      const body = keptBody(request);
      if (!body && announcesBody(request.raw)) throw new RawBodyUnavailable('fastify');
      const asked = await question(options, request);
      const sourceIp = options.sourceIp ? options.sourceIp(request) : (request.ip ?? request.raw.socket.remoteAddress);
      const verdict = await decide(authorizer, request.raw, { url: request.raw.url ?? '/', body, sourceIp }, asked);
      if (verdict.allowed) request.iamd = verdict.authorization;
      else refused = refusal(verdict);
    } catch (error) {
      authorizer.onError(error instanceof Error ? error : new Error(String(error)));
      refused = internalFailure();
    }
    if (!refused) return undefined;
    reply.code(refused.status);
    for (const [name, value] of Object.entries(refused.headers)) reply.header(name, value);
    reply.send(refused.body);
    return reply;
  };
}

/**
 * A Fastify `preParsing` hook that keeps every body's raw bytes as `request.rawBody` and hands the
 * same bytes on to Fastify's parsers: `app.addHook('preParsing', keepRawBodyFastify)`. Bodies over
 * the route's bodyLimit are refused (413) before they are parsed.
 */
export async function keepRawBodyFastify(
  request: { raw: IncomingMessage; rawBody?: unknown; routeOptions?: { bodyLimit?: number } },
  _reply: unknown,
  payload: AsyncIterable<Buffer | string>,
): Promise<unknown> {
  if (!announcesBody(request.raw)) return payload;
  const limit = request.routeOptions?.bodyLimit ?? 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) {
      const error = new BodyTooLarge(limit) as BodyTooLarge & { statusCode: number; code: string };
      error.statusCode = 413;
      error.code = 'FST_ERR_CTP_BODY_TOO_LARGE';
      throw error;
    }
    chunks.push(buf);
  }
  const body = Buffer.concat(chunks);
  request.rawBody = body;
  const copy = new PassThrough();
  copy.end(body);
  return copy;
}
