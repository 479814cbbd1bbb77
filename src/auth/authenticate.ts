// Signature V4 authentication for every signed iamd endpoint (the Query API, the workload API):
// parse the signature, resolve the access key (long-term or temporary), verify, and describe the
// caller and the request facts that policies see.
import type { IncomingMessage } from 'node:http';
import { isSigV4Error, parseSignedRequest, partitionForRegion, SigningKeyCache, verifySignature, type ParsedSignature } from '../sigv4/index.ts';
import { AwsError } from '../errors/aws-error.ts';
import type { Caller, RequestFacts } from '../actions/context.ts';
import type { CredentialResolver } from './credentials.ts';

export interface Authenticated {
  caller: Caller;
  facts: RequestFacts;
  signature: ParsedSignature;
}

export class Authenticator {
  private readonly keyCache = new SigningKeyCache(1000);

  constructor(private readonly credentials: CredentialResolver) {}

  /** The signature of a request, parsed, or the AWS error that refuses it. */
  parse(req: IncomingMessage, body: Buffer, now: Date): ParsedSignature | AwsError {
    const parsed = parseSignedRequest({ method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, body }, now);
    return isSigV4Error(parsed) ? new AwsError(parsed.code as never, parsed.message).withStatus(parsed.status) : parsed;
  }

  /** Resolves and verifies a parsed signature; throws AWS's error when the request is not authentic. */
  async verify(req: IncomingMessage, parsed: ParsedSignature, now: Date): Promise<Authenticated> {
    // Temporary credentials: the signed X-Amz-Security-Token must be the one issued with the key.
    const credential = await this.credentials.resolve(parsed.accessKeyId, parsed.securityToken, now, parsed.scope.service);
    if (!credential || !credential.active) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    const verified = verifySignature(parsed, credential.secret, this.keyCache);
    if (verified !== true) throw new AwsError(verified.code as never, verified.message).withStatus(verified.status);
    const partition = partitionForRegion(parsed.scope.region);
    const { arnFor, roleArnFor, ...principal } = credential.caller;
    const caller: Caller = { ...principal, partition, arn: arnFor(partition) };
    if (roleArnFor) caller.roleArn = roleArnFor(partition);
    const facts: RequestFacts = {
      sourceIp: normalizeIp(req.socket.remoteAddress),
      userAgent: String(req.headers['user-agent'] ?? ''),
      secureTransport: false,
      region: parsed.scope.region,
      now,
    };
    return { caller, facts, signature: parsed };
  }
}

export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
