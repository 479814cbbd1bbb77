// iamd's HTTP endpoints for service catalogues (JSON, every request signed with Signature V4 for
// the `iam` signing name, like the workload API):
//   PUT    /iamd/services/NAME     body: the catalogue document        → {"ServiceCatalog": {…}}
//   PUT    /iamd/services          the same, for the service the document names
//   GET    /iamd/services/NAME                                         → {"ServiceCatalog": {…, "Catalog": "…"}}
//   GET    /iamd/services[?Marker=&MaxItems=]                          → {"ServiceCatalogs": […], "IsTruncated", "Marker"?}
//   DELETE /iamd/services/NAME                                         → {}
// Errors: the AWS error's HTTP status and {"Code","Message"}. Each route is an operation of iamd's
// model (models/iamd.json), run through the one dispatch: decoded, authorized and answered as the
// Query API and the console would.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { toParams } from '../../actions/model/flatten-params.ts';
import { awsError } from '../../errors/messages.ts';
import { pathOf } from '../../http/raw-header.ts';
import { decodePathSegment, type JsonApi } from '../json-api.ts';

const PREFIX = '/iamd/services';
/** A catalogue is at most 128 Ki characters (the model's limit), up to 4 bytes each in UTF-8. */
const MAX_BODY = 512 * 1024;

export class CatalogueApi {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly json: JsonApi,
  ) {}

  handles(path: string): boolean {
    return path === PREFIX || path.startsWith(`${PREFIX}/`);
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.json.answer(req, res, async (requestId) => {
      const { raw, caller, facts } = await this.json.signed(req, MAX_BODY);
      const { action, input } = route(req.method ?? 'GET', pathOf(req.url), req.url ?? '/', raw);
      return this.dispatcher.run({ service: 'iamd', action, params: toParams(input), caller, facts, requestId });
    });
  }
}

/** The operation and input of a request, or InvalidAction (404) for a route that is none. */
function route(method: string, path: string, url: string, raw: Buffer): { action: string; input: Record<string, unknown> } {
  if (path === PREFIX && method === 'GET') {
    const query = new URL(url, 'http://iamd').searchParams;
    return { action: 'ListServiceCatalogs', input: { Marker: query.get('Marker') ?? undefined, MaxItems: query.get('MaxItems') ?? undefined } };
  }
  // The document names the service itself.
  if (path === PREFIX && method === 'PUT') return { action: 'PutServiceCatalog', input: { Catalog: raw.toString('utf8') } };
  const rest = path.startsWith(`${PREFIX}/`) ? path.slice(PREFIX.length + 1) : '';
  if (rest !== '' && !rest.includes('/')) {
    const name = decodePathSegment(rest, 'service name');
    if (method === 'PUT') return { action: 'PutServiceCatalog', input: { ServiceName: name, Catalog: raw.toString('utf8') } };
    if (method === 'GET') return { action: 'GetServiceCatalog', input: { ServiceName: name } };
    if (method === 'DELETE') return { action: 'DeleteServiceCatalog', input: { ServiceName: name } };
  }
  throw awsError('routeNotFound', { method, path, api: 'service catalog' }).withStatus(404);
}
