// AWS's error messages, by name: each with its code, a template with named placeholders, where its
// wording comes from, and a one-line note. Handlers throw `awsError('entityNotFound', { kind, name })`;
// the placeholders are typed from the template, so a missing or extra value is a type error.
// docs/errors.md is generated from this table and ERROR_REGISTRY (`npm run docs:errors`);
// test/error-docs.test.ts fails when they drift.
//
// INVARIANT: a template's text is what goes on the wire, byte for byte (the tests assert many of
// them): fixing a wording is a change of behaviour, with a test, never a tidy-up.
//
// Not here, on purpose: texts built by the pure modules, which import nothing of iamd's —
// SigV4's (src/sigv4/errors.ts), the policy parser's MalformedPolicyDocument findings
// (src/policy/messages.ts) and AccessDenied reasons (src/policy/access-denied.ts) — and the model
// decoder's ValidationError details (src/actions/model/decode-input.ts). Messages that carry such a
// text take it as a `{detail}` placeholder.
import { AwsError, type ErrorCode } from './aws-error.ts';

/**
 * Where a message's wording comes from:
 * - `aws`: AWS's text, from its documentation or its observed responses;
 * - `aws-form`: AWS's pattern for this kind of error, but this exact text is not verified;
 * - `iamd`: iamd's own (no AWS equivalent, or AWS's text is unknown);
 * - `detail`: the text is built elsewhere (named in the note) and passed in whole.
 */
export type MessageSource = 'aws' | 'aws-form' | 'iamd' | 'detail';

export interface MessageSpec {
  readonly code: ErrorCode;
  /** The message, with `{placeholder}`s (letters, digits and `_`) for the values a call site gives. */
  readonly template: string;
  readonly source: MessageSource;
  /** One line: which operations answer it, what a placeholder holds, what is known of AWS's text. */
  readonly note: string;
}

