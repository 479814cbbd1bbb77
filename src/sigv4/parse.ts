// First half of SigV4 verification: parse and check a raw request, build its canonical request and
// string to sign. Needs no secret, so the caller can look the access key up afterwards.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
//
// INVARIANT: parseSignedRequest never throws; every problem comes back as a SigV4Error.

import { isSignatureHex, sha256Hex } from './hash.ts';
import { formatIsoBasic, parseHttpDate, parseIsoBasic } from './amz-date.ts';
import { canonicalQueryString, canonicalUri, parseQuery, type QueryParam } from './canonical.ts';
import { sigv4Errors as E, type SigV4Error } from './errors.ts';
import { headerMap, joinedHeaderValue, type HeaderMap } from './headers.ts';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const SCOPE_TERMINATOR = 'aws4_request';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** Allowed clock difference for the Authorization-header form (IAM, STS, SQS: 15 minutes). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
/** Longest presigned-URL lifetime, in seconds (7 days). */
export const MAX_EXPIRES_SECONDS = 604_800;

/** The request as received by Node's HTTP server, before any decoding. */
export interface RawRequest {
  /** Request method as received, e.g. 'POST'. */
  method: string;
  /** Raw request target: path and raw query, not decoded, e.g. '/?Action=GetUser'. */
  url: string;
  /** Node's IncomingMessage.rawHeaders: [name, value, name, value, …] as received. */
  rawHeaders: readonly string[];
  /** Raw body bytes. Omitted when `payloadHash` is given instead. */
  body?: Uint8Array;
  /**
   * The body's hex SHA-256 (or `UNSIGNED-PAYLOAD`), for a verifier that does not hold the body (the
   * authorization API, a gateway): the canonical request uses it instead of hashing `body`, and a
   * signed `x-amz-content-sha256` must equal it. Exactly one of `body` and `payloadHash` is given.
   */
  payloadHash?: string;
}

export interface CredentialScope {
  /** YYYYMMDD. */
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

/** A syntactically valid, in-time signed request, ready for verifySignature(). */
export interface ParsedSignature {
  readonly form: 'header' | 'query';
  readonly accessKeyId: string;
  /** The request time (X-Amz-Date, or the Date header). */
  readonly date: Date;
  /** The request time as ISO 8601 basic, as it enters the string to sign. */
  readonly amzDate: string;
  readonly scope: CredentialScope;
  /** "date/region/service/aws4_request". */
  readonly credentialScope: string;
  /** Lower-case, sorted. Always contains 'host'. */
  readonly signedHeaders: readonly string[];
  /** The signature the client sent: 64 lower-case hex digits. */
  readonly signature: string;
  /** X-Amz-Security-Token (header or query), when the client used temporary credentials. */
  readonly securityToken?: string;
  /** X-Amz-Expires, presigned form only. */
  readonly expiresSeconds?: number;
  /**
   * False only for a presigned request with x-amz-content-sha256: UNSIGNED-PAYLOAD: the body is then
   * NOT covered by the signature, and the caller must not take parameters from it.
   */
  readonly payloadSigned: boolean;
  /** Hex SHA-256 of the canonical request. */
  readonly canonicalRequestHash: string;
  /** The string to sign; verifySignature() HMACs it with the derived key. */
  readonly stringToSign: string;
}

const QUERY_ALGORITHM = 'X-Amz-Algorithm';
const QUERY_CREDENTIAL = 'X-Amz-Credential';
const QUERY_DATE = 'X-Amz-Date';
const QUERY_EXPIRES = 'X-Amz-Expires';
const QUERY_SIGNED_HEADERS = 'X-Amz-SignedHeaders';
const QUERY_SIGNATURE = 'X-Amz-Signature';
const QUERY_TOKEN = 'X-Amz-Security-Token';
const QUERY_AUTH_KEYS = new Set([QUERY_ALGORITHM, QUERY_CREDENTIAL, QUERY_DATE, QUERY_EXPIRES, QUERY_SIGNED_HEADERS, QUERY_SIGNATURE, QUERY_TOKEN]);

const SCOPE_DATE = /^\d{8}$/;
/** A payload hash given instead of the body: lower-case hex SHA-256, or UNSIGNED-PAYLOAD. */
const isPayloadHash = (given: string): boolean => given === UNSIGNED_PAYLOAD || isSignatureHex(given);
const SCOPE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ACCESS_KEY_ID = 128;

/** The only value of a header that must not repeat, undefined if absent, or an error if repeated. */
function single(headers: HeaderMap, name: string, display: string): string | undefined | SigV4Error {
  const values = headers.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) return E.duplicateHeader(display);
  return values[0];
}

