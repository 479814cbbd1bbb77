// iamd's HTTP endpoints for its extensions to IAM OIDC providers (JSON, every request signed with
// Signature V4 for the `iam` signing name, like the other JSON APIs), each an operation of iamd's
// own model (models/iamd.json) run through the one dispatch:
//   PUT    /iamd/oidc-providers/keys   {"OpenIDConnectProviderArn", "Jwks": "<JSON text of a JWK Set>"}
//                                      → {"OpenIDConnectProviderArn", "KeyCount", "KeyIds"}
//   DELETE /iamd/oidc-providers/keys?OpenIDConnectProviderArn=ARN → {}
//   PUT    /iamd/oidc-providers/console-sign-in   {"OpenIDConnectProviderArn", "Enabled", "ClientId"?, "ClientSecret"?, "DisplayName"?}
//   GET    /iamd/oidc-providers/console-sign-in?OpenIDConnectProviderArn=ARN
//       → {"OpenIDConnectProviderArn", "Enabled", "ClientId"?, "DisplayName"?, "ClientSecretSet"?} (never the secret)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../actions/dispatch.ts';
import { JsonInput } from '../actions/model/decode-json.ts';
import { iamdModel } from '../actions/model/service-model.ts';
import { awsError } from '../errors/messages.ts';
import { type JsonApi, parseJsonObject } from './json-api.ts';

interface Route {
  /** What a 405 names. */
  api: string;
  maxBody: number;
  /** PUT: the operation whose input is the JSON body. */
  put: string;
  /** The other method: the operation whose only input is the provider's ARN, from the query. */
  byArn: { method: 'GET' | 'DELETE'; action: string };
}

const ROUTES: ReadonlyMap<string, Route> = new Map([
  // A JWK Set is at most 64 Ki characters (the model's limit); JSON escaping inside the body can add to that.
  [
    '/iamd/oidc-providers/keys',
    {
      api: 'OIDC provider keys',
      maxBody: 512 * 1024,
      put: 'PutOpenIDConnectProviderKeys',
      byArn: { method: 'DELETE', action: 'DeleteOpenIDConnectProviderKeys' },
    },
  ],
  [
    '/iamd/oidc-providers/console-sign-in',
    {
      api: 'OIDC console sign-in',
      maxBody: 16 * 1024,
      put: 'UpdateOpenIDConnectProviderConsoleSignIn',
      byArn: { method: 'GET', action: 'GetOpenIDConnectProviderConsoleSignIn' },
    },
  ],
]);

export class OidcProviderApi {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly json: JsonApi,
  ) {}

  handles(path: string): boolean {
    return ROUTES.has(path);
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = ROUTES.get(path)!; // handles(path) was true
    return this.json.answer(req, res, async (requestId) => {
      const raw = await this.json.body(req, route.maxBody);
      // The route first: a wrong method or body is refused before any signature work.
      const { action, input } = operationOf(route, path, req.method ?? 'GET', req.url ?? '/', raw);
      const { caller, facts } = await this.json.verify(req, raw);
      const shape = iamdModel.operations[action]?.input?.shape;
      const params = shape === undefined ? new Map<string, string>() : new JsonInput(input);
      return this.dispatcher.run({ service: 'iamd', action, params, caller, facts, requestId });
    });
  }
}

function operationOf(route: Route, path: string, method: string, url: string, raw: Buffer): { action: string; input: Record<string, unknown> } {
  if (method === 'PUT') return { action: route.put, input: parseJsonObject(raw) };
  if (method === route.byArn.method) {
    const arn = new URL(url, 'http://iamd').searchParams.get('OpenIDConnectProviderArn') ?? undefined;
    return { action: route.byArn.action, input: { OpenIDConnectProviderArn: arn } };
  }
  throw awsError('routeNotFound', { method, path, api: route.api }).withStatus(405);
}
