// Appending records to the chain, in a transaction that holds the chain's head: the recorder's
// (a write's own record, PostgreSQL's pending records, the in-thread fallback) and the appender
// thread's (appender-thread.ts) — one function, so the chain is made one way.
import type { Repo } from '../store/repo.ts';
import type { AuditEventTable } from '../store/schema.ts';
import { eventHash, GENESIS_HASH } from './chain.ts';
import { eventBody, type PreparedEvent } from './event.ts';

/** LookupEvents' resource column: one `TYPE NAME` line per resource. */
export function resourceLines(resources: PreparedEvent['resources']): string | null {
  return resources.length > 0 ? resources.map((r) => `${r.type} ${r.name}`).join('\n') : null;
}

/**
 * Appends records after the chain's head in repo's write transaction. On PostgreSQL the head row
 * is locked (SELECT … FOR UPDATE) until the transaction ends: one node appends at a time, in one order.
 */
export async function appendToChain(repo: Repo, events: readonly PreparedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const head = await repo.auditChainRow('head', true);
  let seq = head ? Number(head.seq) : 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const rows: AuditEventTable[] = [];
  for (const e of events) {
    seq++;
    const body = eventBody(e.event);
    const hash = eventHash(prev, seq, body);
    rows.push({
      seq,
      event_id: e.event.eventID,
      event_time: e.event.eventTime,
      account_id: e.accountId,
      event_name: e.event.eventName,
      event_source: e.event.eventSource,
      read_only: e.event.readOnly ? 1 : 0,
      username: e.username,
      access_key_id: e.accessKeyId,
      resources: resourceLines(e.resources),
      body,
      prev_hash: prev,
      hash,
    });
    prev = hash;
  }
  await repo.insertAuditEvents(rows);
  await repo.setAuditChainRow({ name: 'head', seq, hash: prev });
}
