// iamd's HTTP endpoint for the keys an administrator gives an IAM OIDC provider (JSON, every request
// signed with Signature V4 for the `iam` signing name, like the other JSON APIs):
//   PUT    /iamd/oidc-providers/keys   {"OpenIDConnectProviderArn", "Jwks": "<JSON text of a JWK Set>"}
//                                      → {"OpenIDConnectProviderArn", "KeyCount", "KeyIds"}
//   DELETE /iamd/oidc-providers/keys?OpenIDConnectProviderArn=ARN → {}
// Errors: the AWS error's HTTP status and {"Code","Message"}. Both are operations of iamd's model
// (models/iamd.json), run through the one dispatch.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../actions/dispatch.ts';
import { toParamsFor } from '../actions/model/flatten-params.ts';
import { iamdModel } from '../actions/model/service-model.ts';
import { awsError } from '../errors/messages.ts';
import { type JsonApi, parseJsonObject } from './json-api.ts';

const PATH = '/iamd/oidc-providers/keys';
/** A JWK Set is at most 64 Ki characters (the model's limit); JSON escaping inside the body can add to that. */
const MAX_BODY = 512 * 1024;

export class OidcProviderKeysApi {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly json: JsonApi,
  ) {}

  handles(path: string): boolean {
    return path === PATH;
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.json.answer(req, res, async (requestId) => {
      const raw = await this.json.body(req, MAX_BODY);
      // The route first: a wrong method or body is refused before any signature work.
      const { action, input } = route(req.method ?? 'GET', req.url ?? '/', raw);
      const { caller, facts } = await this.json.verify(req, raw);
      const shape = iamdModel.operations[action]?.input?.shape;
      const params = shape === undefined ? new Map<string, string>() : toParamsFor(iamdModel, shape, input);
      return this.dispatcher.run({ service: 'iamd', action, params, caller, facts, requestId });
    });
  }
}

function route(method: string, url: string, raw: Buffer): { action: string; input: Record<string, unknown> } {
  if (method === 'PUT') return { action: 'PutOpenIDConnectProviderKeys', input: parseJsonObject(raw) };
  if (method === 'DELETE') {
    const arn = new URL(url, 'http://iamd').searchParams.get('OpenIDConnectProviderArn') ?? undefined;
    return { action: 'DeleteOpenIDConnectProviderKeys', input: { OpenIDConnectProviderArn: arn } };
  }
  throw awsError('routeNotFound', { method, path: PATH, api: 'OIDC provider keys' }).withStatus(405);
}
