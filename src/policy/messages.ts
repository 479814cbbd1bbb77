// AWS's MalformedPolicyDocument messages, by finding code, in one place.
// Wording taken from AWS error responses where it is known (see the comments); the rest follows their style.

export const MESSAGES = {
  /** AWS: invalid JSON, wrong element types. */
  SyntaxError: 'Syntax errors in policy.',
  /** AWS: a Version or Effect value it does not know. */
  LegacyParsing: 'The policy failed legacy parsing',
  /** AWS (IAM identity policies with Principal). */
  PrincipalNotAllowed: 'Policy document should not specify a principal.',
  /** AWS (trust and bucket policies without Principal). */
  MissingPrincipal: 'Missing required field Principal',
  /** AWS. */
  MissingActions: 'Policy statement must contain actions.',
  /** AWS. */
  MissingResources: 'Policy statement must contain resources.',
  /** AWS (trust policies with Resource). */
  ProhibitedResource: 'Has prohibited field Resource',
  /** AWS (bucket policies without Statement). */
  MissingStatement: 'Missing required field Statement',
  /** Follows the "Missing required field X" form. */
  MissingEffect: 'Missing required field Effect',
  /** AWS. */
  InvalidSid: 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  /** AWS. */
  DuplicateSid: 'Statement IDs (SID) in a single policy must be unique.',
  /** AWS (bad action or condition key prefix). */
  MissingVendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  /** AWS. */
  invalidResource: (r: string): string => `Resource ${r} must be in ARN format or "*".`,
  /** AWS (a Resource ARN of another partition than the account's). */
  wrongPartition: (partition: string, r: string): string => `Partition "${partition}" is not valid for resource "${r}".`,
  /** AWS (trust and bucket policies). */
  invalidPrincipal: (type: string, value: string): string => `Invalid principal in policy: ${JSON.stringify(type)}:${JSON.stringify(value)}`,
  /** Unverified wording. */
  unknownField: (name: string): string => `Unknown field ${name}`,
} as const;
