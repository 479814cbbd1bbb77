// iamd's HTTP endpoints for gateways: proxies in front of a protected service that cannot sign
// (nginx auth_request, Caddy forward_auth, Envoy ext_authz in HTTP mode).
//
//   POST   /iamd/gateways              SigV4-signed; {"ServiceName","Name"} → {"Gateway", "Token"} (the token only now)
//   GET    /iamd/gateways[?ServiceName=]  SigV4-signed → {"Gateways": […]}
//   DELETE /iamd/gateways/ID           SigV4-signed → {"Gateway"} (revoked)
//   ANY    /iamd/gateway/check         X-Iamd-Gateway-Token; the original request in X-Original-*   (nginx)
//   ANY    /iamd/gateway/forward-auth  X-Iamd-Gateway-Token; the original request in X-Forwarded-*  (Caddy, Traefik)
//   ANY    /iamd/gateway/ext-authz/…   X-Iamd-Gateway-Token; the original method and path as its own (Envoy)
//
// The check endpoints answer as the proxies expect (2xx lets the request through, 401/403 refuse
// it): 200 with the principal in X-Iamd-* headers and `Cache-Control: max-age=CacheTtlSeconds`;
// 401 (WWW-Authenticate: AWS4-HMAC-SHA256) when the client's request is not authentic; 403 when it
// is denied or no route of the service's catalogue takes it; 401 without detail for a missing,
// unknown or revoked gateway token; 500 when the proxy sends too little to rebuild the request. A
// refusal's body is AWS's JSON error (`{"__type","message"}`, which Caddy and Envoy pass on to the
// client), also in the X-Iamd-Error header for nginx, which keeps the body to itself.
//
// The gateway's token authenticates it (its SHA-256 is looked up: src/protect/gateways.ts) as a
// Caller allowed iamd:Authorize on its own service and nothing else; the client's request, rebuilt
// from the proxy's headers (./gateway-request.ts), is decided by CheckGatewayRequest through the one
// dispatch, with Authorize's own code (src/protect/gateway-check.ts). The token is never logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RequestFacts, Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import type { CheckGatewayRequestResponse } from '../../actions/generated/iamd.ts';
import { JsonInput } from '../../actions/model/decode-json.ts';
import { toParams } from '../../actions/model/flatten-params.ts';
import { normalizeIp } from '../../auth/authenticate.ts';
import { newRequestId } from '../../domain/ids.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { awsError, messageText } from '../../errors/messages.ts';
import { pathOf, rawHeader } from '../../http/raw-header.ts';
import { GatewayTokens } from '../../protect/gateways.ts';
import { DEFAULT_REGION } from '../../sigv4/index.ts';
import type { Store } from '../../store/store.ts';
import { sendThisTurn } from '../send-this-turn.ts';
import { Throttle } from '../throttle.ts';
import { decodePathSegment, type JsonApi, parseJsonObject } from '../json-api.ts';
import { conventionOf, GATEWAY_TOKEN_HEADER, type ProxyConvention, rebuildClientRequest } from './gateway-request.ts';

const PREFIX = '/iamd/gateways';
/** The longest refusal message sent (in the body and in X-Iamd-Error). */
const MAX_MESSAGE = 1024;
const MAX_BODY = 16 * 1024;

/** The principal headers of an allowed request, in the order they are written. */
export const PRINCIPAL_HEADERS = [
  'x-iamd-principal-arn',
  'x-iamd-account',
  'x-iamd-user-id',
  'x-iamd-principal-type',
  'x-iamd-mfa',
  'x-iamd-action',
  'x-iamd-resource',
] as const;

/** A check's answer, as written. */
interface Answer {
  status: number;
  headers: string[];
  body: string;
}

