// Where a resource-based policy must allow even within one account (data, not code paths):
// role trust policies and KMS key policies "must explicitly allow access for principals".
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policies_resource.html
import type { PolicySource } from './types.ts';

/** Services whose resource policies (e.g. KMS key policies) must allow every request. */
export const SERVICES_REQUIRING_RESOURCE_POLICY: ReadonlySet<string> = new Set(['kms']);

/** True when `source` must allow `action` itself (an account-root grant delegating to IAM counts). */
export function resourcePolicyRequired(source: PolicySource, action: string): boolean {
  if (source.type === 'trust') return true;
  const colon = action.indexOf(':');
  return colon > 0 && SERVICES_REQUIRING_RESOURCE_POLICY.has(action.slice(0, colon).toLowerCase());
}
