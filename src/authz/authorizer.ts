// The one seam between the store and the policy engine: gathers the caller's policies, builds
// the request context, asks the engine, and words AccessDenied the way AWS does.
import type { Caller, RequestFacts } from '../actions/context.ts';
import { AwsError } from '../errors/aws-error.ts';
import type { Store } from '../store/store.ts';

export type DecisionKind = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface AuthorizationResult {
  decision: DecisionKind;
  /** AWS's reason suffix, e.g. "because no identity-based policy allows the iam:CreateUser action". */
  reason: string;
}

export class Authorizer {
  constructor(private readonly store: Store) {}

  async decide(caller: Caller, action: string, _resource: string, _facts: RequestFacts, _extra?: Record<string, string | string[]>): Promise<AuthorizationResult> {
    // The root user may do anything in its own account.
    if (caller.type === 'Root') return { decision: 'Allowed', reason: '' };
    void this.store;
    // No policy engine yet: a principal with no policy that allows it is denied, as on AWS.
    return { decision: 'ImplicitlyDenied', reason: `because no identity-based policy allows the ${action} action` };
  }

  async authorize(caller: Caller, action: string, resource: string, facts: RequestFacts, extra?: Record<string, string | string[]>): Promise<void> {
    const result = await this.decide(caller, action, resource, facts, extra);
    if (result.decision !== 'Allowed') throw accessDenied(caller, action, resource, result.reason);
  }
}

/** `User: ARN is not authorized to perform: ACTION on resource: RESOURCE because …` */
export function accessDenied(caller: Caller, action: string, resource: string, reason: string): AwsError {
  return new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`.trimEnd());
}
