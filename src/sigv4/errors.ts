// SigV4 verification errors: one registry of AWS error codes, HTTP statuses and message texts.
//
// Messages mirror what AWS returns where a public source shows it (cited per entry); entries marked
// "ours" have no public AWS text and were written here. INVARIANT: no message ever contains a secret
// access key, a derived key or a computed signature — only values the client itself sent, sanitized.

/** Machine-readable reason, finer than the AWS code (for logs, metrics and tests). */
export type SigV4Reason =
  | 'missing-auth'
  | 'both-auth-forms'
  | 'unsupported-algorithm'
  | 'malformed-authorization'
  | 'missing-components'
  | 'malformed-credential'
  | 'bad-terminator'
  | 'scope-date-mismatch'
  | 'malformed-date'
  | 'malformed-signed-headers'
  | 'host-not-signed'
  | 'signed-header-missing'
  | 'unsigned-amz-header'
  | 'duplicate-parameter'
  | 'duplicate-header'
  | 'expired'
  | 'not-yet-valid'
  | 'presign-expired'
  | 'presign-not-yet-valid'
  | 'bad-expires'
  | 'expires-too-long'
  | 'payload-hash-mismatch'
  | 'unsigned-payload-not-allowed'
  | 'malformed-signature'
  | 'signature-mismatch'
  | 'invalid-client-token-id'
  | 'expired-token'
  | 'wrong-service';

export type SigV4ErrorCode =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidClientTokenId'
  | 'ExpiredToken'
  | 'SignatureDoesNotMatch'
  | 'AccessDenied'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'AuthorizationQueryParametersError'
  | 'XAmzContentSHA256Mismatch';

/** A rejected request. Plain data: safe to log, serialize and return to the client. */
export interface SigV4Error {
  readonly code: SigV4ErrorCode;
  readonly status: number;
  readonly message: string;
  readonly reason: SigV4Reason;
}

/** Type guard separating a verification failure from a successful result. */
export function isSigV4Error(value: unknown): value is SigV4Error {
  return typeof value === 'object' && value !== null && 'code' in value && 'reason' in value && 'status' in value;
}

function err(code: SigV4ErrorCode, status: number, reason: SigV4Reason, message: string): SigV4Error {
  return Object.freeze({ code, status, reason, message });
}

/**
 * Quote a client-supplied value for an error message: printable ASCII only, bounded length.
 * INVARIANT: only ever called on values the client sent.
 */
