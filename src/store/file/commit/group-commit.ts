// Group commit: one write in flight, at most one pending; every caller that arrives while a write is on
// disk joins the pending batch, and one write resolves them all.
import { Mutex } from 'async-mutex';

interface Batch {
  promise: Promise<void>;
  waiters: number;
}

export class GroupCommit {
  private readonly mutex = new Mutex();
  private pending: Batch | null = null;

  /** `commitBatch(batch)` persists the state as it is when it starts; `batch` is how many callers it covers. */
  constructor(private readonly commitBatch: (batch: number) => Promise<void>) {}

  /** Resolves once a write that started after this call has finished. */
  commit(): Promise<void> {
    if (this.pending) {
      this.pending.waiters++;
      return this.pending.promise;
    }
    const batch: Batch = { promise: Promise.resolve(), waiters: 1 };
    this.pending = batch;
    batch.promise = this.mutex.runExclusive(() => {
      // From here on new callers start the next batch: this commit may not include their changes.
      this.pending = null;
      return this.commitBatch(batch.waiters);
    });
    return batch.promise;
  }

  /** Runs `fn` between writes: no write is in flight while it runs (the journal switch of a checkpoint). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(fn);
  }

  /** Waits until no write is in flight or pending. */
  async idle(): Promise<void> {
    while (this.pending || this.mutex.isLocked()) {
      await this.mutex.waitForUnlock();
      if (this.pending) await this.pending.promise.catch(() => undefined);
    }
  }
}