export const MESSAGES = {
  // ---- AccessDenied
  accessDeniedByPolicy: {
    code: 'AccessDenied',
    template: '{detail}',
    source: 'detail',
    note: "The policy engine's reason, in AWS's words (src/policy/access-denied.ts): User: … is not authorized to perform: … because …",
  },
  accessDenied: {
    code: 'AccessDenied',
    template: 'Access denied',
    source: 'iamd',
    note: 'Fallback when the policy engine gives no reason for a denial (not expected to happen).',
  },
  notAuthorized: {
    code: 'AccessDenied',
    template: 'User: {principal} is not authorized to perform: {action} on resource: {resource}',
    source: 'aws',
    note: "AssumeRole refused by the trust policy or the caller's policies (sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity): AWS gives no reason.",
  },
  rootCannotAssumeRole: {
    code: 'AccessDenied',
    template: 'Roles may not be assumed by root accounts.',
    source: 'aws',
    note: "AssumeRole called with the root user's credentials.",
  },
  sessionCredentialsRefused: {
    code: 'AccessDenied',
    template: 'Cannot call {operation} with session credentials',
    source: 'aws',
    note: 'GetSessionToken and GetFederationToken called with temporary credentials.',
  },
  mfaDeviceUnknown: {
    code: 'AccessDenied',
    template: 'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.',
    source: 'aws',
    note: 'GetSessionToken/AssumeRole: SerialNumber or TokenCode alone, or a device not enabled for the caller (two spaces after "code.", as AWS sends it).',
  },
  mfaCodeInvalid: {
    code: 'AccessDenied',
    template: 'MultiFactorAuthentication failed with invalid MFA one time pass code. ',
    source: 'aws',
    note: 'GetSessionToken/AssumeRole: a wrong or already used TokenCode (trailing space, as AWS sends it).',
  },
  awsManagedPolicyReadOnly: {
    code: 'AccessDenied',
    template: 'Cannot modify AWS managed policy {arn}.',
    source: 'iamd',
    note: 'DeletePolicy, CreatePolicyVersion, SetDefaultPolicyVersion, Tag/UntagPolicy… on an AWS managed policy; unverified.',
  },
  workloadTokenInvalid: {
    code: 'AccessDenied',
    template: 'The authorization token is not valid.',
    source: 'iamd',
    note: 'Workload credentials endpoint: an unknown or revoked workload token.',
  },
  workloadTokenExpired: {
    code: 'AccessDenied',
    template: 'The authorization token has expired.',
    source: 'iamd',
    note: 'Workload credentials endpoint: a workload token past its expiry.',
  },
  workloadProfileHasNoRole: {
    code: 'AccessDenied',
    template: "The workload's instance profile has no role.",
    source: 'iamd',
    note: 'Workload credentials endpoint: the instance profile lost its role (or was deleted).',
  },
  workloadRoleNotTrusted: {
    code: 'AccessDenied',
    template: 'The trust policy of role {name} does not allow {principal} to assume it.',
    source: 'iamd',
    note: 'Workload credentials endpoint: the role does not trust the EC2 service principal.',
  },

  gatewayTokenInvalid: {
    code: 'AccessDenied',
    template: 'The gateway could not be authenticated.',
    source: 'iamd',
    note: 'Gateway check endpoints (answered 401): a missing, unknown or revoked gateway token; the same text whichever it is.',
  },
  gatewayNoRoute: {
    code: 'AccessDenied',
    template: 'No route of service {service} matches {method} {path}.',
    source: 'iamd',
    note: "CheckGatewayRequest (answered 403 by the gateway endpoints): an authentic request that no route of the service's catalogue maps to an action.",
  },

  // ---- ValidationError
  userNameRequired: {
    code: 'ValidationError',
    template: 'Must specify userName when calling with non-User credentials',
    source: 'aws',
    note: 'User-scoped operations (GetUser, CreateAccessKey, …) called by a role session or root without UserName.',
  },
  accountAliasNumeric: {
    code: 'ValidationError',
    template: 'The account alias {alias} cannot be a 12-digit number.',
    source: 'iamd',
    note: 'CreateAccountAlias; unverified.',
  },
  passwordRequired: {
    code: 'ValidationError',
    template: 'Password is required to create a login profile.',
    source: 'iamd',
    note: 'CreateLoginProfile without Password; unverified.',
  },
  federatedNotAuthorized: {
    code: 'AccessDenied',
    template: 'Not authorized to perform {action}',
    source: 'aws',
    note: "AssumeRoleWithWebIdentity / AssumeRoleWithSAML refused: the role is missing, or its trust policy does not allow the provider's principal (AWS gives no reason).",
  },
  missingAuthenticationToken: {
    code: 'MissingAuthenticationToken',
    template: 'Request is missing Authentication Token',
    source: 'aws',
    note: 'An unsigned request for an operation that must be signed (only AssumeRoleWithWebIdentity and AssumeRoleWithSAML may be unsigned).',
  },
  // ---- ops: reports
  credentialReportNotPresent: {
    code: 'ReportNotPresent',
    template: '',
    source: 'aws',
    note: 'GetCredentialReport before any GenerateCredentialReport: AWS sends no message (botocore shows "Unknown", the Go SDK an empty one).',
  },
  credentialReportExpired: {
    code: 'ReportExpired',
    template: '',
    source: 'aws-form',
    note: "GetCredentialReport when the latest report is older than 4 hours (GenerateCredentialReport makes a new one); AWS's text unknown, empty as for ReportNotPresent.",
  },
  accessReportJobNotFound: {
    code: 'NoSuchEntity',
    template: 'No report job with ID {jobId} was found.',
    source: 'iamd',
    note: "Get*AccessReport / GetServiceLastAccessedDetails*: an unknown or expired JobId, or another caller's (only the caller that generated a job may read it).",
  },
  // ---- ops: certificates
  serverCertificateNotFound: {
    code: 'NoSuchEntity',
    template: 'The Server Certificate with name {name} cannot be found.',
    source: 'aws',
    note: 'Get/Update/Delete/Tag/Untag/ListServerCertificateTags of a name the account has no server certificate by.',
  },
  serverCertificateExists: {
    code: 'EntityAlreadyExists',
    template: 'The Server Certificate with name {name} already exists.',
    source: 'aws',
    note: 'UploadServerCertificate, or UpdateServerCertificate to a NewServerCertificateName, of a name already taken (case-insensitively).',
  },
  certificateMalformed: {
    code: 'MalformedCertificate',
    template: 'Unable to parse certificate. Please ensure the certificate is in PEM format.',
    source: 'aws',
    note: 'UploadServerCertificate / UploadSigningCertificate: CertificateBody is not exactly one PEM X.509 certificate (text around it, two of them, bad base64 or DER).',
  },
  certificateChainMalformed: {
    code: 'MalformedCertificate',
    template: 'Unable to parse certificate chain. Please ensure the certificate chain is in PEM format.',
    source: 'aws-form',
    note: "UploadServerCertificate: CertificateChain is not a sequence of PEM X.509 certificates; modelled on the body's message, unverified.",
  },
  certificateChainInvalid: {
    code: 'MalformedCertificate',
    template:
      'Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any intermediaries in order. The index within the chain of the invalid certificate is: {index}',
    source: 'aws',
    note: "UploadServerCertificate: a chain certificate did not issue the one before it; {index} is that one's place in the chain, -1 for the body (iamd's reading of AWS's index).",
  },
  certificateNoLongerValid: {
    code: 'MalformedCertificate',
    template: "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed.",
    source: 'aws',
    note: 'UploadServerCertificate / UploadSigningCertificate of an expired certificate.',
  },
  certificateNotYetValid: {
    code: 'MalformedCertificate',
    template: "Certificate is not yet valid. The 'Not Before' date restriction on the certificate has not been met.",
    source: 'aws-form',
    note: "UploadServerCertificate / UploadSigningCertificate of a certificate whose validity starts later (AWS answers MalformedCertificate; text modelled on the 'Not After' one).",
  },
  privateKeyMalformed: {
    code: 'MalformedCertificate',
    template: 'Unable to parse private key. Please ensure the private key is in PEM format and not encrypted.',
    source: 'iamd',
    note: 'UploadServerCertificate: PrivateKey is not one unencrypted PEM private key (PKCS#8, PKCS#1 or SEC 1); AWS text unknown.',
  },
  privateKeyUnsupported: {
    code: 'MalformedCertificate',
    template: 'The private key type or size is not supported ({key}). Use RSA of 1024 to 4096 bits or ECDSA on P-256, P-384 or P-521.',
    source: 'iamd',
    note: 'UploadServerCertificate with a DSA, Ed25519, small or large RSA key (what it is in {key}); AWS text unknown.',
  },
  keyPairMismatch: {
    code: 'KeyPairMismatch',
    template: 'The public key certificate and the private key do not match.',
    source: 'aws-form',
    note: "UploadServerCertificate: PrivateKey is not the certificate's key; the words of AWS's description of KeyPairMismatchException.",
  },
  signingCertificateKeyUnsupported: {
    code: 'InvalidCertificate',
    template: "The certificate's public key type or size is not supported ({key}).",
    source: 'iamd',
    note: 'UploadSigningCertificate of a certificate whose key is not RSA of 1024 to 4096 bits or ECDSA on P-256, P-384 or P-521; AWS text unknown.',
  },
  signingCertificateDuplicate: {
    code: 'DuplicateCertificate',
    template: 'The same certificate is already associated with an IAM user in the account.',
    source: 'aws-form',
    note: "UploadSigningCertificate of a certificate (same DER) the account already has, for any user or root; the words of AWS's description of DuplicateCertificateException.",
  },
  signingCertificateNotFound: {
    code: 'NoSuchEntity',
    template: 'The Certificate with id {id} cannot be found.',
    source: 'aws-form',
    note: 'Update/DeleteSigningCertificate of an id the user (or root) does not have.',
  },
  sshPublicKeyNotFound: {
    code: 'NoSuchEntity',
    template: 'The SSH Public Key with id {id} cannot be found.',
    source: 'aws-form',
    note: 'Get/Update/DeleteSSHPublicKey of an id the user does not have.',
  },
  sshPublicKeyDuplicate: {
    code: 'DuplicateSSHPublicKey',
    template: 'The SSH public key is already associated with the specified IAM user.',
    source: 'aws-form',
    note: "UploadSSHPublicKey of a key (same RSA key, in either encoding) the user already has; the words of AWS's description of the exception.",
  },
  sshPublicKeyEncodingUnrecognized: {
    code: 'UnrecognizedPublicKeyEncoding',
    template: 'The public key encoding format is unsupported or unrecognized. The public key must be encoded in ssh-rsa format or PEM format.',
    source: 'aws-form',
    note: "UploadSSHPublicKey of a body that is neither an ssh-rsa line nor a PEM public key (ssh-ed25519, a private key…); AWS's description and documentation, text unverified.",
  },
  sshPublicKeyInvalid: {
    code: 'InvalidPublicKey',
    template: 'The public key is malformed or otherwise invalid.',
    source: 'aws-form',
    note: "UploadSSHPublicKey: an ssh-rsa line or PEM public key that does not parse as an RSA key; the words of AWS's description of InvalidPublicKeyException.",
  },
  sshPublicKeyTooShort: {
    code: 'InvalidPublicKey',
    template: 'The minimum bit-length of the public key is {bits} bits.',
    source: 'aws-form',
    note: 'UploadSSHPublicKey of an RSA key shorter than 2048 bits (the documented minimum); text unverified.',
  },
  credentialStatusExpiredNotSettable: {
    code: 'InvalidInput',
    template: 'Status Expired cannot be set by a request. Use Active or Inactive.',
    source: 'iamd',
    note: 'UpdateSigningCertificate / UpdateSSHPublicKey with Status Expired (the model lists it; AWS sets it, a caller cannot); AWS behaviour unverified.',
  },
  // ---- ops: account level
  serviceCredentialServiceNotSupported: {
    code: 'NoSuchEntity',
    template: 'No such service {service} is supported for Service Specific Credentials',
    source: 'aws',
    note: "Create/ListServiceSpecificCredential(s) with a ServiceName that has no service-specific credentials (LocalStack's AWS-validated tests record it, for unknown and existing services alike).",
  },
  serviceCredentialNotFound: {
    code: 'NoSuchEntity',
    template: 'No such credential {id} exists',
    source: 'aws',
    note: "Update/Reset/DeleteServiceSpecificCredential: no credential with this id belongs to the user (LocalStack's AWS-validated tests).",
  },
  serviceCredentialQuotaExceeded: {
    code: 'LimitExceeded',
    template: 'Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: {limit}',
    source: 'aws-form',
    note: "CreateServiceSpecificCredential: the user has 2 for the service. AWS's quota wording; the quota's name is unverified.",
  },
  serviceCredentialAgeDaysNotSupported: {
    code: 'InvalidInput',
    template: 'CredentialAgeDays is only valid for Bedrock and CloudWatch Logs API keys.',
    source: 'iamd',
    note: "CreateServiceSpecificCredential with CredentialAgeDays for CodeCommit or Keyspaces (the model's documentation says so; AWS's text is unknown).",
  },
  serviceCredentialStatusExpired: {
    code: 'InvalidInput',
    template: 'The status of a service-specific credential cannot be set to Expired: a credential expires at its ExpirationDate.',
    source: 'iamd',
    note: "UpdateServiceSpecificCredential with Status Expired; AWS's answer is unknown.",
  },
  serviceCredentialsAllUsersWithUserName: {
    code: 'InvalidInput',
    template: 'AllUsers cannot be specified together with UserName.',
    source: 'iamd',
    note: "ListServiceSpecificCredentials with both (the model's documentation forbids it; AWS's text is unknown).",
  },
  mustDeleteServiceSpecificCredentials: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must remove service specific credentials first.',
    source: 'aws',
    note: "DeleteUser of a user with service-specific credentials (LocalStack's AWS-validated tests).",
  },
  organizationNotFound: {
    code: 'OrganizationNotFoundException',
    template: 'The request was rejected because no organization is associated with your account.',
    source: 'aws-form',
    note: "ListOrganizationsFeatures, Enable/DisableOrganizationsRoot{CredentialsManagement,Sessions}: an iamd account is in no AWS Organization (the model's documentation of the exception).",
  },
  delegationPartnerNotOnboarded: {
    code: 'AccessDenied',
    template: 'CreateDelegationRequest is not available for general use: account {account} is not an onboarded delegation partner.',
    source: 'iamd',
    note: 'CreateDelegationRequest: only AWS partners onboarded by AWS may create delegation requests, and iamd onboards none.',
  },
  delegationRequestNotFound: {
    code: 'NoSuchEntity',
    template: 'The delegation request with id {id} cannot be found.',
    source: 'aws-form',
    note: 'Get/Accept/Associate/Reject/UpdateDelegationRequest, SendDelegationToken, GetHumanReadableSummary: no delegation request exists in iamd (no partner can create one).',
  },
  humanReadableSummaryNotSupported: {
    code: 'InvalidInput',
    template: 'The entity {arn} cannot be summarized: the only supported entity type is delegation-request.',
    source: 'iamd',
    note: "GetHumanReadableSummary of an ARN that is not a delegation request's (the model's documentation; AWS's text is unknown).",
  },
  tradeInTokenExpired: {
    code: 'ExpiredTradeInTokenException',
    template:
      'The trade-in token provided in the request has expired and can no longer be exchanged for credentials. Request a new token and retry the operation.',
    source: 'aws-form',
    note: "STS GetDelegatedAccessToken: iamd issues no trade-in tokens, so none can be exchanged (the model's documentation of the exception).",
  },
  assumeRootByRoot: {
    code: 'AccessDenied',
    template: 'Cannot call AssumeRoot with root user credentials',
    source: 'iamd',
    note: 'STS AssumeRoot signed by a root user (the API reference: "You cannot use root user credentials to make this call"; AWS\'s text is unknown).',
  },
  assumeRootTargetInvalid: {
    code: 'ValidationError',
    template: "TargetPrincipal {target} is neither an account ID nor the ARN of an account's root user.",
    source: 'iamd',
    note: 'STS AssumeRoot: TargetPrincipal must be a 12-digit account ID or arn:PARTITION:iam::ACCOUNT:root.',
  },
  assumeRootTaskPolicyInvalid: {
    code: 'ValidationError',
    template: 'TaskPolicyArn {arn} is not one of the AWS managed policies for root tasks (arn:{partition}:iam::aws:policy/root-task/…).',
    source: 'iamd',
    note: "STS AssumeRoot: the five root-task policies are the only session policies AWS accepts; AWS's text is unknown.",
  },
  // ---- ops: exactness
  trustPolicyInvalidJson: {
    code: 'MalformedPolicyDocument',
    template: 'This policy contains invalid Json',
    source: 'aws',
    note: 'CreateRole, UpdateAssumeRolePolicy: a trust policy that is not JSON (identity policies answer policySyntaxErrors instead).',
  },
  arnUnparseable: {
    code: 'ValidationError',
    template: 'Invalid ARN:  Could not be parsed!',
    source: 'aws',
    note: 'A PolicyArn or PermissionsBoundary that is no ARN at all (two spaces, as AWS sends it); an ARN that names no policy is arnInvalid.',
  },
  serviceLinkedRoleSuffixNotAllowed: {
    code: 'InvalidInput',
    template: 'Custom suffix is not allowed for {service}',
    source: 'aws',
    note: 'CreateServiceLinkedRole with a CustomSuffix for a service that takes none (src/catalog/service-linked-roles.ts).',
  },
  roleArnInvalid: {
    code: 'ValidationError',
    template: '{arn} is invalid',
    source: 'aws',
    note: 'AssumeRole with a RoleArn that is no ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, partition, service and resource not empty).',
  },
  transitiveTagKeyConflict: {
    code: 'InvalidParameterValue',
    template: "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
    source: 'aws',
    note: 'AssumeRole (role chaining) with a session tag whose key, whatever its case, is a transitive tag key of the calling session.',
  },
  // ---- production: tls
  // ---- production: metrics
  // ---- production: throttling
  rateExceeded: {
    code: 'Throttling',
    template: 'Rate exceeded',
    source: 'aws',
    note: 'A signed request over the per-key, per-account or authorization API rate limit (IAMD_RATE_LIMIT_*, src/api/throttle.ts); the SDKs retry it with backoff.',
  },
  // ---- production: backups
  // ---- production: config file
  // ---- audit trail
  auditTrailUnavailable: {
    code: 'ServiceUnavailable',
    template: 'The audit trail could not record this request; it was not served.',
    source: 'iamd',
    note: 'IAMD_AUDIT_FAIL_CLOSED=1 and the record of a read or a refusal could not be written (src/actions/dispatch.ts). Writes always fail with their record.',
  },
  lookupAttributesInvalid: {
    code: 'InvalidLookupAttributesException',
    template: '{detail}',
    source: 'aws-form',
    note: 'LookupEvents: more than one lookup attribute, or an empty value (src/cloudtrail).',
  },
  lookupTimeRangeInvalid: {
    code: 'InvalidTimeRangeException',
    template: 'Start time must be earlier than end time.',
    source: 'aws-form',
    note: 'LookupEvents: StartTime after EndTime.',
  },
  lookupMaxResultsInvalid: {
    code: 'InvalidMaxResultsException',
    template: 'MaxResults must be between 1 and 50.',
    source: 'aws-form',
    note: 'LookupEvents: MaxResults outside 1–50.',
  },
  lookupNextTokenInvalid: {
    code: 'InvalidNextTokenException',
    template: 'Invalid NextToken.',
    source: 'aws-form',
    note: 'LookupEvents: a NextToken iamd did not give, or one given for other filters.',
  },
  lookupEventCategoryInvalid: {
    code: 'InvalidEventCategoryException',
    template: 'Only management events are recorded; EventCategory insight is not supported.',
    source: 'iamd',
    note: 'LookupEvents: EventCategory insight (iamd records no Insights events).',
  },
  cloudtrailUnknownOperation: {
    code: 'UnknownOperationException',
    template: '{target} is not an operation iamd serves.',
    source: 'iamd',
    note: 'The CloudTrail endpoint (JSON 1.1): an X-Amz-Target other than LookupEvents.',
  },
  // ---- scale out
  // ---- console: passkeys
  // ---- authorization API speed
  // ---- federation: OIDC (inbound)
  oidcConsoleSignInIncomplete: {
    code: 'InvalidInput',
    template: 'ClientId and DisplayName are required to enable console sign-in.',
    source: 'iamd',
    note: 'UpdateOpenIDConnectProviderConsoleSignIn (iamd extension) with Enabled true and no ClientId or a blank DisplayName.',
  },
  oidcConsoleClientIdUnknown: {
    code: 'InvalidInput',
    template: 'ClientId {clientId} is not a client ID of OpenIDConnect provider {arn}.',
    source: 'iamd',
    note: "UpdateOpenIDConnectProviderConsoleSignIn (iamd extension): the console's client must be in the provider's ClientIDList, as an ID token's audience must be for AssumeRoleWithWebIdentity.",
  },
  oidcProviderUrlInvalid: {
    code: 'ValidationError',
    template: 'Invalid Open ID Connect Provider URL',
    source: 'aws',
    note: "CreateOpenIDConnectProvider: a Url that is not https://HOST[/PATH] (AWS's answer to `example.org`; the same text for a port, query, fragment or user info is unverified).",
  },
  oidcProviderExists: {
    code: 'EntityAlreadyExists',
    template: 'Provider with url {url} already exists.',
    source: 'aws',
    note: 'CreateOpenIDConnectProvider: the account has a provider for this Url (names are unique whatever their case).',
  },
  oidcProviderNotFound: {
    code: 'NoSuchEntity',
    template: 'OpenIDConnect Provider not found for arn {arn}',
    source: 'aws',
    note: "GetOpenIDConnectProvider (observed); the other provider operations by ARN use it too (unverified). {arn} is the request's ARN.",
  },
  oidcProviderNotFoundOnDelete: {
    code: 'NoSuchEntity',
    template: 'OpenId connect Provider {arn} cannot be found.',
    source: 'aws',
    note: 'DeleteOpenIDConnectProvider of a provider that does not exist: observed on AWS, although its API reference calls the operation idempotent.',
  },
  oidcThumbprintsTooMany: {
    code: 'InvalidInput',
    template: 'Thumbprint list must contain fewer than 5 entries.',
    source: 'aws',
    note: "CreateOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint with more than 5 thumbprints (AWS's wording: 5 are allowed).",
  },
  oidcThumbprintInvalid: {
    code: 'InvalidInput',
    template: 'Thumbprint {thumbprint} is not 40 hexadecimal digits.',
    source: 'iamd',
    note: "CreateOpenIDConnectProvider, UpdateOpenIDConnectProviderThumbprint: a 40-character thumbprint that is not hex (AWS's text unknown).",
  },
  oidcJwksInvalid: {
    code: 'InvalidInput',
    template: 'Jwks is not a usable JWK Set: {reason}.',
    source: 'iamd',
    note: 'PutOpenIDConnectProviderKeys (iamd extension): not JSON, no keys, over 100 keys, or a key that is not an RSA/EC signature key for RS256/384/512 or ES256/384/512.',
  },
  oidcJwksPrivateKey: {
    code: 'InvalidInput',
    template: 'Jwks {key} has private key members ({members}): give only public keys.',
    source: 'iamd',
    note: 'PutOpenIDConnectProviderKeys (iamd extension): a JWK with d, p, q, dp, dq, qi, oth or k; the key material is never echoed.',
  },
  // AssumeRoleWithWebIdentity (src/sts/web-identity.ts, src/federation/oidc-*.ts)
  webIdentityNoProvider: {
    code: 'InvalidIdentityToken',
    template: 'No OpenIDConnect provider found in your account for {issuer}',
    source: 'aws',
    note: "AssumeRoleWithWebIdentity: the role's account has no IAM OIDC provider whose URL is exactly the token's iss.",
  },
  webIdentityNotJwt: {
    code: 'InvalidIdentityToken',
    template: 'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
    source: 'aws',
    note: 'AssumeRoleWithWebIdentity: a token that is not a signed JWT, or signed with another algorithm than RS256/384/512, ES256/384/512 (none and HMACs included).',
  },
  webIdentityMissingClaim: {
    code: 'InvalidIdentityToken',
    template: 'Missing a required claim: {claim}',
    source: 'aws',
    note: "AssumeRoleWithWebIdentity: a token without iss, aud, sub or exp (AWS's text observed for aud).",
  },
  webIdentityAudience: {
    code: 'InvalidIdentityToken',
    template: 'Incorrect token audience',
    source: 'aws',
    note: "AssumeRoleWithWebIdentity: neither the token's aud nor its azp is one of the provider's client ids.",
  },
  webIdentityTimestamp: {
    code: 'InvalidIdentityToken',
    template: 'The {claim} claim must be an integer or a long integer.',
    source: 'iamd',
    note: "AssumeRoleWithWebIdentity: exp, nbf or iat that is not a whole number (AWS's rule; its text unknown).",
  },
  webIdentityExpired: {
    code: 'ExpiredTokenException',
    template: 'Token expired: current date/time {now} must be before the expiration date/time {exp}',
    source: 'aws',
    note: 'AssumeRoleWithWebIdentity: the token expired more than a minute ago (iamd allows a minute of clock difference); epoch seconds.',
  },
  webIdentityNotYetValid: {
    code: 'InvalidIdentityToken',
    template: 'Token not yet valid: its {claim} {at} is after the current date/time {now}',
    source: 'iamd',
    note: "AssumeRoleWithWebIdentity: nbf or iat more than a minute ahead of iamd's clock; epoch seconds (AWS's text unknown).",
  },
  webIdentityKeyNotRetrieved: {
    code: 'InvalidIdentityToken',
    template: "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    source: 'aws',
    note: "AssumeRoleWithWebIdentity: no key of the issuer has the token's kid, or the issuer's discovery document or JWKS is unusable (status, type, size, TLS trust, jwks_uri off the issuer's host). Two spaces after the comma, as AWS sends it.",
  },
  webIdentityNotValidated: {
    code: 'InvalidIdentityToken',
    template: 'The web identity token provided could not be validated. See the AssumeRoleWithWebIdentity documentation for requirements.',
    source: 'aws-form',
    note: 'AssumeRoleWithWebIdentity: the signature does not verify with the key the token names (AWS answers this text for tokens it cannot validate; the case is unverified).',
  },
  webIdentityIdpUnreachable: {
    code: 'IDPCommunicationError',
    template:
      'The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.',
    source: 'aws-form',
    note: "AssumeRoleWithWebIdentity: the issuer's discovery document or JWKS could not be fetched (connection refused, DNS, reset, 5 s timeout); the STS model's description of the error.",
  },
  webIdentityTagsInvalid: {
    code: 'InvalidIdentityToken',
    template: 'The session tags of the token (claim https://aws.amazon.com/tags) are not valid: {reason}.',
    source: 'iamd',
    note: 'AssumeRoleWithWebIdentity: a tags claim that is not {principal_tags, transitive_tag_keys}, or breaks the session-tag limits (50 tags, keys 128, values 256 characters).',
  },
  webIdentitySourceIdentityInvalid: {
    code: 'InvalidIdentityToken',
    template:
      'The source identity of the token (claim https://aws.amazon.com/source_identity) must be 2 to 64 characters of letters, digits and +=,.@_- not starting with aws:.',
    source: 'iamd',
    note: "AssumeRoleWithWebIdentity: a source_identity claim that SourceIdentity's rules refuse.",
  },
  webIdentityProviderIdUnsupported: {
    code: 'InvalidParameterValue',
    template: 'ProviderId {providerId} is not supported: iamd verifies OpenID Connect ID tokens only; omit ProviderId.',
    source: 'iamd',
    note: 'AssumeRoleWithWebIdentity with ProviderId (AWS takes it only for the OAuth 2.0 access tokens of www.amazon.com and graph.facebook.com).',
  },
  // ---- federation: SAML (inbound)
  samlMetadataInvalid: {
    code: 'InvalidInput',
    template: 'Could not parse metadata.',
    source: 'aws-form',
    note: "Create/UpdateSAMLProvider: a document that is not an md:EntityDescriptor with a SAML 2.0 IDPSSODescriptor and an RSA signing certificate (AWS's troubleshooting page; the API's exact text unverified).",
  },
  samlProviderExists: {
    code: 'EntityAlreadyExists',
    template: 'SAMLProvider {name} already exists.',
    source: 'iamd',
    note: 'CreateSAMLProvider of a name the account has (whatever its case); unverified.',
  },
  samlProviderNotFound: {
    code: 'NoSuchEntity',
    template: 'Manifest not found for arn {arn}',
    source: 'aws',
    note: "Get/Update/Delete/Tag/UntagSAMLProvider, ListSAMLProviderTags of a provider that does not exist (AWS's reply to GetSAMLProvider as clients record it); {arn} is the request's.",
  },
  samlPrivateKeyInvalid: {
    code: 'InvalidInput',
    template: 'Invalid private key.',
    source: 'aws-form',
    note: "Create/UpdateSAMLProvider: an AddPrivateKey that is not an unencrypted PEM RSA private key (AWS's troubleshooting page).",
  },
  samlPrivateKeyLimit: {
    code: 'LimitExceeded',
    template: 'Private key limit of {limit} is reached.',
    source: 'aws-form',
    note: "UpdateSAMLProvider adding a third private key (AWS's troubleshooting page).",
  },
  samlPrivateKeyNotFound: {
    code: 'InvalidInput',
    template: 'Failed to remove private key because the Key ID does not match a private key.',
    source: 'aws-form',
    note: "UpdateSAMLProvider: a RemovePrivateKey that is no key of the provider (AWS's troubleshooting page).",
  },
  samlPrivateKeyStillRequired: {
    code: 'InvalidInput',
    template: 'Failed to remove private key.',
    source: 'aws-form',
    note: "UpdateSAMLProvider removing the last private key while AssertionEncryptionMode is Required (AWS's troubleshooting page names the error; its cause here is iamd's reading).",
  },
  samlAddAndRemoveKey: {
    code: 'InvalidInput',
    template: 'Unable to add and remove private keys in the same request. Set a value for only one of the two parameters.',
    source: 'aws-form',
    note: "UpdateSAMLProvider with both AddPrivateKey and RemovePrivateKey (AWS's troubleshooting page).",
  },
  samlEncryptionNeedsKey: {
    code: 'InvalidInput',
    template: 'Unable to set assertion encryption mode to Required because no private key is provided.',
    source: 'aws-form',
    note: "Create/UpdateSAMLProvider: AssertionEncryptionMode Required and the provider would have no private key (AWS's troubleshooting page).",
  },
  samlNoUpdates: {
    code: 'InvalidInput',
    template: 'Unable to update identity provider. No updates are defined for metadata or encryption assertion.',
    source: 'aws-form',
    note: "UpdateSAMLProvider with nothing to change (AWS's troubleshooting page).",
  },
  samlPrincipalArnInvalid: {
    code: 'ValidationError',
    template: 'Principal ARN is invalid',
    source: 'aws',
    note: "AssumeRoleWithSAML: a PrincipalArn that is not a SAML provider's ARN (as clients record AWS's reply).",
  },
  samlRequestArnInvalid: {
    code: 'ValidationError',
    template: 'Request ARN is invalid',
    source: 'aws',
    note: "AssumeRoleWithSAML: a RoleArn that is not a role's ARN (as clients record AWS's reply).",
  },
  samlProviderMissing: {
    code: 'InvalidIdentityToken',
    template: "Specified provider doesn't exist.",
    source: 'aws-form',
    note: "AssumeRoleWithSAML: PrincipalArn names no SAML provider (AWS's troubleshooting page; the code is iamd's reading).",
  },
  samlProviderExpired: {
    code: 'InvalidIdentityToken',
    template: 'The SAML provider is no longer valid: its metadata expired.',
    source: 'iamd',
    note: "AssumeRoleWithSAML after the provider's ValidUntil (its metadata's validUntil).",
  },
  samlResponseMalformed: {
    code: 'InvalidIdentityToken',
    template: 'Invalid SAML response: {reason}.',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: not base64, not XML, a DOCTYPE, a comment, several assertions, a signature iamd does not evaluate (algorithm, reference, ID)… {reason} says which.',
  },
  samlSignatureInvalid: {
    code: 'InvalidIdentityToken',
    template: 'Response signature invalid',
    source: 'aws',
    note: "AssumeRoleWithSAML: a signature that does not verify with the provider's certificates, or neither the Response nor the Assertion signed.",
  },
  samlIssuerUnknown: {
    code: 'InvalidIdentityToken',
    template: 'Issuer not present in specified provider',
    source: 'aws',
    note: "AssumeRoleWithSAML: the Issuer is not the provider metadata's entityID (AWS's text as SDKs report it).",
  },
  samlIdpRejected: {
    code: 'IDPRejectedClaim',
    template: 'The identity provider did not authenticate the user: {status}',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: a Response whose StatusCode is not Success.',
  },
  samlResponseExpired: {
    code: 'ExpiredTokenException',
    template: 'Response has expired',
    source: 'aws',
    note: 'AssumeRoleWithSAML: past the SubjectConfirmationData or Conditions NotOnOrAfter, or the AuthnStatement SessionNotOnOrAfter.',
  },
  samlIssuedTooLongAgo: {
    code: 'ExpiredTokenException',
    template: 'Token must be redeemed within 5 minutes of issuance',
    source: 'aws',
    note: "AssumeRoleWithSAML: the Assertion's IssueInstant is more than 5 minutes old.",
  },
  samlNotYetValid: {
    code: 'InvalidIdentityToken',
    template: 'Response is not yet valid',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: an IssueInstant or NotBefore in the future (beyond the clock skew iamd allows).',
  },
  samlAudienceMissing: {
    code: 'InvalidIdentityToken',
    template: 'Response does not contain the required audience.',
    source: 'aws-form',
    note: "AssumeRoleWithSAML: no AudienceRestriction, or one without an audience iamd accepts (AWS's troubleshooting page).",
  },
  samlRecipientInvalid: {
    code: 'InvalidIdentityToken',
    template: 'Response Recipient is not a sign-in endpoint of this service.',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: a Recipient (or Destination) that is not an AWS sign-in SAML endpoint of the partition.',
  },
  samlEncryptionRequired: {
    code: 'InvalidIdentityToken',
    template: 'The SAML provider requires encrypted assertions.',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: a plain Assertion for a provider whose AssertionEncryptionMode is Required.',
  },
  samlDecryptionFailed: {
    code: 'InvalidIdentityToken',
    template: 'The encrypted assertion could not be decrypted.',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: no private key of the provider opens the EncryptedAssertion (one text whatever the cause).',
  },
  samlRoleNotGranted: {
    code: 'InvalidIdentityToken',
    template: 'The SAML response does not grant role {roleArn} through provider {principalArn}.',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: no value of the Role attribute pairs RoleArn with PrincipalArn.',
  },
  samlRoleSessionNameRequired: {
    code: 'InvalidIdentityToken',
    template: 'RoleSessionName is required in AuthnResponse',
    source: 'aws',
    note: 'AssumeRoleWithSAML: no RoleSessionName attribute.',
  },
  samlRoleSessionNameInvalid: {
    code: 'InvalidIdentityToken',
    template: 'RoleSessionName in AuthnResponse must match {pattern}',
    source: 'aws',
    note: 'AssumeRoleWithSAML: a RoleSessionName that is not 2–64 of [a-zA-Z_0-9+=,.@-] ({pattern} is that expression, as AWS writes it).',
  },
  samlSourceIdentityInvalid: {
    code: 'InvalidIdentityToken',
    template: 'Source Identity must match {pattern} and not begin with "aws:"',
    source: 'aws',
    note: 'AssumeRoleWithSAML: a SourceIdentity attribute that is not 2–64 of [a-zA-Z_0-9+=,.@-] or starts with aws:.',
  },
  samlAttributeInvalid: {
    code: 'InvalidIdentityToken',
    template: '{attribute} in AuthnResponse is not valid: {reason}',
    source: 'iamd',
    note: 'AssumeRoleWithSAML: SessionDuration, PrincipalTag:*, TransitiveTagKeys or RoleSessionName attributes iamd cannot use (AWS rules for session tags).',
  },
  // ---- federation: outbound tokens
  outboundFederationEnabled: {
    code: 'FeatureEnabled',
    template:
      'The request failed because outbound identity federation is already enabled for your AWS account. You cannot enable the feature multiple times. To fetch the current configuration (including the unique issuer URL), use the GetOutboundWebIdentityFederationInfo operation.',
    source: 'aws-form',
    note: "EnableOutboundWebIdentityFederation when it is on: the API reference's description of the error (the wire text is unverified).",
  },
  outboundFederationDisabled: {
    code: 'FeatureDisabled',
    template: 'The request failed because outbound identity federation is already disabled for your AWS account. You cannot disable the feature multiple times',
    source: 'aws-form',
    note: "DisableOutboundWebIdentityFederation when it is off, GetOutboundWebIdentityFederationInfo when it was never enabled: the API reference's description (wire text unverified).",
  },
  outboundTokensDisabled: {
    code: 'OutboundWebIdentityFederationDisabledException',
    template:
      'The outbound web identity federation feature is not enabled for this account. To use this feature, you must first enable it through the AWS Management Console or API.',
    source: 'aws-form',
    note: "GetWebIdentityToken in an account whose outbound federation is off: the model's description of the error (wire text unverified).",
  },
  webIdentityTokenOutlivesSession: {
    code: 'SessionDurationEscalationException',
    template:
      'The requested token duration would extend the session beyond its original expiration time. You cannot use this operation to extend the lifetime of a session beyond what was granted when the session was originally created.',
    source: 'aws-form',
    note: "GetWebIdentityToken with temporary credentials and a DurationSeconds past their expiration: the model's description (wire text unverified).",
  },
  webIdentityTokenTooLarge: {
    code: 'JWTPayloadSizeExceededException',
    template:
      'The requested token payload size exceeds the maximum allowed size. Reduce the number of request tags included in the GetWebIdentityToken API call to reduce the token payload size.',
    source: 'aws-form',
    note: "GetWebIdentityToken whose claims exceed 16 KiB of JSON (iamd's limit; AWS's is not documented): the model's description (wire text unverified).",
  },
  signingAlgorithmInvalid: {
    code: 'ValidationError',
    template:
      "1 validation error detected: Value '{value}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]",
    source: 'aws-form',
    note: "GetWebIdentityToken with a SigningAlgorithm other than RS256 or ES384 (the model has no enum for it): AWS's model-validation form.",
  },
  roleChainingDuration: {
    code: 'ValidationError',
    template: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    source: 'aws',
    note: 'AssumeRole with role credentials and DurationSeconds over 3600.',
  },
  maxSessionDurationExceeded: {
    code: 'ValidationError',
    template: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    source: 'aws',
    note: "AssumeRole with DurationSeconds over the role's MaxSessionDuration.",
  },
  sessionPolicyArnsTooMany: {
    code: 'ValidationError',
    template: "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to {limit}",
    source: 'aws-form',
    note: "AssumeRole/GetFederationToken with more than 10 PolicyArns: AWS's model-validation form (as src/actions/model/decode-input.ts words it).",
  },
  sessionPolicyArnInvalid: {
    code: 'ValidationError',
    template: '{arn} is invalid',
    source: 'iamd',
    note: 'AssumeRole/GetFederationToken: a PolicyArns entry that is not a managed policy of the account or AWS; unverified.',
  },
  workloadNameInvalid: {
    code: 'ValidationError',
    template: 'Workload name {quotedName} must be 2 to 64 characters of letters, digits and +=,.@_-.',
    source: 'iamd',
    note: 'Workload API: {quotedName} is the name as a JSON string.',
  },
  workloadSessionDuration: {
    code: 'ValidationError',
    template: "The requested session duration {seconds} must be between {min} and the role's MaxSessionDuration ({max}) seconds.",
    source: 'iamd',
    note: 'Workload API: a session duration out of range.',
  },
  workloadTokenLifetime: {
    code: 'ValidationError',
    template: 'A workload token must live at least 60 seconds.',
    source: 'iamd',
    note: 'Workload API: an expiry under a minute.',
  },
  protectedServiceReserved: {
    code: 'ValidationError',
    template: "iamd's own services are not protected through this API: the request is signed for '{service}'.",
    source: 'iamd',
    note: 'Authorize, BatchAuthorize, Authenticate: an embedded request whose credential scope names iam or sts.',
  },
  embeddedBodyAndHash: {
    code: 'ValidationError',
    template: "Give the request's Body or its PayloadHash, not both.",
    source: 'iamd',
    note: 'Authorize, BatchAuthorize, Authenticate: Request with both Body and PayloadHash.',
  },
  embeddedPathInvalid: {
    code: 'ValidationError',
    template: "The request's Path must start with '/'.",
    source: 'iamd',
    note: 'Authorize, BatchAuthorize, Authenticate: a Request.Path that is no path (the query goes in Request.Query).',
  },
  embeddedSourceIpInvalid: {
    code: 'ValidationError',
    template: 'SourceIp {ip} is not an IPv4 or IPv6 address.',
    source: 'iamd',
    note: 'Authorize, BatchAuthorize, Authenticate: Request.SourceIp.',
  },
  contextKeyInvalid: {
    code: 'ValidationError',
    template: 'Context key {key} is not a condition key of the form service:Name.',
    source: 'iamd',
    note: 'Authorize, BatchAuthorize: a Context key without a service prefix.',
  },
  contextKeyReserved: {
    code: 'ValidationError',
    template: 'Context key {key} is reserved: iamd sets the aws: keys from the request it verified.',
    source: 'iamd',
    note: 'Authorize, BatchAuthorize: a Context key aws:… (aws:SourceIp, aws:MultiFactorAuthPresent…), which only iamd may set.',
  },
  resourcePolicyOtherAccount: {
    code: 'ValidationError',
    template: 'The resource {arn} is not in account {account}: a resource policy is kept by the account that owns the resource.',
    source: 'iamd',
    note: 'PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy: a ResourceArn naming another account.',
  },
  serviceCatalogInvalid: {
    code: 'ValidationError',
    template: '{detail}',
    source: 'detail',
    note: "PutServiceCatalog: every problem of the catalog, in the model decoder's form (src/protect/catalogue-format.ts: `N validation errors detected: Value … at 'Actions[0].Name' failed to satisfy constraint: …`).",
  },
  serviceCatalogNameMismatch: {
    code: 'ValidationError',
    template: "The service name {pathName} in the request does not match the catalog's Name {name}.",
    source: 'iamd',
    note: 'PutServiceCatalog (PUT /iamd/services/NAME) whose document names another service.',
  },

  // ---- InvalidParameterValue (STS)
  sessionTagKeysDuplicate: {
    code: 'InvalidParameterValue',
    template: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    source: 'aws-form',
    note: "AssumeRole session tags: IAM's text (duplicateTagKeys); STS's exact text unverified.",
  },
  sessionTagKeyReserved: {
    code: 'InvalidParameterValue',
    template: 'Tag keys can\'t start with "aws:". This prefix is reserved for AWS-defined tags.',
    source: 'iamd',
    note: 'AssumeRole session tags with an aws: key; unverified.',
  },
  transitiveTagKeyNotRequested: {
    code: 'InvalidParameterValue',
    template: 'The specified transitive tag key must be included in the requested tags.',
    source: 'aws',
    note: 'AssumeRole: a TransitiveTagKeys entry that is not one of Tags.',
  },
  accessKeyIdInvalid: {
    code: 'InvalidParameterValue',
    template: 'The access key ID {accessKeyId} is not valid.',
    source: 'iamd',
    note: 'GetAccessKeyInfo with an id that encodes no account; unverified.',
  },

  // ---- DeleteConflict
  mustDeleteLoginProfile: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must delete login profile first.',
    source: 'aws',
    note: 'DeleteUser (AWS checks in the order of id_users_remove.html).',
  },
  mustDeleteAccessKeys: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must delete access keys first.',
    source: 'aws',
    note: 'DeleteUser.',
  },
  mustDeleteSigningCertificates: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must delete signing certificates first.',
    source: 'aws-form',
    note: 'DeleteUser of a user with signing certificates (the wording as peer emulators record it).',
  },
  mustDeleteSshPublicKeys: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must delete SSH public keys first.',
    source: 'aws-form',
    note: 'DeleteUser of a user with SSH public keys (the wording as peer emulators record it).',
  },
  mustDeleteMfaDevice: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must delete MFA device first.',
    source: 'aws',
    note: 'DeleteUser with an enabled MFA device.',
  },
  mustDeletePolicies: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must delete policies first.',
    source: 'aws',
    note: 'DeleteUser, DeleteGroup, DeleteRole with inline policies.',
  },
  mustDetachPolicies: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must detach all policies first.',
    source: 'aws',
    note: 'DeleteUser, DeleteGroup, DeleteRole with attached managed policies.',
  },
  mustRemoveUsersFromGroup: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must remove users from group first.',
    source: 'aws',
    note: 'DeleteGroup with members, and DeleteUser of a group member.',
  },
  mustRemoveRolesFromInstanceProfile: {
    code: 'DeleteConflict',
    template: 'Cannot delete entity, must remove roles from instance profile first.',
    source: 'aws',
    note: 'DeleteInstanceProfile holding a role, and DeleteRole of a role in an instance profile.',
  },
  policyAttached: {
    code: 'DeleteConflict',
    template: 'Cannot delete a policy attached to entities.',
    source: 'aws',
    note: 'DeletePolicy of a policy attached to, or the boundary of, a user, group or role.',
  },
  policyHasVersions: {
    code: 'DeleteConflict',
    template:
      "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    source: 'aws',
    note: 'DeletePolicy of a policy with non-default versions.',
  },
  defaultPolicyVersion: {
    code: 'DeleteConflict',
    template: 'Cannot delete the default version of a policy.',
    source: 'aws',
    note: 'DeletePolicyVersion of the default version.',
  },
  mfaDeviceInUse: {
    code: 'DeleteConflict',
    template: 'MFA VirtualDevice in use. Must deactivate first.',
    source: 'aws',
    note: 'DeleteVirtualMFADevice of an enabled device.',
  },

  // ---- EntityAlreadyExists
  userExists: {
    code: 'EntityAlreadyExists',
    template: 'User with name {name} already exists.',
    source: 'aws',
    note: 'CreateUser, UpdateUser (names are unique whatever their case).',
  },
  groupExists: {
    code: 'EntityAlreadyExists',
    template: 'Group with name {name} already exists.',
    source: 'aws',
    note: 'CreateGroup, UpdateGroup.',
  },
  roleExists: {
    code: 'EntityAlreadyExists',
    template: 'Role with name {name} already exists.',
    source: 'aws',
    note: 'CreateRole.',
  },
  instanceProfileExists: {
    code: 'EntityAlreadyExists',
    template: 'Instance Profile {name} already exists.',
    source: 'aws',
    note: 'CreateInstanceProfile.',
  },
  policyExists: {
    code: 'EntityAlreadyExists',
    template: 'A policy called {name} already exists. Duplicate names are not allowed.',
    source: 'aws',
    note: 'CreatePolicy.',
  },
  loginProfileExists: {
    code: 'EntityAlreadyExists',
    template: 'Login Profile for user {name} already exists.',
    source: 'aws',
    note: 'CreateLoginProfile.',
  },
  accountAliasExists: {
    code: 'EntityAlreadyExists',
    template: 'The account alias {alias} already exists.',
    source: 'aws-form',
    note: 'CreateAccountAlias of an alias another account holds; unverified.',
  },
  mfaDeviceExists: {
    code: 'EntityAlreadyExists',
    template: 'MFADevice entity at the same path and name already exists.',
    source: 'aws',
    note: 'CreateVirtualMFADevice of a name already taken under the same path (another path may hold the same name).',
  },
  mfaDeviceAlreadyEnabled: {
    code: 'EntityAlreadyExists',
    template: 'MFA Device is already in use.',
    source: 'aws-form',
    note: 'EnableMFADevice of a device enabled for someone; unverified.',
  },

  gatewayExists: {
    code: 'EntityAlreadyExists',
    template: 'Gateway with name {name} already exists for service {service}.',
    source: 'aws-form',
    note: 'RegisterGateway: an active gateway of the service already has the name.',
  },

  // ---- InvalidAuthenticationCode
  mfaAuthenticationCodeInvalid: {
    code: 'InvalidAuthenticationCode',
    template: 'Authentication code for device is not valid.',
    source: 'aws',
    note: 'EnableMFADevice, ResyncMFADevice with codes that are wrong, not consecutive or already used.',
  },

  // ---- InvalidInput
  arnInvalid: {
    code: 'InvalidInput',
    template: 'ARN {arn} is not valid.',
    source: 'aws',
    note: 'A PolicyArn or PermissionsBoundary that is not a policy ARN.',
  },
  tagKeysDuplicate: {
    code: 'InvalidInput',
    template: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
    source: 'aws',
    note: 'Tags of Create*/Tag* with the same key twice (whatever its case).',
  },
  tagKeyReserved: {
    code: 'InvalidInput',
    template: 'User-defined tag keys can\'t start with "aws:". This prefix is reserved for AWS-defined tags.',
    source: 'aws-form',
    note: "Tags with an aws: key: AWS's tagging wording; IAM's exact text unverified.",
  },
  servicePrincipalInvalid: {
    code: 'InvalidInput',
    template: 'Service name {service} is not a valid service principal.',
    source: 'iamd',
    note: 'CreateServiceLinkedRole with an AWSServiceName that is not …amazonaws.com; unverified.',
  },
  serviceRoleNameTaken: {
    code: 'InvalidInput',
    template: 'Service role name {name} has been taken in this account, please try a different suffix.',
    source: 'aws',
    note: 'CreateServiceLinkedRole when the role exists.',
  },
  notServiceLinkedRole: {
    code: 'InvalidInput',
    template: 'Role {name} is not a service-linked role.',
    source: 'iamd',
    note: 'DeleteServiceLinkedRole of an ordinary role; unverified.',
  },
  deletionTaskIdInvalid: {
    code: 'InvalidInput',
    template: 'Invalid deletion task id {taskId}.',
    source: 'iamd',
    note: 'GetServiceLinkedRoleDeletionStatus; unverified.',
  },
  simulationPolicyInvalid: {
    code: 'InvalidInput',
    template: '{input}: {detail}',
    source: 'detail',
    note: "Simulate*/GetContextKeysFor*: the policy parser's finding (src/policy/messages.ts) after the input's name (PolicyInputList.1, ResourcePolicy).",
  },
  simulationArnInvalid: {
    code: 'InvalidInput',
    template: 'Invalid ARN: {arn}',
    source: 'iamd',
    note: 'SimulatePrincipalPolicy/GetContextKeysForPrincipalPolicy: a PolicySourceArn that is no user, group or role.',
  },
  simulationResourceOwnerInvalid: {
    code: 'InvalidInput',
    template: 'Invalid ResourceOwner: {owner}',
    source: 'iamd',
    note: 'Simulate*: a ResourceOwner with no account id.',
  },
  simulationCallerArnForGroup: {
    code: 'InvalidInput',
    template: 'CallerArn must be specified when a resource policy is simulated for a group.',
    source: 'iamd',
    note: 'SimulatePrincipalPolicy of a group with a ResourcePolicy.',
  },
  simulationCallerArnRequired: {
    code: 'InvalidInput',
    template: 'CallerArn must be specified when a resource policy is simulated.',
    source: 'iamd',
    note: 'SimulateCustomPolicy with a ResourcePolicy.',
  },
  workloadProfileWithoutRole: {
    code: 'InvalidInput',
    template: 'Instance profile {name} has no role to give a workload.',
    source: 'iamd',
    note: 'Workload API: registering a workload on an instance profile with no role.',
  },

  // ---- InvalidUserType
  changePasswordNotIamUser: {
    code: 'InvalidUserType',
    template: 'Only IAM Users can change their own password.',
    source: 'iamd',
    note: 'ChangePassword called by root or a role session; unverified.',
  },
  oldPasswordIncorrect: {
    code: 'InvalidUserType',
    template: 'The old password is incorrect.',
    source: 'iamd',
    note: 'ChangePassword with a wrong OldPassword; unverified (code and text).',
  },

  // ---- LimitExceeded
  quotaExceeded: {
    code: 'LimitExceeded',
    template: 'Cannot exceed quota for {quota}: {limit}',
    source: 'aws',
    note: 'AccessKeysPerUser, GroupsPerUser, PoliciesPer{User,Group,Role}, PolicySize, ACLSizePerRole, InstanceSessionsPerInstanceProfile, MFADevicesPerUser (unverified).',
  },
  inlinePolicySizeExceeded: {
    code: 'LimitExceeded',
    template: 'Maximum policy size of {limit} bytes exceeded for {kind} {name}',
    source: 'aws',
    note: 'Put{User,Group,Role}Policy over the inline quota; {kind} is user, group or role.',
  },
  policyVersionsExceeded: {
    code: 'LimitExceeded',
    template: 'A managed policy can have up to {limit} versions. Before you create a new version, you must delete an existing version.',
    source: 'aws',
    note: 'CreatePolicyVersion with 5 versions kept.',
  },
  tagsExceeded: {
    code: 'LimitExceeded',
    template: 'The number of tags has reached the maximum limit of {limit}.',
    source: 'iamd',
    note: 'Create*/Tag* over 50 tags; unverified.',
  },

  // ---- MalformedPolicyDocument
  malformedPolicyDocument: {
    code: 'MalformedPolicyDocument',
    template: '{detail}',
    source: 'detail',
    note: "The policy parser's first finding, in AWS's words where known (src/policy/messages.ts).",
  },
  policySyntaxErrors: {
    code: 'MalformedPolicyDocument',
    template: 'Syntax errors in policy.',
    source: 'aws',
    note: 'Trust and session policies the parser refuses without a finding (as src/policy/messages.ts SyntaxError).',
  },
  policyLegacyParsing: {
    code: 'MalformedPolicyDocument',
    template: 'The policy failed legacy parsing',
    source: 'aws',
    note: 'Identity policies the parser refuses without a finding (as src/policy/messages.ts LegacyParsing).',
  },

  // ---- NoSuchEntity
  entityNotFound: {
    code: 'NoSuchEntity',
    template: 'The {kind} with name {name} cannot be found.',
    source: 'aws',
    note: 'GetUser, GetGroup, GetRole and every operation on a user, group or role by name; {kind}: src/iam/common.ts.',
  },
  inlinePolicyNotFound: {
    code: 'NoSuchEntity',
    template: 'The {kind} policy with name {name} cannot be found.',
    source: 'aws',
    note: 'Get/Delete{User,Group,Role}Policy; {kind} is user, group or role.',
  },
  instanceProfileNotFound: {
    code: 'NoSuchEntity',
    template: 'Instance Profile {name} cannot be found.',
    source: 'aws',
    note: 'Every operation on an instance profile by name.',
  },
  accessKeyNotFound: {
    code: 'NoSuchEntity',
    template: 'The Access Key with id {accessKeyId} cannot be found.',
    source: 'aws',
    note: 'UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed.',
  },
  loginProfileNotFound: {
    code: 'NoSuchEntity',
    template: 'Login Profile for User {name} cannot be found.',
    source: 'aws',
    note: 'Get/Update/DeleteLoginProfile, ChangePassword.',
  },
  passwordPolicyNotFound: {
    code: 'NoSuchEntity',
    template: 'The Password Policy with domain name {accountId} cannot be found.',
    source: 'aws',
    note: 'GetAccountPasswordPolicy with no policy set.',
  },
  accountPasswordPolicyNotFound: {
    code: 'NoSuchEntity',
    template: 'The account policy with name PasswordPolicy cannot be found.',
    source: 'aws',
    note: 'DeleteAccountPasswordPolicy with no policy set.',
  },
  accountAliasNotFound: {
    code: 'NoSuchEntity',
    template: 'The account alias {alias} cannot be found.',
    source: 'aws-form',
    note: 'DeleteAccountAlias of an alias the account does not have; unverified.',
  },
  policyNotFound: {
    code: 'NoSuchEntity',
    template: 'Policy {arn} was not found.',
    source: 'aws',
    note: 'GetPolicy and every operation on a managed policy by ARN; Detach*Policy of a policy not attached.',
  },
  policyNotAttachable: {
    code: 'NoSuchEntity',
    template: 'Policy {arn} does not exist or is not attachable.',
    source: 'aws',
    note: 'Attach{User,Group,Role}Policy of a missing policy.',
  },
  policyVersionNotFound: {
    code: 'NoSuchEntity',
    template: 'Policy {arn} version {versionId} does not exist or is not attachable.',
    source: 'aws',
    note: 'GetPolicyVersion, DeletePolicyVersion, SetDefaultPolicyVersion.',
  },
  boundaryNotAttachable: {
    code: 'NoSuchEntity',
    template: 'Scope ARN: {arn} does not exist or is not attachable.',
    source: 'aws',
    note: 'A PermissionsBoundary naming no managed policy (CreateUser, CreateRole, Put*PermissionsBoundary).',
  },
  mfaDeviceNotFound: {
    code: 'NoSuchEntity',
    template: 'MFA Device with serial number {serial} does not exist.',
    source: 'iamd',
    note: "Operations on an MFA device by serial number; unverified (moto answers DeleteVirtualMFADevice with 'VirtualMFADevice with serial number … doesn't exist.').",
  },
  mfaDeviceNotForUser: {
    code: 'NoSuchEntity',
    template: 'MFA Device invalid for user.',
    source: 'aws',
    note: 'ResyncMFADevice, DeactivateMFADevice of a device not enabled for that user (as other IAM implementations reproduce it).',
  },
  workloadNotFound: {
    code: 'NoSuchEntity',
    template: 'Workload {workloadId} cannot be found.',
    source: 'iamd',
    note: 'Workload API: revoking an unknown workload.',
  },
  serviceCatalogNotFound: {
    code: 'NoSuchEntity',
    template: 'The service catalog with name {name} cannot be found.',
    source: 'aws-form',
    note: "GetServiceCatalog, DeleteServiceCatalog of a service with no catalog (IAM's NoSuchEntity form).",
  },
  resourcePolicyNotFound: {
    code: 'NoSuchEntity',
    template: 'The resource policy for {arn} cannot be found.',
    source: 'aws-form',
    note: "GetResourcePolicy, DeleteResourcePolicy of an ARN or prefix with no stored policy (IAM's NoSuchEntity form).",
  },

  gatewayNotFound: {
    code: 'NoSuchEntity',
    template: 'The gateway with id {gatewayId} cannot be found.',
    source: 'aws-form',
    note: 'RevokeGateway of an unknown gateway, or of another account.',
  },

  // ---- PasswordPolicyViolation
  passwordPolicyViolation: {
    code: 'PasswordPolicyViolation',
    template: 'Password does not conform to the account password policy. {reasons}.',
    source: 'aws-form',
    note: "AWS's first sentence; {reasons} are src/iam/password-policy.ts's, joined with '. ' (unverified).",
  },
  passwordReused: {
    code: 'PasswordPolicyViolation',
    template: 'Password does not conform to the account password policy. Password should not be one of your last {count} passwords.',
    source: 'aws-form',
    note: "AWS's first sentence; the reason (PasswordReusePrevention) is unverified.",
  },

  // ---- PolicyNotAttachable
  serviceRolePolicyNotAttachable: {
    code: 'PolicyNotAttachable',
    template: 'Cannot attach a Service Role Policy to a Customer Role.',
    source: 'aws',
    note: 'Attaching an AWS managed policy of /aws-service-role/ to anything but a service-linked role.',
  },

  // ---- UnmodifiableEntity
  protectedRole: {
    code: 'UnmodifiableEntity',
    template: "Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS",
    source: 'aws',
    note: 'UpdateRole, UpdateAssumeRolePolicy, DeleteRole of a service-linked role.',
  },

  // ---- STS
  invalidAuthorizationMessage: {
    code: 'InvalidAuthorizationMessageException',
    template: 'Message is not valid',
    source: 'iamd',
    note: 'DecodeAuthorizationMessage of a message this iamd did not issue, or altered; unverified.',
  },
  packedPolicyTooLarge: {
    code: 'PackedPolicyTooLarge',
    template: 'Packed policy consumes {percent}% of allotted space, please use smaller policy.',
    source: 'aws',
    note: 'AssumeRole/GetFederationToken whose session policies and tags exceed the packed size.',
  },
  // ---- Transports and dispatch (every door: the Query API, the console, iamd's JSON APIs)
  operationNotServed: {
    code: 'InvalidAction',
    template: 'iamd does not serve {service}.',
    source: 'iamd',
    note: 'The dispatcher was asked for a service iamd has no model of.',
  },
  operationNotFound: {
    code: 'InvalidAction',
    template: 'Could not find operation {action} for version {version}',
    source: 'aws',
    note: 'An Action the model does not have, or a Version other than the API version.',
  },
  operationNotImplemented: {
    code: 'NotImplemented',
    template: 'iamd does not implement {service}:{action} yet.',
    source: 'iamd',
    note: "An operation of AWS's model that iamd does not serve yet (AWS's own answer for it is 501 NotImplemented too).",
  },
  missingAction: {
    code: 'MissingAction',
    template: 'Missing Action',
    source: 'aws-form',
    note: 'A Query API request with no Action parameter.',
  },
  arnPartitionInvalid: {
    code: 'ValidationError',
    template: 'Invalid ARN partition',
    source: 'aws',
    note: 'An ARN in a request (any arnType member) in another partition than the one iamd serves.',
  },
  credentialWrongService: {
    code: 'SignatureDoesNotMatch',
    template: "Credential should be scoped to correct service: '{service}'. ",
    source: 'aws',
    note: "A request to one of iamd's APIs signed for another service (AWS keeps the trailing space).",
  },
  credentialWrongRegion: {
    code: 'SignatureDoesNotMatch',
    template: "Credential should be scoped to a valid region, not '{region}'. ",
    source: 'aws',
    note: 'A credential scoped to a region outside the partition iamd serves (IAMD_PARTITION).',
  },
  securityTokenInvalid: {
    code: 'InvalidClientTokenId',
    template: 'The security token included in the request is invalid.',
    source: 'aws',
    note: 'An unknown or inactive access key, or a session token that does not open.',
  },
  securityTokenExpired: {
    code: 'ExpiredToken',
    template: 'The security token included in the request is expired',
    source: 'aws',
    note: 'Temporary credentials past their expiration.',
  },
  bodyIncomplete: {
    code: 'InvalidHttpRequest',
    template: 'The request body is shorter than its Content-Length.',
    source: 'iamd',
    note: 'The client closed the connection before sending the body it declared.',
  },
  bodyTooLarge: {
    code: 'RequestEntityTooLarge',
    template: 'Request body must be at most {limit} bytes.',
    source: 'iamd',
    note: "A body over the transport's limit, refused before it is read.",
  },
  jsonBodyInvalid: {
    code: 'ValidationError',
    template: 'The request body must be a JSON object.',
    source: 'iamd',
    note: "iamd's JSON APIs (workloads, authorization, resource policies, catalogues).",
  },
  pathSegmentInvalid: {
    code: 'ValidationError',
    template: 'The {what} in the path is not valid percent-encoded UTF-8.',
    source: 'iamd',
    note: "A malformed percent-encoding in a path segment of iamd's JSON APIs.",
  },
  routeNotFound: {
    code: 'InvalidAction',
    template: '{method} {path} is not an iamd {api} operation.',
    source: 'iamd',
    note: "A method and path that none of iamd's JSON APIs serves (answered 404 or 405).",
  },
  methodNotAllowed: {
    code: 'InvalidAction',
    template: 'Use {method} for {path}.',
    source: 'iamd',
    note: "A route of iamd's JSON APIs called with another method (answered 405).",
  },
  gatewayBodyHashMissing: {
    code: 'InvalidRequest',
    template: 'Missing required header for this request: x-amz-content-sha256',
    source: 'aws',
    note: "Gateway check endpoints (answered 401): a request announcing a body without a signed x-amz-content-sha256; the gateway never sees the body (S3's text for the same header).",
  },
  gatewayProxyHeaderMissing: {
    code: 'InternalFailure',
    template: 'The proxy did not send {header}: see examples/nginx/README.md.',
    source: 'iamd',
    note: 'Gateway check endpoints (answered 500): the proxy is configured without a header the endpoint needs (the original method or URI).',
  },
  gatewayProxyHeaderInvalid: {
    code: 'InternalFailure',
    template: 'The proxy sent an invalid {header}.',
    source: 'iamd',
    note: 'Gateway check endpoints (answered 500): an original URI that is not a path, or an X-Forwarded-For whose last entry is no IP address.',
  },
  serviceFailure: {
    code: 'ServiceFailure',
    template: 'The request processing has failed because of an unknown error, exception or failure.',
    source: 'aws',
    note: 'Anything thrown that is not an AwsError: logged with the request id, answered without details.',
  },
} as const satisfies Record<string, MessageSpec>;

