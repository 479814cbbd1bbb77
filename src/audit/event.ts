// The audit trail's record: CloudTrail's event shape, built from who called (the Caller), the
// request's facts and what happened. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
import { randomUUID } from 'node:crypto';
import type { Caller, RequestFacts } from '../domain/caller.ts';
import { isoSeconds, isoSecondsOnce } from '../domain/time.ts';

/** CloudTrail's userIdentity element. */
export interface UserIdentity {
  type: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: {
    sessionIssuer?: { type: string; principalId?: string; arn?: string; accountId?: string; userName?: string };
    attributes: { creationDate: string; mfaAuthenticated: string };
    sourceIdentity?: string;
  };
  invokedBy?: string;
}

/** The deciding policy of an allowed or denied call (additionalEventData.authorization). */
export interface AuthorizationRecord {
  action: string;
  resource: string;
  decision: 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';
  /** Root in its own account: allowed with no policy. */
  reason?: string;
  decidingStatements: readonly Record<string, string>[];
}

/** One record of the trail, as CloudTrail writes it (the JSON kept in `body`). */
export interface TrailEvent {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string;
  userAgent: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters: unknown;
  responseElements: unknown;
  additionalEventData?: Record<string, unknown>;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  eventType: 'AwsApiCall' | 'AwsConsoleSignIn' | 'AwsServiceEvent';
  managementEvent: boolean;
  recipientAccountId: string;
  eventCategory: 'Management';
}

/** What LookupEvents filters on, beside the record (the columns of audit_events). */
export interface PreparedEvent {
  event: TrailEvent;
  accountId: string;
  username: string | null;
  accessKeyId: string | null;
  resources: { type: string; name: string }[];
}

/** CloudTrail's eventSource of each of iamd's services. */
export function eventSourceOf(service: string): string {
  switch (service) {
    case 'iam':
      return 'iam.amazonaws.com';
    case 'sts':
      return 'sts.amazonaws.com';
    case 'cloudtrail':
      return 'cloudtrail.amazonaws.com';
    case 'signin':
      return 'signin.amazonaws.com';
    default:
      return `${service}.iamd.local`;
  }
}

/** The authenticator keeps one Caller object per resolved credential: its userIdentity is made once, not once per call. */
const identities = new WeakMap<Caller, UserIdentity>();

/** CloudTrail's userIdentity of a caller (the same object for the same Caller: never mutate it). */
export function userIdentityOf(caller: Caller): UserIdentity {
  let identity = identities.get(caller);
  if (identity === undefined) {
    identity = makeUserIdentity(caller);
    identities.set(caller, identity);
  }
  return identity;
}

function makeUserIdentity(caller: Caller): UserIdentity {
  const base: UserIdentity = { type: identityType(caller), principalId: caller.userId, arn: caller.arn, accountId: caller.accountId };
  if (caller.type === 'Anonymous') return { type: 'Unknown', accountId: caller.accountId || undefined };
  if (caller.accessKeyId) base.accessKeyId = caller.accessKeyId;
  if (caller.type === 'User' && caller.userName) base.userName = caller.userName;
  if (caller.type === 'Root') base.principalId = caller.accountId;
  const session = caller.session;
  if (session) {
    base.sessionContext = {
      attributes: { creationDate: isoSecondsOnce(session.issuedAt), mfaAuthenticated: session.mfaAuthenticatedAt ? 'true' : 'false' },
    };
    if (caller.type === 'AssumedRole' && caller.roleArn) {
      base.sessionContext.sessionIssuer = {
        type: 'Role',
        principalId: caller.entityId,
        arn: caller.roleArn,
        accountId: caller.accountId,
        userName: session.roleName,
      };
    } else if (caller.type === 'User' || caller.type === 'Root') {
      // GetSessionToken's sessions: issued by the user (or root) itself.
      base.sessionContext.sessionIssuer = {
        type: caller.type === 'Root' ? 'Root' : 'IAMUser',
        principalId: caller.entityId ?? caller.accountId,
        arn: caller.arn,
        accountId: caller.accountId,
      };
      if (caller.userName) base.sessionContext.sessionIssuer.userName = caller.userName;
    }
    if (session.sourceIdentity) base.sessionContext.sourceIdentity = session.sourceIdentity;
  }
  return base;
}

function identityType(caller: Caller): string {
  switch (caller.type) {
    case 'User':
      return 'IAMUser';
    case 'Gateway':
      return 'iamd:Gateway';
    default:
      return caller.type;
  }
}

/** LookupEvents' Username of a caller: the user's name, `root`, or the role session's name. */
export function usernameOf(caller: Caller): string | null {
  if (caller.type === 'Root') return 'root';
  if (caller.type === 'User') return caller.userName ?? null;
  if (caller.session?.sessionName) return caller.session.sessionName;
  return null;
}

