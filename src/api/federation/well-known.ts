// The outbound OIDC issuers' public documents, unauthenticated, as every OIDC verifier reads them:
//   GET PUBLIC_URL/oidc/ISSUER_ID/.well-known/openid-configuration   discovery (issuer, jwks_uri, …)
//   GET PUBLIC_URL/oidc/ISSUER_ID/.well-known/jwks.json              the signing keys' public halves
// An issuer that was never enabled, or was disabled longer ago than its last token lives, is 404.
// Answers come from memory until the store's next write, or until a key drops out by time.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../../actions/context.ts';
import { ISSUER_PATH, issuerDocuments, type IssuerDocuments } from '../../iam/outbound-issuer.ts';
import { pathOf } from '../../http/raw-header.ts';
import type { Store } from '../../store/store.ts';

const DOCUMENTS = { 'openid-configuration': 'discovery', 'jwks.json': 'jwks' } as const;
const ROUTE = /^\/oidc\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/\.well-known\/(openid-configuration|jwks\.json)$/;
/** How long verifiers and proxies may keep a document: well under the hour a new key is published before it signs. */
const MAX_AGE_SECONDS = 300;

interface Cached {
  generation: number;
  /** Until when (ms) the entry holds, whatever the store does. */
  until: number;
  documents: IssuerDocuments | undefined;
}

export class WellKnownApi {
  private readonly cache = new Map<string, Cached>();
  private static readonly MAX_ENTRIES = 10_000;
  private prefixOf: { url: string; prefix: string } | undefined;

  constructor(
    private readonly services: Services,
    private readonly store: Store,
  ) {}

  /** The public URL's path (iamd behind a proxy at https://example.com/iamd): routes are under it, or at the root when the proxy strips it. */
  private prefix(): string {
    const url = this.services.publicUrl ?? '';
    if (this.prefixOf?.url !== url) this.prefixOf = { url, prefix: url ? new URL(url).pathname.replace(/\/+$/, '') : '' };
    return this.prefixOf.prefix;
  }

  private route(path: string): { issuerId: string; document: 'discovery' | 'jwks' } | undefined {
    const prefix = this.prefix();
    const local = prefix && path.startsWith(`${prefix}${ISSUER_PATH}`) ? path.slice(prefix.length) : path;
    const m = ROUTE.exec(local);
    return m ? { issuerId: m[1]!, document: DOCUMENTS[m[2] as keyof typeof DOCUMENTS] } : undefined;
  }

  handles(path: string): boolean {
    return this.route(path) !== undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const route = this.route(pathOf(req.url));
    if (!route) return this.send(res, req, 404, { error: 'not_found' }, 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return this.send(res, req, 405, { error: 'method_not_allowed' }, 'no-store');
    }
    const documents = await this.documents(route.issuerId);
    if (!documents) return this.send(res, req, 404, { error: 'not_found' }, 'no-store');
    this.send(res, req, 200, route.document === 'discovery' ? documents.discovery : documents.jwks, `public, max-age=${MAX_AGE_SECONDS}`);
  }

  private async documents(issuerId: string): Promise<IssuerDocuments | undefined> {
    const now = this.services.clock();
    const generation = this.store.generation;
    const hit = this.cache.get(issuerId);
    if (hit && hit.generation === generation && now.getTime() < hit.until) return hit.documents;
    const publicUrl = this.services.publicUrl;
    if (!publicUrl) return undefined;
    const documents = await this.store.read(async (repo) => {
      const federation = await repo.getOutboundFederationByIssuer(issuerId);
      if (!federation) return undefined;
      return issuerDocuments(publicUrl, federation, await repo.listOutboundSigningKeys(federation.account_id), now);
    });
    // Kept only when no write committed while it was read; unknown issuers too, until the next write.
    if (generation === this.store.generation) {
      if (this.cache.size >= WellKnownApi.MAX_ENTRIES) this.cache.clear();
      this.cache.set(issuerId, { generation, until: documents?.changesAt ?? Number.POSITIVE_INFINITY, documents });
    }
    return documents;
  }

  private send(res: ServerResponse, req: IncomingMessage, status: number, body: string | object, cacheControl: string): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'cache-control': cacheControl,
      // Public documents: a verifier running in a browser may read them too.
      'access-control-allow-origin': '*',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }
}
