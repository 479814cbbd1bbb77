// The one way into an action, for every transport (the Query API, the console, the workload API):
// look the operation up, decode its input against the service model, check the ARNs it names,
// create the action context, run the handler, and check that it authorized before it answered.
// Transports only turn bytes into a Dispatch and the result (or AwsError) back into bytes.
import { awsError } from '../errors/messages.ts';
import { createActionContext, type Caller, type RequestFacts, type Services } from './context.ts';
import type { ActionRegistry } from './registry.ts';
import { decodeInput, type Params } from './model/decode-input.ts';
import { checkInputArns } from './model/input-arns.ts';
import { iamdModel, iamModel, stsModel, type ServiceModel } from './model/service-model.ts';
import { AwsError } from '../errors/aws-error.ts';
import { secondsSince, type Metrics } from '../metrics/metrics.ts';

/** The services iamd speaks, each described by a service model (AWS's vendored; iamd's own). */
const MODELS: Readonly<Record<string, ServiceModel>> = { iam: iamModel, sts: stsModel, iamd: iamdModel };

/** What an operation answers: its output structure, or nothing. */
export type OperationOutput = Record<string, unknown> | undefined;

export interface Dispatch {
  service: string;
  action: string;
  /** The operation's parameters in the Query protocol's flat form (`Tags.member.1.Key`). */
  params: Params;
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

  private async runOperation(d: Dispatch): Promise<OperationOutput> {
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
    const output: OperationOutput = await definition.handler(ctx, input);
    // INVARIANT: every action but the public ones was authorized before it ran.
    if (!ctx.authorized && !definition.public) throw new Error(`${d.service}:${d.action} returned without authorizing`);
    return output;
  }
}
