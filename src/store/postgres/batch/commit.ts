// Group commit for the PostgreSQL store: one flush in flight per instance; the requests that arrive while it
// runs wait together, and the next flush serves all of them with one statement (one transaction), up to
// the commit bound (../../commit-bound.ts): the rest wait for the flushes after it, in arrival order.
import { takeWithin } from '../../commit-bound.js';

/** What a flush needs of a waiting request: a way to fail it. Requests are settled by the flush. */
export interface Waiter {
  reject(e: unknown): void;
}

export class BatchQueue<W extends Waiter> {
  private waiting: W[] = [];
  private running: Promise<void> | undefined;

  /**
   * `flush(batch)` must settle every waiter of `batch`; if it throws, the ones it left are failed with its error.
   * `weigh` is the random values a waiter adds to its batch (none by default: no bound).
   */
  constructor(
    private readonly flush: (batch: W[]) => Promise<void>,
    private readonly weigh: (waiter: W) => number = () => 0,
  ) {}

  /** Queues a request; `make` builds its waiter around the promise's resolve and reject. */
  submit<R>(make: (resolve: (r: R) => void, reject: (e: unknown) => void) => W): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push(make(resolve, reject));
      // Started a microtask later, so that requests issued in the same tick share the first statement too.
      this.running ??= Promise.resolve().then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = takeWithin(this.waiting, this.weigh);
      try {
        await this.flush(batch);
      } catch (e) {
        // Settling a promise twice is a no-op: waiters the flush already answered keep their answer.
        for (const w of batch) w.reject(e);
      }
    }
    this.running = undefined;
  }

  /** Resolves once nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