export function quote(value: string, max = 128): string {
  let out = '';
  const n = Math.min(value.length, max);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f ? value[i] : '?';
  }
  return value.length > max ? `${out}...` : out;
}

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html
const SIGNATURE_DOES_NOT_MATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Constructors, one per failure. Sources: see each comment. */
export const sigv4Errors = {
  /** Request carries no SigV4 authentication at all. IAM/STS Query API text. */
  missingAuthenticationToken: () => err('MissingAuthenticationToken', 403, 'missing-auth', 'Request is missing Authentication Token'),

  /** S3 text (catalyst/moodle-tool_objectfs#303); AWS rejects credentials in header and query at once. */
  bothAuthForms: () =>
    err(
      'InvalidArgument',
      400,
      'both-auth-forms',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    ),

  /** ours (no public AWS text for the header form found). */
  unsupportedAlgorithm: (algorithm: string) => err('IncompleteSignature', 400, 'unsupported-algorithm', `Unsupported AWS 'algorithm': '${quote(algorithm)}'`),

  /** S3 text for the presigned form. */
  unsupportedQueryAlgorithm: () => err('AuthorizationQueryParametersError', 400, 'unsupported-algorithm', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'),

  /** jenkinsci/aws-credentials-plugin#72 (STS). */
  missingEqualSign: (pair: string) =>
    err('IncompleteSignature', 400, 'malformed-authorization', `'${quote(pair)}' not a valid key=value pair (missing equal-sign) in Authorization header`),

  /** ours: a component named twice, or an unknown component. */
  malformedAuthorization: (detail: string) => err('IncompleteSignature', 400, 'malformed-authorization', `Authorization header is malformed: ${detail}`),

  /**
   * aws-samples/amazon-elasticsearch-service-with-authentication#4: the missing parts, each one
   * sentence, in AWS's order. AWS appends "Authorization=<header>"; we do not echo the header.
   */
  missingComponents: (missing: { credential: boolean; signature: boolean; signedHeaders: boolean; date: boolean }) => {
    const parts: string[] = [];
    if (missing.credential) parts.push("Authorization header requires 'Credential' parameter.");
    if (missing.signature) parts.push("Authorization header requires 'Signature' parameter.");
    if (missing.signedHeaders) parts.push("Authorization header requires 'SignedHeaders' parameter.");
    if (missing.date) parts.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    return err('IncompleteSignature', 400, 'missing-components', parts.join(' '));
  },

  /** S3 text for the presigned form. */
  missingQueryParameters: () =>
    err(
      'AuthorizationQueryParametersError',
      400,
      'missing-components',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    ),

  /** prometheus-community/yet-another-cloudwatch-exporter#169 (IncompleteSignatureException). */
  credentialElements: (credential: string) =>
    err(
      'IncompleteSignature',
      400,
      'malformed-credential',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${quote(credential)}'`,
    ),

  /** SignatureDoesNotMatch family, the "scoped" texts (timkay/aws#111, aws/aws-sdk-ruby#508). */
  badTerminator: (terminator: string) =>
    err('SignatureDoesNotMatch', 403, 'bad-terminator', `Credential should be scoped with a valid terminator: 'aws4_request', not '${quote(terminator)}'.`),

  /** For the caller that serves one service: timkay/aws#111. */
  wrongService: (expected: string) =>
    err('SignatureDoesNotMatch', 403, 'wrong-service', `Credential should be scoped to correct service: '${quote(expected)}'.`),

  /** SigV4 docs: the scope date must be the request date's day (AWS text, SignatureDoesNotMatch). */
  scopeDateMismatch: (scopeDate: string, requestDay: string, amzDate: string) =>
    err(
      'SignatureDoesNotMatch',
      403,
      'scope-date-mismatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${quote(scopeDate)}' != '${requestDay}', from '${quote(amzDate)}'.`,
    ),

  /** ours. */
  malformedDate: (name: string) =>
    err('IncompleteSignature', 400, 'malformed-date', `${name} is not a valid ISO 8601 basic (YYYYMMDD'T'HHMMSS'Z') or HTTP date`),

  /** ours. */
  malformedSignedHeaders: (detail: string) => err('IncompleteSignature', 400, 'malformed-signed-headers', `SignedHeaders is malformed: ${detail}`),

  /** NetSPI/AWSSigner#3, babbel/okhttp-aws-signer#10. */
  hostNotSigned: () => err('IncompleteSignature', 400, 'host-not-signed', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),

  /** A header named in SignedHeaders is absent: AWS can only compute a different signature. */
  signedHeaderMissing: () => err('SignatureDoesNotMatch', 403, 'signed-header-missing', SIGNATURE_DOES_NOT_MATCH),

  /** S3 / API Gateway text (soto-project/soto-core#99, postmanlabs/postman-app-support#8724). */
  unsignedAmzHeaders: () => err('AccessDenied', 403, 'unsigned-amz-header', 'There were headers present in the request which were not signed'),

  /** ours. */
  duplicateParameter: (name: string) =>
    err('IncompleteSignature', 400, 'duplicate-parameter', `Authentication parameter '${quote(name)}' must be given exactly once`),

  /** ours. */
  duplicateHeader: (name: string) => err('IncompleteSignature', 400, 'duplicate-header', `Header '${quote(name)}' must be given exactly once`),

  /** STS/IAM (devsecops/bootcamp#101, aws/aws-cli#6676): code SignatureDoesNotMatch. */
  expired: (requestTime: string, earliest: string, now: string) =>
    err('SignatureDoesNotMatch', 403, 'expired', `Signature expired: ${requestTime} is now earlier than ${earliest} (${now} - 15 min.)`),

  /** serverless/enterprise#11 (the same family, "+ N min."). */
  notYetValid: (requestTime: string, latest: string, now: string) =>
    err('SignatureDoesNotMatch', 403, 'not-yet-valid', `Signature not yet current: ${requestTime} is still later than ${latest} (${now} + 15 min.)`),

  /** S3 text for an expired presigned URL. */
  presignExpired: () => err('AccessDenied', 403, 'presign-expired', 'Request has expired'),

  /** S3 text for a presigned URL dated in the future. */
  presignNotYetValid: () => err('AccessDenied', 403, 'presign-not-yet-valid', 'Request is not valid yet'),

  /** S3 text. */
  expiresNotANumber: () => err('AuthorizationQueryParametersError', 400, 'bad-expires', 'X-Amz-Expires should be a number'),

  /** ours (S3 documents 1 as the minimum). */
  expiresTooShort: () => err('AuthorizationQueryParametersError', 400, 'bad-expires', 'X-Amz-Expires must be at least 1 second'),

  /** S3 text (bryanjos/aws_auth#31, aws/aws-cli#5464). */
  expiresTooLong: () =>
    err(
      'AuthorizationQueryParametersError',
      400,
      'expires-too-long',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    ),

  /** S3 text. */
  payloadHashMismatch: () =>
    err('XAmzContentSHA256Mismatch', 400, 'payload-hash-mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."),

  /** ours. */
  unsignedPayloadNotAllowed: () =>
    err(
      'InvalidRequest',
      400,
      'unsigned-payload-not-allowed',
      'x-amz-content-sha256 must be the SHA-256 of the body; UNSIGNED-PAYLOAD is accepted only in presigned URLs',
    ),

  /** Signature not 64 lowercase hex digits: reported as a plain mismatch, as AWS does. */
  malformedSignature: () => err('SignatureDoesNotMatch', 403, 'malformed-signature', SIGNATURE_DOES_NOT_MATCH),

  signatureDoesNotMatch: () => err('SignatureDoesNotMatch', 403, 'signature-mismatch', SIGNATURE_DOES_NOT_MATCH),

  /** Unknown access key id, or a bad session token (badslug/Paw-AWSSignature4DynamicValue#5). For the caller. */
  invalidClientTokenId: () => err('InvalidClientTokenId', 403, 'invalid-client-token-id', 'The security token included in the request is invalid.'),

  /** Expired session credentials (prowler-cloud/prowler#789). For the caller. */
  expiredToken: () => err('ExpiredToken', 400, 'expired-token', 'The security token included in the request is expired'),
} as const;
