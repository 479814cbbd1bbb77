// The one way into an action, for every transport (the Query API, the console, the workload API):
// look the operation up, decode its input against the service model, check the ARNs it names,
// create the action context, run the handler, and check that it authorized before it answered.
// Transports only turn bytes into a Dispatch and the result (or AwsError) back into bytes.
import { awsError } from '../errors/messages.ts';
import { createActionContext, type Caller, type RequestFacts, type Services } from './context.ts';
import type { ActionRegistry } from './registry.ts';
import { decodeInput, type OperationParams } from './model/decode-input.ts';
import { checkInputArns } from './model/input-arns.ts';
import { cloudtrailModel, iamdModel, iamModel, stsModel, type ServiceModel } from './model/service-model.ts';
import { AwsError } from '../errors/aws-error.ts';
import { secondsSince, type Metrics } from '../metrics/metrics.ts';
import { AuditCall } from '../audit/call.ts';
import type { AuditRecorder, DecisionLevel } from '../audit/recorder.ts';
import { decidingStatements } from '../authz/matched-statements.ts';
import type { ActionContext } from './context.ts';

/** The services iamd speaks, each described by a service model (AWS's vendored; iamd's own). */
const MODELS: Readonly<Record<string, ServiceModel>> = { iam: iamModel, sts: stsModel, iamd: iamdModel, cloudtrail: cloudtrailModel };

/** What an operation answers: its output structure, or nothing. */
export type OperationOutput = Record<string, unknown> | undefined;

export interface Dispatch {
  service: string;
  action: string;
  /** The operation's parameters in the Query protocol's flat form (`Tags.member.1.Key`), or a JSON transport's value (JsonInput). */
  params: OperationParams;
  /** The API version the request names, when it names one (Query API): another one is InvalidAction. */
  version?: string;
  caller: Caller;
  facts: RequestFacts;
  requestId: string;
}

export class Dispatcher {
  constructor(
    private readonly services: Services,
    private readonly registry: ActionRegistry,
    /** Counts every operation by outcome and times it (iamd_requests_total, iamd_request_duration_seconds). */
    private readonly metrics?: Metrics,
  ) {}

  /** The model of a service iamd speaks, or undefined. */
  model(service: string): ServiceModel | undefined {
    return Object.hasOwn(MODELS, service) ? MODELS[service] : undefined;
  }

  /** True when iamd serves `service:action`. */
  has(service: string, action: string): boolean {
    return this.registry.get(service, action) !== undefined;
  }

  /** True when `service:action` may be called unsigned (by an Anonymous caller). */
  acceptsUnsigned(service: string, action: string): boolean {
    return this.registry.get(service, action)?.unsigned === true;
  }

  /** Runs one operation as `caller`; resolves to its output, or rejects with AWS's error. */
  run(d: Dispatch): Promise<OperationOutput> {
    const metrics = this.metrics;
    if (!metrics) return this.runOperation(d);
    const start = performance.now();
    // Labels only from what iamd serves: a made-up action name must not become a time series.
    const served = this.registry.get(d.service, d.action) !== undefined;
    const service = Object.hasOwn(MODELS, d.service) ? d.service : 'unknown';
    const action = served ? d.action : 'unknown';
    return this.runOperation(d).then(
      (output) => {
        metrics.request(service, action, secondsSince(start), 200);
        return output;
      },
      (error: unknown) => {
        if (error instanceof AwsError) metrics.request(service, action, secondsSince(start), error.status, error.code);
        else metrics.request(service, action, secondsSince(start), 500, 'InternalFailure');
        throw error;
      },
    );
  }

  /** The audit trail (src/audit), when on: every call of every service is recorded (see `audited`). */
  audit?: AuditRecorder;
  private readonly outputMembersCache = new Map<string, ReadonlySet<string>>();

  /**
   * Runs the operation with its audit record: written in the call's write transaction when it
   * writes, else queued when it ends (src/audit/call.ts). Fail-closed: a record that cannot be
   * written fails the call.
   */
  private async runOperation(d: Dispatch): Promise<OperationOutput> {
    const recorder = this.audit;
    if (!recorder || !Object.hasOwn(MODELS, d.service)) return this.execute(d);
    const call = new AuditCall(recorder, {
      service: d.service,
      action: d.action,
      caller: d.caller,
      facts: d.facts,
      requestId: d.requestId,
      outputMembers: this.outputMembers(d.service, d.action),
    });
    let output: OperationOutput;
    try {
      output = await this.execute(d, call);
    } catch (error) {
      const recording = call.failed(error);
      if (recording) await this.audited(recording);
      throw error;
    }
    if (decisionSkipped(recorder, d.action, call.input, output)) return output;
    // A batch at the denials level: only its refused questions are recorded.
    if (d.action === 'BatchAuthorize' && decisionLevel(recorder, call.input).mode === 'denials') call.onlyDenials = true;
    // Queued (no promise) unless fail-closed: then written before the answer.
    const recording = call.succeeded(output);
    if (recording) await this.audited(recording);
    return output;
  }