export class GatewayApi {
  private readonly tokens: GatewayTokens;

  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
    private readonly json: JsonApi,
    store: Store,
    private readonly logger: Logger,
    private readonly throttle: Throttle = new Throttle(),
  ) {
    this.tokens = new GatewayTokens(store, services.partition);
  }

  handles(path: string): boolean {
    return path === PREFIX || path.startsWith(`${PREFIX}/`) || conventionOf(path) !== undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    const convention = conventionOf(path);
    if (convention !== undefined) return this.check(req, res, path, convention);
    return this.manage(req, res, path);
  }

  // ---- the check endpoints (the proxies' subrequests)

  private async check(req: IncomingMessage, res: ServerResponse, path: string, convention: ProxyConvention): Promise<void> {
    const requestId = newRequestId();
    // The proxy sends no body (nginx: proxy_pass_request_body off); whatever comes is not read.
    req.resume();
    let answer: Answer;
    let gatewayId: string | undefined;
    try {
      const gateway = await this.tokens.authenticate(rawHeader(req, GATEWAY_TOKEN_HEADER));
      if (!gateway) {
        answer = refusal(401, 'AccessDenied', messageText('gatewayTokenInvalid'), requestId, false);
        // Never the token: who asked, from where.
        this.logger.warn({ requestId, path, peer: req.socket.remoteAddress }, 'gateway token refused');
      } else if (!this.throttle.allowGatewayCheck(gateway.gatewayId)) {
        gatewayId = gateway.gatewayId;
        // Over this gateway's budget: 429 with AWS's Throttling, which the SDKs retry (see docs/operations.md for nginx).
        answer = refusal(429, 'Throttling', messageText('rateExceeded'), requestId, false);
        answer.headers.push('retry-after', '1');
      } else {
        gatewayId = gateway.gatewayId;
        answer = await this.decide(req, convention, gateway.serviceName, gateway.caller, requestId);
      }
    } catch (error) {
      this.logger.error(
        { requestId, path, gatewayId, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) },
        'internal error',
      );
      answer = refusal(500, 'ServiceFailure', messageText('serviceFailure'), requestId, false);
    }
    const { status, headers, body } = answer;
    sendThisTurn(() => {
      res.writeHead(status, [...headers, 'content-length', String(Buffer.byteLength(body))]);
      res.end(body);
    });
    if (status >= 500) this.logger.warn({ requestId, path, gatewayId, status }, 'gateway check failed');
    else if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, path, gatewayId, status }, 'gateway check');
  }

  private async decide(
    req: IncomingMessage,
    convention: ProxyConvention,
    serviceName: string,
    caller: Parameters<Dispatcher['run']>[0]['caller'],
    requestId: string,
  ): Promise<Answer> {
    const rebuilt = rebuildClientRequest(convention, { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders });
    if (rebuilt.error) return refusal(rebuilt.error.status, rebuilt.error.code, rebuilt.error.message, requestId, false);
    if (rebuilt.bodyWithoutHash) {
      const e = awsError('gatewayBodyHashMissing');
      return refusal(401, e.code, e.message, requestId, true);
    }
    const now = this.services.clock();
    // The gateway's own facts (it does not sign: no region of its own, the partition's default).
    const facts: RequestFacts = {
      sourceIp: normalizeIp(req.socket.remoteAddress),
      userAgent: '',
      secureTransport: false,
      region: DEFAULT_REGION[this.services.partition],
      now,
    };
    let output: CheckGatewayRequestResponse;
    try {
      const params = new JsonInput({ ServiceName: serviceName, Request: rebuilt.request });
      output = (await this.dispatcher.run({
        service: 'iamd',
        action: 'CheckGatewayRequest',
        params,
        caller,
        facts,
        requestId,
      })) as unknown as CheckGatewayRequestResponse;
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      // What the client sent does not make a request iamd can decide on (a header the model refuses…): refused.
      return error.status >= 500 ? refusal(500, error.code, error.message, requestId, false) : refusal(403, error.code, error.message, requestId, false);
    }
    if (!output.Authenticated) {
      const e = output.Error;
      return refusal(401, e?.Code ?? 'AccessDenied', e?.Message ?? 'Access denied', requestId, true);
    }
    if (output.Decision !== 'Allow' || !output.Principal || output.Action === undefined || output.Resource === undefined) {
      return refusal(403, 'AccessDenied', output.Reason ?? messageText('accessDenied'), requestId, false);
    }
    const p = output.Principal;
    const values = [p.Arn, p.AccountId, p.UserId, p.Type, p.MfaAuthenticated ? 'true' : 'false', output.Action, output.Resource];
    const headers: string[] = ['x-amzn-requestid', requestId];
    for (const [i, name] of PRINCIPAL_HEADERS.entries()) headers.push(name, headerSafe(values[i]!));
    headers.push('cache-control', output.CacheTtlSeconds > 0 ? `max-age=${output.CacheTtlSeconds}` : 'no-store');
    return { status: 200, headers, body: '' };
  }

  // ---- the signed management API (RegisterGateway, ListGateways, RevokeGateway)

  private manage(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    return this.json.answer(req, res, async (requestId) => {
      const { raw, caller, facts } = await this.json.signed(req, MAX_BODY);
      const method = req.method ?? 'GET';
      let action: string;
      let input: Record<string, unknown>;
      if (path === PREFIX && method === 'POST') {
        action = 'RegisterGateway';
        input = parseJsonObject(raw);
      } else if (path === PREFIX && method === 'GET') {
        action = 'ListGateways';
        input = { ServiceName: new URL(req.url ?? '/', 'http://iamd').searchParams.get('ServiceName') ?? undefined };
      } else if (path.length > PREFIX.length + 1 && !path.slice(PREFIX.length + 1).includes('/') && method === 'DELETE') {
        action = 'RevokeGateway';
        input = { GatewayId: decodePathSegment(path.slice(PREFIX.length + 1), 'gateway id') };
      } else {
        throw awsError('routeNotFound', { method, path, api: 'gateway' }).withStatus(404);
      }
      const params = action === 'RegisterGateway' ? new JsonInput(input) : toParams(input);
      return this.dispatcher.run({ service: 'iamd', action, params, caller, facts, requestId });
    });
  }
}

/**
 * A refusal in AWS's JSON error style (as @iamd/middleware answers), with the same body in
 * X-Iamd-Error for nginx (whose error_page can return it: examples/nginx/orders.conf).
 */
function refusal(status: number, code: string, message: string, requestId: string, challenge: boolean): Answer {
  // Bounded: a message may quote the client's path, and nginx refuses a header over its proxy buffer (4 KiB).
  const body = asciiJson({ __type: code, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message });
  const headers = [
    'content-type',
    'application/json',
    'x-amzn-errortype',
    code,
    'x-amzn-requestid',
    requestId,
    'cache-control',
    'no-store',
    'x-iamd-error',
    body,
  ];
  // RFC 9110: a 401 names the scheme it wants (nginx passes it on to the client).
  if (challenge) headers.push('www-authenticate', 'AWS4-HMAC-SHA256');
  return { status, headers, body };
}

/** JSON with every character outside printable ASCII escaped, so that it is also a valid header value. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A value as a header carries it: `%` and every character outside printable ASCII percent-encoded
 * (UTF-8), so `decodeURIComponent` gives the value back. ARNs of IAM names never need it; a
 * resource ARN built from a path segment (`/orders/caf%C3%A9`) may.
 */
export function headerSafe(value: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(value)) return value;
  return value.replace(/[^\x20-\x24\x26-\x7e]+/g, (s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd')); // a lone surrogate: U+FFFD, as UTF-8 has no other way
    }
  });
}
