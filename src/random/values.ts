// Turns draws (indexes of a pool) into their values, as exact JSON texts. Draws asked for in the same
// microtask turn (the waiters that one commit releases together) are permuted together: one AES call per
// Feistel round for all of them. The work goes in slices of at most SLICE values with a turn of the event
// loop between slices, so many large draws never hold up a /healthz for all of their values at once.
import { Permutation } from './permutation.js';
import { domainSize, formatIndex, type PoolDomain } from './domain.js';

/** A run of draw indexes [start, start + count) of one pool, with what permutes them (a store's Draw fits). */
export interface Draw {
  start: number;
  count: number;
  domain: PoolDomain;
  /** The pool's 256-bit permutation key, hex. */
  key: string;
}

/** Values permuted between two turns of the event loop. */
export const SLICE = 512;

interface Waiting {
  draw: Draw;
  texts: string[];
  /** How many of the draw's values are done. */
  done: number;
  failed: boolean;
  resolve: (texts: string[]) => void;
  reject: (e: unknown) => void;
}

export class RandomValues {
  // One permutation per pool key: building one costs a cipher, drawing from it does not.
  private readonly permutations = new Map<string, Permutation>();
  private queue: Waiting[] = [];
  private running = false;

  /** The permutation of a pool (its key and domain size). */
  permutation(key: string, domain: PoolDomain): Permutation {
    const size = domainSize(domain);
    const id = `${key}:${size}`;
    let p = this.permutations.get(id);
    if (!p) {
      p = new Permutation(Buffer.from(key, 'hex'), size);
      this.permutations.set(id, p);
    }
    return p;
  }

  /** The drawn values, each formatted exactly (floats with their fixed number of decimals, codes as JSON strings). */
  texts(draw: Draw): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ draw, texts: new Array<string>(draw.count), done: 0, failed: false, resolve, reject });
      if (this.running) return;
      this.running = true;
      // The first draw of a turn schedules the work after the turn's other draws have joined.
      queueMicrotask(() => this.slice());
    });
  }

  /** Permutes the next SLICE values of the queue (oldest draws first), then yields to the event loop. */
  private slice(): void {
    const parts: { w: Waiting; from: number; n: number }[] = [];
    let budget = SLICE;
    while (budget > 0 && this.queue.length > 0) {
      const w = this.queue[0]!;
      const n = Math.min(budget, w.draw.count - w.done);
      parts.push({ w, from: w.done, n });
      w.done += n;
      budget -= n;
      if (w.done === w.draw.count) this.queue.shift();
    }
    const byPermutation = new Map<Permutation, typeof parts>();
    for (const part of parts) {
      if (part.w.failed) continue;
      try {
        const p = this.permutation(part.w.draw.key, part.w.draw.domain);
        const group = byPermutation.get(p);
        if (group) group.push(part);
        else byPermutation.set(p, [part]);
      } catch (e) {
        this.fail(part.w, e);
      }
    }
    for (const [p, group] of byPermutation) {
      try {
        const indexes: number[] = [];
        for (const { w, from, n } of group) for (let i = 0; i < n; i++) indexes.push(w.draw.start + from + i);
        const values = p.permuteMany(indexes);
        let at = 0;
        for (const { w, from, n } of group) for (let i = 0; i < n; i++) w.texts[from + i] = formatIndex(w.draw.domain, values[at++]!);
      } catch (e) {
        for (const { w } of group) this.fail(w, e);
      }
    }
    for (const { w } of parts) if (!w.failed && w.done === w.draw.count) w.resolve(w.texts);
    if (this.queue.length > 0) setImmediate(() => this.slice());
    else this.running = false;
  }

  private fail(w: Waiting, e: unknown): void {
    if (w.failed) return;
    w.failed = true;
    const at = this.queue.indexOf(w);
    if (at >= 0) this.queue.splice(at, 1);
    w.reject(e);
  }
}
