// What verifying a signed request gives, and the one verifier's interface: the transports check
// their own callers with it, and the authorization API (src/protect) checks the requests that
// protected services relay. Implemented by src/auth/authenticate.ts.
import type { AwsError } from '../errors/aws-error.ts';
import type { ParsedSignature, RawRequest } from '../sigv4/index.ts';
import type { Caller, RequestFacts } from './caller.ts';

/** A request whose signature verified: who signed it, and the facts its policies see. */
export interface Authenticated {
  caller: Caller;
  facts: RequestFacts;
  signature: ParsedSignature;
}

/** What the connection the request came in on tells. */
export interface ClientFacts {
  /** The client's IP address; undefined when unknown (policies then see no aws:SourceIp). */
  sourceIp?: string;
  /** Whether the request came over TLS (aws:SecureTransport): true only when iamd terminated TLS itself. */
  secureTransport?: boolean;
}

export interface RequestAuthenticator {
  /** The request's signature, parsed and checked (time window, signed headers, payload hash), or AWS's error. Needs no secret. */
  parse(req: RawRequest, now: Date): ParsedSignature | AwsError;
  /** Resolves the access key and verifies the signature; throws AWS's error when the request is not authentic. */
  verify(req: RawRequest, parsed: ParsedSignature, now: Date, client: ClientFacts): Promise<Authenticated>;
  /** The caller of temporary credentials held server-side (the console's federated sessions); throws AWS's error when they are not valid now. */
  sessionCaller(accessKeyId: string, sessionToken: string, now: Date): Promise<Caller>;
}
