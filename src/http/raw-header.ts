// Reading a request's header and path without Node's `req.headers` object or a URL parse.
import type { IncomingMessage } from 'node:http';

/**
 * A request header's first value, read from rawHeaders: `req.headers` builds an object of every
 * header on first use, for the two or three this transport reads.
 */
export function rawHeader(req: IncomingMessage, lowerCaseName: string): string | undefined {
  return headerIn(req.rawHeaders, lowerCaseName);
}

/** A header's first value in a rawHeaders list ([name, value, name, value, …]). */
export function headerIn(raw: readonly string[], lowerCaseName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!; // rawHeaders is name, value, name, value…
    if (name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName) return raw[i + 1];
  }
  return undefined;
}

/** The path of a request target, without its query string. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
