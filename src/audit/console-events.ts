// Console sign-ins and sign-outs in the audit trail, as CloudTrail records them: `ConsoleLogin`
// from signin.amazonaws.com, eventType AwsConsoleSignIn, responseElements {ConsoleLogin: Success
// | Failure} and additionalEventData {MFAUsed}. No password, code or session token is ever in them.
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html
import { randomUUID } from 'node:crypto';
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { prepareEvent, userIdentityOf, type UserIdentity } from './event.ts';
import type { AuditRecorder } from './recorder.ts';

export interface ConsoleSignIn {
  accountId: string;
  partition: string;
  kind: 'root' | 'user' | 'role';
  /** The user name typed (IAM users) or the root email; not recorded for the root user. */
  name: string;
  userId?: string | null;
  facts: RequestFacts;
  ok: boolean;
  mfaUsed: boolean;
  /** Why it failed (`Failed authentication`, `MFA code not valid`, `Locked`). */
  reason?: string;
  /** The signed-in principal, when known (successes, sign-outs). */
  caller?: Caller;
}

/**
 * Records a console sign-in attempt (eventName ConsoleLogin). Never throws; false when the trail is
 * fail-closed and the record could not be written: the sign-in must then be refused.
 */
export async function recordConsoleLogin(audit: AuditRecorder | undefined, s: ConsoleSignIn): Promise<boolean> {
  if (!audit) return true;
  return write(
    audit,
    s,
    'ConsoleLogin',
    { ConsoleLogin: s.ok ? 'Success' : 'Failure' },
    { LoginTo: 'iamd console', MobileVersion: 'No', MFAUsed: s.mfaUsed ? 'Yes' : 'No' },
  );
}

/**
 * Records a password sign-in's outcome as the console's sign-in form saw it: the account and user
 * are looked up (a failure names an existing user, never what an unknown one typed).
 */
export async function recordPasswordSignIn(
  audit: AuditRecorder | undefined,
  a: {
    account: string;
    kind: 'root' | 'user';
    name: string;
    partition: string;
    facts: RequestFacts;
    ok: boolean;
    locked?: boolean;
    userId?: string | null;
    accountId?: string;
  },
): Promise<boolean> {
  if (!audit) return true;
  let accountId = a.accountId;
  let userId = a.userId;
  if (!accountId || (a.kind === 'user' && !userId)) {
    const found = await audit.lookUpSignIn(a.account, a.kind === 'user' ? a.name : undefined).catch(() => undefined);
    accountId ??= found?.accountId;
    userId ??= found?.userId;
  }
  if (!accountId) return true; // no such account: nobody's trail to write to
  return recordConsoleLogin(audit, {
    accountId,
    partition: a.partition,
    kind: a.kind,
    name: a.name,
    userId: userId ?? null,
    facts: a.facts,
    ok: a.ok,
    mfaUsed: false,
    ...(a.ok ? {} : { reason: a.locked ? 'Locked: too many failed attempts' : 'Failed authentication' }),
  });
}

/**
 * Records a console sign-out (iamd's own event name, ConsoleSignOut: CloudTrail records none). A
 * sign-out proceeds even when fail-closed and unrecorded: refusing it would only keep a session open.
 */
export async function recordConsoleSignOut(audit: AuditRecorder | undefined, s: Omit<ConsoleSignIn, 'ok' | 'mfaUsed'>): Promise<void> {
  if (!audit) return;
  await write(audit, { ...s, ok: true, mfaUsed: false }, 'ConsoleSignOut', null, undefined);
}

async function write(
  audit: AuditRecorder,
  s: ConsoleSignIn,
  eventName: string,
  response: unknown,
  additional: Record<string, unknown> | undefined,
): Promise<boolean> {
  const caller: Caller = s.caller ?? {
    type: s.kind === 'root' ? 'Root' : 'User',
    accountId: s.accountId,
    partition: s.partition,
    arn: s.kind === 'root' ? `arn:${s.partition}:iam::${s.accountId}:root` : `arn:${s.partition}:iam::${s.accountId}:user/${s.name}`,
    userId: s.userId ?? s.accountId,
    ...(s.kind === 'user' ? { userName: s.name } : {}),
  };
  const identity: UserIdentity = userIdentityOf(caller);
  // An unknown account or user: CloudTrail hides what was typed (it may be a password typed in the wrong field).
  if (!s.ok && !s.userId && s.kind === 'user') {
    identity.userName = 'HIDDEN_DUE_TO_SECURITY_REASONS';
    identity.arn = undefined;
    identity.principalId = undefined;
  }
  const event = prepareEvent({
    caller,
    facts: s.facts,
    service: 'signin',
    eventName,
    requestId: randomUUID(),
    readOnly: false,
    eventType: 'AwsConsoleSignIn',
    requestParameters: null,
    responseElements: response,
    ...(s.ok ? {} : { errorMessage: s.reason ?? 'Failed authentication' }),
    ...(additional ? { additionalEventData: additional } : {}),
    userIdentity: identity,
    username: s.kind === 'root' ? 'root' : identity.userName === 'HIDDEN_DUE_TO_SECURITY_REASONS' ? null : s.name,
    resources: [],
  });
  try {
    await audit.record(event); // a promise only when fail-closed
    return true;
  } catch (error) {
    audit.failedRecord(error, eventName);
    return false;
  }
}
