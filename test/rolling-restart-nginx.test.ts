// A rolling restart behind a real nginx, configured as docs/operations.md tells operators to
// (keep-alive connections to the nodes, `proxy_next_upstream error timeout non_idempotent`): two
// iamd nodes on one PostgreSQL database, SDK calls with SDK retries off and plain signed requests
// in a loop through nginx, one node stopped with SIGTERM and started again on its port. No call
// fails, and every user created exists once. Needs /usr/sbin/nginx (.ci/run installs it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { ACCOUNT_ID, ROOT_KEY, tempDataDir } from './helpers.ts';
import { startChild, stopChild, type ChildIamd } from './child-process.ts';
import { freePort, NGINX, startNginxWith, type RunningNginx } from './nginx.ts';
import { createTestDatabase } from './pg.ts';

/** The load balancer's part of docs/operations.md ("Rolling restarts behind nginx"), for two nodes on loopback. */
export function nginxConfig(listen: number, nodes: number[]): string {
  return `  upstream iamd {
${nodes.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 16;
    keepalive_timeout 30s;
  }
  server {
    listen 127.0.0.1:${listen};
    location / {
      proxy_pass http://iamd;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }`;
}

const skip = existsSync(NGINX) ? false : `${NGINX} is not installed (.ci/run installs it)`;

describe('rolling restart behind nginx', { skip }, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const nodes: ChildIamd[] = [];
  let nginx: RunningNginx;
  const ports: number[] = [];
  const masterKey = randomBytes(32).toString('hex');
  const nodeEnv = () => ({ IAMD_DATABASE_URL: db.url, IAMD_MASTER_KEY: masterKey, IAMD_SHUTDOWN_TIMEOUT: '30' });

  before(async () => {
    db = await createTestDatabase();
    ports.push(await freePort(), await freePort());
    // One after the other, as a rolling deployment starts them (the first migrates the new database).
    for (const port of ports) nodes.push(await startChild(tempDataDir(), nodeEnv(), port));
    nginx = await startNginxWith((listen) => nginxConfig(listen, ports));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => stopChild(n)));
    await nginx?.stop();
    await db?.drop();
  });

  test('SIGTERM one node, start it again on its port: no call fails, nothing runs twice', { timeout: 300_000 }, async () => {
    const sts = new STSClient({ endpoint: nginx.url, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    const iam = new IAMClient({ endpoint: nginx.url, region: 'us-east-1', credentials: ROOT_KEY, maxAttempts: 1 });
    const signer = new SignatureV4({ credentials: ROOT_KEY, region: 'us-east-1', service: 'sts', sha256: Sha256 });
    const url = new URL(nginx.url);
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    /** A plain signed POST through nginx (fetch's keep-alive connections to nginx). */
    const plain = async () => {
      const headers = { host: url.host, 'content-type': 'application/x-www-form-urlencoded' };
      const req = { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {}, headers, body };
      const signed = await signer.sign(req as unknown as HttpRequest);
      const res = await fetch(nginx.url, { method: 'POST', headers: signed.headers, body });
      const text = await res.text();
      if (res.status !== 200 || !text.includes(`<Account>${ACCOUNT_ID}</Account>`)) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
    };
    let running = true;
    let ok = 0;
    const created: string[] = [];
    const failed: string[] = [];
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        try {
          if (w === 0) await plain();
          else if (i % 3 === 0) {
            const name = `n${w}-u${i}`;
            await iam.send(new CreateUserCommand({ UserName: name }));
            created.push(name);
          } else if (i % 3 === 1) await iam.send(new ListUsersCommand({ MaxItems: 5 }));
          else await sts.send(new GetCallerIdentityCommand({}));
          ok++;
        } catch (err) {
          failed.push(`${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    const untilOk = async (n: number) => {
      const target = ok + n;
      while (ok < target && failed.length === 0) await new Promise((r) => setTimeout(r, 10));
    };
    await untilOk(40);

    const old = nodes[0]!;
    const exited = new Promise<number | null>((resolve) => old.process.once('exit', (code) => resolve(code)));
    old.process.kill('SIGTERM');
    assert.equal(await exited, 0, old.output());
    assert.match(old.output(), /"msg":"iamd stopped"/);
    await untilOk(20);
    // Started again on its port: nginx sends it traffic again once its fail_timeout has passed.
    // At debug level it logs each request it answers.
    const restarted = await startChild(tempDataDir(), { ...nodeEnv(), IAMD_LOG_LEVEL: 'debug' }, ports[0]);
    nodes[0] = restarted;
    for (let i = 0; i < 6000 && failed.length === 0 && !/"msg":"request"/.test(restarted.output()); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(restarted.output(), /"msg":"request"/, 'the restarted node takes traffic again');
    await untilOk(20);
    running = false;
    await Promise.all(workers);

    assert.deepEqual(failed, [], nginx.errors());
    assert.ok(ok > 100, `only ${ok} calls`);
    // Nothing retried by nginx had run: each CreateUser made its user once (a second run would have answered EntityAlreadyExists).
    const listed = new Set<string>();
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListUsersCommand({ Marker: marker }));
      for (const u of page.Users ?? []) listed.add(u.UserName!);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    for (const name of created) assert.ok(listed.has(name), name);
  });
});
