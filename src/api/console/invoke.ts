// The console's way into iamd: the SAME action handlers and the SAME authorizer as the Query
// API, with the signed-in principal as the caller. Console input is flattened into the Query
// protocol's parameters and decoded with the botocore model, so validation errors read exactly
// as AWS's do.
import { createActionContext, type ActionContext, type Caller, type RequestFacts, type Services } from '../../actions/context.ts';
import type { ActionRegistry, Output } from '../../actions/registry.ts';
import { AwsError } from '../../errors/aws-error.ts';
import { newRequestId } from '../../domain/ids.ts';
import { accessDeniedMessage } from '../../policy/index.ts';
import { decodeInput, type Params } from '../query/decode.ts';
import { checkInputArns } from '../query/input-arns.ts';
import { iamModel, stsModel, type ServiceModel } from '../query/model.ts';

const MODELS: Record<string, ServiceModel> = { iam: iamModel, sts: stsModel };

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
    private readonly registry: ActionRegistry,
  ) {}

  has(action: string, service = 'iam'): boolean {
    return this.registry.get(service, action) !== undefined;
  }

  /** Runs one IAM/STS action as `caller`; throws AwsError as the Query API would answer it. */
  async call(caller: Caller, facts: RequestFacts, action: string, input: Record<string, unknown> = {}, service = 'iam'): Promise<Record<string, any>> {
    const model = MODELS[service];
    const operation = Object.hasOwn(model.operations, action) ? model.operations[action] : undefined;
    const definition = this.registry.get(service, action);
    if (!operation || !definition) throw new AwsError('NotImplemented', `iamd does not implement ${service}:${action} yet.`);
    const decoded = decodeInput(model, operation.input?.shape, toParams(input));
    checkInputArns(model, operation.input?.shape, decoded, caller.partition);
    const ctx = actionContext(this.services, caller, facts);
    const output: Output = await definition.handler(ctx, decoded);
    // INVARIANT (as in the Query API): every action but the public ones was authorized.
    if (!ctx.authorized && !definition.public) throw new Error(`${service}:${action} returned without authorizing`);
    return (output ?? {}) as Record<string, any>;
  }

  /** Whether the caller may do `action` on `resource`, and AWS's reason when not (for disabled buttons). */
  async can(caller: Caller, facts: RequestFacts, action: string, resource: string): Promise<{ allowed: boolean; reason?: string }> {
    const decision = await this.services.authorizer.decide(caller, action, resource, facts);
    if (decision.decision === 'Allowed') return { allowed: true };
    return { allowed: false, reason: accessDeniedMessage(decision, caller.arn, action, resource) ?? `Not authorized to perform ${action}` };
  }
}
