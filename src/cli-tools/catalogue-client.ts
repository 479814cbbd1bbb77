// The client side of iamd's service catalogue API, for `iamd service …`: requests signed with
// Signature V4 (signing name `iam`) using the operator's own credentials from the environment.
// The catalogue travels as its own text, so `iamd service get` gives back the file as it was put.
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { OperatorCredentials } from './workload-client.ts';

export interface ServiceCatalogView {
  ServiceName: string;
  Arn: string;
  Description?: string;
  ActionCount: number;
  ResourceCount: number;
  ConditionKeyCount: number;
  RouteCount: number;
  CreateDate: string;
  UpdateDate: string;
  Catalog?: string;
}

export class CatalogueClient {
  private readonly signer: SignatureV4;

  constructor(
    private readonly endpoint: string,
    credentials: OperatorCredentials,
    region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
  ) {
    this.signer = new SignatureV4({ credentials, region, service: 'iam', sha256: Sha256 });
  }

  private async request<T>(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: string, query: Record<string, string> = {}): Promise<T> {
    const url = new URL(path, this.endpoint);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers: Record<string, string> = { host: url.host };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const signed = await this.signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    const res = await fetch(url, { method, headers: signed.headers as Record<string, string>, body });
    const payload = (await res.json()) as T & { Code?: string; Message?: string };
    if (!res.ok) throw new Error(`${payload.Code ?? res.status}: ${payload.Message ?? res.statusText}`);
    return payload;
  }

  /** Registers (or replaces) the catalogue whose document is `text`; its Name says which service. */
  async put(text: string): Promise<ServiceCatalogView> {
    let name: unknown;
    try {
      name = (JSON.parse(text) as { Name?: unknown }).Name;
    } catch {
      name = undefined;
    }
    // A document with no readable Name still goes to iamd (PUT /iamd/services), which says what is wrong with it.
    const path = typeof name === 'string' && name !== '' ? `/iamd/services/${encodeURIComponent(name)}` : '/iamd/services';
    return (await this.request<{ ServiceCatalog: ServiceCatalogView }>('PUT', path, text)).ServiceCatalog;
  }

  async get(name: string): Promise<ServiceCatalogView> {
    return (await this.request<{ ServiceCatalog: ServiceCatalogView }>('GET', `/iamd/services/${encodeURIComponent(name)}`)).ServiceCatalog;
  }

  /** Every registered catalogue (all pages). */
  async list(): Promise<ServiceCatalogView[]> {
    const out: ServiceCatalogView[] = [];
    let marker: string | undefined;
    do {
      const page = await this.request<{ ServiceCatalogs: ServiceCatalogView[]; IsTruncated: boolean; Marker?: string }>(
        'GET',
        '/iamd/services',
        undefined,
        marker ? { Marker: marker } : {},
      );
      out.push(...page.ServiceCatalogs);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return out;
  }

  async delete(name: string): Promise<void> {
    await this.request('DELETE', `/iamd/services/${encodeURIComponent(name)}`);
  }
}
