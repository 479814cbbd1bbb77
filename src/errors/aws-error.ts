// One registry of the AWS error codes iamd answers with: code → HTTP status and fault type.
// Handlers throw AwsError; the transports turn it into AWS's wire format. Anything else that is
// thrown is an internal error and is reported as ServiceFailure / InternalFailure without details.

export type FaultType = 'Sender' | 'Receiver';

interface ErrorSpec {
  status: number;
  type?: FaultType;
}

/** Codes and their HTTP statuses, as in the IAM/STS service models and AWS's common errors. */
export const ERROR_REGISTRY = {
  // common Query-protocol errors
  AccessDenied: { status: 403 },
  IncompleteSignature: { status: 400 },
  InvalidAction: { status: 400 },
  InvalidClientTokenId: { status: 403 },
  InvalidParameterCombination: { status: 400 },
  InvalidParameterValue: { status: 400 },
  InvalidQueryParameter: { status: 400 },
  MalformedQueryString: { status: 404 },
  MissingAction: { status: 400 },
  MissingAuthenticationToken: { status: 403 },
  MissingParameter: { status: 400 },
  RequestExpired: { status: 400 },
  SignatureDoesNotMatch: { status: 403 },
  ExpiredToken: { status: 403 },
  Throttling: { status: 400 },
  ValidationError: { status: 400 },
  InvalidHttpRequest: { status: 400 },
  RequestEntityTooLarge: { status: 413 },
  NotImplemented: { status: 501, type: 'Receiver' },
  InternalFailure: { status: 500, type: 'Receiver' },
  // IAM
  ConcurrentModification: { status: 409 },
  DeleteConflict: { status: 409 },
  EntityAlreadyExists: { status: 409 },
  EntityTemporarilyUnmodifiable: { status: 409 },
  InvalidAuthenticationCode: { status: 403 },
  InvalidInput: { status: 400 },
  InvalidUserType: { status: 400 },
  LimitExceeded: { status: 409 },
  MalformedPolicyDocument: { status: 400 },
  NoSuchEntity: { status: 404 },
  PasswordPolicyViolation: { status: 400 },
  PolicyEvaluation: { status: 500, type: 'Receiver' },
  PolicyNotAttachable: { status: 400 },
  ServiceFailure: { status: 500, type: 'Receiver' },
  UnmodifiableEntity: { status: 400 },
  ReportNotPresent: { status: 410 },
  // STS
  ExpiredTokenException: { status: 400 },
  InvalidAuthorizationMessageException: { status: 400 },
  PackedPolicyTooLarge: { status: 400 },
  RegionDisabledException: { status: 403 },
} satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_REGISTRY;

export class AwsError extends Error {
  readonly code: ErrorCode;
  status: number;
  readonly type: FaultType;
  /** Extra children of the error element (e.g. an encoded authorization message). */
  details?: Record<string, string>;

  constructor(code: ErrorCode, message: string) {
    super(message);
    const spec: ErrorSpec = (ERROR_REGISTRY as Record<string, ErrorSpec>)[code] ?? { status: 400 };
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

export const noSuchEntity = (message: string) => new AwsError('NoSuchEntity', message);
export const invalidInput = (message: string) => new AwsError('InvalidInput', message);
export const validationError = (message: string) => new AwsError('ValidationError', message);
export const entityAlreadyExists = (message: string) => new AwsError('EntityAlreadyExists', message);
export const deleteConflict = (message: string) => new AwsError('DeleteConflict', message);
export const limitExceeded = (message: string) => new AwsError('LimitExceeded', message);
