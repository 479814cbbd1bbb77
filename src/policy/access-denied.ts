// AWS's AccessDenied wording, built from a Decision.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
import type { Decision, DeniedBy } from './types.ts';

const IMPLICIT: Record<DeniedBy, string> = {
  identity: 'identity-based policy',
  resource: 'resource-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
};
const EXPLICIT: Record<DeniedBy, string> = {
  identity: 'an identity-based policy',
  resource: 'a resource-based policy',
  boundary: 'a permissions boundary',
  session: 'a session policy',
};

/**
 * The reason suffix of an AccessDenied message, e.g. `because no identity-based policy allows the
 * iam:CreateUser action` or `with an explicit deny in a permissions boundary`; `undefined` when allowed.
 */
export function accessDeniedReason(decision: Decision, action: string): string | undefined {
  if (decision.decision === 'Allowed') return undefined;
  const by = decision.deniedBy ?? 'identity';
  return decision.decision === 'ExplicitlyDenied' ? `with an explicit deny in ${EXPLICIT[by]}` : `because no ${IMPLICIT[by]} allows the ${action} action`;
}

/**
 * The whole message: `User: ARN is not authorized to perform: ACTION on resource: RESOURCE because …`
 * (AWS leaves out `on resource: …` for actions on `*`).
 */
export function accessDeniedMessage(decision: Decision, principalArn: string, action: string, resource: string): string | undefined {
  const reason = accessDeniedReason(decision, action);
  if (reason === undefined) return undefined;
  const on = resource === '*' ? '' : ` on resource: ${resource}`;
  return `User: ${principalArn} is not authorized to perform: ${action}${on} ${reason}`;
}
