// The file store's share of the commit bound (../../commit-bound.ts): a draw is admitted to the commit being
// gathered while it has room; past it, draws queue and join the following commits in arrival order.
import { MAX_COMMIT_VALUES } from '../../commit-bound.js';

interface Queued {
  values: number;
  admit: (round: number) => void;
}

export class CommitBudget {
  /** Values admitted since the gathered changes were last taken for a write. */
  private gathered = 0;
  /** Counts the takes: room handed back from an earlier round is not this round's. */
  private round = 0;
  private readonly queue: Queued[] = [];

  constructor(private readonly bound: number = MAX_COMMIT_VALUES) {}

  /** The round when `values` join the commit being gathered now; else a promise of the later round they join. */
  admit(values: number): number | Promise<number> {
    if (this.queue.length === 0 && this.fits(values)) {
      this.gathered += values;
      return this.round;
    }
    return new Promise((resolve) => this.queue.push({ values, admit: resolve }));
  }

  /** The gathered changes were taken by a write: the next commit admits the oldest waiting draws that fit. */
  next(): void {
    this.round++;
    this.gathered = 0;
    this.admitWaiting();
  }

  /** A draw admitted in `round` changed nothing (refused): its room goes to the draws waiting. */
  release(values: number, round: number): void {
    if (round !== this.round) return;
    this.gathered -= values;
    this.admitWaiting();
  }

  private fits(values: number): boolean {
    // A draw larger than the bound goes alone: nothing waits forever.
    return this.gathered === 0 || this.gathered + values <= this.bound;
  }

  private admitWaiting(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.values)) {
      const q = this.queue.shift()!;
      this.gathered += q.values;
      q.admit(this.round);
    }
  }
}