export type MessageName = keyof typeof MESSAGES;

/** The placeholder names of a template: `Placeholders<'{a} and {b}'>` is `'a' | 'b'`. */
export type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** The values a message needs: one per placeholder of its template, no more, no fewer. */
export type MessageValues<N extends MessageName> = { readonly [P in Placeholders<(typeof MESSAGES)[N]['template']>]: string | number };

/** The arguments after the name: none for a template without placeholders, else its values. */
export type MessageArgs<N extends MessageName> = [Placeholders<(typeof MESSAGES)[N]['template']>] extends [never] ? [] : [values: MessageValues<N>];

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills a template: each `{name}` becomes `String(values[name])` (a value's own braces stay as they are). */
export function fillTemplate(template: string, values: Readonly<Record<string, string | number>> | undefined): string {
  if (values === undefined) return template;
  return template.replace(PLACEHOLDER, (_, key: string) => String(values[key]));
}

/** The text of a message, e.g. `messageText('entityNotFound', { kind: 'user', name: 'bob' })`. */
export function messageText<N extends MessageName>(name: N, ...args: MessageArgs<N>): string {
  return fillTemplate(MESSAGES[name].template, args[0]);
}

/** The error of a message, with its code: `throw awsError('userExists', { name })`. */
export function awsError<N extends MessageName>(name: N, ...args: MessageArgs<N>): AwsError {
  return new AwsError(MESSAGES[name].code, fillTemplate(MESSAGES[name].template, args[0]));
}
