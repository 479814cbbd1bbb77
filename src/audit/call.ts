// One call's record, from the dispatch (src/actions/dispatch.ts) to the trail. If the call writes,
// the record goes into its write transaction, just before COMMIT (the request's store session runs
// `beforeCommit`), with the deciding policy and, when the transaction's result is the operation's
// answer, the answer's non-secret members. Otherwise — a read, a refusal, a failure — the record is
// queued when the call ends (or written before the answer, when the trail is fail-closed).
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { AwsError } from '../errors/aws-error.ts';
import type { Repo } from '../store/repo.ts';
import { prepareEvent, resourcesOf, type AuthorizationRecord, type PreparedEvent } from './event.ts';
import type { AuditRecorder } from './recorder.ts';

/** Operation names that only read (CloudTrail's readOnly). */
const READ_ONLY = /^(Get|List|Simulate|Describe|Lookup|Decode)/;

export interface CallFacts {
  service: string;
  action: string;
  caller: Caller;
  facts: RequestFacts;
  requestId: string;
  /** The members of the operation's output structure: a transaction's result with only these is its answer. */
  outputMembers?: ReadonlySet<string>;
}

export class AuditCall {
  /** The decoded input (once decoded). */
  input?: Record<string, unknown>;
  /** Who allowed the call (once authorized): computed when a write records it. */
  explain?: () => Promise<AuthorizationRecord | undefined>;
  /** The last authorization, for records that do not explain it (reads). */
  authorization?: () => { action: string; resource: string } | undefined;
  /** A record went into a write transaction that committed. */
  private committed = false;

  constructor(
    private readonly recorder: AuditRecorder,
    private readonly call: CallFacts,
  ) {}

  /** Inside a write transaction of the call, before COMMIT: the record joins it (a retried write records again). */
  readonly beforeCommit = async (repo: Repo, result: unknown): Promise<void> => {
    if (this.committed) return;
    const answer = this.answerOf(result);
    const authorization = this.explain ? await this.explain() : undefined;
    await this.recorder.appendInTransaction(repo, [this.prepare({ output: answer, authorization })]);
  };

  /** The write transaction that held the record committed. */
  readonly afterCommit = (): void => {
    this.committed = true;
    this.recorder.committedPending();
  };

  /** The call answered. A call whose write recorded it is done; any other is recorded now. */
  async succeeded(output: Record<string, unknown> | undefined): Promise<void> {
    if (this.committed) return;
    const auth = this.authorization?.();
    await this.recorder.record(
      this.prepare({ authorization: auth ? { ...auth, decision: 'Allowed', decidingStatements: [] } : undefined, resourcesFrom: output }),
    );
  }

  /** The call failed: AWS's error (AccessDenied with its deciding statements) or an internal one. */
  async failed(error: unknown): Promise<void> {
    if (this.committed) return;
    const aws = error instanceof AwsError ? error : undefined;
    const decision = aws?.decision;
    await this.recorder.record(
      this.prepare({
        errorCode: aws ? aws.code : 'InternalFailure',
        errorMessage: aws ? aws.message : 'An internal error occurred.',
        authorization: decision
          ? {
              action: decision.action,
              resource: decision.resource,
              decision: decision.decision as AuthorizationRecord['decision'],
              decidingStatements: decision.decidingStatements,
            }
          : undefined,
      }),
    );
  }

  private prepare(o: {
    output?: Record<string, unknown>;
    resourcesFrom?: Record<string, unknown>;
    authorization?: AuthorizationRecord;
    errorCode?: string;
    errorMessage?: string;
  }): PreparedEvent {
    const { recorder, call } = this;
    const redactor = recorder.redactor;
    const additional: Record<string, unknown> = {};
    if (o.authorization) {
      const a = o.authorization;
      additional.authorization =
        call.caller.type === 'Root' && a.decision === 'Allowed' && a.decidingStatements.length === 0 ? { ...a, reason: 'root user of the account' } : a;
    }
    return prepareEvent({
      caller: call.caller,
      facts: call.facts,
      service: call.service,
      eventName: call.action,
      requestId: call.requestId,
      readOnly: READ_ONLY.test(call.action),
      requestParameters: this.input && Object.keys(this.input).length > 0 ? redactor.redact(this.input) : null,
      responseElements: o.output ? redactor.redact(o.output) : null,
      ...(o.errorCode !== undefined ? { errorCode: o.errorCode } : {}),
      ...(o.errorMessage !== undefined ? { errorMessage: o.errorMessage } : {}),
      ...(Object.keys(additional).length > 0 ? { additionalEventData: additional } : {}),
      resources: resourcesOf(this.input, o.output ?? o.resourcesFrom),
    });
  }

  /** The write's result when it is the operation's answer (a structure of the output's members only). */
  private answerOf(result: unknown): Record<string, unknown> | undefined {
    const members = this.call.outputMembers;
    if (!members || members.size === 0 || typeof result !== 'object' || result === null || Array.isArray(result)) return undefined;
    if (Object.getPrototypeOf(result) !== Object.prototype) return undefined;
    const keys = Object.keys(result);
    if (keys.length === 0 || !keys.every((k) => members.has(k))) return undefined;
    return result as Record<string, unknown>;
  }
}
