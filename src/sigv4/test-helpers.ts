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
  const requestLine = lines[0];
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
    if (!drop.has(req.rawHeaders[i].toLowerCase())) rawHeaders.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  return { ...req, rawHeaders };
}
