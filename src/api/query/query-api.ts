// The AWS Query transport (IAM 2010-05-08, STS 2011-06-15): authenticate with SigV4, pick the
// service from the credential scope, decode Action's parameters with the model, run the shared
// handler, and answer in AWS's XML. It holds no IAM logic of its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../../errors/aws-error.ts';
import { newRequestId } from '../../domain/ids.ts';
import { createActionContext, type Caller, type RequestFacts, type Services } from '../../actions/context.ts';
import { Authenticator } from '../../auth/authenticate.ts';
import type { ActionRegistry } from '../../actions/registry.ts';
import type { CredentialResolver } from '../../auth/credentials.ts';
import { rawHeader } from '../../http/raw-header.ts';
import { readBody } from '../read-body.ts';
import { sendThisTurn } from '../send-this-turn.ts';
import { decodeInput, type Params } from './decode.ts';
import { checkInputArns } from './input-arns.ts';
import { encodeError, encodeResponse } from './encode.ts';
import { iamModel, stsModel, type ServiceModel } from './model.ts';

/** Bodies larger than this are refused before they are read (the largest IAM input is ~400 KB). */
export const MAX_BODY_BYTES = 1024 * 1024;

const MODELS: Record<string, ServiceModel> = { iam: iamModel, sts: stsModel };

/** The client closed the connection before sending the whole body its Content-Length declared. */
const incompleteBody = () => new AwsError('InvalidHttpRequest', 'The request body is shorter than its Content-Length.');

interface Reply {
  status: number;
  body: string;
}

export class QueryApi {
  private readonly authenticator: Authenticator;
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly services: Services,
    private readonly registry: ActionRegistry,
    credentials: CredentialResolver,
    private readonly logger: Logger,
  ) {
    this.authenticator = new Authenticator(credentials, services.partition);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const started = process.hrtime.bigint();
    let action = '';
    let namespace = iamModel.metadata.xmlNamespace;
    let reply: Reply;
    try {
      const body = await readBody(req, MAX_BODY_BYTES, () => new AwsError('RequestEntityTooLarge', `Request body must be at most ${MAX_BODY_BYTES} bytes.`), incompleteBody);
      const now = this.services.clock();
      const parsed = this.authenticator.parse(req, body, now);
      const params = collectParams(req.url ?? '/', rawHeader(req, 'content-type'), body, !(parsed instanceof AwsError) && parsed.payloadSigned);
      action = params.get('Action') ?? '';
      if (parsed instanceof AwsError) throw parsed;
      const model = MODELS[parsed.scope.service];
      if (!model) throw new AwsError('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'iam'. `);
      namespace = model.metadata.xmlNamespace;
      const { caller, facts } = await this.authenticator.verify(req, parsed, now);
      if (!parsed.accessKeyId.startsWith('ASIA')) this.noteKeyUse(parsed.accessKeyId, now, parsed.scope.service, parsed.scope.region);
      const output = await this.run(parsed.scope.service, model, params, caller, facts, requestId);
      reply = { status: 200, body: encodeResponse(model, action, output, requestId) };
    } catch (error) {
      reply = this.errorReply(error, requestId, namespace, action);
    }
    const { status, body } = reply;
    sendThisTurn(() => {
      res.writeHead(status, ['content-type', 'text/xml', 'x-amzn-requestid', requestId, 'content-length', String(Buffer.byteLength(body))]);
      res.end(body);
    });
    // One line per request at debug level (IAMD_LOG_LEVEL=debug); errors and denials at info.
    if (reply.status >= 400) this.logger.info({ requestId, action, status: reply.status }, 'request refused');
    else if (this.logger.isLevelEnabled('debug')) this.logger.debug({ requestId, action, status: reply.status, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
  }

  private async run(service: string, model: ServiceModel, params: Params, caller: Caller, facts: RequestFacts, requestId: string) {
    const actionName = params.get('Action');
    if (!actionName) throw new AwsError('MissingAction', 'Missing Action');
    const operation = Object.hasOwn(model.operations, actionName) ? model.operations[actionName] : undefined;
    const version = params.get('Version');
    if (!operation || (version !== undefined && version !== model.metadata.apiVersion)) {
      throw new AwsError('InvalidAction', `Could not find operation ${actionName} for version ${version ?? model.metadata.apiVersion}`);
    }
    const definition = this.registry.get(service, actionName);
    if (!definition) throw new AwsError('NotImplemented', `iamd does not implement ${service}:${actionName} yet.`);
    const input = decodeInput(model, operation.input?.shape, params);
    checkInputArns(model, operation.input?.shape, input, caller.partition);
    const ctx = createActionContext(caller, facts, this.services, requestId);
    const output = await definition.handler(ctx, input);
    // INVARIANT: every action but the public ones was authorized before it ran.
    if (!ctx.authorized && !definition.public) throw new Error(`${service}:${actionName} returned without authorizing`);
    return output;
  }

  private errorReply(error: unknown, requestId: string, namespace: string, action: string): Reply {
    if (error instanceof AwsError) return { status: error.status, body: encodeError(error, requestId, namespace) };
    this.logger.error({ requestId, action, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'internal error');
    const failure = new AwsError('ServiceFailure', 'The request processing has failed because of an unknown error, exception or failure.');
    return { status: failure.status, body: encodeError(failure, requestId, namespace) };
  }

  /** Records the key's last use at most once a minute per key (AWS updates it within hours). */
  private noteKeyUse(accessKeyId: string, now: Date, service: string, region: string): void {
    const last = this.lastUsedWritten.get(accessKeyId) ?? 0;
    if (now.getTime() - last < 60_000) return;
    if (this.lastUsedWritten.size > 100_000) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(accessKeyId, now.getTime());
    this.services.store.touch((repo) => repo.markAccessKeyUsed(accessKeyId, now, service, region)).catch((err: unknown) => {
      this.logger.warn({ err: String(err) }, 'could not record access key use');
    });
  }
}

/**
 * Query parameters from the URL and, for a form-encoded body the signature covers, the body.
 * The signing parameters of a presigned URL are not action parameters.
 */
function collectParams(url: string, contentType: string | undefined, body: Buffer, bodySigned: boolean): Params {
  const params: Params = new Map();
  const q = url.indexOf('?');
  if (q >= 0) for (const [k, v] of new URLSearchParams(url.slice(q + 1))) if (!k.startsWith('X-Amz-')) params.set(k, v);
  if (body.length > 0 && bodySigned && (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  }
  return params;
}
