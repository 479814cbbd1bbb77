// iamd's policy engine: parse and validate AWS IAM policy documents, compile them once, evaluate requests
// with AWS's evaluation logic, and explain each decision. Pure: no I/O, no dependencies.

/** Types of documents, findings, compiled policies, requests and decisions. */
export type {
  CompiledPolicy,
  Decision,
  DeniedBy,
  EvaluationInput,
  EvaluationPrincipal,
  EvaluationRequest,
  Finding,
  MatchedStatement,
  PolicyDocument,
  PolicyKind,
  PolicySource,
  PolicyStatement,
  PrincipalBlock,
  PrincipalType,
  RequestContext,
} from './types.ts';
/** `parsePolicy(text, kind)` → `{ document?, findings }` (never throws); the result type. */
export { parsePolicy, type ParseOptions, type ParseResult } from './parse.ts';
/** `firstErrorMessage(findings)` → AWS's MalformedPolicyDocument message of the first error. */
export { firstErrorMessage } from './parse.ts';
/** `policySizeWithoutWhitespace(text)` and the AWS size limits it is compared against. */
export { policySizeWithoutWhitespace, POLICY_SIZE_LIMITS } from './policy-size.ts';
/** `compilePolicy(document, source)` → a reusable `CompiledPolicy`. */
export { compilePolicy } from './compile.ts';
/** `evaluate(input)` → `Decision` (AWS evaluation logic). */
export { allowingStatements, evaluate } from './evaluate.ts';
/** AccessDenied wording: the reason suffix and the whole message. */
export { accessDeniedReason, accessDeniedMessage } from './access-denied.ts';
/** A context with a few keys added over another, folded for conditions once (the authorizer's per-question keys). */
export { contextWith } from './context.ts';
/** `contextKeysOf(document)` → the context keys the policy uses. */
export { contextKeysOf } from './context-keys.ts';
/** The table of condition operators and the modifier parser (for validators and the console). */
export { OPERATORS, parseOperatorName } from './operators.ts';
