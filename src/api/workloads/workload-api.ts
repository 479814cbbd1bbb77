// iamd's own HTTP endpoints for workloads (not part of AWS's API, so JSON):
//   GET    /iamd/workload-credentials         Authorization: <workload token> → role credentials
//   POST   /iamd/workloads                    SigV4-signed; {"InstanceProfileName","Name",…} → token (once)
//   GET    /iamd/workloads[?InstanceProfileName=]  SigV4-signed → workloads
//   DELETE /iamd/workloads/ID                 SigV4-signed → revoked
// The credentials endpoint answers only to a workload token, and a workload token authenticates
// nothing else: every other endpoint requires Signature V4.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { toParams } from '../../actions/model/flatten-params.ts';
import { normalizeIp, type Authenticator } from '../../auth/authenticate.ts';
import { newRequestId } from '../../domain/ids.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { awsError } from '../../errors/messages.ts';
import { readBody } from '../read-body.ts';
import { pathOf } from '../../http/raw-header.ts';
import { WORKLOAD_CREDENTIALS_PATH } from '../../workloads/handlers.ts';
import { issueWorkloadCredentials } from '../../workloads/workloads.ts';

export { WORKLOAD_CREDENTIALS_PATH };
const MAX_BODY = 16 * 1024;

export class WorkloadApi {
  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
  ) {}

  handles(path: string): boolean {
    return path === WORKLOAD_CREDENTIALS_PATH || path === '/iamd/workloads' || path.startsWith('/iamd/workloads/');
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const path = pathOf(req.url);
    let status = 200;
    let body: unknown;
    try {
      if (path === WORKLOAD_CREDENTIALS_PATH) {
        if (req.method !== 'GET') throw awsError('methodNotAllowed', { method: 'GET', path }).withStatus(405);
        const token = String(req.headers.authorization ?? '');
        body = await issueWorkloadCredentials(this.services, token);
      } else {
        body = await this.signed(req, path, requestId);
      }
    } catch (error) {
      if (error instanceof AwsError) {
        status = error.status;
        body = { Code: error.code, Message: error.message };
      } else {
        this.logger.error({ requestId, err: error instanceof Error ? error.message : String(error) }, 'workload api failure');
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
    this.logger.info({ requestId, path, method: req.method, status }, 'workload request');
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
    // Route → operation of iamd's own model; the one dispatch decodes, authorizes and runs it.
    const query = new URL(req.url ?? '/', 'http://iamd').searchParams;
    let action: string;
    let input: Record<string, unknown>;
    if (path === '/iamd/workloads' && req.method === 'POST') {
      action = 'RegisterWorkload';
      input = parseJson(raw);
    } else if (path === '/iamd/workloads' && req.method === 'GET') {
      action = 'ListWorkloads';
      input = { InstanceProfileName: query.get('InstanceProfileName') ?? undefined };
    } else if (path.length > '/iamd/workloads/'.length && req.method === 'DELETE') {
      action = 'RevokeWorkload';
      input = { WorkloadId: decodePathSegment(path.slice('/iamd/workloads/'.length)) };
    } else {
      throw awsError('routeNotFound', { method: req.method ?? '', path, api: 'workload' }).withStatus(404);
    }
    return this.dispatcher.run({ service: 'iamd', action, params: toParams(input), caller, facts, requestId });
  }
}

/** A percent-encoded path segment, decoded; a malformed one (`%E0%A4%A`) is the caller's error. */
function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw awsError('pathSegmentInvalid', { what: 'workload id' });
  }
}

function parseJson(raw: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8') || '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw awsError('jsonBodyInvalid');
  }
}
