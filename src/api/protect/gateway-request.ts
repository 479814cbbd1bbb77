// The client's request, rebuilt from a proxy's check request (pure): a gateway (nginx auth_request,
// Caddy forward_auth, Envoy ext_authz) asks iamd about a request it holds by sending a request of
// its own, with the original method, URI and host in headers (or, for Envoy, in its own request
// line) and the client's headers alongside. What is taken from where depends on the endpoint the
// proxy is configured to call, never on what a request says of itself, so a header a client sends
// cannot choose which headers are believed:
//
//   endpoint                      method              URI (path + query)     host
//   /iamd/gateway/check           X-Original-Method   X-Original-URI         X-Original-Host, else Host      (nginx)
//   /iamd/gateway/forward-auth    X-Forwarded-Method  X-Forwarded-Uri        X-Forwarded-Host, else Host     (Caddy, Traefik)
//   /iamd/gateway/ext-authz/…     its own method      its own path after the prefix, and query    Host     (Envoy, path_prefix)
//
// - Every other header is the client's, as received, except hop-by-hop headers (and those
//   Connection names), Content-Length (the check request's, not the client's), the gateway's token,
//   and the proxy's own X-Original-* / X-Forwarded-* / Forwarded. A repeated header is joined with
//   ',' as SigV4 joins it.
// - The client's Content-Length comes back from X-Original-Content-Length when the proxy sends it
//   (a client may sign it: the SDKs do).
// - The body is never seen: the payload hash is the client's signed x-amz-content-sha256 when it
//   sent one, else the hash of an empty body. A request that announces a body (X-Original-Content-
//   Length > 0, or X-Original-Transfer-Encoding) without a SHA-256 in x-amz-content-sha256 is
//   `bodyWithoutHash`: the endpoint refuses it, since nothing could tie the body to the signature.
// - The client's address is the LAST entry of X-Forwarded-For: the one the proxy itself added
//   (nginx's $remote_addr or $proxy_add_x_forwarded_for, Caddy's and Envoy's defaults); earlier
//   entries are whatever the client claimed. None: no aws:SourceIp. The check request is believed at
//   all only because the gateway's token authenticated it.
import { isIP } from 'node:net';
import type { SignedRequest } from '../../actions/generated/iamd.ts';
import type { AwsError } from '../../errors/aws-error.ts';
import { awsError } from '../../errors/messages.ts';

/** The header a gateway sends its token in. */
export const GATEWAY_TOKEN_HEADER = 'x-iamd-gateway-token';
export const GATEWAY_CHECK_PATH = '/iamd/gateway/check';
export const GATEWAY_FORWARD_AUTH_PATH = '/iamd/gateway/forward-auth';
export const GATEWAY_EXT_AUTHZ_PREFIX = '/iamd/gateway/ext-authz';

/** Which proxy convention an endpoint reads. */
export type ProxyConvention = 'original' | 'forwarded' | 'ext-authz';

/** The endpoint's convention for a path, or undefined when the path is no check endpoint. */
export function conventionOf(path: string): ProxyConvention | undefined {
  if (path === GATEWAY_CHECK_PATH) return 'original';
  if (path === GATEWAY_FORWARD_AUTH_PATH) return 'forwarded';
  if (path === GATEWAY_EXT_AUTHZ_PREFIX || path.startsWith(`${GATEWAY_EXT_AUTHZ_PREFIX}/`)) return 'ext-authz';
  return undefined;
}

/** The check request as the proxy sent it. */
export interface CheckRequest {
  method: string;
  /** The raw request target (path and query). */
  url: string;
  /** Node's rawHeaders: name, value, name, value… */
  rawHeaders: readonly string[];
}

export type Rebuilt =
  | {
      request: SignedRequest;
      /** The client announced a body but signed no SHA-256 of it. */
      bodyWithoutHash: boolean;
      error?: undefined;
    }
  | { error: AwsError; request?: undefined };

const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const HASH = /^[0-9a-f]{64}$/;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Which headers the convention takes the original method, URI and host from. */
const SOURCES: Record<Exclude<ProxyConvention, 'ext-authz'>, { method: string; uri: string; host: string }> = {
  original: { method: 'x-original-method', uri: 'x-original-uri', host: 'x-original-host' },
  forwarded: { method: 'x-forwarded-method', uri: 'x-forwarded-uri', host: 'x-forwarded-host' },
};

/** The proxy's own headers: never the client's, never part of the rebuilt request. */
function proxyOwn(name: string): boolean {
  return name.startsWith('x-original-') || name.startsWith('x-forwarded-') || name === 'forwarded' || name === GATEWAY_TOKEN_HEADER;
}

