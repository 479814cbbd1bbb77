// The AWS Query transport (IAM 2010-05-08, STS 2011-06-15): authenticate with SigV4, pick the
// service from the credential scope, decode Action's parameters with the model, run the shared
// handler, and answer in AWS's XML. It holds no IAM logic of its own.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../../errors/aws-error.ts';
import { awsError } from '../../errors/messages.ts';
import { newRequestId } from '../../domain/ids.ts';
import type { Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import type { Params } from '../../actions/model/decode-input.ts';
import { iamModel, stsModel } from '../../actions/model/service-model.ts';
import type { Caller } from '../../domain/caller.ts';
import { DEFAULT_REGION, type Partition } from '../../sigv4/index.ts';
import { normalizeIp, type Authenticator } from '../../auth/authenticate.ts';
import { rawHeader } from '../../http/raw-header.ts';
import { readBody } from '../read-body.ts';
import { cameOverTls } from '../tls.ts';
import { sendThisTurn } from '../send-this-turn.ts';
import { encodeError, encodeResponse } from './encode.ts';
import { Throttle } from '../throttle.ts';

/**
 * Bodies larger than this are refused before they are read. The largest IAM inputs are a SAML
 * metadata document (up to 10,000,000 characters) and a server certificate chain (2,097,152);
 * form-encoded, markup grows (`<` is `%3C`). The body is held before the signature is checked, so
 * the limit is a bound on what an unsigned client can make iamd hold, not only AWS's maximum.
 */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const QUERY_SERVICES = new Set(['iam', 'sts']);

/** The client closed the connection before sending the whole body its Content-Length declared. */
const incompleteBody = () => awsError('bodyIncomplete');

interface Reply {
  status: number;
  body: string;
}

export class QueryApi {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
    private readonly authenticator: Authenticator,
    private readonly logger: Logger,
    private readonly throttle: Throttle = new Throttle(),
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const started = process.hrtime.bigint();
    let action = '';
    let namespace = iamModel.metadata.xmlNamespace;
    let reply: Reply;
    try {
      const body = await readBody(req, MAX_BODY_BYTES, () => awsError('bodyTooLarge', { limit: String(MAX_BODY_BYTES) }), incompleteBody);
      const now = this.services.clock();
      const raw = { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body };
      const parsed = this.authenticator.parse(raw, now);
      const unsigned = parsed instanceof AwsError && parsed.code === 'MissingAuthenticationToken';
      // An unsigned body is read only for the operations that may be called unsigned (below).
      const params = collectParams(req.url ?? '/', rawHeader(req, 'content-type'), body, unsigned || (!(parsed instanceof AwsError) && parsed.payloadSigned));
      action = params.get('Action') ?? '';
      if (unsigned && this.dispatcher.acceptsUnsigned('sts', action)) {
        namespace = stsModel.metadata.xmlNamespace;
        // No key to charge: the caller's address, before the token or assertion is verified.
        this.throttle.checkUnsigned(normalizeIp(req.socket.remoteAddress));
        const output = await this.dispatcher.run({
          service: 'sts',
          action,
          version: params.get('Version'),
          params,
          caller: anonymousCaller(this.services.partition),
          facts: {
            sourceIp: normalizeIp(req.socket.remoteAddress),
            userAgent: rawHeader(req, 'user-agent') ?? '',
            secureTransport: cameOverTls(req),
            region: DEFAULT_REGION[this.services.partition],
            now,
          },
          requestId,
        });
        reply = { status: 200, body: encodeResponse(stsModel, action, output, requestId) };
        return this.send(res, reply, requestId, action, started);
      }
      if (parsed instanceof AwsError) throw parsed;
      // The Query protocol speaks AWS's services only (iamd's own operations are JSON).
      const model = QUERY_SERVICES.has(parsed.scope.service) ? this.dispatcher.model(parsed.scope.service) : undefined;
      if (!model) throw awsError('credentialWrongService', { service: 'iam' });
      namespace = model.metadata.xmlNamespace;
      const { caller, facts } = await this.authenticator.verify(raw, parsed, now, {
        sourceIp: normalizeIp(req.socket.remoteAddress),
        secureTransport: cameOverTls(req),
      });
      // After the signature: only a key's holder can spend its budget.
      this.throttle.check('api', parsed.accessKeyId, caller.accountId);
      if (!parsed.accessKeyId.startsWith('ASIA')) this.noteKeyUse(parsed.accessKeyId, now, parsed.scope.service, parsed.scope.region);
      const actionName = params.get('Action');
      if (!actionName) throw awsError('missingAction');
      const output = await this.dispatcher.run({
        service: parsed.scope.service,
        action: actionName,
        version: params.get('Version'),
        params,
        caller,
        facts,
        requestId,
      });
      reply = { status: 200, body: encodeResponse(model, action, output, requestId) };
    } catch (error) {
      reply = this.errorReply(error, requestId, namespace, action);
    }
    this.send(res, reply, requestId, action, started);
  }

  private send(res: ServerResponse, reply: Reply, requestId: string, action: string, started: bigint): void {
    const { status, body } = reply;
    sendThisTurn(() => {
      res.writeHead(status, ['content-type', 'text/xml', 'x-amzn-requestid', requestId, 'content-length', String(Buffer.byteLength(body))]);
      res.end(body);
    });
    // One line per request at debug level (IAMD_LOG_LEVEL=debug); errors and denials at info.
    if (reply.status >= 400) this.logger.info({ requestId, action, status: reply.status }, 'request refused');
    else if (this.logger.isLevelEnabled('debug'))
      this.logger.debug({ requestId, action, status: reply.status, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
  }

  private errorReply(error: unknown, requestId: string, namespace: string, action: string): Reply {
    if (error instanceof AwsError) return { status: error.status, body: encodeError(error, requestId, namespace) };
    this.logger.error({ requestId, action, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'internal error');
    const failure = awsError('serviceFailure');
    return { status: failure.status, body: encodeError(failure, requestId, namespace) };
  }

  /** Records the key's last use at most once a minute per key (AWS updates it within hours). */
  private noteKeyUse(accessKeyId: string, now: Date, service: string, region: string): void {
    const last = this.lastUsedWritten.get(accessKeyId) ?? 0;
    if (now.getTime() - last < 60_000) return;
    if (this.lastUsedWritten.size > 100_000) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(accessKeyId, now.getTime());
    this.services.store
      .touch((repo) => repo.markAccessKeyUsed(accessKeyId, now, service, region))
      .catch((err: unknown) => {
        this.logger.warn({ err: String(err) }, 'could not record access key use');
      });
  }
}

/** The caller of an unsigned request: no account, no permissions; only unsigned operations accept it. */
function anonymousCaller(partition: Partition): Caller {
  return { type: 'Anonymous', accountId: '', partition, arn: '*', userId: 'anonymous' };
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
