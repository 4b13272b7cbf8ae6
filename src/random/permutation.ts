// A keyed pseudo-random permutation of [0, size): balanced Feistel network with an AES round
// function and cycle-walking, so the n-th draw is permute(n) with no generate-and-retry; invert(v) gives
// back the draw number of a value ("was it issued?" is invert(v) < drawn).
import { createCipheriv, type Cipher } from 'node:crypto';

export const ROUNDS = 10;

export class Permutation {
  readonly size: number;
  private readonly halfBits: number;
  private readonly half: number;
  private readonly mask: number;
  // ECB has no chaining, so one cipher can encrypt any number of independent blocks.
  private readonly cipher: Cipher;
  /** The round input's fixed bytes (the size tweak); byte 0 takes the round, bytes 2-5 the right half. */
  private readonly block = Buffer.alloc(16);

  constructor(key: Buffer, size: number) {
    if (key.length !== 32) throw new Error('permutation key must be 32 bytes');
    if (!Number.isSafeInteger(size) && size !== 2 ** 53) throw new Error('permutation size must be an integer');
    if (size < 1) throw new Error('permutation size must be at least 1');
    this.size = size;
    const bits = size <= 1 ? 1 : Math.ceil(Math.log2(size));
    // Both halves must fit a 32-bit int: size <= 2^53 gives halfBits <= 27.
    this.halfBits = Math.max(1, Math.ceil(bits / 2));
    this.half = 2 ** this.halfBits;
    this.mask = this.half - 1;
    this.cipher = createCipheriv('aes-256-ecb', key, null);
    this.cipher.setAutoPadding(false);
    // Tweak the round input with the domain size so one key gives unrelated permutations per size.
    this.block.writeUIntBE(Math.floor(size / 2 ** 8), 6, 6);
    this.block.writeUInt8(size % 256, 12);
    this.block.writeUInt8(this.halfBits, 1);
  }

  /** The index whose permutation is `value`: invert(permute(i)) === i. Runs the rounds backwards, walking the cycle back. */
  invert(value: number): number {
    if (!(value >= 0 && value < this.size && Number.isInteger(value))) throw new RangeError(`value ${value} outside [0, ${this.size})`);
    if (this.size === 1) return 0;
    const block = Buffer.from(this.block);
    let l = Math.floor(value / this.half);
    let r = value % this.half;
    do {
      // A round maps (L, R) to (R, L ^ F(R)); so (l, r) came from (r ^ F(l), l).
      for (let round = ROUNDS - 1; round >= 0; round--) {
        block[0] = round;
        block.writeUInt32BE(l, 2);
        const previous = ((r ^ this.cipher.update(block).readUInt32BE(0)) & this.mask) >>> 0;
        r = l;
        l = previous;
      }
    } while (l * this.half + r >= this.size);
    return l * this.half + r;
  }

  permute(index: number): number {
    return this.permuteMany([index])[0]!;
  }

  /**
   * permute(i) for every index. Each Feistel round is one AES call over all the indexes still walking:
   * ECB blocks are independent, and a call's fixed cost is most of what a draw spends on AES, so a batch of
   * n draws costs about ROUNDS calls per pass instead of n times as many (BENCHMARKS.md has the figures).
   */
  permuteMany(indexes: readonly number[]): number[] {
    for (const index of indexes)
      if (!(index >= 0 && index < this.size && Number.isInteger(index))) throw new RangeError(`index ${index} outside [0, ${this.size})`);
    const out = new Array<number>(indexes.length).fill(0);
    if (this.size === 1) return out;
    const highLimit = Math.floor(this.size / this.half);
    const lowLimit = this.size % this.half;
    // The walking items: where each answer goes, and its halves (kept separate so no value passes 2^53).
    const at = indexes.map((_, k) => k);
    const left = indexes.map((i) => Math.floor(i / this.half));
    const right = indexes.map((i) => i % this.half);
    const blocks = Buffer.alloc(indexes.length * 16).fill(this.block);
    // Cycle-walking: re-encrypt until the value falls inside [0, size); terminates because it is a permutation.
    for (let n = at.length; n > 0; ) {
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < n; k++) {
          blocks[k * 16] = round;
          blocks.writeUInt32BE(right[k]!, k * 16 + 2);
        }
        const f = this.cipher.update(blocks.subarray(0, n * 16));
        for (let k = 0; k < n; k++) {
          const next = ((left[k]! ^ f.readUInt32BE(k * 16)) & this.mask) >>> 0;
          left[k] = right[k]!;
          right[k] = next;
        }
      }
      let walking = 0;
      for (let k = 0; k < n; k++) {
        const l = left[k]!;
        const r = right[k]!;
        if (l > highLimit || (l === highLimit && r >= lowLimit)) {
          at[walking] = at[k]!;
          left[walking] = l;
          right[walking] = r;
          walking++;
        } else out[at[k]!] = l * this.half + r;
      }
      n = walking;
    }
    return out;
  }
}
