// What a protected service received, in the shape iamd's authorization API verifies: the method,
// the raw path and query, the headers the signature covers, and the body's SHA-256 computed here
// from the raw bytes (so the body the service acts on is the body that was signed).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The `Request` member of an Authorize call (docs/authorization-api.md). */
export interface SignedRequestMaterial {
  Method: string;
  /** The raw path as received, still percent-encoded. */
  Path: string;
  /** The raw query string without '?', when there is one. */
  Query?: string;
  /** Lower-case header name → value; repeated headers joined with ','. */
  Headers: Record<string, string>;
  /** Hex SHA-256 of the raw body. */
  PayloadHash: string;
  /** The client's IP address, for `aws:SourceIp`. */
  SourceIp?: string;
}

/** The request as the service's HTTP server received it, framework-neutral. */
export interface ReceivedRequest {
  method: string;
  /** The request target as received: raw path and query (`/orders/42?x=1`). */
  url: string;
  /** Node's `req.rawHeaders`: name, value, name, value… */
  rawHeaders: readonly string[];
  /** The raw body; absent or empty for none. */
  body?: Uint8Array;
  /** The client's IP address (`aws:SourceIp`); an IPv4-mapped IPv6 address is sent as IPv4. */
  sourceIp?: string;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const EMPTY = new Uint8Array(0);

/**
 * The material iamd needs and nothing more: Authorization, Date, Host, every x-amz-* header (iamd refuses
 * unsigned ones, so they must reach it) and every header the signature names. Cookies and other
 * unsigned headers stay in the service.
 */
export function requestMaterial(received: ReceivedRequest): SignedRequestMaterial {
  const url = received.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? undefined : url.slice(q + 1);

  const all = new Map<string, string[]>();
  const raw = received.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const values = all.get(name);
    if (values) values.push(raw[i + 1]!);
    else all.set(name, [raw[i + 1]!]);
  }
  // Host is always signed in SigV4; it also keeps Headers non-empty for an unsigned request.
  const wanted = new Set<string>(['authorization', 'date', 'host']);
  const authorization = all.get('authorization')?.[0];
  const fromHeader = authorization ? /SignedHeaders=([^,\s]*)/.exec(authorization)?.[1] : undefined;
  const fromQuery = query !== undefined ? presignedSignedHeaders(query) : undefined;
  for (const list of [fromHeader, fromQuery]) {
    if (list) for (const name of list.split(';')) if (name) wanted.add(name.toLowerCase());
  }
  const headers: Record<string, string> = {};
  for (const [name, values] of all) {
    if (wanted.has(name) || name.startsWith('x-amz-')) headers[name] = values.join(',');
  }
  const material: SignedRequestMaterial = {
    Method: received.method.toUpperCase(),
    Path: path,
    Headers: headers,
    PayloadHash: sha256Hex(received.body ?? EMPTY),
  };
  if (query !== undefined && query !== '') material.Query = query;
  if (received.sourceIp) material.SourceIp = received.sourceIp.startsWith('::ffff:') ? received.sourceIp.slice(7) : received.sourceIp;
  return material;
}

function presignedSignedHeaders(query: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq) === 'X-Amz-SignedHeaders') {
      try {
        return decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Whether the request announces a body (Content-Length > 0 or Transfer-Encoding). */
export function announcesBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Reads a request stream nobody has read yet, up to `limit` bytes. */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buf.length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes.`);
  }
}

/**
 * The service name of the request's credential scope (`AKID/20260101/us-east-1/orders/aws4_request`),
 * from the Authorization header or a presigned URL's X-Amz-Credential; undefined when it names none.
 */
export function scopeService(material: SignedRequestMaterial): string | undefined {
  let credential = material.Headers.authorization ? /Credential=([^,\s]+)/.exec(material.Headers.authorization)?.[1] : undefined;
  if (credential === undefined && material.Query !== undefined) {
    for (const pair of material.Query.split('&')) {
      if (pair.startsWith('X-Amz-Credential=')) {
        try {
          credential = decodeURIComponent(pair.slice('X-Amz-Credential='.length));
        } catch {
          return undefined;
        }
        break;
      }
    }
  }
  return credential?.split('/')[3];
}