  /** A record written before the answer (fail-closed) that could not be written fails the call. */
  private async audited(recording: Promise<void>): Promise<void> {
    try {
      await recording;
    } catch (error) {
      this.services.logger.error({ err: String(error) }, 'audit trail: a record could not be written (fail-closed: the call fails)');
      throw awsError('auditTrailUnavailable');
    }
  }

  /** The member names of an operation's output structure (a write's result with only these is its answer). */
  private outputMembers(service: string, action: string): ReadonlySet<string> | undefined {
    const key = `${service}:${action}`;
    let members = this.outputMembersCache.get(key);
    if (!members) {
      const model = MODELS[service]!;
      const operation = Object.hasOwn(model.operations, action) ? model.operations[action] : undefined;
      const shape = operation?.output ? model.shapes[operation.output.shape] : undefined;
      members = new Set(Object.keys(shape?.members ?? {}));
      this.outputMembersCache.set(key, members);
    }
    return members;
  }

  private async execute(d: Dispatch, call?: AuditCall): Promise<OperationOutput> {
    const model = this.model(d.service);
    if (!model) throw awsError('operationNotServed', { service: d.service });
    const operation = Object.hasOwn(model.operations, d.action) ? model.operations[d.action] : undefined;
    if (!operation || (d.version !== undefined && d.version !== model.metadata.apiVersion)) {
      throw awsError('operationNotFound', { action: d.action, version: d.version ?? model.metadata.apiVersion });
    }
    const definition = this.registry.get(d.service, d.action);
    if (!definition) throw awsError('operationNotImplemented', { service: d.service, action: d.action });
    // INVARIANT: an unsigned request reaches only the operations that authenticate by their input.
    if (d.caller.type === 'Anonymous' && !definition.unsigned) throw awsError('missingAuthenticationToken');
    const input = decodeInput(model, operation.input?.shape, d.params);
    checkInputArns(model, operation.input?.shape, input, d.caller.partition);
    const ctx = createActionContext(d.caller, d.facts, this.services, d.requestId);
    if (call) attachAudit(call, ctx, input);
    const output: OperationOutput = await definition.handler(ctx, input);
    // INVARIANT: every action but the public ones was authorized before it ran.
    if (!ctx.authorized && !definition.public) throw new Error(`${d.service}:${d.action} returned without authorizing`);
    return output;
  }
}

/** Connects a call's audit record to its context: its input, its store session's commit hook, and who allowed it. */
function attachAudit(call: AuditCall, ctx: ActionContext, input: Record<string, unknown>): void {
  call.input = input;
  ctx.services.store.setBeforeCommit?.(call.beforeCommit, call.afterCommit);
  call.authorization = () => ctx.lastAuthorized;
  call.explain = async () => {
    const last = ctx.lastAuthorized;
    if (!last) return undefined;
    const decision = await ctx.services.authorizer.explain(ctx.caller, last.action, last.resource, ctx.request, last.extra, { store: ctx.services.store });
    return {
      action: last.action,
      resource: last.resource,
      decision: decision.decision,
      decidingStatements: decidingStatements(decision) as unknown as Record<string, string>[],
    };
  };
}

/** Protected services' decisions (Authorize, BatchAuthorize, CheckGatewayRequest): recorded at the level configured for the service. */
const DECISIONS = new Set(['Authorize', 'BatchAuthorize', 'CheckGatewayRequest']);

/** The level at which a protected service's decisions are recorded: the service's own, or the default. */
function decisionLevel(recorder: AuditRecorder, input: Record<string, unknown> | undefined): DecisionLevel {
  const levels = recorder.options.decisions;
  // The service asked about: named (gateways), or the prefix of the (first) action asked.
  const first = Array.isArray(input?.Requests) ? (input.Requests[0] as { Action?: unknown } | undefined)?.Action : input?.Action;
  const service = typeof input?.ServiceName === 'string' ? input.ServiceName : typeof first === 'string' ? first.split(':')[0] : undefined;
  return (service !== undefined && Object.hasOwn(levels.services, service) ? levels.services[service] : undefined) ?? levels.default;
}

function decisionSkipped(recorder: AuditRecorder, action: string, input: Record<string, unknown> | undefined, output: OperationOutput): boolean {
  if (!DECISIONS.has(action)) return false;
  const level = decisionLevel(recorder, input);
  switch (level.mode) {
    case 'all':
      return false;
    case 'none':
      return true;
    case 'sample':
      return Math.random() >= level.rate;
    case 'denials': {
      const results = Array.isArray(output?.Results) ? (output.Results as { Decision?: unknown }[]) : [output ?? {}];
      return !results.some((r) => (r as { Decision?: unknown }).Decision === 'Deny');
    }
  }
}

/** Member names (lowercased) whose shape the service models mark `sensitive`: the audit trail hashes them. */
export function sensitiveMemberNames(): Set<string> {
  const names = new Set<string>();
  for (const model of Object.values(MODELS)) {
    for (const shape of Object.values(model.shapes)) {
      for (const [name, ref] of Object.entries(shape.members ?? {})) if (model.shapes[ref.shape]?.sensitive) names.add(name.toLowerCase());
    }
  }
  return names;
}
