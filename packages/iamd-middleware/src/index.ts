// @iamd/middleware: let iamd authenticate (AWS Signature V4) and authorize (IAM policies) the
// requests your own HTTP service receives; or, behind a gateway that asks iamd (nginx
// auth_request…), check the body against the signed hash and read who signed. See README.md.
import type { IncomingMessage } from 'node:http';
import { type AuthorizeQuestion, IamdAuthorizer, type IamdClientOptions, type Verdict } from './client.ts';
import { type ExpressLikeRequest, type ExpressMiddleware, type ExpressRequest, expressMiddleware } from './express.ts';
import { type FastifyLikeRequest, type FastifyPreHandler, fastifyPreHandler } from './fastify.ts';
import type { ReceivedRequest } from './material.ts';
import type { ProtectOptions } from './protect.ts';

export interface IamdClient {
  /** Express 5 middleware: refuses with 401/403 (AWS JSON error style) or sets `req.iamd` and calls next(). */
  express<Req extends ExpressLikeRequest = ExpressRequest>(options: ProtectOptions<NoInfer<Req>>): ExpressMiddleware<NoInfer<Req>>;
  /** A Fastify 5 preHandler hook with the same options; sets `request.iamd`. */
  fastify<Req extends FastifyLikeRequest = FastifyLikeRequest>(options: ProtectOptions<NoInfer<Req>>): FastifyPreHandler<NoInfer<Req>>;
  /** Framework-neutral: the verdict for a request as received (method, raw URL, raw headers, raw body). */
  authorize(request: ReceivedRequest, question: AuthorizeQuestion): Promise<Verdict>;
  /** Forgets every cached decision. */
  clearCache(): void;
}

export function createIamdClient(options: IamdClientOptions): IamdClient {
  const authorizer = new IamdAuthorizer(options);
  return {
    express: (protect) => expressMiddleware(authorizer, protect),
    fastify: (protect) => fastifyPreHandler(authorizer, protect),
    authorize: (request, question) => authorizer.authorize(request, question),
    clearCache: () => authorizer.clearCache(),
  };
}

/** The request Node's http server hands you, as `authorize` takes it. */
export function receivedRequest(req: IncomingMessage, body?: Uint8Array): ReceivedRequest {
  return { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body, sourceIp: req.socket.remoteAddress };
}

export type {
  AuthorizeQuestion,
  ConditionContext,
  IamdAuthorization,
  IamdClientOptions,
  IamdCredentials,
  IamdPrincipal,
  MatchedStatement,
  Verdict,
} from './client.ts';
export { IamdCallError } from './client.ts';
export { awsErrorResponse, type AwsErrorResponse } from './errors.ts';
export { type ExpressLikeRequest, type ExpressMiddleware, type ExpressRequest, keepRawBody } from './express.ts';
export { type FastifyLikeReply, type FastifyLikeRequest, type FastifyPreHandler, keepRawBodyFastify } from './fastify.ts';
export type { ReceivedRequest, SignedRequestMaterial } from './material.ts';
export { type ProtectOptions, RawBodyUnavailable } from './protect.ts';
export {
  type BodyHashCheck,
  type BodyIntegrityOptions,
  bodyIntegrity,
  bodyIntegrityFastify,
  type GatewayAuthorization,
  type GatewayPrincipalOptions,
  gatewayPrincipal,
  readGatewayAuthorization,
  verifyBodyHash,
} from './gateway.ts';
