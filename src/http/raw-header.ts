// Reading a request header without Node's `req.headers` object.
import type { IncomingMessage } from 'node:http';

/**
 * A request header's first value, read from rawHeaders: `req.headers` builds an object of every
 * header on first use, for the two or three this transport reads.
 */
export function rawHeader(req: IncomingMessage, lowerCaseName: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lowerCaseName.length && name.toLowerCase() === lowerCaseName) return raw[i + 1];
  }
  return undefined;
}