export interface EventInput {
  caller: Caller;
  facts: RequestFacts;
  service: string;
  eventName: string;
  requestId: string;
  readOnly: boolean;
  eventType?: TrailEvent['eventType'];
  requestParameters: unknown;
  responseElements?: unknown;
  errorCode?: string;
  errorMessage?: string;
  additionalEventData?: Record<string, unknown>;
  resources?: { type: string; name: string }[];
  /** For console sign-ins and other events whose caller is not a Caller (failed sign-ins). */
  userIdentity?: UserIdentity;
  username?: string | null;
}

/**
 * A UUID whose first 48 bits are the time in milliseconds (RFC 9562's version 7), the rest random:
 * the trail's unique index on eventID then grows at its end, where a random UUID's would dirty a
 * page anywhere in it per record — most of an append's cost once the trail outgrows the cache.
 */
export function timeOrderedUuid(at: Date): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: its variant bits kept
  const ms = at.getTime().toString(16).padStart(12, '0').slice(-12);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
}

/** The record's JSON, as it is hashed and stored. */
export function eventBody(e: TrailEvent): string {
  return JSON.stringify(e);
}

/** A record ready to be chained. */
export function prepareEvent(input: EventInput): PreparedEvent {
  const event: TrailEvent = {
    eventVersion: '1.08',
    userIdentity: input.userIdentity ?? userIdentityOf(input.caller),
    eventTime: isoSeconds(input.facts.now),
    eventSource: eventSourceOf(input.service),
    eventName: input.eventName,
    awsRegion: input.facts.region || 'us-east-1',
    sourceIPAddress: input.facts.sourceIp ?? 'unknown',
    userAgent: input.facts.userAgent,
    requestParameters: input.requestParameters ?? null,
    responseElements: input.responseElements ?? null,
    requestID: input.requestId,
    eventID: timeOrderedUuid(input.facts.now),
    readOnly: input.readOnly,
    eventType: input.eventType ?? 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.caller.accountId,
    eventCategory: 'Management',
  };
  if (input.errorCode !== undefined) event.errorCode = input.errorCode;
  if (input.errorMessage !== undefined) event.errorMessage = input.errorMessage;
  if (input.additionalEventData !== undefined) event.additionalEventData = input.additionalEventData;
  return {
    event,
    accountId: input.caller.accountId,
    username: input.username !== undefined ? input.username : usernameOf(input.caller),
    accessKeyId: input.caller.accessKeyId ?? null,
    resources: input.resources ?? [],
  };
}

/** Request members that name a resource, and CloudTrail's resource type of each. */
const RESOURCE_MEMBERS: Readonly<Record<string, string>> = {
  UserName: 'AWS::IAM::User',
  GroupName: 'AWS::IAM::Group',
  RoleName: 'AWS::IAM::Role',
  PolicyArn: 'AWS::IAM::Policy',
  AccessKeyId: 'AWS::IAM::AccessKey',
  InstanceProfileName: 'AWS::IAM::InstanceProfile',
  SerialNumber: 'AWS::IAM::MFADevice',
  OpenIDConnectProviderArn: 'AWS::IAM::OIDCProvider',
  SAMLProviderArn: 'AWS::IAM::SAMLProvider',
  RoleArn: 'AWS::IAM::Role',
  ServerCertificateName: 'AWS::IAM::ServerCertificate',
};

/** The resources a request names (LookupEvents' ResourceType / ResourceName), and those its answer created. */
export function resourcesOf(input: Record<string, unknown> | undefined, output: Record<string, unknown> | undefined): { type: string; name: string }[] {
  const out: { type: string; name: string }[] = [];
  const add = (type: string, name: unknown) => {
    if (typeof name !== 'string' || name === '') return;
    for (const r of out) if (r.type === type && r.name === name) return; // a handful at most: no Set
    out.push({ type, name });
  };
  // The request's own members (usually none to three), looked up in the table, not the table's eleven in the request.
  if (input)
    for (const member in input) if (Object.hasOwn(RESOURCE_MEMBERS, member) && Object.hasOwn(input, member)) add(RESOURCE_MEMBERS[member]!, input[member]);
  if (output) {
    const key = output.AccessKey as { AccessKeyId?: unknown; UserName?: unknown } | undefined;
    if (key && typeof key === 'object') {
      add('AWS::IAM::AccessKey', key.AccessKeyId);
      add('AWS::IAM::User', key.UserName);
    }
    for (const [member, type] of ENTITY_OUTPUTS) {
      const entity = output[member] as Record<string, unknown> | undefined;
      if (entity && typeof entity === 'object') add(type, entity[`${member}Name`]);
    }
  }
  return out;
}

const ENTITY_OUTPUTS = [
  ['User', 'AWS::IAM::User'],
  ['Role', 'AWS::IAM::Role'],
  ['Group', 'AWS::IAM::Group'],
] as const;
