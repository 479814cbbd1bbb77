// What the last-accessed reports are made of: every attempt a user or role makes (allowed or not,
// as AWS counts them: "all attempts to access an AWS API, not just the successful ones"), by
// service namespace, and by action for the services iamd tracks at action level. Recorded off the
// hot path: at most one write a minute per principal and service (or action), through
// `store.touch` (best-effort bookkeeping that drops no cache), never awaited by the request.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html
import type { Caller, RequestFacts } from '../domain/caller.ts';
import type { Store } from '../store/store.ts';

/** Services whose actions are recorded one by one (the reports show only their management actions). */
export const ACTION_TRACKED_SERVICES: ReadonlySet<string> = new Set(['iam', 'sts']);

/** A principal's use of one service (or action) is written at most once in this span. */
const WRITE_EVERY_MS = 60_000;
/** Beyond this many remembered keys the map starts over (a write more, never a write lost). */
const MAX_REMEMBERED = 100_000;

export class ActivityRecorder {
  private readonly written = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** Notes that the caller attempted `service:Action` now; users and roles only (root and federated sessions have no report). */
  note(caller: Caller, action: string, facts: RequestFacts): void {
    const principalId = caller.entityId;
    if (principalId === undefined || (caller.type !== 'User' && caller.type !== 'AssumedRole')) return;
    const colon = action.indexOf(':');
    if (colon <= 0) return;
    const service = action.slice(0, colon).toLowerCase();
    const actionName = ACTION_TRACKED_SERVICES.has(service) ? action.slice(colon + 1) : '';
    const now = facts.now.getTime();
    const serviceKey = `${principalId}|${service}|`;
    const actionKey = `${serviceKey}${actionName}`;
    const writeService = this.due(serviceKey, now);
    const writeAction = actionName !== '' && this.due(actionKey, now);
    if (!writeService && !writeAction) return;
    const base = { principal_id: principalId, account_id: caller.accountId, service, last_at: facts.now.toISOString(), region: facts.region };
    this.store
      .touch(async (repo) => {
        if (writeService) await repo.noteServiceActivity({ ...base, action: '' });
        if (writeAction) await repo.noteServiceActivity({ ...base, action: actionName });
      })
      .catch(this.onError);
  }

  /** True (and remembered) when the key was not written in the last minute. */
  private due(key: string, now: number): boolean {
    const last = this.written.get(key);
    if (last !== undefined && now - last < WRITE_EVERY_MS && now >= last) return false;
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(key, now);
    return true;
  }
}
