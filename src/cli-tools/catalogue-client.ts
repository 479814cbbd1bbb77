// The client side of iamd's service catalogue API, for `iamd service …`, over the operator's
// signed IamdClient.
// The catalogue travels as its own text, so `iamd service get` gives back the file as it was put.
import type { IamdClient } from './workload-client.ts';

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
  constructor(private readonly client: IamdClient) {}

  private request<T>(method: 'GET' | 'PUT' | 'DELETE', path: string, body?: string, query: Record<string, string> = {}): Promise<T> {
    return this.client.request<T>(method, path, body, query);
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
