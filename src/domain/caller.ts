// Who is calling (an authenticated principal) and the facts of its request that policy
// conditions see. Authentication builds them, the authorizer reads them, every handler gets them.
import type { CompiledPolicy } from '../policy/index.ts';

/**
 * `Gateway`: a protected service's proxy (nginx auth_request…), authenticated by its token rather
 * than a signature (src/protect/gateways.ts); it holds one right, `gatewayPolicy`, and no other.
 * `Anonymous`: an unsigned request, which only the operations that authenticate by their own input
 * accept (AssumeRoleWithWebIdentity and AssumeRoleWithSAML: the token or assertion is the proof).
 */
export type PrincipalType = 'Root' | 'User' | 'AssumedRole' | 'FederatedUser' | 'Gateway' | 'Anonymous';

/** An authenticated caller. */
export interface Caller {
  type: PrincipalType;
  accountId: string;
  partition: string;
  /** The principal's ARN: root, user, or assumed-role session. */
  arn: string;
  /** aws:userid — the account id for root, AIDA… for users, AROA…:session for role sessions. */
  userId: string;
  /** The IAM user's name, for users. */
  userName?: string;
  /** The user's or role's entity id (AIDA…/AROA…), for users and role sessions. */
  entityId?: string;
  /** The access key that signed the request, when it was signed. */
  accessKeyId?: string;
  /** For role sessions: the role's ARN (aws:PrincipalArn). */
  roleArn?: string;
  /** For temporary credentials. */
  session?: SessionFacts;
  /** For gateways: their only identity policy, the right registering them delegated (iamd:Authorize on their service). */
  gatewayPolicy?: CompiledPolicy;
}

export interface SessionFacts {
  issuedAt: Date;
  expiresAt: Date;
  mfaAuthenticatedAt?: Date;
  roleName?: string;
  sessionName?: string;
  /** Session policies (inline Policy and PolicyArns), compiled, for role and federation sessions. */
  compiledSessionPolicies?: CompiledPolicy[];
  tags?: Record<string, string>;
  /** Session tags that pass on to sessions of roles this session assumes (role chaining). */
  transitiveTagKeys?: string[];
  sourceIdentity?: string;
  /** A role session obtained by federation: the IAM OIDC or SAML provider's ARN (aws:FederatedProvider). */
  federatedProvider?: string;
}

/** Request facts that feed global condition keys (aws:SourceIp, aws:UserAgent, …). */
export interface RequestFacts {
  /** The client's address; unknown (a request a protected service relays without it): no aws:SourceIp. */
  sourceIp?: string;
  userAgent: string;
  secureTransport: boolean;
  region: string;
  now: Date;
}
