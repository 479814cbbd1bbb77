// iamd's HTTP endpoint for console sign-in through an IAM OIDC provider (JSON, every request signed
// with Signature V4 for the `iam` signing name, like the other JSON APIs):
//   PUT /iamd/oidc-providers/console-sign-in   {"OpenIDConnectProviderArn", "Enabled", "ClientId"?, "ClientSecret"?, "DisplayName"?}
//   GET /iamd/oidc-providers/console-sign-in?OpenIDConnectProviderArn=ARN
//       → {"OpenIDConnectProviderArn", "Enabled", "ClientId"?, "DisplayName"?, "ClientSecretSet"?} (never the secret)
// Errors: the AWS error's HTTP status and {"Code","Message"}. Both are operations of iamd's model
// (models/iamd.json), run through the one dispatch (src/iam/oidc-console-sign-in.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../actions/dispatch.ts';
import { toParamsFor } from '../actions/model/flatten-params.ts';
import { iamdModel } from '../actions/model/service-model.ts';
import { awsError } from '../errors/messages.ts';
import { type JsonApi, parseJsonObject } from './json-api.ts';

const PATH = '/iamd/oidc-providers/console-sign-in';
const MAX_BODY = 16 * 1024;

export class OidcConsoleSignInApi {
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
  if (method === 'PUT') return { action: 'UpdateOpenIDConnectProviderConsoleSignIn', input: parseJsonObject(raw) };
  if (method === 'GET') {
    const arn = new URL(url, 'http://iamd').searchParams.get('OpenIDConnectProviderArn') ?? undefined;
    return { action: 'GetOpenIDConnectProviderConsoleSignIn', input: { OpenIDConnectProviderArn: arn } };
  }
  throw awsError('routeNotFound', { method, path: PATH, api: 'OIDC console sign-in' }).withStatus(405);
}
