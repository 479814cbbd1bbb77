// AWS's MalformedPolicyDocument messages, in one place. Each says where its wording comes from;
// test/fixtures/policy-validation holds the documents AWS answered them for, with their sources.

export const MESSAGES = {
  /** AWS (recorded): invalid JSON, wrong element types, unknown elements, an empty Statement, a Version it does not know. */
  SyntaxError: 'Syntax errors in policy.',
  /** AWS (recorded): managed policies without Version, or with 2008-10-17. */
  VersionRequired: 'Policy document must be version 2012-10-17 or greater.',
  /** AWS (recorded): an Effect in the wrong case, an unreadable Date condition value, a malformed short ARN. */
  LegacyParsing: 'The policy failed legacy parsing',
  /** AWS (recorded, trust policies): the document is not JSON. */
  InvalidJson: 'This policy contains invalid Json',
  /** AWS (identity policies with Principal). */
  PrincipalNotAllowed: 'Policy document should not specify a principal.',
  /** AWS (bucket policies without Principal; trust and resource policies here). */
  MissingPrincipal: 'Missing required field Principal',
  /** AWS (recorded). */
  MissingActions: 'Policy statement must contain actions.',
  /** AWS (recorded). */
  MissingResources: 'Policy statement must contain resources.',
  /** AWS (recorded, trust policies with Resource). */
  ProhibitedResource: 'Has prohibited field Resource',
  /** AWS (recorded, trust policies allowing another action). */
  TrustActions: 'AssumeRole policy may only specify STS AssumeRole actions.',
  /** AWS (bucket policies without Statement; trust and resource policies here). */
  MissingStatement: 'Missing required field Statement',
  /** Follows the "Missing required field X" form (trust and resource policies). */
  MissingEffect: 'Missing required field Effect',
  /** AWS. */
  InvalidSid: 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  /** AWS (recorded). */
  DuplicateSid: 'Statement IDs (SID) in a single policy must be unique.',
  /** AWS (recorded): an action without a colon (condition keys are not checked). */
  MissingVendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  /** AWS (recorded): an action with two colons. */
  OneColon: 'Actions/Condition can contain only one colon.',
  /** AWS (recorded): a vendor with characters other than letters, digits, `-` and `.`. */
  vendorInvalid: (vendor: string): string => `Vendor ${vendor} is not valid`,
  /** AWS (recorded). */
  invalidResource: (r: string): string => `Resource ${r} must be in ARN format or "*".`,
  /** AWS (recorded): `arn:aws` and nothing after. */
  VendorNotQualified: 'Resource vendor must be fully qualified and cannot contain regexes.',
  /** AWS (recorded): a Resource ARN of another partition; `arn` is the resource padded to six fields with `*`. */
  wrongPartition: (partition: string, arn: string): string => `Partition "${partition}" is not valid for resource "${arn}".`,
  /** AWS (recorded). */
  iamRegion: (r: string): string => `IAM resource ${r} cannot contain region information.`,
  /** AWS (recorded). */
  s3Region: (r: string): string => `Resource ${r} can not contain region information.`,
  /** AWS (recorded, 2026: "root" was added to the older wording moto keeps). */
  IamResourcePath:
    'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.',
  /** AWS (trust and bucket policies). */
  invalidPrincipal: (type: string, value: string): string => `Invalid principal in policy: ${JSON.stringify(type)}:${JSON.stringify(value)}`,
  /** Unverified wording (trust and resource policies; identity policies answer SyntaxError). */
  unknownField: (name: string): string => `Unknown field ${name}`,
} as const;
