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

/** A record as the chain stores it: its JSON (what is hashed) and the columns LookupEvents filters on. */
export interface ChainEntry {
  body: string;
  eventId: string;
  eventTime: string;
  accountId: string;
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  username: string | null;
  accessKeyId: string | null;
  resources: string | null;
}

export function chainEntry(e: PreparedEvent): ChainEntry {
  return {
    body: eventBody(e.event),
    eventId: e.event.eventID,
    eventTime: e.event.eventTime,
    accountId: e.accountId,
    eventName: e.event.eventName,
    eventSource: e.event.eventSource,
    readOnly: e.event.readOnly,
    username: e.username,
    accessKeyId: e.accessKeyId,
    resources: resourceLines(e.resources),
  };
}

/** Values per entry in a packed batch. */
const PACKED = 10;

/**
 * Records as one flat array of strings (the appender thread's message): cloning it between threads
 * costs a copy of each string, where records as objects cost a walk of every member of each.
 */
export function packEntries(events: readonly PreparedEvent[]): (string | null)[] {
  const out: (string | null)[] = [];
  for (const e of events) {
    const v = e.event;
    out.push(
      eventBody(v),
      v.eventID,
      v.eventTime,
      e.accountId,
      v.eventName,
      v.eventSource,
      v.readOnly ? '1' : '0',
      e.username,
      e.accessKeyId,
      resourceLines(e.resources),
    );
  }
  return out;
}

export function unpackEntries(packed: readonly (string | null)[]): ChainEntry[] {
  const out: ChainEntry[] = [];
  for (let i = 0; i + PACKED <= packed.length; i += PACKED) {
    const at = (k: number) => packed[i + k] ?? null;
    out.push({
      body: at(0)!,
      eventId: at(1)!,
      eventTime: at(2)!,
      accountId: at(3)!,
      eventName: at(4)!,
      eventSource: at(5)!,
      readOnly: at(6) === '1',
      username: at(7),
      accessKeyId: at(8),
      resources: at(9),
    });
  }
  return out;
}

/**
 * Appends records after the chain's head in repo's write transaction. On PostgreSQL the head row
 * is locked (SELECT … FOR UPDATE) until the transaction ends: one node appends at a time, in one order.
 */
export async function appendToChain(repo: Repo, entries: readonly ChainEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const head = await repo.auditChainRow('head', true);
  let seq = head ? Number(head.seq) : 0;
  let prev = head?.hash ?? GENESIS_HASH;
  const rows: AuditEventTable[] = [];
  for (const e of entries) {
    seq++;
    const hash = eventHash(prev, seq, e.body);
    rows.push({
      seq,
      event_id: e.eventId,
      event_time: e.eventTime,
      account_id: e.accountId,
      event_name: e.eventName,
      event_source: e.eventSource,
      read_only: e.readOnly ? 1 : 0,
      username: e.username,
      access_key_id: e.accessKeyId,
      resources: e.resources,
      body: e.body,
      prev_hash: prev,
      hash,
    });
    prev = hash;
  }
  await repo.insertAuditEvents(rows);
  await repo.setAuditChainRow({ name: 'head', seq, hash: prev });
}
