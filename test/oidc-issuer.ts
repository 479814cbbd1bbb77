// Test support: real OpenID Connect issuers (the `oidc-provider` package) served as
// https://localhost/NAME on port 443 with a certificate from the test's own CA, and a client that
// gets real ID tokens from them through the authorization code flow (with PKCE). The login and
// consent step is this helper's own interaction route: it finishes the interaction for the account
// the test names, as a user who signs in and consents would.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { listenOn443, type TestCa } from './tls.ts';

export const REDIRECT_URI = 'https://client.example/callback';

/** The parts of oidc-provider's Provider this helper uses (the package ships no types). */
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; params: Record<string, unknown> }>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
}
type ProviderConstructor = new (issuer: string, configuration: object) => OidcProvider;

async function providerClass(): Promise<ProviderConstructor> {
  // A computed specifier: the package has no type declarations, so it is typed here by hand.
  const name: string = 'oidc-provider';
  return ((await import(name)) as { default: ProviderConstructor }).default;
}

export interface IssuerKey {
  kid: string;
  /** The private JWK the issuer signs with (as oidc-provider is configured with it). */
  privateJwk: JWK;
  privateKey: CryptoKey;
}

export async function issuerKey(kid: string): Promise<IssuerKey> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey: pair.privateKey, privateJwk: { ...(await exportJWK(pair.privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface ClientConfig {
  clientId: string;
  clientSecret: string;
}

interface Tenant {
  provider: OidcProvider;
  clients: ClientConfig[];
}

/** Several issuers behind one https://localhost server; each path counts the requests it got. */
export class TestIssuers {
  private readonly tenants = new Map<string, Tenant>();
  /** Requests by path (`/a/jwks`, `/a/.well-known/openid-configuration`, …). */
  readonly hits = new Map<string, number>();
  private server?: Server;

  constructor(private readonly ca: TestCa) {}

  /** The issuer URL of a tenant. */
  static url(name: string): string {
    return `https://localhost/${name}`;
  }

  /** (Re)configures tenant `name`: a new Provider with these signing keys (the first signs) and clients. */
  async configure(name: string, keys: IssuerKey[], clients: ClientConfig[]): Promise<void> {
    const Provider = await providerClass();
    const prefix = `/${name}`;
    const provider = new Provider(TestIssuers.url(name), {
      clients: clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
      jwks: { keys: keys.map((k) => k.privateJwk) },
      findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `${prefix}/interaction/${interaction.uid}` },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      pkce: { required: () => true },
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 3600 },
    });
    this.tenants.set(name, { provider, clients });
  }

  /** Serves every tenant on https://localhost (port 443). */
  async start(): Promise<void> {
    const { cert, key } = await this.ca.issue(['localhost'], ['127.0.0.1', '::1']);
    this.server = createServer({ cert, key }, (req, res) => {
      const url = req.url ?? '/';
      const path = url.split('?')[0]!;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const name = path.split('/')[1] ?? '';
      const tenant = this.tenants.get(name);
      if (!tenant) {
        res.writeHead(404).end();
        return;
      }
      // oidc-provider is mounted at /NAME: it sees the rest of the path, and the prefix in originalUrl.
      const inner = url.slice(name.length + 1) || '/';
      Object.assign(req, { originalUrl: url, url: inner });
      if (/^\/interaction\/[\w-]+$/.test(inner.split('?')[0]!)) {
        this.finishInteraction(tenant.provider, req, res).catch((error: unknown) => {
          res.writeHead(500).end(String(error));
        });
        return;
      }
      tenant.provider.callback()(req, res);
    });
    await listenOn443(this.server);
  }

  /** The user of the interaction signs in and consents: the account is the login hint the test passed. */
  private async finishInteraction(provider: OidcProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const accountId = String(details.params.login_hint);
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  /** An ID token for `accountId` (its sub), issued by tenant `name` to `client`, through the authorization code flow. */
  async idToken(name: string, client: ClientConfig, accountId: string): Promise<string> {
    const issuer = TestIssuers.url(name);
    const verifier = randomBytes(32).toString('base64url');
    const auth = new URL(`${issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: client.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: REDIRECT_URI,
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
      login_hint: accountId,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })) {
      auth.searchParams.set(k, v);
    }
    const jar = new Map<string, string>();
    let location = auth.href;
    // /auth → /interaction/UID → /auth/UID → the client's redirect URI with the code.
    for (let hop = 0; hop < 5 && !location.startsWith(REDIRECT_URI); hop++) {
      const res = await this.send('GET', new URL(location, issuer).href, jar);
      if (res.status !== 303 && res.status !== 302) throw new Error(`${location} answered ${res.status}: ${res.body}`);
      location = res.location ?? '';
    }
    const code = new URL(location).searchParams.get('code');
    if (!code) throw new Error(`no code in ${location}`);
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString();
    const basic = Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64');
    const res = await this.send('POST', `${issuer}/token`, jar, body, { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.body}`);
    return (JSON.parse(res.body) as { id_token: string }).id_token;
  }

  private send(
    method: string,
    url: string,
    jar: Map<string, string>,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; location?: string; body: string }> {
    return new Promise((resolve, reject) => {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const req = request(url, { method, ca: this.ca.certPem, agent: false, headers: { ...headers, ...(cookie ? { cookie } : {}) } }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const [pair] = line.split(';');
          const eq = pair!.indexOf('=');
          if (eq > 0) jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Stops serving at once (another test file may be waiting for port 443). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
