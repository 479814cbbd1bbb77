// The one place iamd reaches out to an OpenID Connect issuer: one HTTPS GET of a JSON document
// (the discovery document, then its JWKS), with no surprises. TLS is verified against Node's
// trusted CAs (which include NODE_EXTRA_CA_CERTS: that is how a private issuer's CA is trusted);
// there is one deadline for the whole exchange, a size limit on the body, no redirect is followed,
// and only a 200 with a JSON media type that parses is an answer. Everything else fails with what
// kind of failure it was: the issuer could not be reached (worth retrying), or it answered with
// something iamd cannot use (retrying will not help).
import { request } from 'node:https';

/** Why a fetch failed: `unreachable` (connection, DNS, timeout, reset) or `unusable` (TLS trust, status, type, size, JSON). */
export type OidcFetchFailure = 'unreachable' | 'unusable';

export class OidcFetchError extends Error {
  constructor(
    readonly failure: OidcFetchFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface OidcFetchLimits {
  /** The whole exchange (connect, TLS, headers, body) must finish within this many milliseconds. */
  timeoutMs: number;
  /** The largest body accepted, in bytes. */
  maxBytes: number;
}

export interface FetchedJson {
  body: unknown;
  /** The response's Cache-Control max-age in seconds, when it gives one (`no-store`/`no-cache` give 0). */
  maxAgeSeconds?: number;
}

export type FetchJson = (url: string, limits: OidcFetchLimits) => Promise<FetchedJson>;

/** `application/json`, `application/jwk-set+json` and the other `application/…+json` types. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** Connection-level failures: the issuer (or the way to it) is down, not wrong. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

export function cacheMaxAge(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const directives = header
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.includes('no-store') || directives.includes('no-cache')) return 0;
  for (const d of directives) {
    const m = /^max-age\s*=\s*"?(\d{1,10})"?$/.exec(d);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** GETs one JSON document over HTTPS within the limits; rejects with an OidcFetchError. */
export const fetchJson: FetchJson = (url, limits) =>
  new Promise<FetchedJson>((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new OidcFetchError('unusable', `${url} is not a URL`));
      return;
    }
    if (target.protocol !== 'https:') {
      reject(new OidcFetchError('unusable', `${url} is not an https URL`));
      return;
    }
    let settled = false;
    const fail = (error: OidcFetchError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const req = request(target, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'iamd (OpenID Connect key fetch)' },
      // A fresh connection each time: keys are fetched rarely, and a pooled socket would outlive the deadline.
      agent: false,
    });
    const timer = setTimeout(() => fail(new OidcFetchError('unreachable', `${url} did not answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      // A certificate that does not verify (untrusted CA, wrong name, expired) is the issuer's setup or
      // iamd's trust store: retrying will not help, so it is not an IDP communication error.
      fail(new OidcFetchError(UNREACHABLE_CODES.has(code) ? 'unreachable' : 'unusable', `${url}: ${code || error.message}`));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        // Redirects are not followed: the issuer's documents must be where its URL says.
        fail(new OidcFetchError('unusable', `${url} answered HTTP ${status}`));
        return;
      }
      const type = res.headers['content-type'] ?? '';
      if (!JSON_MEDIA_TYPE.test(type)) {
        res.resume();
        fail(new OidcFetchError('unusable', `${url} answered ${type || 'no content type'}, not JSON`));
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        fail(new OidcFetchError('unusable', `${url} answered ${declared} bytes, more than ${limits.maxBytes}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          fail(new OidcFetchError('unusable', `${url} answered more than ${limits.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', () => fail(new OidcFetchError('unreachable', `${url}: the connection failed while reading the answer`)));
      res.on('end', () => {
        if (settled) return;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          fail(new OidcFetchError('unusable', `${url} answered something that is not JSON`));
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve({ body, maxAgeSeconds: cacheMaxAge(res.headers['cache-control']) });
      });
    });
    req.end();
  });
