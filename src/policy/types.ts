// Shared types of the policy engine: documents, findings, compiled policies, requests and decisions.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html

/** Which kind of policy a document is validated as. */
export type PolicyKind = 'identity' | 'resource' | 'trust';

/** A condition value as written in a policy. */
export type ConditionScalar = string | number | boolean;

/** The `Principal` / `NotPrincipal` element, normalised: `"*"` or a map of principal type to values. */
export type PrincipalBlock = '*' | { [type: string]: string[] };

/** One statement, normalised: single strings became arrays, condition values became arrays of strings. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Principal?: PrincipalBlock;
  NotPrincipal?: PrincipalBlock;
  /** operator → condition key → values (numbers and booleans already turned into strings). */
  Condition?: { [operator: string]: { [key: string]: string[] } };
}

/** A validated policy document, normalised (Statement is always an array). */
export interface PolicyDocument {
  /** `undefined` when the document has no Version element (then it behaves as 2008-10-17). */
  Version?: '2012-10-17' | '2008-10-17';
  Id?: string;
  Statement: PolicyStatement[];
}

/** A problem found while parsing/validating a policy. `message` is AWS's wording where known. */
export interface Finding {
  severity: 'error' | 'warning';
  code: string;
  /** JSON path of the offending element, e.g. `Statement[1].Condition.StringEquals`. */
  path: string;
  message: string;
}

/** Where a compiled policy came from; reported back in matched statements. */
export interface PolicySource {
  type: 'identity' | 'boundary' | 'session' | 'resource' | 'trust';
  name: string;
  arn?: string;
  versionId?: string;
}

/** Kinds of calling principal the evaluator distinguishes. */
export type PrincipalType = 'User' | 'AssumedRole' | 'Role' | 'FederatedUser' | 'Root' | 'Service' | 'WebIdentity' | 'SAML' | 'CanonicalUser' | 'Anonymous';

/** The caller. `type` is inferred from the ARN when omitted. */
export interface EvaluationPrincipal {
  arn: string;
  account: string;
  type?: PrincipalType;
}

/** A request context: condition key → value(s). Key lookup is case-insensitive; the object is never mutated. */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

/** One request to decide. */
export interface EvaluationRequest {
  action: string;
  resource: string;
  /** Account that owns the resource; defaults to the principal's account (same-account request). */
  resourceAccount?: string;
  context: RequestContext;
}

/** Everything `evaluate` needs. Compiled policies are reusable across any number of evaluations. */
export interface EvaluationInput {
  principal: EvaluationPrincipal;
  identityPolicies: readonly CompiledPolicy[];
  permissionsBoundary?: CompiledPolicy | null;
  sessionPolicies?: readonly CompiledPolicy[] | null;
  resourcePolicy?: CompiledPolicy | null;
  request: EvaluationRequest;
  /** When false, the decision carries no matched statements / missing keys (faster, allocation-free). Default true. */
  explain?: boolean;
}

/** A statement that matched the request (its action, resource, principal and condition all matched). */
export interface MatchedStatement {
  source: PolicySource;
  sid?: string;
  index: number;
  effect: 'Allow' | 'Deny';
}

/** Which policy type blocked a request. */
export type DeniedBy = 'identity' | 'boundary' | 'session' | 'resource';

/** The outcome of `evaluate`, with its explanation. */
export interface Decision {
  decision: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  matchedStatements: MatchedStatement[];
  /** Set when the decision is a deny: the policy type that denied (explicitly) or failed to allow (implicitly). */
  deniedBy?: DeniedBy;
  /** Context keys the policies asked for that the request did not carry (lower-cased), sorted. */
  missingContextKeys: string[];
  /** Statements that failed while being evaluated (they never grant; a failing Deny denies). */
  errors?: string[];
}

/** Opaque compiled policy produced by `compilePolicy`. */
export interface CompiledPolicy {
  readonly source: PolicySource;
  readonly document: PolicyDocument;
  /** @internal compiled statements and per-action caches. */
  readonly internal: unknown;
}
