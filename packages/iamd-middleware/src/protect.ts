// The route → (action, resource, context) mapping both adapters share, and what they do with the
// raw body: Express and Fastify differ only in how a request is read and a refusal written.
import type { IncomingMessage } from 'node:http';
import type { AuthorizeQuestion, ConditionContext, IamdAuthorizer, Verdict } from './client.ts';
import { announcesBody } from './material.ts';

type Awaitable<T> = T | Promise<T>;

export interface ProtectOptions<Req> {
  /** `service:Action`, or a function of the request. */
  action: string | ((req: Req) => Awaitable<string>);
  /** The resource ARN, or a function of the request (route parameters, a lookup…). */
  resource: string | ((req: Req) => Awaitable<string>);
  /** Extra condition keys for this request (`{ 'orders:Amount': 250 }`). */
  context?: (req: Req) => Awaitable<ConditionContext | undefined>;
  /** A resource-based policy (JSON) evaluated with the caller's policies; without it, iamd uses the policy stored for the resource, if any. */
  resourcePolicy?: string | ((req: Req) => Awaitable<string | undefined>);
  /** The client's IP address for `aws:SourceIp`. Default: Express's `req.ip` (which follows its `trust proxy` setting), Fastify's `request.ip`. */
  sourceIp?: (req: Req) => string | undefined;
}

/** The raw body could not be found: a body parser consumed the stream without keeping the bytes. */
export class RawBodyUnavailable extends Error {
  constructor(framework: 'express' | 'fastify') {
    const how =
      framework === 'express'
        ? 'use express.raw(), or express.json({ verify: keepRawBody }), or put the middleware before the body parser'
        : "register the preParsing hook keepRawBodyFastify, or a content-type parser with { parseAs: 'buffer' } that sets request.rawBody";
    super(`the raw request body is not available, so its SHA-256 cannot be checked against the signature: ${how}`);
    this.name = 'RawBodyUnavailable';
  }
}

export async function question<Req>(options: ProtectOptions<Req>, req: Req): Promise<AuthorizeQuestion> {
  const action = typeof options.action === 'function' ? await options.action(req) : options.action;
  const resource = typeof options.resource === 'function' ? await options.resource(req) : options.resource;
  const context = options.context ? await options.context(req) : undefined;
  const resourcePolicy = typeof options.resourcePolicy === 'function' ? await options.resourcePolicy(req) : options.resourcePolicy;
  return { action, resource, context, resourcePolicy };
}

/** The raw bytes a body parser kept (`req.rawBody`, or a Buffer body), or undefined when there are none. */
export function keptBody(req: { rawBody?: unknown; body?: unknown }): Buffer | undefined {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
  if (req.rawBody instanceof Uint8Array) return Buffer.from(req.rawBody);
  if (Buffer.isBuffer(req.body)) return req.body;
  return undefined;
}

export function decide(
  authorizer: IamdAuthorizer,
  raw: IncomingMessage,
  received: { url: string; body: Uint8Array | undefined; sourceIp: string | undefined },
  asked: AuthorizeQuestion,
): Promise<Verdict> {
  return authorizer.authorize({ method: raw.method ?? 'GET', rawHeaders: raw.rawHeaders, ...received }, asked);
}

export { announcesBody };
