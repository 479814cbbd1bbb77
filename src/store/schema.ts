// Table types shared by the SQLite and PostgreSQL dialects. Dates are ISO-8601 text and booleans
// 0/1 integers in both, so every query is written once.

/** Users, groups, roles, managed policies, instance profiles, virtual MFA devices: one row each. */
export interface EntityTable {
  id: string; // AWS unique id (AIDA…, AGPA…, AROA…, ANPA…, AIPA…) or the MFA serial
  account_id: string;
  kind: string; // EntityKind
  name: string; // as the user wrote it
  name_key: string; // lower-cased: names are unique regardless of case
  path: string;
  created_at: string;
  data: string; // JSON: attributes of that kind (boundary, description, trust policy…)
}

export interface AccountTable {
  id: string;
  alias: string | null;
  root_email: string | null;
  root_password_hash: string | null;
  created_at: string;
}

export interface AccessKeyTable {
  id: string; // AKIA…
  account_id: string;
  user_id: string | null; // null: the root user's key
  secret_sealed: string; // AES-256-GCM, bound to the key id
  status: string; // Active | Inactive
  created_at: string;
  last_used_at: string | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

export interface LoginProfileTable {
  user_id: string;
  password_hash: string; // argon2id
  reset_required: number;
  created_at: string;
}

export interface PasswordHistoryTable {
  user_id: string;
  password_hash: string;
  created_at: string;
}

export interface PasswordPolicyTable {
  account_id: string;
  document: string; // JSON of the PasswordPolicy fields
}

export interface MembershipTable {
  group_id: string;
  user_id: string;
}

export interface TagTable {
  resource_id: string;
  tag_key: string;
  key_lower: string;
  tag_value: string;
  position: number;
}

export interface AttachmentTable {
  entity_id: string; // user, group or role id
  policy_arn: string;
  attached_at: string;
}

export interface InlinePolicyTable {
  entity_id: string;
  name: string;
  name_key: string;
  document: string;
}

export interface PolicyVersionTable {
  policy_id: string;
  version_id: string;
  document: string;
  is_default: number;
  created_at: string;
}

export interface WorkloadTable {
  id: string;
  account_id: string;
  instance_profile_id: string;
  name: string;
  token_hash: string; // SHA-256 of the authorization token: the token itself is never stored
  session_seconds: number;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_issued_at: string | null;
}

export interface BoundaryTable {
  entity_id: string; // a user or role
  account_id: string;
  policy_arn: string; // its permissions boundary
}

/** iamd's own bookkeeping (migration 0005_master_key_check): one text value per key. */
export interface MetaTable {
  key: string;
  value: string;
}

/** A console sign-in session (migration 0002_console). The session token is stored only as its SHA-256. */
export interface ConsoleSessionTable {
  id_hash: string;
  account_id: string;
  /** null: the account's root user; else the IAM user's id (AIDA…). */
  user_id: string | null;
  /** 'mfa' (password accepted, code pending), 'reset' (must choose a new password), 'active'. */
  stage: string;
  csrf: string;
  /** A fingerprint of the password hash at sign-in: a changed password ends the session. */
  password_fp: string;
  mfa_at: string | null;
  created_at: string;
  expires_at: string;
  /**
   * A session signed in through an OIDC provider (migration 0010): the role session it acts as,
   * `{accessKeyId, sessionToken}` as JSON sealed under the master key (bound to id_hash); null otherwise.
   */
  role_session?: string | null;
}

/** A console sign-in through an OIDC provider in progress (migration 0010): single use, short-lived. */
export interface ConsoleSsoFlowTable {
  /** SHA-256 of the flow's lookup key (the OAuth state, or the role chooser's token). */
  id_hash: string;
  /** SHA-256 of the browser's flow cookie: only the browser that started the flow may finish it. */
  browser_hash: string;
  account_id: string;
  /** The flow's secrets and progress (PKCE verifier, nonce, provider; then the claims), JSON sealed bound to id_hash. */
  data: string;
  expires_at: string;
}

/** Console sign-in throttling (migration 0002_console): failures and lock per hashed account and name. */
export interface ConsoleSigninFailureTable {
  key: string;
  failures: number;
  locked_until: string | null;
  updated_at: string;
}

/** A service's catalogue (migration 0007_service_catalogues): its actions, resource types, condition keys and routes. */
export interface ServiceCatalogueTable {
  account_id: string;
  name: string; // the service prefix (`orders`)
  document: string; // the catalogue JSON as registered (validated on write)
  created_at: string;
  updated_at: string;
}

/**
 * A gateway of a protected service (migration 0008_gateways): a proxy that cannot sign (nginx)
 * authenticates to iamd with a token, kept only as its SHA-256 hash, and may ask iamd about its
 * service's requests (iamd:Authorize on the service, delegated by whoever registered it).
 */
export interface GatewayTable {
  id: string; // gw-…
  account_id: string;
  service_name: string; // the protected service (`orders`)
  name: string;
  token_hash: string; // SHA-256 of the token: the token itself is never stored
  created_by: string; // the ARN of the principal that registered it
  created_at: string;
  revoked_at: string | null;
}

/**
 * A resource-based policy a protected service keeps in iamd (migration 0006_resource_policies), for
 * one resource ARN or, when `resource_arn` ends in `*` (`is_prefix` 1), every ARN that starts with
 * the part before it. Owned by the account that put it.
 */
export interface ResourcePolicyTable {
  account_id: string;
  resource_arn: string;
  is_prefix: number;
  document: string;
  created_at: string;
  updated_at: string;
}

/**
 * An account's outbound web identity federation (migration 0009_outbound_federation): the issuer
 * GetWebIdentityToken signs as, `PUBLIC_URL/oidc/ISSUER_ID`, fixed when it is first enabled.
 */
export interface OutboundFederationTable {
  account_id: string;
  issuer_id: string; // a random UUID
  enabled: number; // 0/1: JwtVendingEnabled
  created_at: string;
  updated_at: string;
  /** When it was last disabled (its keys stay published until the tokens it signed have expired). */
  disabled_at: string | null;
}

/** A signing key of an account's issuer: the private key is sealed; the public one is published in its JWKS. */
export interface OutboundSigningKeyTable {
  kid: string; // the public key's RFC 7638 thumbprint
  account_id: string;
  alg: string; // RS256 | ES384
  public_jwk: string; // JSON
  private_sealed: string; // PKCS#8 PEM, sealed under the master key, bound to the account and kid
  created_at: string; // published in the JWKS from then on
  /**
   * When it starts signing: an hour after it is published (verifiers that cached the JWKS meanwhile
   * know it), or at once for an account's first key. The next key's start ends its signing; it
   * stays published until every token it signed has expired.
   */
  active_from: string;
}

/**
 * A service-specific credential of an IAM user (migration 0012_account_level): a password for
 * CodeCommit or Amazon Keyspaces, or an API key for Amazon Bedrock or CloudWatch Logs. The secret
 * is sealed under the master key, bound to the credential's id; it is returned only when created or reset.
 */
export interface ServiceSpecificCredentialTable {
  id: string; // ACCA…
  account_id: string;
  user_id: string; // AIDA…
  service_name: string; // lower-cased, e.g. codecommit.amazonaws.com
  /** The ServiceUserName (passwords) or ServiceCredentialAlias (API keys): `NAME[+N]-at-ACCOUNT`. */
  login: string;
  /** N of `NAME+N-at-ACCOUNT` (0: none), unique per user and service. */
  slot: number;
  secret_sealed: string;
  status: string; // Active | Inactive
  created_at: string;
  expires_at: string | null;
}

/** An account's STS preferences (migration 0012_account_level): SetSecurityTokenServicePreferences. */
export interface StsPreferencesTable {
  account_id: string;
  global_endpoint_token_version: string; // v1Token | v2Token
  updated_at: string;
}

/**
 * When a user or role last attempted an action (migration 0011_service_activity): one row per
 * principal and service (`action` ''), and one per action of the services iamd tracks at action
 * level. Written best-effort and throttled (src/authz/activity.ts); read by the last-accessed reports.
 */
export interface ServiceActivityTable {
  principal_id: string; // the user's or role's id (AIDA…, AROA…)
  account_id: string;
  service: string; // the service namespace (`iam`)
  action: string; // '' for the service's row, else the action's name (`CreateUser`)
  last_at: string;
  region: string;
}

/** A last-accessed report job (migration 0011_service_activity): its result, computed when it was generated. */
export interface AccessReportJobTable {
  id: string; // a UUID, the JobId
  account_id: string;
  owner_arn: string; // the caller that generated it: only it may read it
  kind: string; // 'service' (GenerateServiceLastAccessedDetails) | 'organizations'
  created_at: string;
  completed_at: string;
  document: string; // JSON: the report (src/iam/last-accessed.ts)
}

/** An account's latest credential report (migration 0011_service_activity): the CSV as generated. */
export interface CredentialReportTable {
  account_id: string;
  generated_at: string;
  content: string;
}

/** An event of the audit trail (migration 0013_audit_trail): CloudTrail's record, chained by hash (src/audit). */
export interface AuditEventTable {
  /** The event's place in the one chain: 1, 2, 3… with no gap (pruning removes from the start). */
  seq: number;
  event_id: string;
  event_time: string;
  account_id: string;
  event_name: string;
  event_source: string;
  read_only: number;
  username: string | null;
  access_key_id: string | null;
  /** The event's resources, one `TYPE NAME` per line (LookupEvents' ResourceType / ResourceName). */
  resources: string | null;
  /** The CloudTrail record (JSON), as hashed. */
  body: string;
  prev_hash: string;
  /** SHA-256 over prev_hash, seq and body (src/audit/chain.ts). */
  hash: string;
}

/** A write's record on PostgreSQL, committed with the write and chained just after (migration 0013_audit_trail). */
export interface AuditPendingTable {
  event_id: string;
  /** When it was written (ISO, with milliseconds): records are chained in this order. */
  created_at: string;
  account_id: string;
  username: string | null;
  access_key_id: string | null;
  resources: string | null;
  body: string;
}

/** The audit chain's `head` (last event) and `anchor` (last pruned event) (migration 0013_audit_trail). */
export interface AuditChainTable {
  name: string;
  seq: number;
  hash: string;
}

/** A signed digest of the audit chain (migration 0013_audit_trail). */
export interface AuditDigestTable {
  id: number;
  created_at: string;
  body: string;
  /** Ed25519 over body, base64. */
  signature: string;
}

/** The audit trail's keys (migration 0013_audit_trail): `signing` (Ed25519) and `hmac`, sealed under the master key. */
export interface AuditKeyTable {
  kind: string;
  sealed: string;
  public_key: string | null;
  created_at: string;
}

/**
 * A FIDO2 security key or passkey enabled as an MFA device (migration 0015_passkeys). Its serial
 * number is AWS's `arn:…:iam::ACCOUNT:u2f/user/NAME/DEVICE-ID` (root: `u2f/root/DEVICE-ID`).
 */
export interface PasskeyTable {
  serial: string;
  account_id: string;
  /** The IAM user's id, or null for the root user. */
  user_id: string | null;
  /** The name given at registration (the ARN's DEVICE part). */
  name: string;
  /** The WebAuthn credential id (base64url), unique. */
  credential_id: string;
  /** The COSE public key (base64url): public, so not sealed. */
  public_key: string;
  /** The authenticator's signature counter, as last seen. */
  counter: number;
  /** JSON array of the transports the browser reported. */
  transports: string;
  aaguid: string;
  created_at: string;
  last_used_at: string | null;
}

/** A WebAuthn challenge (migration 0015_passkeys): single-use, bound to a console session, expiring. */
export interface PasskeyChallengeTable {
  /** SHA-256 of the console session id it was issued to, and what for. */
  session_hash: string;
  purpose: string; // register | authenticate
  challenge: string;
  /** JSON: what the ceremony needs afterwards (the device name, the user). */
  data: string;
  expires_at: string;
}

export interface ConsoleScratchTable {
  /** SHA-256 of the page's token (the token itself is only in the browser's URL or form). */
  id_hash: string;
  /** SHA-256 of the console session it belongs to: no other session may read it. */
  session_hash: string;
  kind: string; // credentials | draft
  /** JSON sealed bound to id_hash: the credentials shown once, or a draft's form fields. */
  data: string;
  /** A draft's creation: null (not started, or failed), `creating:<ms>`, or `created:<location>`. */
  state: string | null;
  expires_at: string;
}

/** One row (id 1): the count of write transactions on a SQLite data folder (see sqlite.ts foreignWrites). */
export interface StoreVersionTable {
  id: number;
  n: number;
}

export interface Database {
  store_version: StoreVersionTable;
  console_scratch: ConsoleScratchTable;
  passkeys: PasskeyTable;
  passkey_challenges: PasskeyChallengeTable;
  accounts: AccountTable;
  entities: EntityTable;
  access_keys: AccessKeyTable;
  login_profiles: LoginProfileTable;
  password_history: PasswordHistoryTable;
  password_policies: PasswordPolicyTable;
  memberships: MembershipTable;
  tags: TagTable;
  attachments: AttachmentTable;
  inline_policies: InlinePolicyTable;
  policy_versions: PolicyVersionTable;
  workloads: WorkloadTable;
  boundaries: BoundaryTable;
  meta: MetaTable;
  console_sessions: ConsoleSessionTable;
  console_signin_failures: ConsoleSigninFailureTable;
  console_sso_flows: ConsoleSsoFlowTable;
  resource_policies: ResourcePolicyTable;
  service_catalogues: ServiceCatalogueTable;
  gateways: GatewayTable;
  outbound_federation: OutboundFederationTable;
  outbound_signing_keys: OutboundSigningKeyTable;
  service_activity: ServiceActivityTable;
  access_report_jobs: AccessReportJobTable;
  credential_reports: CredentialReportTable;
  service_specific_credentials: ServiceSpecificCredentialTable;
  sts_preferences: StsPreferencesTable;
  audit_events: AuditEventTable;
  audit_chain: AuditChainTable;
  audit_pending: AuditPendingTable;
  audit_digests: AuditDigestTable;
  audit_keys: AuditKeyTable;
}
