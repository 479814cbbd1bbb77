// Graceful shutdown of an HTTP(S) server: stop accepting connections, let the requests in flight
// finish (their responses say `Connection: close`, so no client reuses a connection that is about
// to go), close idle keep-alive connections, and after a bounded time cut whatever is left.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

export interface DrainResult {
  /** Requests answered while draining (in flight at the signal, or arriving on a connection already open). */
  finished: number;
  /** Requests still unanswered at the deadline: their connections were cut. */
  abandoned: number;
}

/**
 * A connection accepted just before the listener closed may not have delivered its request yet:
 * it gets this long to do so (its request is then answered) before it is closed.
 */
const FIRST_REQUEST_GRACE_MS = 2000;

interface ConnectionState {
  requests: number;
  active: number;
}

export class Drain {
  private readonly inFlight = new Set<ServerResponse>();
  private readonly connections = new Map<Socket, ConnectionState>();
  private draining = false;
  private finished = 0;
  private onIdle?: () => void;

  constructor(private readonly server: Server) {
    // Over TLS the requests' socket is the TLS one, known once its handshake is done.
    const tls = typeof (server as { addContext?: unknown }).addContext === 'function';
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connections.set(socket, { requests: 0, active: 0 });
      socket.once('close', () => this.connections.delete(socket));
    });
    // A second 'request' listener: it runs after the app's, in the same turn, before an async handler writes its response.
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const conn = this.connections.get(req.socket);
      if (conn) {
        conn.requests++;
        conn.active++;
      }
      if (res.writableFinished) return;
      this.inFlight.add(res);
      if (this.draining) this.closeAfter(res);
      res.once('close', () => {
        if (conn) conn.active--;
        this.inFlight.delete(res);
        if (this.draining) {
          this.finished++;
          if (this.inFlight.size === 0) this.onIdle?.();
        }
      });
    });
  }

  /** How many requests are being answered now. */
  get active(): number {
    return this.inFlight.size;
  }

  /**
   * Stops accepting, waits for the requests in flight (at most `timeoutMs`), then closes every
   * connection left. Resolves once the server is closed.
   */
  async close(timeoutMs: number): Promise<DrainResult> {
    this.draining = true;
    for (const res of this.inFlight) this.closeAfter(res);
    // net.Server's close, not http.Server's: that one also closes every connection without a request
    // in flight — including one whose first request is still in the kernel's buffer, reset unanswered.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(this.server, () => resolve()));
    // Idle keep-alive connections go now; new ones get a moment to send their request.
    for (const [socket, conn] of this.connections) if (conn.requests > 0 && conn.active === 0) this.closeIdle(socket);
    const fresh = setTimeout(
      () => {
        for (const [socket, conn] of this.connections) if (conn.active === 0) this.closeIdle(socket);
      },
      Math.min(FIRST_REQUEST_GRACE_MS, timeoutMs),
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const idle = new Promise<true>((resolve) => {
      this.onIdle = () => resolve(true);
      if (this.inFlight.size === 0) resolve(true);
    });
    let abandoned = 0;
    if (!(await Promise.race([idle, deadline]))) abandoned = this.inFlight.size;
    if (abandoned === 0 && !(await Promise.race([closed.then(() => true as const), deadline]))) abandoned = this.inFlight.size;
    clearTimeout(timer);
    clearTimeout(fresh);
    this.server.closeAllConnections();
    await closed;
    return { finished: this.finished, abandoned };
  }

  /**
   * Closes a connection between requests. INVARIANT: iamd never reads a request it does not answer
   * (before the shutdown timeout). So not `end()`/`destroySoon()`: a half-closed socket still reads,
   * and a request arriving then would be run with no way left to answer it. `destroy()` reads
   * nothing more: a request already on its way is reset unread, which a load balancer (or the SDK)
   * may safely send to another node — see docs/operations.md#rolling-restarts-behind-nginx.
   */
  private closeIdle(socket: Socket): void {
    socket.destroy();
  }

  /** A response not yet started asks its client to close the connection after it. */
  private closeAfter(res: ServerResponse): void {
    if (!res.headersSent) res.setHeader('connection', 'close');
  }
}
