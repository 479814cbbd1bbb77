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
import type { Logger } from 'pino';
import type { Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { toParams } from '../../actions/model/flatten-params.ts';
import { normalizeIp, type Authenticator } from '../../auth/authenticate.ts';
import { newRequestId } from '../../domain/ids.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { awsError } from '../../errors/messages.ts';
import { pathOf } from '../../http/raw-header.ts';
import { readBody } from '../read-body.ts';

const PREFIX = '/iamd/services';
/** A catalogue is at most 128 Ki characters (the model's limit), up to 4 bytes each in UTF-8. */
const MAX_BODY = 512 * 1024;

export class CatalogueApi {
  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  handles(path: string): boolean {
    return path === PREFIX || path.startsWith(`${PREFIX}/`);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const path = pathOf(req.url);
    let status = 200;
    let body: unknown;
    try {
      body = (await this.signed(req, path, requestId)) ?? {};
    } catch (error) {
      if (error instanceof AwsError) {
        status = error.status;
        body = { Code: error.code, Message: error.message };
      } else {
        this.logger.error({ requestId, err: error instanceof Error ? error.message : String(error) }, 'service catalog api failure');
        status = 500;
        body = { Code: 'ServiceFailure', Message: 'The request processing has failed because of an unknown error.' };
      }
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    this.logger.info({ requestId, path, method: req.method, status }, 'service catalog request');
  }

  private async signed(req: IncomingMessage, path: string, requestId: string): Promise<unknown> {
    const raw = await readBody(
      req,
      MAX_BODY,
      () => awsError('bodyTooLarge', { limit: String(MAX_BODY) }),
      () => awsError('bodyIncomplete'),
    );
    const now = this.services.clock();
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body: raw };
    const parsed = this.authenticator.parse(request, now);
    if (parsed instanceof AwsError) throw parsed;
    if (parsed.scope.service !== 'iam') throw awsError('credentialWrongService', { service: 'iam' });
    const { caller, facts } = await this.authenticator.verify(request, parsed, now, { sourceIp: normalizeIp(req.socket.remoteAddress) });
    const { action, input } = route(req.method ?? 'GET', path, req.url ?? '/', raw);
    return this.dispatcher.run({ service: 'iamd', action, params: toParams(input), caller, facts, requestId });
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
    const name = decodePathSegment(rest);
    if (method === 'PUT') return { action: 'PutServiceCatalog', input: { ServiceName: name, Catalog: raw.toString('utf8') } };
    if (method === 'GET') return { action: 'GetServiceCatalog', input: { ServiceName: name } };
    if (method === 'DELETE') return { action: 'DeleteServiceCatalog', input: { ServiceName: name } };
  }
  throw awsError('routeNotFound', { method, path, api: 'service catalog' }).withStatus(404);
}

/** A percent-encoded path segment, decoded; a malformed one (`%E0%A4%A`) is the caller's error. */
function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw awsError('pathSegmentInvalid', { what: 'service name' });
  }
}
