// CloudTrail's JSON 1.1 protocol, for LookupEvents over iamd's audit trail:
//   POST /   X-Amz-Target: [com.amazonaws.cloudtrail.v20131101.]CloudTrail_20131101.LookupEvents
//            Content-Type: application/x-amz-json-1.1, signed with SigV4 for the `cloudtrail` name
// → the operation's output as JSON (timestamps as epoch seconds), or AWS's JSON error
// `{"__type": "...", "message": "..."}`. The request runs through the one dispatch like any
// operation (decoded against models/cloudtrail.json, authorized, audited).
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Services } from '../actions/context.ts';
import type { Dispatcher } from '../actions/dispatch.ts';
import { toParamsFor } from '../actions/model/flatten-params.ts';
import { normalizeIp, type Authenticator } from '../auth/authenticate.ts';
import { newRequestId } from '../domain/ids.ts';
import { AwsError } from '../errors/aws-error.ts';
import { awsError, messageText } from '../errors/messages.ts';
import { parseJsonObject } from './json-api.ts';
import { readBody } from './read-body.ts';
import { sendThisTurn } from './send-this-turn.ts';
import type { Throttle } from './throttle.ts';
import { cameOverTls } from './tls.ts';

/** botocore (the aws CLI) sends the model's targetPrefix; the SDK for JavaScript v3 its service target alone. */
const TARGET_PREFIXES = ['com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.', 'CloudTrail_20131101.'];

/** The operation an X-Amz-Target names, or undefined when it is not CloudTrail's. */
function targetAction(target: unknown): string | undefined {
  if (typeof target !== 'string') return undefined;
  for (const prefix of TARGET_PREFIXES) if (target.startsWith(prefix)) return target.slice(prefix.length);
  return undefined;
}
const MAX_BODY = 64 * 1024;

/** JSON protocols name some of the Query API's codes differently. */
const JSON_CODES: Readonly<Record<string, string>> = { AccessDenied: 'AccessDeniedException', ValidationError: 'ValidationException' };

export class CloudTrailApi {
  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
    private readonly throttle: Throttle,
  ) {}

  /** A request for CloudTrail: its X-Amz-Target names CloudTrail's API. */
  handles(req: IncomingMessage): boolean {
    return targetAction(req.headers['x-amz-target']) !== undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    let status = 200;
    let body: unknown;
    try {
      body = await this.run(req, requestId);
    } catch (error) {
      if (error instanceof AwsError) {
        status = error.status;
        body = { __type: JSON_CODES[error.code] ?? error.code, message: error.message };
      } else {
        this.logger.error({ requestId, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'internal error');
        status = 500;
        body = { __type: 'InternalFailure', message: messageText('serviceFailure') };
      }
    }
    const text = JSON.stringify(body, (_key, value: unknown) => value);
    sendThisTurn(() => {
      res.writeHead(status, ['content-type', 'application/x-amz-json-1.1', 'x-amzn-requestid', requestId, 'content-length', String(Buffer.byteLength(text))]);
      res.end(text);
    });
    if (status >= 400) this.logger.info({ requestId, api: 'cloudtrail', status }, 'request refused');
  }

  private async run(req: IncomingMessage, requestId: string): Promise<unknown> {
    if (req.method !== 'POST') throw awsError('routeNotFound', { method: req.method ?? 'GET', path: req.url ?? '/', api: 'CloudTrail' }).withStatus(404);
    const raw = await readBody(
      req,
      MAX_BODY,
      () => awsError('bodyTooLarge', { limit: String(MAX_BODY) }),
      () => awsError('bodyIncomplete'),
    );
    const now = this.services.clock();
    const request = { method: req.method, url: req.url ?? '/', rawHeaders: req.rawHeaders, body: raw };
    const parsed = this.authenticator.parse(request, now);
    if (parsed instanceof AwsError) throw parsed;
    if (parsed.scope.service !== 'cloudtrail') throw awsError('credentialWrongService', { service: 'cloudtrail' });
    const { caller, facts } = await this.authenticator.verify(request, parsed, now, {
      sourceIp: normalizeIp(req.socket.remoteAddress),
      secureTransport: cameOverTls(req),
    });
    this.throttle.check('api', parsed.accessKeyId, caller.accountId);
    const action = targetAction(req.headers['x-amz-target']) ?? '';
    const model = this.dispatcher.model('cloudtrail')!;
    const operation = Object.hasOwn(model.operations, action) ? model.operations[action] : undefined;
    if (!operation || !this.dispatcher.has('cloudtrail', action)) throw awsError('cloudtrailUnknownOperation', { target: action });
    const input = parseJsonObject(raw);
    const params = toParamsFor(model, operation.input!.shape, input);
    const output = await this.dispatcher.run({ service: 'cloudtrail', action, params, caller, facts, requestId });
    return toJson(output ?? {});
  }
}

/** The output as JSON 1.1 writes it: timestamps as epoch seconds. */
function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value;
}
