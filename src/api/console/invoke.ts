// The console's way into iamd: the SAME dispatch, handlers and authorizer as the Query API, with
// the signed-in principal as the caller. Console input is flattened into the Query protocol's
// parameters and decoded with the botocore model, so validation errors read exactly as AWS's do.
import { createActionContext, type ActionContext, type Caller, type RequestFacts, type Services } from '../../actions/context.ts';
import type { Dispatcher } from '../../actions/dispatch.ts';
import { newRequestId } from '../../domain/ids.ts';
import { accessDeniedMessage } from '../../policy/index.ts';
import type { Params } from '../../actions/model/decode-input.ts';

/** Builds the ActionContext exactly as the Query API does (src/api/query/query-api.ts). */
export function actionContext(services: Services, caller: Caller, facts: RequestFacts, requestId = newRequestId()): ActionContext {
  return createActionContext(caller, facts, services, requestId);
}

/** Flattens `{ Tags: [{ Key, Value }], UserName }` into Query parameters (`Tags.member.1.Key`). */
export function toParams(input: Record<string, unknown>): Params {
  const params: Params = new Map();
  const put = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      if (value.length === 0) params.set(key, '');
      value.forEach((item, i) => put(`${key}.member.${i + 1}`, item));
    } else if (value instanceof Date) params.set(key, value.toISOString());
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) put(`${key}.${k}`, v);
    else params.set(key, String(value));
  };
  for (const [k, v] of Object.entries(input)) put(k, v);
  return params;
}

export class Invoker {
  constructor(
    private readonly services: Services,
    private readonly dispatcher: Dispatcher,
  ) {}

  has(action: string, service = 'iam'): boolean {
    return this.dispatcher.has(service, action);
  }

  /** Runs one IAM/STS action as `caller`; throws AwsError as the Query API would answer it. */
  async call(caller: Caller, facts: RequestFacts, action: string, input: Record<string, unknown> = {}, service = 'iam'): Promise<Record<string, any>> {
    const output = await this.dispatcher.run({ service, action, params: toParams(input), caller, facts, requestId: newRequestId() });
    return (output ?? {}) as Record<string, any>;
  }

  /** Whether the caller may do `action` on `resource`, and AWS's reason when not (for disabled buttons). */
  async can(caller: Caller, facts: RequestFacts, action: string, resource: string): Promise<{ allowed: boolean; reason?: string }> {
    const decision = await this.services.authorizer.decide(caller, action, resource, facts);
    if (decision.decision === 'Allowed') return { allowed: true };
    return { allowed: false, reason: accessDeniedMessage(decision, caller.arn, action, resource) ?? `Not authorized to perform ${action}` };
  }
}
