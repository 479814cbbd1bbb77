// The console's way into iamd: the SAME dispatch, handlers and authorizer as the Query API, with
// the signed-in principal as the caller. Console input is flattened into the Query protocol's
// parameters and decoded with the botocore model, so validation errors read exactly as AWS's do.
import type { Caller, RequestFacts, Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { newRequestId } from '../../domain/ids.ts';
import { accessDeniedMessage } from '../../policy/index.ts';
import { toParams } from '../../actions/model/flatten-params.ts';

export class Invoker {
  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
  ) {}

  has(action: string, service = 'iam'): boolean {
    return this.dispatcher.has(service, action);
  }

  /** Runs one IAM/STS action as `caller`; throws AwsError as the Query API would answer it. */
  async call(caller: Caller, facts: RequestFacts, action: string, input: object = {}, service = 'iam'): Promise<Record<string, unknown>> {
    const output = await this.dispatcher.run({ service, action, params: toParams(input as Record<string, unknown>), caller, facts, requestId: newRequestId() });
    return output ?? {};
  }

  /** Whether the caller may do `action` on `resource`, and AWS's reason when not (for disabled buttons). */
  async can(caller: Caller, facts: RequestFacts, action: string, resource: string): Promise<{ allowed: boolean; reason?: string }> {
    const decision = await this.services.authorizer.decide(caller, action, resource, facts);
    if (decision.decision === 'Allowed') return { allowed: true };
    return { allowed: false, reason: accessDeniedMessage(decision, caller.arn, action, resource) ?? `Not authorized to perform ${action}` };
  }
}
