// The table of actions iamd serves: one plain async function per AWS operation, shared by every
// transport. Input arrives decoded and validated against the service model; output is the model's
// result structure.
//
// Handlers are typed by operation: the types of each operation's input and output are generated
// from the same vendored models the transports decode and encode with (src/actions/generated,
// `npm run gen:types`), so TypeScript checks every handler against its operation. The registry
// erases those types once, at `add`: the transports look a handler up by name (one Map lookup)
// and call it with the input they decoded.
import type { ActionContext } from './context.ts';
import type { IamOperations } from './generated/iam.ts';
import type { StsOperations } from './generated/sts.ts';
import type { IamdOperations } from './generated/iamd.ts';
import type { CloudtrailOperations } from './generated/cloudtrail.ts';

/** Every operation of each service iamd speaks, with its input and output types. */
export interface Operations {
  iam: IamOperations;
  sts: StsOperations;
  /** iamd's own operations (models/iamd.json): the workload API. */
  iamd: IamdOperations;
  /** CloudTrail's LookupEvents (models/cloudtrail.json): the audit trail's query API. */
  cloudtrail: CloudtrailOperations;
}

export type ServiceName = keyof Operations;
export type OperationName<S extends ServiceName> = keyof Operations[S] & string;
export type InputOf<S extends ServiceName, Op extends OperationName<S>> = Operations[S][Op] extends { input: infer I } ? I : never;
export type OutputOf<S extends ServiceName, Op extends OperationName<S>> = Operations[S][Op] extends { output: infer O } ? O : never;

/** The handler of one operation: its decoded input in, its output structure (or nothing) out. */
export type Handler<S extends ServiceName, Op extends OperationName<S>> = (ctx: ActionContext, input: InputOf<S, Op>) => Promise<OutputOf<S, Op>>;
export type IamHandler<Op extends keyof IamOperations> = Handler<'iam', Op>;
export type StsHandler<Op extends keyof StsOperations> = Handler<'sts', Op>;
export type IamInput<Op extends keyof IamOperations> = IamOperations[Op]['input'];
export type IamOutput<Op extends keyof IamOperations> = IamOperations[Op]['output'];

/**
 * A table of handlers by operation name, each checked against its operation. Declare tables with
 * `satisfies IamHandlers` (not `: IamHandlers`) to keep the handlers callable without `!`.
 */
export type Handlers<S extends ServiceName> = { [Op in OperationName<S>]?: Handler<S, Op> };
export type IamHandlers = Handlers<'iam'>;
export type StsHandlers = Handlers<'sts'>;
export type IamdHandlers = Handlers<'iamd'>;
export type CloudtrailHandlers = Handlers<'cloudtrail'>;

/** An operation's input as the transports hand it over: decoded and validated against the model. */
export type DecodedInput = Record<string, unknown>;
/** An operation's output as the transports encode it (with the model's output shape). */
export type Output = Record<string, unknown> | undefined;
/** A handler with its operation's types erased: how the transports call it. */
export type ErasedHandler = (ctx: ActionContext, input: DecodedInput) => Promise<Output>;

export interface ActionDefinition {
  service: ServiceName;
  name: string;
  handler: ErasedHandler;
  /** Actions that need no permission (sts:GetCallerIdentity): skip the authorize-was-called check. */
  public?: boolean;
  /** Actions a request may call unsigned (AssumeRoleWithWebIdentity / SAML: their input is the proof). */
  unsigned?: boolean;
}

/**
 * The one place the operation types are erased. Sound because a definition is only ever called
 * with the input decoded against its operation's input shape in the same model the handlers'
 * types are generated from, and its output is only ever encoded with that operation's output shape.
 */
function erase<S extends ServiceName>(handlers: Handlers<S>): Record<string, ErasedHandler | undefined> {
  return handlers as unknown as Record<string, ErasedHandler | undefined>;
}

export class ActionRegistry {
  // service → action name → definition (looked up on every request: no key string is built).
  private readonly actions = new Map<string, Map<string, ActionDefinition>>();

  add<S extends ServiceName>(service: S, handlers: Handlers<S>, options: { public?: OperationName<S>[]; unsigned?: OperationName<S>[] } = {}): void {
    let byName = this.actions.get(service);
    if (!byName) {
      byName = new Map();
      this.actions.set(service, byName);
    }
    const publicNames = new Set<string>(options.public);
    const unsignedNames = new Set<string>(options.unsigned);
    for (const [name, handler] of Object.entries(erase(handlers))) {
      if (handler) byName.set(name, { service, name, handler, public: publicNames.has(name), unsigned: unsignedNames.has(name) });
    }
  }

  get(service: string, name: string): ActionDefinition | undefined {
    return this.actions.get(service)?.get(name);
  }

  names(service: string): string[] {
    return [...(this.actions.get(service)?.keys() ?? [])];
  }
}
