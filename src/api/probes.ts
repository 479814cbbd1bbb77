// Operations' endpoints: GET /readyz (readiness: the store answers and is migrated) and
// GET /metrics (Prometheus text format, optionally behind `Authorization: Bearer TOKEN`), served on
// the main port or on a port of their own (--metrics-port). GET /healthz stays plain liveness (app.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/metrics.ts';
import type { Store } from '../store/store.ts';
import { sameSecret } from '../crypto/same-secret.ts';

export interface ProbeOptions {
  store: Store;
  logger: Logger;
  /** Serve /metrics from these; unset: /metrics is not served here. */
  metrics?: Metrics;
  /** Required as `Authorization: Bearer TOKEN` on /metrics when set. */
  token?: string;
  /** True once a graceful shutdown began: /readyz answers 503 so a balancer stops routing here first. */
  stopping?: () => boolean;
}

export class Probes {
  constructor(private readonly options: ProbeOptions) {}

  /** True for the requests this answers (GET or HEAD of /readyz, and /metrics when it serves them). */
  handles(req: IncomingMessage): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '').split('?')[0];
    return path === '/readyz' || (path === '/metrics' && this.options.metrics !== undefined);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/readyz') return this.ready(res);
    const { metrics, token } = this.options;
    if (!metrics) return answer(res, 404, 'text/plain', 'not found\n');
    if (token !== undefined && !sameSecret(bearer(req) ?? '', token)) {
      res.setHeader('www-authenticate', 'Bearer');
      return answer(res, 401, 'text/plain', 'unauthorized\n');
    }
    let scraped: { contentType: string; body: string };
    try {
      scraped = await metrics.scrape();
    } catch (error) {
      // A worker whose primary did not gather the others': no partial figures passed off as the whole.
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'metrics could not be gathered');
      return answer(res, 503, 'text/plain', 'metrics unavailable\n');
    }
    answer(res, 200, scraped.contentType, scraped.body);
  }

  private async ready(res: ServerResponse): Promise<void> {
    let reason: string | undefined;
    try {
      reason = this.options.stopping?.() ? 'shutting down' : await this.options.store.readiness();
    } catch (error) {
      // The detail (a driver's message may name a database user) goes to the log, not to the caller.
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'readiness check: the store did not answer');
      reason = 'store unavailable';
    }
    if (reason === undefined) return answer(res, 200, 'application/json', JSON.stringify({ status: 'ready' }));
    answer(res, 503, 'application/json', JSON.stringify({ status: 'not ready', reason }));
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function answer(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

/** The separate metrics port: /metrics, /readyz and /healthz only, anything else 404. */
export async function startProbeServer(probes: Probes, host: string, port: number, logger: Logger): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (!probes.handles(req)) return answer(res, 404, 'text/plain', 'not found\n');
    probes.handle(req, res).catch((err: unknown) => {
      logger.error({ err: String(err) }, 'metrics endpoint failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { server, url: `http://${h}:${address.port}` };
}
