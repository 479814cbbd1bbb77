// One call's record, from the dispatch (src/actions/dispatch.ts) to the trail. If the call writes,
// the record goes into its write transaction, just before COMMIT (the request's store session runs
// `beforeCommit`), with the deciding policy and, when the transaction's result is the operation's
// answer, the answer's non-secret members. Otherwise — a read, a refusal, a failure — the record is
// queued when the call ends (or written before the answer, when the trail is fail-closed); a read's
// names what allowed it as the decision's fast path found it: the first allowing statement of
// each policy that had to allow (a write's, explained, names every one).
import { statementsOfEffect } from '../authz/matched-statements.ts';
import type { Caller, RequestFacts } from '../domain/caller.ts';
import type { MatchedStatement } from '../policy/index.ts';
import { AwsError } from '../errors/aws-error.ts';
import type { Repo } from '../store/repo.ts';
import { prepareEvent, resourcesOf, type AuthorizationRecord, type PreparedEvent } from './event.ts';
import type { AuditRecorder } from './recorder.ts';

const NO_STATEMENTS: readonly Record<string, string>[] = Object.freeze([]);

function hasMembers(o: Record<string, unknown>): boolean {
  for (const _ in o) return true;
  return false;
}

/** iamd's operations that answer about a client's signed request: their records keep the answer. */
const ANSWERED = new Set(['Authorize', 'BatchAuthorize', 'CheckGatewayRequest', 'Authenticate']);

/**
 * What a decision's record keeps of its answer: who signed, the decision and the statements that
 * decided, for each question of a batch too. Not AWS's sentence saying the same (Reason) nor the
 * cache lifetime: thirty of those made a batch's record three times longer.
 */
function decisionAnswer(output: Record<string, unknown>, onlyDenials: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['Decision', 'Authenticated', 'Error', 'Principal', 'MatchedStatements'] as const) if (output[key] !== undefined) out[key] = output[key];
  if (Array.isArray(output.Results)) {
    const results = (output.Results as Record<string, unknown>[]).map((r, index) => ({
      Index: index,
      Decision: r.Decision,
      MatchedStatements: r.MatchedStatements,
    }));
    out.Results = onlyDenials ? results.filter((r) => r.Decision === 'Deny') : results;
  }
  return out;
}

/** A batch's input with only the questions its answer refused, each with its place in the batch. */
function deniedQuestions(input: Record<string, unknown>, output: Record<string, unknown>): Record<string, unknown> {
  const results = Array.isArray(output.Results) ? (output.Results as { Decision?: unknown }[]) : [];
  const questions = Array.isArray(input.Requests) ? (input.Requests as Record<string, unknown>[]) : [];
  const refused: Record<string, unknown>[] = [];
  for (let index = 0; index < questions.length; index++) if (results[index]?.Decision === 'Deny') refused.push({ Index: index, ...questions[index] });
  return { ...input, Requests: refused };
}

/** Operation names that only read (CloudTrail's readOnly), by name once. */
const READ_ONLY = /^(Get|List|Simulate|Describe|Lookup|Decode)/;
const readOnlyByAction = new Map<string, boolean>();
function isReadOnly(action: string): boolean {
  let readOnly = readOnlyByAction.get(action);
  if (readOnly === undefined) {
    readOnly = READ_ONLY.test(action);
    if (readOnlyByAction.size < 10_000) readOnlyByAction.set(action, readOnly);
  }
  return readOnly;
}

/**
 * A read's allowing statements, named as the simulator names them: the same array for the same
 * decision (the authorizer keeps allowed decisions until the next write), so named once.
 */