/** What the two forms have in common once their parameters are read. */
interface AuthParts {
  form: 'header' | 'query';
  credential: string;
  signedHeaders: string;
  signature: string;
  date: Date;
  /** The request time as ISO 8601 basic when it came in that form (checked strictly): used as is. */
  amzDate: string | undefined;
  securityToken: string | undefined;
  expiresSeconds: number | undefined;
  /** Query parameters entering the canonical query string. */
  skipQueryKey: string | undefined;
}

/**
 * Parse and check a signed request: both auth forms, credential scope, time window, signed
 * headers, payload hash; compute the canonical request hash and string to sign.
 */
export function parseSignedRequest(req: RawRequest, now: Date): ParsedSignature | SigV4Error {
  try {
    return parse(req, now);
  } catch {
    // Defensive: nothing below should throw, but a fuzzer must never see an exception.
    return E.malformedAuthorization('request could not be parsed');
  }
}

function parse(req: RawRequest, now: Date): ParsedSignature | SigV4Error {
  if (req === null || typeof req !== 'object' || typeof req.method !== 'string' || typeof req.url !== 'string') {
    return E.malformedAuthorization('request could not be parsed');
  }
  const given = req.payloadHash;
  if (given === undefined ? !(req.body instanceof Uint8Array) : req.body !== undefined || typeof given !== 'string' || !isPayloadHash(given)) {
    return E.malformedAuthorization('request could not be parsed');
  }
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) return E.malformedAuthorization('request could not be parsed');

  const headers = headerMap(req.rawHeaders);
  if (headers === undefined) return E.malformedAuthorization('request could not be parsed');

  const qi = req.url.indexOf('?');
  const rawPath = qi === -1 ? req.url : req.url.slice(0, qi);
  const params = qi === -1 ? [] : parseQuery(req.url.slice(qi + 1));

  // Authentication parameters in the query: each at most once.
  const auth = new Map<string, string>();
  for (const p of params) {
    if (QUERY_AUTH_KEYS.has(p.key)) {
      if (auth.has(p.key)) return E.duplicateParameter(p.key);
      auth.set(p.key, p.value);
    }
  }
  const queryAuth = auth.has(QUERY_ALGORITHM) || auth.has(QUERY_CREDENTIAL) || auth.has(QUERY_SIGNATURE) || auth.has(QUERY_SIGNED_HEADERS);
  const authorization = headers.get('authorization');

  // INVARIANT: a request is checked the same way wherever its credentials arrived; two at once is an error.
  if (authorization !== undefined && queryAuth) return E.bothAuthForms();
  let parts: AuthParts | SigV4Error;
  if (authorization !== undefined) parts = headerForm(authorization, headers, nowMs);
  else if (queryAuth) parts = queryForm(auth, headers, nowMs);
  else return E.missingAuthenticationToken();
  if ('code' in parts) return parts;

  // Credential: AKID/YYYYMMDD/region/service/aws4_request.
  const cred = parts.credential.split('/');
  if (cred.length !== 5 || cred[0]!.length === 0 || cred[0]!.length > MAX_ACCESS_KEY_ID) {
    return E.credentialElements(parts.credential);
  }
  // Exactly five parts (checked above): every name below is defined.
  const [accessKeyId, scopeDate, region, service, terminator] = cred as [string, string, string, string, string];
  if (terminator !== SCOPE_TERMINATOR) return E.badTerminator(terminator);
  if (!SCOPE_NAME.test(region) || !SCOPE_NAME.test(service)) return E.credentialElements(parts.credential);
  const amzDate = parts.amzDate ?? formatIsoBasic(parts.date);
  if (!SCOPE_DATE.test(scopeDate) || scopeDate !== amzDate.slice(0, 8)) {
    return E.scopeDateMismatch(scopeDate, amzDate.slice(0, 8), amzDate);
  }

  // Signed headers: lower-case, strictly sorted, 'host' among them, each present.
  const signedHeaders = parts.signedHeaders === '' ? [] : parts.signedHeaders.split(';');
  for (let i = 0; i < signedHeaders.length; i++) {
    const name = signedHeaders[i]!;
    if (name.length === 0 || name !== name.toLowerCase() || (i > 0 && signedHeaders[i - 1]! >= name)) {
      return E.malformedSignedHeaders('header names must be lower-case, sorted, and listed once');
    }
  }
  // (A handful of names: an array scan beats building a Set.)
  if (!signedHeaders.includes('host')) return E.hostNotSigned();
  for (const name of signedHeaders) {
    if (!headers.has(name)) return E.signedHeaderMissing();
  }
  // INVARIANT: every x-amz-* header present is signed (an unsigned one could change the request's meaning).
  for (const name of headers.keys()) {
    if (name.startsWith('x-amz-') && !signedHeaders.includes(name)) return E.unsignedAmzHeaders();
  }
  if (parts.form === 'header' && !headers.has('x-amz-date') && !signedHeaders.includes('date')) {
    return E.malformedSignedHeaders("the 'date' header must be signed");
  }

  if (!isSignatureHex(parts.signature)) return E.malformedSignature();

  // Payload hash: the body's SHA-256 (computed, or given by a verifier that does not hold the body),
  // or UNSIGNED-PAYLOAD in a presigned URL.
  const declared = single(headers, 'x-amz-content-sha256', 'x-amz-content-sha256');
  if (typeof declared === 'object') return declared;
  let payloadHash: string;
  let payloadSigned = true;
  if ((given ?? declared?.trim()) === UNSIGNED_PAYLOAD) {
    if (parts.form !== 'query') return E.unsignedPayloadNotAllowed();
    if (declared !== undefined && declared.trim() !== UNSIGNED_PAYLOAD) return E.payloadHashMismatch();
    payloadHash = UNSIGNED_PAYLOAD;
    payloadSigned = false;
  } else {
    payloadHash = given ?? sha256Hex(req.body as Uint8Array);
    if (declared !== undefined && declared.trim() !== payloadHash) return E.payloadHashMismatch();
  }

  // Canonical request, built in one pass.
  let canonical = `${req.method}\n${canonicalUri(rawPath)}\n${canonicalQueryString(params, parts.skipQueryKey)}\n`;
  for (const name of signedHeaders) canonical += `${name}:${joinedHeaderValue(headers.get(name) as string[])}\n`;
  canonical += `\n${parts.signedHeaders}\n${payloadHash}`;
  const canonicalRequestHash = sha256Hex(canonical);
  const credentialScope = `${scopeDate}/${region}/${service}/${SCOPE_TERMINATOR}`;

  const parsed: { -readonly [K in keyof ParsedSignature]: ParsedSignature[K] } = {
    form: parts.form,
    accessKeyId,
    date: parts.date,
    amzDate,
    scope: Object.freeze({ date: scopeDate, region, service }),
    credentialScope,
    signedHeaders: Object.freeze(signedHeaders),
    signature: parts.signature,
    payloadSigned,
    canonicalRequestHash,
    stringToSign: `${ALGORITHM}\n${amzDate}\n${credentialScope}\n${canonicalRequestHash}`,
  };
  if (parts.securityToken !== undefined) parsed.securityToken = parts.securityToken;
  if (parts.expiresSeconds !== undefined) parsed.expiresSeconds = parts.expiresSeconds;
  return Object.freeze(parsed);
}

/** Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=… */
function headerForm(values: string[], headers: HeaderMap, nowMs: number): AuthParts | SigV4Error {
  if (values.length > 1) return E.duplicateHeader('Authorization');
  const value = values[0]!.trim();
  const sp = value.indexOf(' ');
  const algorithm = sp === -1 ? value : value.slice(0, sp);
  if (algorithm !== ALGORITHM) return E.unsupportedAlgorithm(algorithm);

  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  const components = sp === -1 ? '' : value.slice(sp + 1).trim();
  for (const piece of components === '' ? [] : components.split(',')) {
    const pair = piece.trim();
    const eq = pair.indexOf('=');
    if (eq === -1) return E.missingEqualSign(pair);
    const key = pair.slice(0, eq);
    const v = pair.slice(eq + 1);
    if (key === 'Credential') {
      if (credential !== undefined) return E.duplicateParameter(key);
      credential = v;
    } else if (key === 'SignedHeaders') {
      if (signedHeaders !== undefined) return E.duplicateParameter(key);
      signedHeaders = v;
    } else if (key === 'Signature') {
      if (signature !== undefined) return E.duplicateParameter(key);
      signature = v;
    } else {
      return E.malformedAuthorization(`unknown component '${key.slice(0, 64)}'`);
    }
  }

  const amzDate = single(headers, 'x-amz-date', 'X-Amz-Date');
  if (typeof amzDate === 'object') return amzDate;
  const httpDate = amzDate === undefined ? single(headers, 'date', 'Date') : undefined;
  if (typeof httpDate === 'object') return httpDate;
  if (credential === undefined || signature === undefined || signedHeaders === undefined || (amzDate ?? httpDate) === undefined) {
    return E.missingComponents({
      credential: credential === undefined,
      signature: signature === undefined,
      signedHeaders: signedHeaders === undefined,
      date: (amzDate ?? httpDate) === undefined,
    });
  }
  const isoDate = amzDate?.trim();
  const date = isoDate !== undefined ? parseIsoBasic(isoDate) : parseHttpDate((httpDate as string).trim());
  if (date === undefined) return E.malformedDate(amzDate !== undefined ? 'X-Amz-Date' : 'Date');

  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html: 15 minutes, both ways.
  const t = date.getTime();
  if (t < nowMs - MAX_SKEW_MS) {
    return E.expired(formatIsoBasic(date), formatIsoBasic(new Date(nowMs - MAX_SKEW_MS)), formatIsoBasic(new Date(nowMs)));
  }
  if (t > nowMs + MAX_SKEW_MS) {
    return E.notYetValid(formatIsoBasic(date), formatIsoBasic(new Date(nowMs + MAX_SKEW_MS)), formatIsoBasic(new Date(nowMs)));
  }

  const token = single(headers, 'x-amz-security-token', 'X-Amz-Security-Token');
  if (typeof token === 'object') return token;
  return {
    form: 'header',
    credential,
    signedHeaders,
    signature,
    date,
    amzDate: isoDate,
    securityToken: token,
    expiresSeconds: undefined,
    skipQueryKey: undefined,
  };
}

