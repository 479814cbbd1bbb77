// Reading a request body with a size limit, for every transport: a body declared or found larger
// than the limit is refused with the caller's error, before or while it is read; a body the
// client cut short (fewer bytes than its Content-Length, then the connection closed) is the
// client's error too, never an internal one.
import type { IncomingMessage } from 'node:http';
import { rawHeader } from '../http/raw-header.ts';

export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: () => Error,
  incomplete: () => Error = () => new Error('request body incomplete'),
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(rawHeader(req, 'content-length') ?? 0) > maxBytes) {
      reject(tooLarge());
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(tooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', () => reject(incomplete()));
  });
}
