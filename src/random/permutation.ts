// A keyed pseudo-random permutation of [0, size): balanced Feistel network with an AES round
// function and cycle-walking, so the n-th draw is permute(n) with no generate-and-retry.
import { createCipheriv, type Cipher } from 'node:crypto';

export const ROUNDS = 10;

export class Permutation {
  readonly size: number;
  private readonly halfBits: number;
  private readonly half: number;
  private readonly mask: number;
  // ECB has no chaining, so one cipher can encrypt any number of independent blocks.
  private readonly cipher: Cipher;
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

  private round(i: number, r: number): number {
    this.block.writeUInt8(i, 0);
    this.block.writeUInt32BE(r, 2);
    const out = this.cipher.update(this.block);
    return out.readUInt32BE(0);
  }

  private readonly pair: [number, number] = [0, 0];

  /** One pass of the network over (l, r), in place; halves stay separate so no value passes 2^53. */
  private encrypt(pair: [number, number]): void {
    let [l, r] = pair;
    for (let i = 0; i < ROUNDS; i++) {
      const next = ((l ^ this.round(i, r)) & this.mask) >>> 0;
      l = r;
      r = next;
    }
    pair[0] = l;
    pair[1] = r;
  }

  permute(index: number): number {
    if (!(index >= 0 && index < this.size && Number.isInteger(index))) throw new RangeError(`index ${index} outside [0, ${this.size})`);
    if (this.size === 1) return 0;
    const pair = this.pair;
    pair[0] = Math.floor(index / this.half);
    pair[1] = index % this.half;
    const highLimit = Math.floor(this.size / this.half);
    const lowLimit = this.size % this.half;
    // Cycle-walking: re-encrypt until the value falls inside [0, size); terminates because it is a permutation.
    do this.encrypt(pair);
    while (pair[0] > highLimit || (pair[0] === highLimit && pair[1] >= lowLimit));
    return pair[0] * this.half + pair[1];
  }
}
