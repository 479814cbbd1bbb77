// Service rules the evaluation logic consults, kept as data.
import type { PolicySource } from './types.ts';

/**
 * Services whose resource policies must allow every request, even within one account: KMS key policies
 * (role trust policies likewise, by their source type). An account-root grant there delegates to IAM.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies_resource.html
 */
export const SERVICES_REQUIRING_RESOURCE_POLICY: ReadonlySet<string> = new Set(['kms']);

/**
 * Actions that need no permission at all, even against an explicit deny (lower-cased).
 * sts:GetCallerIdentity: "No permissions are required to perform this operation. If an administrator attaches
 * a policy to your identity that explicitly denies access to the sts:GetCallerIdentity action, you can still
 * perform this operation." https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export const ACTIONS_WITHOUT_AUTHORIZATION: ReadonlySet<string> = new Set(['sts:getcalleridentity']);

/** True when `source` must allow `action` itself. */
export function resourcePolicyRequired(source: PolicySource, action: string): boolean {
  if (source.type === 'trust') return true;
  const colon = action.indexOf(':');
  return colon > 0 && SERVICES_REQUIRING_RESOURCE_POLICY.has(action.slice(0, colon).toLowerCase());
}

const unauthorized = new Map<string, boolean>();
/** True when `action` (any case) needs no authorization (memoised per spelling). */
export function needsNoAuthorization(action: string): boolean {
  let v = unauthorized.get(action);
  if (v === undefined) {
    v = ACTIONS_WITHOUT_AUTHORIZATION.has(action.toLowerCase());
    if (unauthorized.size >= 4096) unauthorized.clear();
    unauthorized.set(action, v);
  }
  return v;
}
