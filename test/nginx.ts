// Test support: a real nginx (Debian's package, with the auth_request module) started by the test
// itself, as an unprivileged foreground process with everything (config, logs, temp folders, pid)
// in a throwaway folder and a free port on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface RunningNginx {
  url: string;
  port: number;
  /** The error log so far (for failure messages). */
  errors(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts nginx with `serverBlock` (the inside of one `server { … }`, without `listen`) listening on
 * a free loopback port. Resolves once it answers.
 */
export async function startNginx(serverBlock: string): Promise<RunningNginx> {
  return startNginxWith(
    (port) => `  server {
    listen 127.0.0.1:${port};
${serverBlock}
  }`,
  );
}

/**
 * Starts nginx with `httpBlock(port)` as the inside of its `http { … }` (upstreams and servers, as a
 * file in /etc/nginx/conf.d holds them), one of which listens on 127.0.0.1:`port`, a free port.
 */
export async function startNginxWith(httpBlock: (port: number) => string): Promise<RunningNginx> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: .ci/run installs Debian's nginx`);
  const dir = mkdtempSync(join(tmpdir(), 'iamd-nginx-'));
  const port = await freePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${httpBlock(port)}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const errors = () => {
    const log = join(dir, 'error.log');
    return stderr + (existsSync(log) ? readFileSync(log, 'utf8') : '');
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}):\n${errors()}\n${conf}`);
    const up = await fetch(`${url}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not answer on ${url}:\n${errors()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    errors,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
