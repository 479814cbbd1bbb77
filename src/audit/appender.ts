// The request thread's handle on the appender thread (appender-thread.ts): batches go there, one
// at a time, and each answer says how many records joined the chain. If the thread dies, every
// batch in flight fails: the recorder appends those records itself from then on, but for any the
// thread had chained before it could say so (recorder.ts looks them up).
import { Worker } from 'node:worker_threads';
import type { AppendReply, AppendRequest } from './appender-thread.ts';
import { packEntries } from './append.ts';
import type { PreparedEvent } from './event.ts';

// Built (dist/…/appender.js) the thread is the built .js beside; from the sources (tsx), the .ts,
// with tsx loaded in the thread as in this one.
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const THREAD_URL = new URL(FROM_SOURCES ? './appender-thread.ts' : './appender-thread.js', import.meta.url);

/** A batch's result: how many of its records (from the first) joined the chain, and an error for the rest. */
export interface AppendResult {
  appended: number;
  error?: string;
}

export class AppenderThread {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: AppendResult) => void>();
  private dead?: string;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: AppendReply) => {
      const done = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      done?.('error' in reply ? { appended: reply.appended, error: reply.error } : { appended: reply.appended });
    });
    const die = (why: string) => {
      this.dead ??= why;
      for (const done of this.waiting.values()) done({ appended: 0, error: this.dead });
      this.waiting.clear();
    };
    worker.on('error', (error) => die(`appender thread failed: ${String(error)}`));
    worker.on('exit', (code) => die(`appender thread exited (${code})`));
    // Idle, the thread does not keep the process alive; a batch in flight does (append).
    worker.unref();
  }

  /** Starts the thread on the data folder; resolves once its store is open. */
  static start(dataDir: string, threadLock: SharedArrayBuffer): Promise<AppenderThread> {
    const worker = FROM_SOURCES
      ? // From the sources: Node 20 gives a worker neither the loader tsx registered here nor the
        // use of --import for its main module, so the thread registers tsx, then imports its module.
        new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_URL.href)}); });`,
          { eval: true, workerData: { dataDir, threadLock } },
        )
      : new Worker(THREAD_URL, { workerData: { dataDir, threadLock } });
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => reject(error instanceof Error ? error : new Error(`appender thread exited (${String(error)})`));
      worker.once('error', fail);
      worker.once('exit', fail);
      worker.once('message', (m: unknown) => {
        worker.off('error', fail);
        worker.off('exit', fail);
        if (m === 'ready') resolve(new AppenderThread(worker));
        else reject(new Error(`appender thread: unexpected first message ${String(m)}`));
      });
    });
  }

  /** False once the thread has died: the recorder appends in-thread instead. */
  get alive(): boolean {
    return this.dead === undefined;
  }

  append(events: PreparedEvent[]): Promise<AppendResult> {
    if (this.dead) return Promise.resolve({ appended: 0, error: this.dead });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.ref();
      this.worker.postMessage({ id, packed: packEntries(events) } satisfies AppendRequest);
    });
  }

  /** Closes the thread's store and ends it (after the batches sent have been answered). */
  async close(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }
}
