// One registry of the AWS error codes iamd answers with: code → HTTP status, fault type and the
// group docs/errors.md lists it under. The messages of each code, with their wording's source, are
// in ./messages.ts (`awsError(name, values)`). Handlers throw AwsError; the transports turn it into
// AWS's wire format. Anything else that is thrown is an internal error and is reported as
// ServiceFailure / InternalFailure without details.

export type FaultType = 'Sender' | 'Receiver';

/** Where a code comes from: AWS's common (Query protocol) errors, IAM's, STS's, or iamd's own. */
export type ErrorGroup = 'common' | 'iam' | 'sts' | 'iamd' | 'cloudtrail';

export interface ErrorSpec {
  status: number;
  type?: FaultType;
  group: ErrorGroup;
  /** Anything docs/errors.md should say about the code itself. */
  note?: string;
}

/** Codes and their HTTP statuses, as in the IAM/STS service models and AWS's common errors. */
export const ERROR_REGISTRY = {
  // common Query-protocol errors
  AccessDenied: { status: 403, group: 'common' },
  IncompleteSignature: { status: 400, group: 'common' },
  InvalidAction: { status: 400, group: 'common' },
  InvalidClientTokenId: { status: 403, group: 'common' },
  InvalidParameterCombination: { status: 400, group: 'common' },
  InvalidParameterValue: { status: 400, group: 'common' },
  InvalidQueryParameter: { status: 400, group: 'common' },
  MalformedQueryString: { status: 404, group: 'common' },
  MissingAction: { status: 400, group: 'common' },
  MissingAuthenticationToken: { status: 403, group: 'common' },
  MissingParameter: { status: 400, group: 'common' },
  RequestExpired: { status: 400, group: 'common' },
  SignatureDoesNotMatch: { status: 403, group: 'common' },
  ExpiredToken: { status: 403, group: 'common' },
  Throttling: { status: 400, group: 'common' },
  ValidationError: { status: 400, group: 'common' },
  NotImplemented: { status: 501, type: 'Receiver', group: 'common' },
  InternalFailure: { status: 500, type: 'Receiver', group: 'common' },
  // SigV4 failures that AWS answers with S3's codes (src/sigv4/errors.ts gives each its status)
  AuthorizationQueryParametersError: { status: 400, group: 'common', note: "SigV4 (presigned URLs): S3's code, as src/sigv4/errors.ts answers it." },
  InvalidArgument: { status: 400, group: 'common', note: "SigV4: S3's code, as src/sigv4/errors.ts answers it." },
  InvalidRequest: { status: 400, group: 'common', note: "SigV4: S3's code, as src/sigv4/errors.ts answers it." },
  XAmzContentSHA256Mismatch: { status: 400, group: 'common', note: "SigV4: S3's code, as src/sigv4/errors.ts answers it." },
  // iamd's transports
  InvalidHttpRequest: { status: 400, group: 'iamd', note: 'A request body shorter than its Content-Length (src/api).' },
  RequestEntityTooLarge: { status: 413, group: 'iamd', note: 'A request body over the size limit (src/api).' },
  // IAM
  ConcurrentModification: { status: 409, group: 'iam' },
  DeleteConflict: { status: 409, group: 'iam' },
  EntityAlreadyExists: { status: 409, group: 'iam' },
  EntityTemporarilyUnmodifiable: { status: 409, group: 'iam' },
  InvalidAuthenticationCode: { status: 403, group: 'iam' },
  InvalidInput: { status: 400, group: 'iam' },
  InvalidUserType: { status: 400, group: 'iam' },
  LimitExceeded: { status: 409, group: 'iam' },
  MalformedPolicyDocument: { status: 400, group: 'iam' },
  NoSuchEntity: { status: 404, group: 'iam' },
  PasswordPolicyViolation: { status: 400, group: 'iam' },
  PolicyEvaluation: { status: 500, type: 'Receiver', group: 'iam' },
  PolicyNotAttachable: { status: 400, group: 'iam' },
  ServiceFailure: { status: 500, type: 'Receiver', group: 'iam' },
  UnmodifiableEntity: { status: 400, group: 'iam' },
  ReportNotPresent: { status: 410, group: 'iam' },
  ReportExpired: { status: 410, group: 'iam' },
  // IAM: server and signing certificates, SSH public keys (statuses as in the IAM model)
  MalformedCertificate: { status: 400, group: 'iam' },
  KeyPairMismatch: { status: 400, group: 'iam' },
  InvalidCertificate: { status: 400, group: 'iam' },
  DuplicateCertificate: { status: 409, group: 'iam' },
  InvalidPublicKey: { status: 400, group: 'iam' },
  UnrecognizedPublicKeyEncoding: { status: 400, group: 'iam' },
  DuplicateSSHPublicKey: { status: 400, group: 'iam' },
  // STS
  ExpiredTokenException: { status: 400, group: 'sts' },
  InvalidAuthorizationMessageException: { status: 400, group: 'sts' },
  PackedPolicyTooLarge: { status: 400, group: 'sts' },
  RegionDisabledException: { status: 403, group: 'sts' },
  // inbound federation (AssumeRoleWithSAML / AssumeRoleWithWebIdentity)
  InvalidIdentityToken: { status: 400, group: 'sts' },
  IDPRejectedClaim: { status: 403, group: 'sts' },
  IDPCommunicationError: { status: 400, group: 'sts' },
  // outbound web identity federation (IAM's switch, STS's GetWebIdentityToken)
  FeatureEnabled: { status: 409, group: 'iam' },
  FeatureDisabled: { status: 404, group: 'iam' },
  OutboundWebIdentityFederationDisabledException: { status: 403, group: 'sts' },
  SessionDurationEscalationException: { status: 403, group: 'sts' },
  JWTPayloadSizeExceededException: { status: 400, group: 'sts' },
  // Organizations' centralized root access and partner delegation (src/iam/organizations.ts, src/sts/root-sessions.ts)
  OrganizationNotFoundException: {
    status: 400,
    group: 'iam',
    note: 'The IAM model gives this exception no error code or HTTP status: its shape name and 400, as the SDKs read such an error.',
  },
  ExpiredTradeInTokenException: { status: 400, group: 'sts' },
  // CloudTrail's LookupEvents (the audit trail's query API, src/cloudtrail); JSON 1.1 errors (`__type`)
  InvalidLookupAttributesException: { status: 400, group: 'cloudtrail' },
  InvalidTimeRangeException: { status: 400, group: 'cloudtrail' },
  InvalidMaxResultsException: { status: 400, group: 'cloudtrail' },
  InvalidNextTokenException: { status: 400, group: 'cloudtrail' },
  InvalidEventCategoryException: { status: 400, group: 'cloudtrail' },
  UnknownOperationException: { status: 400, group: 'cloudtrail', note: "An X-Amz-Target that names no operation iamd's CloudTrail endpoint serves." },
  ServiceUnavailable: { status: 503, type: 'Receiver', group: 'common', note: 'The audit trail is fail-closed and a record could not be written (src/audit).' },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export class AwsError extends Error {
  readonly code: ErrorCode;
  status: number;
  readonly type: FaultType;
  /** Extra children of the error element (e.g. an encoded authorization message). */
  details?: Record<string, string>;
  /** For AccessDenied: the decision and the statements that decided it, for the audit trail (never sent). */
  decision?: { action: string; resource: string; decision: string; decidingStatements: readonly Record<string, string>[] };

  /** Prefer `awsError(name, values)` (./messages.ts): it takes the code and the wording from the registry. */
  constructor(code: ErrorCode, message: string) {
    super(message);
    const spec: Pick<ErrorSpec, 'status' | 'type'> = (ERROR_REGISTRY as Record<string, ErrorSpec>)[code] ?? { status: 400 };
    this.code = code;
    this.status = spec.status;
    this.type = spec.type ?? 'Sender';
  }

  /** For errors whose status depends on the case (SigV4 failures carry their own). */
  withStatus(status: number): this {
    this.status = status;
    return this;
  }
}

// Superseded by awsError(name, values) and the message table of ./messages.ts; kept until no module
// of iamd builds a message inline any more (test/error-docs.test.ts keeps them out of the handlers).
/** @deprecated Use awsError(name, values) from src/errors/messages.ts. */
export const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', message);
/** @deprecated Use awsError(name, values) from src/errors/messages.ts. */
export const invalidInput = (message: string) => new AwsError('InvalidInput', message);
/** @deprecated Use awsError(name, values) from src/errors/messages.ts. */
export const validationError = (message: string) => new AwsError('ValidationError', message);
/** @deprecated Use awsError(name, values) from src/errors/messages.ts. */
export const entityAlreadyExists = (message: string) => new AwsError('EntityAlreadyExists', message);
/** @deprecated Use awsError(name, values) from src/errors/messages.ts. */
export const deleteConflict = (message: string) => new AwsError('DeleteConflict', message);
/** @deprecated Use awsError(name, values) from src/errors/messages.ts. */
export const limitExceeded = (message: string) => new AwsError('LimitExceeded', message);
