// Versioned schema migrations, one object per step, run in order by Kysely's migrator (which
// holds a lock, so nodes starting together apply each step once). Never edit a released step:
// add a new one.
import { PostgresAdapter, sql, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';

/**
 * Text columns compare byte by byte in both databases (SQLite's default; "C" collation in
 * PostgreSQL), so names sort — and pages split — the same way on either.
 */
// biome-ignore lint/suspicious/noExplicitAny: a migration runs on the schema as it was then, not on today's Database type
type AnyDb = Kysely<any>;

function textColumn(db: AnyDb) {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return (c: ColumnDefinitionBuilder) => (postgres ? c.modifyEnd(sql`collate "C"`) : c);
}

export const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('alias', 'text', (b) => c(b).unique())
        .addColumn('root_email', 'text', c)
        .addColumn('root_password_hash', 'text', c)
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema
        .createTable('entities')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('kind', 'text', (b) => c(b).notNull())
        .addColumn('name', 'text', (b) => c(b).notNull())
        .addColumn('name_key', 'text', (b) => c(b).notNull())
        .addColumn('path', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('data', 'text', (b) => c(b).notNull())
        .execute();
      // INVARIANT: names are unique per account and kind, regardless of case.
      await db.schema.createIndex('entities_name').unique().on('entities').columns(['account_id', 'kind', 'name_key']).execute();
      await db.schema
        .createTable('access_keys')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('user_id', 'text', c)
        .addColumn('secret_sealed', 'text', (b) => c(b).notNull())
        .addColumn('status', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('last_used_at', 'text', c)
        .addColumn('last_used_service', 'text', c)
        .addColumn('last_used_region', 'text', c)
        .execute();
      await db.schema.createIndex('access_keys_user').on('access_keys').columns(['account_id', 'user_id']).execute();
      await db.schema
        .createTable('login_profiles')
        .addColumn('user_id', 'text', (b) => c(b).primaryKey())
        .addColumn('password_hash', 'text', (b) => c(b).notNull())
        .addColumn('reset_required', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema
        .createTable('password_history')
        .addColumn('user_id', 'text', (b) => c(b).notNull())
        .addColumn('password_hash', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema.createIndex('password_history_user').on('password_history').column('user_id').execute();
      await db.schema
        .createTable('password_policies')
        .addColumn('account_id', 'text', (b) => c(b).primaryKey())
        .addColumn('document', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('group_id', 'text', (b) => c(b).notNull())
        .addColumn('user_id', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('tags')
        .addColumn('resource_id', 'text', (b) => c(b).notNull())
        .addColumn('tag_key', 'text', (b) => c(b).notNull())
        .addColumn('key_lower', 'text', (b) => c(b).notNull())
        .addColumn('tag_value', 'text', (b) => c(b).notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['resource_id', 'key_lower'])
        .execute();
      await db.schema
        .createTable('attachments')
        .addColumn('entity_id', 'text', (b) => c(b).notNull())
        .addColumn('policy_arn', 'text', (b) => c(b).notNull())
        .addColumn('attached_at', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('attachments_pk', ['entity_id', 'policy_arn'])
        .execute();
      await db.schema.createIndex('attachments_policy').on('attachments').column('policy_arn').execute();
      await db.schema
        .createTable('inline_policies')
        .addColumn('entity_id', 'text', (b) => c(b).notNull())
        .addColumn('name', 'text', (b) => c(b).notNull())
        .addColumn('name_key', 'text', (b) => c(b).notNull())
        .addColumn('document', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('inline_policies_pk', ['entity_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('policy_versions')
        .addColumn('policy_id', 'text', (b) => c(b).notNull())
        .addColumn('version_id', 'text', (b) => c(b).notNull())
        .addColumn('document', 'text', (b) => c(b).notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version_id'])
        .execute();
    },
  },
  '0002_console': {
    // The web console: sign-in sessions (token hashes only) and sign-in throttling.
    async up(db: AnyDb) {
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('csrf', 'text', (c) => c.notNull())
        .addColumn('password_fp', 'text', (c) => c.notNull())
        .addColumn('mfa_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('console_sessions_user').on('console_sessions').columns(['account_id', 'user_id']).execute();
      await db.schema
        .createTable('console_signin_failures')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0003_workloads': {
    // Workloads given an instance profile: their authorization token is kept only as a hash.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('workloads')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('instance_profile_id', 'text', (b) => c(b).notNull())
        .addColumn('name', 'text', (b) => c(b).notNull())
        .addColumn('token_hash', 'text', (b) => c(b).notNull().unique())
        .addColumn('session_seconds', 'integer', (b) => b.notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('expires_at', 'text', c)
        .addColumn('revoked_at', 'text', c)
        .addColumn('last_issued_at', 'text', c)
        .execute();
      await db.schema.createIndex('workloads_profile').on('workloads').columns(['account_id', 'instance_profile_id']).execute();
    },
  },
  '0004_boundaries': {
    // Which users and roles use which managed policy as permissions boundary: an index the Repo
    // keeps from the entities' data, so GetPolicy and ListEntitiesForPolicy need not scan them.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('boundaries')
        .addColumn('entity_id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('policy_arn', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema.createIndex('boundaries_policy').on('boundaries').columns(['account_id', 'policy_arn']).execute();
      const rows = await db.selectFrom('entities').select(['id', 'account_id', 'data']).where('kind', 'in', ['user', 'role']).execute();
      for (const row of rows as { id: string; account_id: string; data: string }[]) {
        const arn = (JSON.parse(row.data) as { permissionsBoundary?: string }).permissionsBoundary;
        if (arn) await db.insertInto('boundaries').values({ entity_id: row.id, account_id: row.account_id, policy_arn: arn }).execute();
      }
    },
  },
  '0005_master_key_check': {
    // iamd's own bookkeeping, one value per key: a value sealed under the master key, opened at
    // every start (a master key that does not open it refuses to start), and the root keys the
    // environment (IAMD_ROOT_*) created, which are created only once.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (b) => c(b).primaryKey())
        .addColumn('value', 'text', (b) => c(b).notNull())
        .execute();
    },
  },
  '0006_resource_policies': {
    // Resource-based policies of protected services' resources (the authorization API): one per
    // exact ARN or ARN prefix, per owning account.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('resource_policies')
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('resource_arn', 'text', (b) => c(b).notNull())
        .addColumn('is_prefix', 'integer', (b) => b.notNull())
        .addColumn('document', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('updated_at', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('resource_policies_pk', ['account_id', 'resource_arn'])
        .execute();
    },
  },
  '0007_service_catalogues': {
    // Service catalogues: each service's actions, resource types, condition keys and routes, one
    // JSON document per account and service name.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('service_catalogues')
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('name', 'text', (b) => c(b).notNull())
        .addColumn('document', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('updated_at', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('service_catalogues_pk', ['account_id', 'name'])
        .execute();
    },
  },
  '0008_gateways': {
    // Gateways of protected services (nginx auth_request…): their token is kept only as a hash.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('gateways')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('service_name', 'text', (b) => c(b).notNull())
        .addColumn('name', 'text', (b) => c(b).notNull())
        .addColumn('token_hash', 'text', (b) => c(b).notNull().unique())
        .addColumn('created_by', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('revoked_at', 'text', c)
        .execute();
      await db.schema.createIndex('gateways_service').on('gateways').columns(['account_id', 'service_name']).execute();
    },
  },
  '0009_outbound_federation': {
    // Outbound web identity federation: each account's token issuer and its signing keys (the
    // private halves sealed under the master key).
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('outbound_federation')
        .addColumn('account_id', 'text', (b) => c(b).primaryKey())
        .addColumn('issuer_id', 'text', (b) => c(b).notNull().unique())
        .addColumn('enabled', 'integer', (b) => b.notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('updated_at', 'text', (b) => c(b).notNull())
        .addColumn('disabled_at', 'text', c)
        .execute();
      await db.schema
        .createTable('outbound_signing_keys')
        .addColumn('kid', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('alg', 'text', (b) => c(b).notNull())
        .addColumn('public_jwk', 'text', (b) => c(b).notNull())
        .addColumn('private_sealed', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('active_from', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema.createIndex('outbound_signing_keys_account').on('outbound_signing_keys').columns(['account_id', 'created_at']).execute();
    },
  },
  '0010_console_federated_sessions': {
    // Console sign-in through an OIDC provider: a console session may hold a role session (its
    // ASIA key id and token, sealed), and each sign-in in progress keeps its PKCE verifier, state
    // and nonce server-side (sealed), keyed by the state's hash and bound to the browser's cookie.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema.alterTable('console_sessions').addColumn('role_session', 'text', c).execute();
      await db.schema
        .createTable('console_sso_flows')
        .addColumn('id_hash', 'text', (b) => c(b).primaryKey())
        .addColumn('browser_hash', 'text', (b) => c(b).notNull())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('data', 'text', (b) => c(b).notNull())
        .addColumn('expires_at', 'text', (b) => c(b).notNull())
        .execute();
    },
  },
  '0011_service_activity': {
    // The last-accessed reports: when each user and role last attempted each service (and each
    // tracked action), the report jobs with their results, and each account's credential report.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('service_activity')
        .addColumn('principal_id', 'text', (b) => c(b).notNull())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('service', 'text', (b) => c(b).notNull())
        .addColumn('action', 'text', (b) => c(b).notNull())
        .addColumn('last_at', 'text', (b) => c(b).notNull())
        .addColumn('region', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('service_activity_pk', ['principal_id', 'service', 'action'])
        .execute();
      await db.schema
        .createTable('access_report_jobs')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('owner_arn', 'text', (b) => c(b).notNull())
        .addColumn('kind', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('completed_at', 'text', (b) => c(b).notNull())
        .addColumn('document', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema.createIndex('access_report_jobs_account').on('access_report_jobs').columns(['account_id', 'created_at']).execute();
      await db.schema
        .createTable('credential_reports')
        .addColumn('account_id', 'text', (b) => c(b).primaryKey())
        .addColumn('generated_at', 'text', (b) => c(b).notNull())
        .addColumn('content', 'text', (b) => c(b).notNull())
        .execute();
    },
  },
  '0012_account_level': {
    // Service-specific credentials (their secrets sealed under the master key) and each account's
    // STS preferences (SetSecurityTokenServicePreferences).
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('service_specific_credentials')
        .addColumn('id', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('user_id', 'text', (b) => c(b).notNull())
        .addColumn('service_name', 'text', (b) => c(b).notNull())
        .addColumn('login', 'text', (b) => c(b).notNull())
        .addColumn('slot', 'integer', (b) => b.notNull())
        .addColumn('secret_sealed', 'text', (b) => c(b).notNull())
        .addColumn('status', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('expires_at', 'text', c)
        .execute();
      // INVARIANT: one credential per user, service and slot (NAME+N-at-ACCOUNT names one credential).
      await db.schema
        .createIndex('service_specific_credentials_slot')
        .unique()
        .on('service_specific_credentials')
        .columns(['user_id', 'service_name', 'slot'])
        .execute();
      await db.schema.createIndex('service_specific_credentials_account').on('service_specific_credentials').columns(['account_id', 'created_at']).execute();
      await db.schema
        .createTable('sts_preferences')
        .addColumn('account_id', 'text', (b) => c(b).primaryKey())
        .addColumn('global_endpoint_token_version', 'text', (b) => c(b).notNull())
        .addColumn('updated_at', 'text', (b) => c(b).notNull())
        .execute();
    },
  },
  '0013_audit_trail': {
    // The audit trail (src/audit, docs/audit.md): CloudTrail-shaped events chained by hash, the
    // chain's head and its anchor (the last pruned event), signed digests, and the trail's keys
    // (the digest signing key and the HMAC key for secrets, both sealed under the master key).
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('audit_events')
        .addColumn('seq', 'integer', (b) => b.primaryKey())
        .addColumn('event_id', 'text', (b) => c(b).notNull().unique())
        .addColumn('event_time', 'text', (b) => c(b).notNull())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('event_name', 'text', (b) => c(b).notNull())
        .addColumn('event_source', 'text', (b) => c(b).notNull())
        .addColumn('read_only', 'integer', (b) => b.notNull())
        .addColumn('username', 'text', c)
        .addColumn('access_key_id', 'text', c)
        .addColumn('resources', 'text', c)
        .addColumn('body', 'text', (b) => c(b).notNull())
        .addColumn('prev_hash', 'text', (b) => c(b).notNull())
        .addColumn('hash', 'text', (b) => c(b).notNull())
        .execute();
      // No index beyond the sequence and the event id: every index is paid by every call's record,
      // and LookupEvents walks the trail newest first by sequence anyway (docs/audit.md, Speed).
      // PostgreSQL: a write's record joins its transaction here, and is chained just after (no
      // serializable write then contends for the chain head; src/audit/recorder.ts).
      await db.schema
        .createTable('audit_pending')
        .addColumn('event_id', 'text', (b) => c(b).primaryKey())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('username', 'text', c)
        .addColumn('access_key_id', 'text', c)
        .addColumn('resources', 'text', c)
        .addColumn('body', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema
        .createTable('audit_chain')
        .addColumn('name', 'text', (b) => c(b).primaryKey())
        .addColumn('seq', 'integer', (b) => b.notNull())
        .addColumn('hash', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema
        .createTable('audit_digests')
        .addColumn('id', 'integer', (b) => b.primaryKey())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('body', 'text', (b) => c(b).notNull())
        .addColumn('signature', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema
        .createTable('audit_keys')
        .addColumn('kind', 'text', (b) => c(b).primaryKey())
        .addColumn('sealed', 'text', (b) => c(b).notNull())
        .addColumn('public_key', 'text', c)
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .execute();
    },
  },
  '0015_passkeys': {
    // FIDO2 security keys and passkeys as MFA devices (public keys, counters, transports), and the
    // WebAuthn challenges of ceremonies in progress (single-use, bound to a console session).
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('passkeys')
        .addColumn('serial', 'text', (b) => c(b).primaryKey())
        .addColumn('account_id', 'text', (b) => c(b).notNull())
        .addColumn('user_id', 'text', c)
        .addColumn('name', 'text', (b) => c(b).notNull())
        .addColumn('credential_id', 'text', (b) => c(b).notNull().unique())
        .addColumn('public_key', 'text', (b) => c(b).notNull())
        .addColumn('counter', 'bigint', (b) => b.notNull())
        .addColumn('transports', 'text', (b) => c(b).notNull())
        .addColumn('aaguid', 'text', (b) => c(b).notNull())
        .addColumn('created_at', 'text', (b) => c(b).notNull())
        .addColumn('last_used_at', 'text', c)
        .execute();
      await db.schema.createIndex('passkeys_owner').on('passkeys').columns(['account_id', 'user_id']).execute();
      await db.schema
        .createTable('passkey_challenges')
        .addColumn('session_hash', 'text', (b) => c(b).notNull())
        .addColumn('purpose', 'text', (b) => c(b).notNull())
        .addColumn('challenge', 'text', (b) => c(b).notNull())
        .addColumn('data', 'text', (b) => c(b).notNull())
        .addColumn('expires_at', 'text', (b) => c(b).notNull())
        .addPrimaryKeyConstraint('passkey_challenges_pk', ['session_hash', 'purpose'])
        .execute();
    },
  },
  '0016_console_scratch': {
    // The console's short-lived state, shared by every worker and node (issue #18): the one-time
    // credentials page and its CSV download, and Add user's drafts between the wizard's steps.
    // Keyed by the SHA-256 of the page's token, bound to the console session, sealed (the rows
    // hold secret access keys and passwords) and deleted when read, left, or expired.
    async up(db: AnyDb) {
      const c = textColumn(db);
      await db.schema
        .createTable('console_scratch')
        .addColumn('id_hash', 'text', (b) => c(b).primaryKey())
        .addColumn('session_hash', 'text', (b) => c(b).notNull())
        .addColumn('kind', 'text', (b) => c(b).notNull())
        .addColumn('data', 'text', (b) => c(b).notNull())
        .addColumn('state', 'text', c)
        .addColumn('expires_at', 'text', (b) => c(b).notNull())
        .execute();
      await db.schema.createIndex('console_scratch_session').on('console_scratch').columns(['session_hash']).execute();
    },
  },
  '0017_store_version': {
    // A count bumped by every write transaction on a SQLite data folder: another process (a worker)
    // or thread (the audit trail's appender) reading it learns whether a commit it notices
    // (PRAGMA data_version) changed what caches hold, or was only bookkeeping or audit records,
    // which must not drop every cache. PostgreSQL's nodes learn of writes by notices instead.
    async up(db: AnyDb) {
      await db.schema
        .createTable('store_version')
        .addColumn('id', 'integer', (b) => b.primaryKey())
        .addColumn('n', 'bigint', (b) => b.notNull())
        .execute();
      await db.insertInto('store_version').values({ id: 1, n: 0 }).execute();
    },
  },
};
