// Turns draws (indexes of a pool) into their values, as exact JSON/text tokens. Draws asked for in the same
// microtask turn (the waiters that one commit releases together) are permuted together: one AES call per
// Feistel round for all of them.
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

interface Waiting {
  draw: Draw;
  resolve: (tokens: string[]) => void;
  reject: (e: unknown) => void;
}

export class RandomValues {
  // One permutation per pool key: building one costs a cipher, drawing from it does not.
  private readonly permutations = new Map<string, Permutation>();
  private waiting: Waiting[] = [];

  private permutation(draw: Draw): Permutation {
    const size = domainSize(draw.domain);
    const id = `${draw.key}:${size}`;
    let p = this.permutations.get(id);
    if (!p) {
      p = new Permutation(Buffer.from(draw.key, 'hex'), size);
      this.permutations.set(id, p);
    }
    return p;
  }

  /** The drawn values, each formatted exactly (floats with their fixed number of decimals). */
  tokens(draw: Draw): Promise<string[]> {
    return new Promise((resolve, reject) => {
      // The first draw of a turn schedules the work after the turn's other draws have joined.
      if (this.waiting.push({ draw, resolve, reject }) === 1) queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    const byPermutation = new Map<Permutation, Waiting[]>();
    for (const w of batch) {
      try {
        const p = this.permutation(w.draw);
        const group = byPermutation.get(p);
        if (group) group.push(w);
        else byPermutation.set(p, [w]);
      } catch (e) {
        w.reject(e);
      }
    }
    for (const [p, group] of byPermutation) {
      try {
        const indexes: number[] = [];
        for (const { draw } of group) for (let i = 0; i < draw.count; i++) indexes.push(draw.start + i);
        const values = p.permuteMany(indexes);
        let at = 0;
        for (const { draw, resolve } of group) {
          const tokens = new Array<string>(draw.count);
          for (let i = 0; i < draw.count; i++) tokens[i] = formatIndex(draw.domain, values[at++]!);
          resolve(tokens);
        }
      } catch (e) {
        for (const w of group) w.reject(e);
      }
    }
  }
}
