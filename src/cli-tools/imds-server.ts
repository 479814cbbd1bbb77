// An IMDSv2-compatible endpoint that `iamd exec --imds` serves to its process alone, on loopback,
// for tools that only know the EC2 instance metadata service: a session token from
// `PUT /latest/api/token`, then the role's credentials at
// `/latest/meta-data/iam/security-credentials/ROLE`, fetched from iamd with the workload's token.
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { sameSecret } from '../crypto/same-secret.ts';
import { pathOf } from '../http/raw-header.ts';

interface ContainerCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  RoleArn: string;
}

export interface ImdsServer {
  endpoint: string;
  close(): Promise<void>;
}

const MAX_TOKEN_TTL = 21_600;

/** A percent-encoded path segment, decoded; undefined when malformed (`%E0%A4%A`). */
function decodeSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export async function startImdsServer(credentialsUrl: string, workloadToken: string): Promise<ImdsServer> {
  const tokens = new Map<string, number>(); // IMDS session token → expiry (ms)

  const fetchCredentials = async (): Promise<ContainerCredentials> => {
    const res = await fetch(credentialsUrl, { headers: { authorization: workloadToken } });
    if (!res.ok) throw new Error(`iamd refused the workload's credentials (${res.status})`);
    return (await res.json()) as ContainerCredentials;
  };

  const validToken = (req: IncomingMessage): boolean => {
    const given = String(req.headers['x-aws-ec2-metadata-token'] ?? '');
    for (const [token, expires] of tokens) {
      if (expires < Date.now()) {
        tokens.delete(token);
        continue;
      }
      if (sameSecret(token, given)) return true;
    }
    return false;
  };

  const reply = (res: ServerResponse, status: number, body: string, type = 'text/plain') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = pathOf(req.url);
      if (req.headers['x-forwarded-for']) return reply(res, 403, 'Forbidden'); // as IMDS: no proxied requests
      if (path === '/latest/api/token') {
        if (req.method !== 'PUT') return reply(res, 405, 'Method Not Allowed');
        const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL) return reply(res, 400, 'Bad Request');
        const token = randomBytes(32).toString('base64url');
        tokens.set(token, Date.now() + ttl * 1000);
        res.setHeader('x-aws-ec2-metadata-token-ttl-seconds', String(ttl));
        return reply(res, 200, token);
      }
      if (req.method !== 'GET') return reply(res, 405, 'Method Not Allowed');
      // IMDSv2 only: every read needs a session token.
      if (!validToken(req)) return reply(res, 401, 'Unauthorized');
      const prefix = '/latest/meta-data/iam/security-credentials/';
      if (path === prefix || path === prefix.slice(0, -1)) {
        const creds = await fetchCredentials();
        return reply(res, 200, creds.RoleArn.slice(creds.RoleArn.lastIndexOf('/') + 1));
      }
      if (path.startsWith(prefix)) {
        const creds = await fetchCredentials();
        const role = creds.RoleArn.slice(creds.RoleArn.lastIndexOf('/') + 1);
        const asked = decodeSegment(path.slice(prefix.length));
        if (asked === undefined) return reply(res, 400, 'Bad Request');
        if (asked !== role) return reply(res, 404, 'Not Found');
        const body = {
          Code: 'Success',
          LastUpdated: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          Type: 'AWS-HMAC',
          AccessKeyId: creds.AccessKeyId,
          SecretAccessKey: creds.SecretAccessKey,
          Token: creds.Token,
          Expiration: creds.Expiration,
        };
        return reply(res, 200, JSON.stringify(body), 'application/json');
      }
      return reply(res, 404, 'Not Found');
    })().catch(() => {
      if (!res.headersSent) reply(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