/** Presigned URL: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders, -Signature[, -Security-Token]. */
function queryForm(auth: Map<string, string>, headers: HeaderMap, nowMs: number): AuthParts | SigV4Error {
  const algorithm = auth.get(QUERY_ALGORITHM);
  const credential = auth.get(QUERY_CREDENTIAL);
  const amzDate = auth.get(QUERY_DATE);
  const expires = auth.get(QUERY_EXPIRES);
  const signedHeaders = auth.get(QUERY_SIGNED_HEADERS);
  const signature = auth.get(QUERY_SIGNATURE);
  if (
    algorithm === undefined ||
    credential === undefined ||
    amzDate === undefined ||
    expires === undefined ||
    signedHeaders === undefined ||
    signature === undefined
  ) {
    return E.missingQueryParameters();
  }
  if (algorithm !== ALGORITHM) return E.unsupportedQueryAlgorithm();
  const date = parseIsoBasic(amzDate);
  if (date === undefined) return E.malformedDate('X-Amz-Date');

  if (!/^\d+$/.test(expires)) return E.expiresNotANumber();
  const expiresSeconds = expires.length > 7 ? Number.POSITIVE_INFINITY : Number(expires);
  if (expiresSeconds > MAX_EXPIRES_SECONDS) return E.expiresTooLong();
  if (expiresSeconds < 1) return E.expiresTooShort();

  const t = date.getTime();
  if (nowMs < t - MAX_SKEW_MS) return E.presignNotYetValid();
  if (nowMs > t + expiresSeconds * 1000) return E.presignExpired();

  const token = auth.get(QUERY_TOKEN);
  if (token !== undefined && headers.has('x-amz-security-token')) return E.duplicateParameter(QUERY_TOKEN);
  return {
    form: 'query',
    credential,
    signedHeaders,
    signature,
    date,
    amzDate,
    securityToken: token,
    expiresSeconds,
    skipQueryKey: QUERY_SIGNATURE,
  };
}

export type { QueryParam };
