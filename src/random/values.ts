// Turns a draw (indexes of a pool) into its values, as exact JSON/text tokens.
import { Permutation } from './permutation.js';
import { domainSize, formatIndex } from './domain.js';
import type { Draw } from '../store/store.js';

export class RandomValues {
  // One permutation per pool key: building one costs a cipher, drawing from it does not.
  private readonly permutations = new Map<string, Permutation>();

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
  tokens(draw: Draw): string[] {
    const p = this.permutation(draw);
    const out = new Array<string>(draw.count);
    for (let i = 0; i < draw.count; i++) out[i] = formatIndex(draw.domain, p.permute(draw.start + i));
    return out;
  }
}
