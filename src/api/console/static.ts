// The console's own CSS and JS, from the repository's console/ folder (the same path from src/
// and from dist/). A fixed list: nothing else on disk can be reached.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { securityHeaders } from './core.ts';

const ASSETS: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'passkeys.js': 'text/javascript; charset=utf-8',
};
const cache = new Map<string, Buffer>();

export function serveStatic(name: string, res: ServerResponse): void {
  const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!type) {
    res.writeHead(404).end();
    return;
  }
  let body = cache.get(name);
  if (!body) {
    body = readFileSync(new URL(`../../../console/${name}`, import.meta.url));
    cache.set(name, body);
  }
  securityHeaders(res);
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'cache-control': 'public, max-age=300' });
  res.end(body);
}
