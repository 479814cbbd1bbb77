// iamd's authorization API for the services it protects (JSON; every call signed with Signature V4
// for the `iam` signing name by the protected service itself, like the workload API):
//   POST   /iamd/authorize                       {"Request", "Action", "Resource", "Context"?, "ResourcePolicy"?} → the decision
//   POST   /iamd/authorize/batch                 {"Request", "Requests": [1 to 30 × {Action, Resource, Context?, ResourcePolicy?}]}
//   POST   /iamd/authenticate                    {"Request"} → who signed it
//   POST   /iamd/resource-policies               {"ResourceArn", "PolicyDocument"} → stored
//   GET    /iamd/resource-policies?ResourceArn=  → the stored policy
//   GET    /iamd/resource-policies[?Marker=&MaxItems=]  → the account's stored policies
//   DELETE /iamd/resource-policies?ResourceArn=  → {}
// Errors: the AWS error's HTTP status and {"Code","Message"}. Each route is an operation of iamd's
// model (models/iamd.json), decoded, authorized and run by the one dispatch (src/protect). The
// contract is docs/authorization-api.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { JsonInput } from '../../actions/model/decode-json.ts';
import { iamdModel } from '../../actions/model/service-model.ts';
import { awsError } from '../../errors/messages.ts';
import { pathOf } from '../../http/raw-header.ts';
import { type JsonApi, parseJsonObject } from '../json-api.ts';

const RESOURCE_POLICIES = '/iamd/resource-policies';
const ROUTES: Readonly<Record<string, string>> = {
  '/iamd/authorize': 'Authorize',
  '/iamd/authorize/batch': 'BatchAuthorize',
  '/iamd/authenticate': 'Authenticate',
};
/** The embedded request's body travels in base64: up to ~750 KB of it (give PayloadHash for more). */
export const MAX_AUTHORIZE_BODY = 1024 * 1024;

export class AuthorizeApi {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly json: JsonApi,
  ) {}

  handles(path: string): boolean {
    return Object.hasOwn(ROUTES, path) || path === RESOURCE_POLICIES;
  }

  handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.json.answer(req, res, async (requestId) => {
      const raw = await this.json.body(req, MAX_AUTHORIZE_BODY);
      // The route first: a wrong method or body is refused before any signature work.
      const { action, input } = route(req.method ?? 'GET', pathOf(req.url), req.url ?? '/', raw);
      const { caller, facts } = await this.json.verify(req, raw, 'authorize');
      const shape = iamdModel.operations[action]?.input?.shape;
      const params = shape === undefined ? new Map<string, string>() : new JsonInput(input);
      return this.dispatcher.run({ service: 'iamd', action, params, caller, facts, requestId });
    });
  }
}

/** The operation and its input (JSON as the caller sent it, normalised), or the caller's error. */
function route(method: string, path: string, url: string, raw: Buffer): { action: string; input: Record<string, unknown> } {
  const action = ROUTES[path];
  if (action !== undefined) {
    if (method !== 'POST') throw awsError('methodNotAllowed', { method: 'POST', path }).withStatus(405);
    return { action, input: normalise(parseJsonObject(raw)) };
  }
  const query = new URL(url, 'http://iamd').searchParams;
  const resourceArn = query.get('ResourceArn') ?? undefined;
  if (method === 'POST') return { action: 'PutResourcePolicy', input: parseJsonObject(raw) };
  if (method === 'GET' && resourceArn !== undefined) return { action: 'GetResourcePolicy', input: { ResourceArn: resourceArn } };
  if (method === 'GET')
    return { action: 'ListResourcePolicies', input: { Marker: query.get('Marker') ?? undefined, MaxItems: query.get('MaxItems') ?? undefined } };
  if (method === 'DELETE') return { action: 'DeleteResourcePolicy', input: { ResourceArn: resourceArn } };
  throw awsError('routeNotFound', { method, path, api: 'resource-policy' }).withStatus(405);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What the contract lets a caller write more simply than the model says: a Context value may be
 * one string (or number, or boolean) instead of a list, and a header given as a list of values is
 * joined with ',' as SigV4 joins a repeated header.
 */
function normalise(input: Record<string, unknown>): Record<string, unknown> {
  const request = input.Request;
  // Copied only when something changes (most callers send the model's form already).
  if (isObject(request) && isObject(request.Headers) && Object.values(request.Headers).some(Array.isArray)) {
    // Object.fromEntries defines each key as an own property (a `__proto__` key stays a key).
    const headers = Object.fromEntries(Object.entries(request.Headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
    input.Request = { ...request, Headers: headers };
  }
  const isOne = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  const withContext = (entry: unknown): unknown => {
    if (!isObject(entry) || !isObject(entry.Context) || !Object.values(entry.Context).some(isOne)) return entry;
    const one = (value: unknown) => (isOne(value) ? [String(value)] : value);
    return { ...entry, Context: Object.fromEntries(Object.entries(entry.Context).map(([key, value]) => [key, one(value)])) };
  };
  const out = withContext(input) as Record<string, unknown>;
  if (Array.isArray(out.Requests)) out.Requests = out.Requests.map(withContext);
  return out;
}
