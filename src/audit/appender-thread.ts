// The audit trail's appender thread (appender.ts starts it): queued records — reads, refusals —
// are chained (SHA-256) and inserted here, on a connection of its own to the
// same SQLite data folder, so the request thread spends only the record's building and JSON on them.
// Each append reads the chain's head under the write lock, as a worker process's would: the chain
// stays one whoever appends.
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../store/store.ts';
import { appendToChain, type ChainEntry, unpackEntries } from './append.ts';

/** Records per transaction: short enough that a write waiting for the lock waits little. */
const TRANSACTION_EVENTS = 100;

export interface AppendRequest {
  id: number;
  /** The records, packed (append.ts packEntries). */
  packed: (string | null)[];
}
export type AppendReply = { id: number; appended: number } | { id: number; appended: number; error: string };

const { dataDir, threadLock } = workerData as { dataDir: string; threadLock: SharedArrayBuffer };
const port = parentPort;
if (!port) throw new Error('appender-thread.ts runs as a worker thread');
const store = await Store.openSqlite({ dataDir, threadLock });

port.on('message', (request: AppendRequest | 'close') => {
  if (request === 'close') {
    void store.close().finally(() => port.close());
    return;
  }
  void appendAll(unpackEntries(request.packed)).then((reply) => port.postMessage({ id: request.id, ...reply } satisfies AppendReply));
});
port.postMessage('ready');

/** Appends in transactions of TRANSACTION_EVENTS; says how many joined the chain, and why not the rest. */
async function appendAll(events: ChainEntry[]): Promise<{ appended: number; error?: string }> {
  let appended = 0;
  try {
    for (; appended < events.length; appended += TRANSACTION_EVENTS) {
      const slice = events.slice(appended, appended + TRANSACTION_EVENTS);
      await store.touch((repo) => appendToChain(repo, slice));
    }
    return { appended: events.length };
  } catch (error) {
    return { appended, error: String(error) };
  }
}