export function rebuildClientRequest(convention: ProxyConvention, check: CheckRequest): Rebuilt {
  // Lower-case name → values, in the order received.
  const headers = new Map<string, string[]>();
  const raw = check.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const values = headers.get(name);
    if (values) values.push(raw[i + 1]!);
    else headers.set(name, [raw[i + 1]!]);
  }
  /** A header the proxy sets: one value, or undefined; several is an ambiguity the proxy must not leave. */
  const single = (name: string): string | undefined | AwsError => {
    const values = headers.get(name);
    if (values === undefined) return undefined;
    if (values.length > 1) return awsError('gatewayProxyHeaderInvalid', { header: headerName(name) });
    return values[0]!.trim();
  };

  let method: string | undefined | AwsError;
  let uri: string | undefined | AwsError;
  let host: string | undefined | AwsError;
  if (convention === 'ext-authz') {
    method = check.method;
    const rest = check.url.slice(GATEWAY_EXT_AUTHZ_PREFIX.length);
    uri = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
    host = single('host');
  } else {
    const from = SOURCES[convention];
    method = single(from.method);
    uri = single(from.uri);
    host = single(from.host);
    if (host === undefined || host === '') host = single('host');
    if (method === undefined || method === '') return { error: awsError('gatewayProxyHeaderMissing', { header: headerName(from.method) }) };
    if (uri === undefined || uri === '') return { error: awsError('gatewayProxyHeaderMissing', { header: headerName(from.uri) }) };
  }
  for (const v of [method, uri, host]) if (typeof v === 'object') return { error: v };
  const m = method as string;
  const target = uri as string;
  if (!target.startsWith('/'))
    return { error: awsError('gatewayProxyHeaderInvalid', { header: convention === 'ext-authz' ? 'path' : headerName(SOURCES[convention].uri) }) };

  const contentLength = single('x-original-content-length');
  const transferEncoding = single('x-original-transfer-encoding');
  if (typeof contentLength === 'object') return { error: contentLength };
  if (typeof transferEncoding === 'object') return { error: transferEncoding };
  if (contentLength !== undefined && contentLength !== '' && !/^\d{1,15}$/.test(contentLength)) {
    return { error: awsError('gatewayProxyHeaderInvalid', { header: 'X-Original-Content-Length' }) };
  }

  // Headers Connection names are hop-by-hop too.
  const dropped = new Set(HOP_BY_HOP);
  for (const value of headers.get('connection') ?? []) for (const name of value.split(',')) dropped.add(name.trim().toLowerCase());
  const out: Record<string, string> = {};
  for (const [name, values] of headers) {
    if (dropped.has(name) || proxyOwn(name) || name === 'content-length' || name === 'host') continue;
    // Object.defineProperty: a header named `__proto__` stays a key (the model decoder refuses it).
    Object.defineProperty(out, name, { value: values.map((v) => v.trim()).join(','), enumerable: true, writable: true, configurable: true });
  }
  if (typeof host === 'string' && host !== '') out.host = host;
  if (contentLength !== undefined && contentLength !== '') out['content-length'] = contentLength;

  const q = target.indexOf('?');
  const request: SignedRequest = { Method: m.toUpperCase(), Path: q < 0 ? target : target.slice(0, q), Headers: out };
  if (q >= 0 && q + 1 < target.length) request.Query = target.slice(q + 1);

  const declared = out['x-amz-content-sha256'];
  if (declared !== undefined && (HASH.test(declared) || declared === UNSIGNED_PAYLOAD)) request.PayloadHash = declared;
  const announcesBody =
    (contentLength !== undefined && contentLength !== '' && Number(contentLength) > 0) || (transferEncoding !== undefined && transferEncoding !== '');
  const bodyWithoutHash = announcesBody && (declared === undefined || !HASH.test(declared));

  const forwardedFor = headers.get('x-forwarded-for');
  if (forwardedFor !== undefined) {
    const last = forwardedFor.join(',').split(',').pop()!.trim();
    if (last !== '') {
      const ip = last.startsWith('::ffff:') && isIP(last.slice(7)) === 4 ? last.slice(7) : last;
      if (isIP(ip) === 0) return { error: awsError('gatewayProxyHeaderInvalid', { header: 'X-Forwarded-For' }) };
      request.SourceIp = ip;
    }
  }
  return { request, bodyWithoutHash };
}

/** `x-original-uri` → `X-Original-URI`, as the documentation writes the header. */
function headerName(lower: string): string {
  return lower
    .split('-')
    .map((part) => (part === 'uri' && lower.startsWith('x-original') ? 'URI' : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('-');
}
