// Signature V4 authentication for every signed request iamd checks: its own endpoints (the Query
// API, the workload API, the authorization API's callers) and the requests protected services relay
// to the authorization API (src/protect). It takes a RawRequest (method, target, raw headers, and
// the body or its hash) and the client's address: parse the signature, resolve the access key
// (long-term or temporary), verify, and describe the caller and the request facts policies see.
import {
  deriveSigningKey,
  isRegionOf,
  isSigV4Error,
  parseSignedRequest,
  verifySignatureWithKey,
  type ParsedSignature,
  type Partition,
  type RawRequest,
} from '../sigv4/index.ts';
import { AwsError } from '../errors/aws-error.ts';
import { awsError } from '../errors/messages.ts';
import type { Caller, RequestFacts } from '../domain/caller.ts';
import type { Authenticated, ClientFacts, RequestAuthenticator } from '../domain/authentication.ts';
import type { CredentialResolver, ResolvedCredential } from './credentials.ts';
import { headerIn } from '../http/raw-header.ts';
import type { Metrics } from '../metrics/metrics.ts';

export type { Authenticated, ClientFacts } from '../domain/authentication.ts';

/** What a resolved credential lets us keep between its requests: signing keys and its caller. */
interface CredentialMemo {
  /** Signing keys by credential scope ("date/region/service/aws4_request"). */
  signingKeys: Map<string, Buffer>;
  caller?: Caller;
}

export class Authenticator implements RequestAuthenticator {
  // Keyed by the resolver's credential object: when a write drops the resolver's cache, the
  // credential is resolved anew and nothing derived from the old one is used again.
  private readonly memos = new WeakMap<ResolvedCredential, CredentialMemo>();

  constructor(
    private readonly credentials: CredentialResolver,
    /** The partition this deployment serves: callers' ARNs are in it, other partitions' regions are refused. */
    private readonly partition: Partition,
    /** Counts refused signatures by their error code (iamd_sigv4_failures_total). */
    private readonly metrics?: Metrics,
  ) {}

  /** The signature of a request, parsed, or the AWS error that refuses it. */
  parse(req: RawRequest, now: Date): ParsedSignature | AwsError {
    const parsed = parseSignedRequest(req, now);
    if (!isSigV4Error(parsed)) return parsed;
    // An unsigned request is no failed signature: some STS operations are called unsigned.
    if (parsed.code !== 'MissingAuthenticationToken') this.metrics?.sigv4Failure(parsed.code);
    return new AwsError(parsed.code, parsed.message).withStatus(parsed.status);
  }

  /** Resolves and verifies a parsed signature; throws AWS's error when the request is not authentic. */
  async verify(req: RawRequest, parsed: ParsedSignature, now: Date, client: ClientFacts): Promise<Authenticated> {
    if (!this.metrics) return this.verifySignature(req, parsed, now, client);
    try {
      return await this.verifySignature(req, parsed, now, client);
    } catch (error) {
      if (error instanceof AwsError) this.metrics.sigv4Failure(error.code);
      throw error;
    }
  }

  private async verifySignature(req: RawRequest, parsed: ParsedSignature, now: Date, client: ClientFacts): Promise<Authenticated> {
    // A region of another partition (or no region at all) would put the caller, and every ARN its
    // policies are matched against, in another partition: AWS refuses such a scope, and so do we.
    if (!isRegionOf(parsed.scope.region, this.partition)) {
      throw awsError('credentialWrongRegion', { region: parsed.scope.region }).withStatus(403);
    }
    // Temporary credentials: the signed X-Amz-Security-Token must be the one issued with the key.
    const credential = await this.credentials.resolve(parsed.accessKeyId, parsed.securityToken, now, parsed.scope.service);
    if (!credential?.active) throw awsError('securityTokenInvalid');
    let memo = this.memos.get(credential);
    if (!memo) {
      memo = { signingKeys: new Map() };
      this.memos.set(credential, memo);
    }
    const { date, region, service } = parsed.scope;
    let key = memo.signingKeys.get(parsed.credentialScope);
    if (!key) {
      key = deriveSigningKey(credential.secret, date, region, service);
      if (memo.signingKeys.size >= 16) memo.signingKeys.clear();
      memo.signingKeys.set(parsed.credentialScope, key);
    }
    const verified = verifySignatureWithKey(parsed, key);
    if (verified !== true) throw new AwsError(verified.code, verified.message).withStatus(verified.status);
    let caller = memo.caller;
    if (!caller) {
      const partition = this.partition;
      const { arnFor, roleArnFor, ...principal } = credential.caller;
      caller = { ...principal, partition, arn: arnFor(partition) };
      if (roleArnFor) caller.roleArn = roleArnFor(partition);
      memo.caller = Object.freeze(caller);
    }
    const facts: RequestFacts = {
      sourceIp: client.sourceIp,
      userAgent: headerIn(req.rawHeaders, 'user-agent') ?? '',
      secureTransport: client.secureTransport === true,
      region: parsed.scope.region,
      now,
    };
    return { caller, facts, signature: parsed };
  }

  /**
   * The caller of a role session held server-side (the console's sign-in through an OIDC
   * provider), with no request to verify: the session token must be the one issued with the key,
   * unexpired, and its role must still exist. Throws ExpiredToken or InvalidClientTokenId otherwise.
   */
  async sessionCaller(accessKeyId: string, sessionToken: string, now: Date): Promise<Caller> {
    // Only temporary credentials: a long-term key is never accepted without its signature.
    if (!accessKeyId.startsWith('ASIA')) throw awsError('securityTokenInvalid');
    const credential = await this.credentials.resolve(accessKeyId, sessionToken, now, 'iam');
    if (!credential?.active) throw awsError('securityTokenInvalid');
    let memo = this.memos.get(credential);
    if (!memo) {
      memo = { signingKeys: new Map() };
      this.memos.set(credential, memo);
    }
    if (!memo.caller) {
      const { arnFor, roleArnFor, ...principal } = credential.caller;
      const caller: Caller = { ...principal, partition: this.partition, arn: arnFor(this.partition) };
      if (roleArnFor) caller.roleArn = roleArnFor(this.partition);
      memo.caller = Object.freeze(caller);
    }
    return memo.caller;
  }
}

/** The address of a connection as policies see it: IPv4-mapped IPv6 as IPv4. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
