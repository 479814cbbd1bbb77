// iamd's own HTTP endpoints for workloads (not part of AWS's API, so JSON):
//   GET    /iamd/workload-credentials         Authorization: <workload token> → role credentials
//   POST   /iamd/workloads                    SigV4-signed; {"InstanceProfileName","Name",…} → token (once)
//   GET    /iamd/workloads[?InstanceProfileName=]  SigV4-signed → workloads
//   DELETE /iamd/workloads/ID                 SigV4-signed → revoked
// The credentials endpoint answers only to a workload token, and a workload token authenticates
// nothing else: every other endpoint requires Signature V4.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { toParams } from '../../actions/model/flatten-params.ts';
import { awsError } from '../../errors/messages.ts';
import { pathOf } from '../../http/raw-header.ts';
import { decodePathSegment, type JsonApi, parseJsonObject } from '../json-api.ts';
import { WORKLOAD_CREDENTIALS_PATH } from '../../workloads/handlers.ts';
import { issueWorkloadCredentials } from '../../workloads/workloads.ts';

export { WORKLOAD_CREDENTIALS_PATH };
const MAX_BODY = 16 * 1024;

export class WorkloadApi {
  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
    private readonly json: JsonApi,
  ) {}

  handles(path: string): boolean {
    return path === WORKLOAD_CREDENTIALS_PATH || path === '/iamd/workloads' || path.startsWith('/iamd/workloads/');
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    return this.json.answer(req, res, async (requestId) => {
      if (path === WORKLOAD_CREDENTIALS_PATH) {
        if (req.method !== 'GET') throw awsError('methodNotAllowed', { method: 'GET', path }).withStatus(405);
        return issueWorkloadCredentials(this.services, String(req.headers.authorization ?? ''));
      }
      const { raw, caller, facts } = await this.json.signed(req, MAX_BODY);
      // Route → operation of iamd's own model; the one dispatch decodes, authorizes and runs it.
      const query = new URL(req.url ?? '/', 'http://iamd').searchParams;
      let action: string;
      let input: Record<string, unknown>;
      if (path === '/iamd/workloads' && req.method === 'POST') {
        action = 'RegisterWorkload';
        input = parseJsonObject(raw);
      } else if (path === '/iamd/workloads' && req.method === 'GET') {
        action = 'ListWorkloads';
        input = { InstanceProfileName: query.get('InstanceProfileName') ?? undefined };
      } else if (path.length > '/iamd/workloads/'.length && req.method === 'DELETE') {
        action = 'RevokeWorkload';
        input = { WorkloadId: decodePathSegment(path.slice('/iamd/workloads/'.length), 'workload id') };
      } else {
        throw awsError('routeNotFound', { method: req.method ?? '', path, api: 'workload' }).withStatus(404);
      }
      return this.dispatcher.run({ service: 'iamd', action, params: toParams(input), caller, facts, requestId });
    });
  }
}