const named = new WeakMap<readonly MatchedStatement[], readonly Record<string, string>[]>();
function decidingOf(allowedBy: readonly MatchedStatement[]): readonly Record<string, string>[] {
  if (allowedBy.length === 0) return NO_STATEMENTS;
  let out = named.get(allowedBy);
  if (out === undefined) {
    out = statementsOfEffect(allowedBy, 'Allow') as unknown as Record<string, string>[];
    named.set(allowedBy, out);
  }
  return out;
}

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
  /** The last authorization, for records that do not explain it (reads): with what allowed it. */
  authorization?: () => { action: string; resource: string; allowedBy: readonly MatchedStatement[] } | undefined;
  /** A batch of decisions recorded at the denials level: only its refused questions and answers. */
  onlyDenials = false;
  /** A record went into a write transaction that committed. */
  private committed = false;
  /**
   * A WriteOnly trail (IAMD_AUDIT_READ_WRITE_TYPE), as CloudTrail's: a read-only event is not
   * recorded when the call ends — but one that wrote (GetSessionToken issues a session) was, in
   * its write transaction, like any change.
   */
  private readonly unrecordedRead: boolean;

  constructor(
    private readonly recorder: AuditRecorder,
    private readonly call: CallFacts,
  ) {
    this.unrecordedRead = recorder.options.readWriteType === 'WriteOnly' && isReadOnly(call.action);
  }

  /** Inside a write transaction of the call, before COMMIT: the record joins it (a retried write records again). */
  readonly beforeCommit = async (repo: Repo, result: unknown): Promise<void> => {
    if (this.committed) return;
    const answer = this.answerOf(result);
    const authorization = this.explain ? await this.explain() : undefined;
    await this.recorder.appendInTransaction(repo, [this.prepare(authorization, answer, undefined)]);
  };

  /** The write transaction that held the record committed. */
  readonly afterCommit = (): void => {
    this.committed = true;
    this.recorder.committedPending();
  };

  /** The call answered. A call whose write recorded it is done; any other is recorded now (a promise only when fail-closed). */
  succeeded(output: Record<string, unknown> | undefined): Promise<void> | undefined {
    if (this.committed || this.unrecordedRead) return undefined;
    const auth = this.authorization?.();
    // A protected service's question: its answer (the client principal, the decision and what
    // decided it) is what the record is for.
    const answer = ANSWERED.has(this.call.action) && this.call.service === 'iamd' && output ? decisionAnswer(output, this.onlyDenials) : undefined;
    if (this.onlyDenials && this.input && answer) this.input = deniedQuestions(this.input, output!);
    return this.recorder.record(
      this.prepare(
        auth
          ? {
              action: auth.action,
              resource: auth.resource,
              decision: 'Allowed',
              decidingStatements: decidingOf(auth.allowedBy),
            }
          : undefined,
        answer,
        output,
      ),
    );
  }

  /** The call failed: AWS's error (AccessDenied with its deciding statements) or an internal one. */
  failed(error: unknown): Promise<void> | undefined {
    if (this.committed || this.unrecordedRead) return undefined;
    const aws = error instanceof AwsError ? error : undefined;
    const decision = aws?.decision;
    const authorization: AuthorizationRecord | undefined = decision
      ? {
          action: decision.action,
          resource: decision.resource,
          decision: decision.decision as AuthorizationRecord['decision'],
          decidingStatements: decision.decidingStatements,
        }
      : undefined;
    return this.recorder.record(
      this.prepare(authorization, undefined, undefined, aws ? aws.code : 'InternalFailure', aws ? aws.message : 'An internal error occurred.'),
    );
  }

  /** The record; `output` is the answer recorded (a write's), `resourcesFrom` an answer only searched for resources (a read's). */
  private prepare(
    authorization: AuthorizationRecord | undefined,
    output: Record<string, unknown> | undefined,
    resourcesFrom: Record<string, unknown> | undefined,
    errorCode?: string,
    errorMessage?: string,
  ): PreparedEvent {
    const { recorder, call, input } = this;
    const redactor = recorder.redactor;
    let additionalEventData: Record<string, unknown> | undefined;
    if (authorization) {
      const a = authorization;
      additionalEventData = {
        authorization:
          call.caller.type === 'Root' && a.decision === 'Allowed' && a.decidingStatements.length === 0 ? { ...a, reason: 'root user of the account' } : a,
      };
    }
    return prepareEvent({
      caller: call.caller,
      facts: call.facts,
      service: call.service,
      eventName: call.action,
      requestId: call.requestId,
      readOnly: isReadOnly(call.action),
      requestParameters: input && hasMembers(input) ? redactor.redact(input) : null,
      responseElements: output ? redactor.redact(output) : null,
      errorCode,
      errorMessage,
      additionalEventData,
      resources: resourcesOf(input, output ?? resourcesFrom),
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
