// Test helpers: turn a raw HTTP/1.1 request text (as in AWS's published SigV4 test suite) into the
// RawRequest that Node's HTTP server would hand us.

import type { RawRequest } from './parse.ts';

/** Node strips leading and trailing spaces/tabs (OWS) from header values; so do we here. */
function stripOws(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

export function parseHttpText(text: string): RawRequest {
  const headerEnd = text.indexOf('\n\n');
  const head = headerEnd === -1 ? text : text.slice(0, headerEnd);
  const body = headerEnd === -1 ? '' : text.slice(headerEnd + 2);
  const lines = head.split('\n');
  const requestLine = lines[0]!;
  const firstSpace = requestLine.indexOf(' ');
  const versionAt = requestLine.lastIndexOf(' HTTP/');
  const method = requestLine.slice(0, firstSpace);
  const url = requestLine.slice(firstSpace + 1, versionAt);
  const rawHeaders: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    rawHeaders.push(line.slice(0, colon), stripOws(line.slice(colon + 1)));
  }
  return { method, url, rawHeaders, body: Buffer.from(body, 'utf8') };
}

/** Drop headers by (case-insensitive) name. */
export function withoutHeaders(req: RawRequest, ...names: string[]): RawRequest {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  const rawHeaders: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!drop.has(req.rawHeaders[i]!.toLowerCase())) rawHeaders.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  return { ...req, rawHeaders };
}

/** RFC 3986 encoding as AWS signers apply it (encodeURIComponent plus !'()*). */
export function awsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The shape of a request as @smithy/signature-v4 signs it. */
export interface SmithyLikeRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Serialize a smithy-style request into what Node's server would see. */
export function toRawRequest(req: SmithyLikeRequest): RawRequest {
  const pieces: string[] = [];
  for (const [k, v] of Object.entries(req.query ?? {})) {
    if (v === null) pieces.push(awsEncode(k));
    else for (const one of Array.isArray(v) ? v : [v]) pieces.push(`${awsEncode(k)}=${awsEncode(one)}`);
  }
  const url = pieces.length > 0 ? `${req.path}?${pieces.join('&')}` : req.path;
  const rawHeaders: string[] = [];
  for (const [k, v] of Object.entries(req.headers)) rawHeaders.push(k, v);
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body as string);
  return { method: req.method, url, rawHeaders, body };
}
