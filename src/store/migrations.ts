// Versioned schema migrations, one object per step, run in order by Kysely's migrator (which
// holds a lock, so nodes starting together apply each step once). Never edit a released step:
// add a new one.
import type { Kysely, Migration } from 'kysely';

export const migrations: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('alias', 'text', (c) => c.unique())
        .addColumn('root_email', 'text')
        .addColumn('root_password_hash', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('entities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      // INVARIANT: names are unique per account and kind, regardless of case.
      await db.schema.createIndex('entities_name').unique().on('entities').columns(['account_id', 'kind', 'name_key']).execute();
      await db.schema
        .createTable('access_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('secret_sealed', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .addColumn('last_used_service', 'text')
        .addColumn('last_used_region', 'text')
        .execute();
      await db.schema.createIndex('access_keys_user').on('access_keys').columns(['account_id', 'user_id']).execute();
      await db.schema
        .createTable('login_profiles')
        .addColumn('user_id', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('reset_required', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('password_history')
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('password_history_user').on('password_history').column('user_id').execute();
      await db.schema
        .createTable('password_policies')
        .addColumn('account_id', 'text', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('memberships_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('tags')
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('tag_key', 'text', (c) => c.notNull())
        .addColumn('key_lower', 'text', (c) => c.notNull())
        .addColumn('tag_value', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('tags_pk', ['resource_id', 'key_lower'])
        .execute();
      await db.schema
        .createTable('attachments')
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('policy_arn', 'text', (c) => c.notNull())
        .addColumn('attached_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('attachments_pk', ['entity_id', 'policy_arn'])
        .execute();
      await db.schema.createIndex('attachments_policy').on('attachments').column('policy_arn').execute();
      await db.schema
        .createTable('inline_policies')
        .addColumn('entity_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('inline_policies_pk', ['entity_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('policy_versions')
        .addColumn('policy_id', 'text', (c) => c.notNull())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version_id'])
        .execute();
    },
  },
};
