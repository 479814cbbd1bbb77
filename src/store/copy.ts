// `iamd migrate`: copies every row of one store into another (an embedded SQLite data folder
// into PostgreSQL). Sealed secrets are copied as they are, so the target nodes need the same
// master key.
import { sql } from 'kysely';
import type { Database } from './schema.ts';
import type { Store } from './store.ts';

/** Every table that holds IAM state, in an order that respects nothing but readability. */
export const STATE_TABLES: (keyof Database)[] = [
  'accounts',
  'entities',
  'access_keys',
  'login_profiles',
  'password_history',
  'password_policies',
  'memberships',
  'tags',
  'attachments',
  'inline_policies',
  'policy_versions',
  'workloads',
  'boundaries',
  'service_catalogues',
  'resource_policies',
  'gateways',
  'outbound_federation',
  'outbound_signing_keys',
  'service_specific_credentials',
  'sts_preferences',
  'passkeys',
  // What was used when (last-accessed data), and the reports made from it.
  'service_activity',
  'access_report_jobs',
  'credential_reports',
  // The audit trail: its events, chain head and anchor, signed digests and (sealed) keys.
  'audit_events',
  'audit_chain',
  'audit_pending',
  'audit_digests',
  'audit_keys',
  // The master-key check value and which root keys the environment created: both belong to the data.
  'meta',
];

export async function copyStore(from: Store, to: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const rowsByTable = new Map<string, Record<string, unknown>[]>();
  await from.read(async (repo) => {
    for (const table of STATE_TABLES) rowsByTable.set(table, (await repo.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[]);
  });
  await to.write(async (repo) => {
    const existing = await repo.db.selectFrom('accounts').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    if (Number(existing.n) > 0) throw new Error('the target database already holds an iamd account; migrate into an empty one');
    for (const table of STATE_TABLES) {
      const rows = rowsByTable.get(table) ?? [];
      // A node started on the empty target already sealed its own check value: the source's wins.
      if (table === 'meta') await repo.db.deleteFrom('meta').execute();
      // Batches keep each INSERT under the databases' parameter limits.
      for (let i = 0; i < rows.length; i += 200) {
        await repo.db
          .insertInto(table)
          .values(rows.slice(i, i + 200) as never)
          .execute();
      }
      counts[table] = rows.length;
    }
  });
  return counts;
}
