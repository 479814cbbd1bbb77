// Test support for console sign-in through an OIDC provider: a real `oidc-provider` (its own dev
// login and consent pages) served as https://localhost on port 443 with a certificate from the
// test's CA, an iamd child process that trusts that CA (NODE_EXTRA_CA_CERTS), signed calls to
// iamd's JSON API, and a cookie-keeping driver of the provider's pages for tests without a browser.
import { Sha256 } from '@aws-crypto/sha256-js';
import type { HttpRequest } from '@smithy/types';
import { SignatureV4 } from '@smithy/signature-v4';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type ChildIamd } from '../child-process.ts';
import { ROOT_KEY, type Credentials } from '../helpers.ts';
import { listenOn443, makeTestCa, type TestCa } from '../tls.ts';
import { ROOT_EMAIL, ROOT_PASSWORD } from './support.ts';

export const ISSUER = 'https://localhost';
export const PROVIDER_NAME = 'localhost';
export const CLIENT_ID = 'iamd-console';
export const CLIENT_SECRET = 'console-client-secret-8f2d41';

/** The parts of oidc-provider's Provider this helper uses (the package ships no types). */
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type ProviderConstructor = new (issuer: string, configuration: object) => OidcProvider;

async function providerClass(): Promise<ProviderConstructor> {
  // A computed specifier: the package has no type declarations, so it is typed here by hand.
  const name: string = 'oidc-provider';
  return ((await import(name)) as { default: ProviderConstructor }).default;
}

/** The claims of a login name at the test provider: sub is the login, with a verified email. */
export function claimsOf(login: string): Record<string, unknown> {
  return { sub: login, email: `${login}@example.com`, email_verified: true, preferred_username: login };
}

/**
 * oidc-provider on https://localhost with its development login and consent pages (any login name
 * and password sign in as that name), one confidential client whose only redirect URI is iamd's
 * callback, and PKCE required.
 */
export async function startIdp(ca: TestCa, redirectUri: string): Promise<{ close(): Promise<void> }> {
  const Provider = await providerClass();
  const provider = new Provider(ISSUER, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => claimsOf(sub) }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username'] },
    // The scopes' claims in the ID token itself (iamd reads nothing else).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 3600, AuthorizationCode: 60 },
  });
  const { cert, key } = await ca.issue(['localhost'], ['127.0.0.1', '::1']);
  const server: Server = createServer({ cert, key }, provider.callback());
  await listenOn443(server);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SsoWorld {
  dir: string;
  ca: TestCa;
  iamd: ChildIamd;
  callback: string;
}

/** A data folder, a CA, and an iamd child process (root console sign-in known) that trusts the CA. */
export async function startIamdTrustingCa(): Promise<SsoWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'iamd-sso-'));
  const ca = await makeTestCa(dir);
  const iamd = await startChild(join(dir, 'data'), {
    NODE_EXTRA_CA_CERTS: ca.certFile,
    IAMD_ROOT_EMAIL: ROOT_EMAIL,
    IAMD_ROOT_PASSWORD: ROOT_PASSWORD,
  });
  return { dir, ca, iamd, callback: `${iamd.url}/console/sso/callback` };
}

/** A request to iamd's JSON API signed with Signature V4 (signing name `iam`). */
export async function signedJson(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  query: Record<string, string> = {},
  credentials: Credentials = ROOT_KEY,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { host: url.host };
  if (text !== undefined) headers['content-type'] = 'application/json';
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'iam', sha256: Sha256 });
  const req = { method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query, headers, body: text };
  const signed = await signer.sign(req as unknown as HttpRequest);
  const res = await fetch(url, { method, headers: signed.headers, body: text });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What the provider's pages answered: status, Location, body. */
interface IdpReply {
  status: number;
  location?: string;
  body: string;
}

/**
 * A user at the provider's development pages, without a browser: follows the authorization URL,
 * signs in as `login` (any password) and consents, and returns where the provider sends the
 * browser back (iamd's callback URL with the code, or the error). `cancel` presses [ Cancel ] instead.
 */
export async function signInAtIdp(ca: TestCa, authorizeUrl: string, login: string, opts: { cancel?: boolean } = {}): Promise<string> {
  const jar = new Map<string, string>();
  const send = (method: string, url: string, form?: Record<string, string>): Promise<IdpReply> =>
    new Promise((resolve, reject) => {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const body = form ? new URLSearchParams(form).toString() : undefined;
      const headers: Record<string, string> = cookie ? { cookie } : {};
      if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const req = request(url, { method, ca: ca.certPem, agent: false, headers }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const pair = line.split(';')[0]!;
          const eq = pair.indexOf('=');
          if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  let url = authorizeUrl;
  for (let step = 0; step < 12; step++) {
    if (!url.startsWith(ISSUER)) return url;
    const res = await send('GET', url);
    if (res.status === 302 || res.status === 303) {
      url = new URL(res.location!, url).href;
      continue;
    }
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body.slice(0, 500)}`);
    // A dev interaction page: the login form, or the consent form (each a POST to its submit URL).
    if (opts.cancel) {
      url = new URL(/href="([^"]*abort[^"]*)"/.exec(res.body)![1]!.replace(/&amp;/g, '&'), url).href;
      continue;
    }
    const action = new URL(/action="([^"]+)"/.exec(res.body)![1]!.replace(/&amp;/g, '&'), url).href;
    const prompt = /name="prompt" value="([a-z]+)"/.exec(res.body)?.[1] ?? 'login';
    const posted = await send('POST', action, prompt === 'login' ? { prompt, login, password: 'any-password' } : { prompt });
    if (posted.status !== 302 && posted.status !== 303) throw new Error(`${action} answered ${posted.status}: ${posted.body.slice(0, 500)}`);
    url = new URL(posted.location!, action).href;
  }
  throw new Error('the provider did not send the browser back');
}
