// The table of actions iamd serves: one plain async function per AWS operation, shared by every
// transport. Input arrives decoded and validated against the service model; output is the model's
// result structure.
import type { ActionContext } from './context.ts';

export type Input = Record<string, any>;
export type Output = Record<string, unknown> | undefined;
export type Handler = (ctx: ActionContext, input: Input) => Promise<Output>;

export interface ActionDefinition {
  service: 'iam' | 'sts';
  name: string;
  handler: Handler;
  /** Actions that need no permission (sts:GetCallerIdentity): skip the authorize-was-called check. */
  public?: boolean;
}

export class ActionRegistry {
  // service → action name → definition (looked up on every request: no key string is built).
  private readonly actions = new Map<string, Map<string, ActionDefinition>>();

  add(service: 'iam' | 'sts', handlers: Record<string, Handler>, options: { public?: string[] } = {}): void {
    let byName = this.actions.get(service);
    if (!byName) this.actions.set(service, (byName = new Map()));
    for (const [name, handler] of Object.entries(handlers)) {
      byName.set(name, { service, name, handler, public: options.public?.includes(name) });
    }
  }

  get(service: string, name: string): ActionDefinition | undefined {
    return this.actions.get(service)?.get(name);
  }

  names(service: string): string[] {
    return [...(this.actions.get(service)?.keys() ?? [])];
  }
}
