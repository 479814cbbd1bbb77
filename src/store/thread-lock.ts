// A write lock shared by the threads of one process that open the same SQLite data folder (the
// request thread and the audit trail's appender). SQLite's own lock would do, but a connection
// that finds it taken sleeps in its busy handler, which on the request thread stops every request;
// waiting here is asynchronous. Other processes (workers) still meet at SQLite's lock.

type WaitAsync = (array: Int32Array, index: number, value: number) => { async: false; value: string } | { async: true; value: Promise<string> };
// ES2024's Atomics.waitAsync (Node ≥ 16): not in the ES2022 library this project compiles against.
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const FREE = 0;
const TAKEN = 1;

/** A new lock's memory, to hand to every thread's store (structured-cloned as shared). */
export function newThreadLock(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

export class ThreadLock {
  private readonly cell: Int32Array;

  constructor(memory: SharedArrayBuffer) {
    this.cell = new Int32Array(memory);
  }

  /** Takes the lock if it is free (no wait, no promise). */
  tryAcquire(): boolean {
    return Atomics.compareExchange(this.cell, 0, FREE, TAKEN) === FREE;
  }

  /** Resolves once this thread holds the lock. */
  async acquire(): Promise<void> {
    while (Atomics.compareExchange(this.cell, 0, FREE, TAKEN) !== FREE) {
      const wait = waitAsync(this.cell, 0, TAKEN);
      if (wait.async) await wait.value;
    }
  }

  release(): void {
    Atomics.store(this.cell, 0, FREE);
    Atomics.notify(this.cell, 0, 1);
  }
}
