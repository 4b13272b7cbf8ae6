// The keyed Feistel permutation: a bijection of [0, size), keyed, and spread evenly.
import { expect } from 'chai';
import { Permutation, ROUNDS } from '../../src/random/permutation.js';

const KEY_A = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
const KEY_B = Buffer.from('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'hex');

function all(p: Permutation): number[] {
  return Array.from({ length: p.size }, (_, i) => p.permute(i));
}

describe('random: Permutation', () => {
  it('uses at least 8 Feistel rounds', () => {
    expect(ROUNDS).to.be.at.least(8);
  });

  for (const size of [1, 2, 3, 7, 255, 256, 1000, 4097])
    it(`is a bijection of [0, ${size}): every index maps into range, no value twice`, () => {
      const values = all(new Permutation(KEY_A, size));
      const seen = new Uint8Array(size);
      for (const v of values) {
        expect(Number.isInteger(v) && v >= 0 && v < size, `value ${v}`).to.equal(true);
        expect(seen[v], `value ${v} twice`).to.equal(0);
        seen[v] = 1;
      }
      expect(values).to.have.length(size);
    });

  it('is deterministic for a key: a new instance gives the same order', () => {
    expect(all(new Permutation(KEY_A, 1000))).to.deep.equal(all(new Permutation(Buffer.from(KEY_A), 1000)));
  });

  it('gives different orders for different keys', () => {
    const a = all(new Permutation(KEY_A, 1000));
    const b = all(new Permutation(KEY_B, 1000));
    const same = a.filter((v, i) => v === b[i]).length;
    // Two independent permutations agree at ~1 position on average.
    expect(same).to.be.below(10);
    expect(all(new Permutation(KEY_A, 7))).to.not.deep.equal(all(new Permutation(KEY_B, 7)));
  });

  it('does not leave the order as it is (few fixed points)', () => {
    const values = all(new Permutation(KEY_A, 1000));
    expect(values.filter((v, i) => v === i).length).to.be.below(10);
  });

  it('works at the largest size, 2^53', () => {
    const p = new Permutation(KEY_A, 2 ** 53);
    const values = [0, 1, 2, 2 ** 52, 2 ** 53 - 2, 2 ** 53 - 1].map((i) => p.permute(i));
    for (const v of values) expect(Number.isSafeInteger(v) && v >= 0 && v < 2 ** 53).to.equal(true);
    expect(new Set(values).size).to.equal(values.length);
  });

  it('gives the values it gave before (a changed mapping could repeat values of pools drawn by an older version)', () => {
    // Recorded with the one-block-per-round implementation that the batched one replaced.
    const key = Buffer.alloc(32, 7);
    const pinned: [number, number[]][] = [
      [2 ** 53, [8631681195009061, 61519544700706, 4952430533405109, 841838196184183, 2669398947178244]],
      [100000001, [83786532, 68524175, 70405719, 4696375, 89316446]],
      [1000, [771, 95, 28, 842, 645]],
      [7, [2, 4, 1, 6, 0]],
    ];
    for (const [size, values] of pinned) {
      const p = new Permutation(key, size);
      expect([0, 1, 2, 3, size - 1].map((i) => p.permute(i)), `size ${size}`).to.deep.equal(values);
    }
  });

  it('permuteMany gives what permute gives, index by index, whatever the batch (walking items leave it at different passes)', () => {
    for (const size of [1, 2, 7, 1000, 4097, 100000001, 1e12, 2 ** 53]) {
      const p = new Permutation(KEY_B, size);
      const indexes = Array.from({ length: Math.min(size, 300) }, (_, i) => (i * 7919) % size);
      // One at a time on a fresh instance, so the batch's shared buffers cannot leak into the reference.
      const one = new Permutation(KEY_B, size);
      expect(p.permuteMany(indexes), `size ${size}`).to.deep.equal(indexes.map((i) => one.permute(i)));
    }
    expect(new Permutation(KEY_A, 10).permuteMany([])).to.deep.equal([]);
    expect(new Permutation(KEY_A, 1).permuteMany([0, 0])).to.deep.equal([0, 0]);
  });

  it('refuses indexes outside [0, size) and bad construction', () => {
    const p = new Permutation(KEY_A, 10);
    for (const i of [-1, 10, 11, 1.5, Number.NaN, Infinity]) {
      expect(() => p.permute(i)).to.throw(RangeError);
      expect(() => p.permuteMany([0, i])).to.throw(RangeError);
    }
    expect(() => new Permutation(Buffer.alloc(31), 10)).to.throw(/32 bytes/);
    expect(() => new Permutation(KEY_A, 0)).to.throw(/at least 1/);
    expect(() => new Permutation(KEY_A, 2 ** 53 + 2)).to.throw(/integer/);
  });

  describe('statistics (fixed key, so deterministic)', () => {
    // A domain of 10^12 values: not a power of two, so cycle-walking is exercised.
    const size = 1e12;
    const n = 20000;
    let values: number[];
    before(() => {
      const p = new Permutation(KEY_A, size);
      values = Array.from({ length: n }, (_, i) => p.permute(i));
    });

    it('spreads the first 20000 draws evenly over 20 buckets (chi-square, 19 df, below 43.82)', () => {
      // For a uniformly random permutation, chi-square with 19 degrees of freedom exceeds 43.82 with
      // probability 0.001: that is the false-failure rate over random keys. With this fixed key the
      // outcome is deterministic.
      const buckets = new Array<number>(20).fill(0);
      for (const v of values) buckets[Math.floor(v / (size / 20))]!++;
      const expected = n / 20;
      const chi2 = buckets.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
      expect(chi2).to.be.below(43.82);
    });

    it('does not follow the draw order (Spearman rank correlation of index vs value within ±0.03)', () => {
      // Under independence rho has standard deviation 1/sqrt(n-1) ≈ 0.0071: ±0.03 is 4.2 sigma,
      // a false-failure probability of about 2e-5 over random keys.
      const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
      let d2 = 0;
      order.forEach(([, index], rank) => (d2 += (rank - index) ** 2));
      const rho = 1 - (6 * d2) / (n * (n * n - 1));
      expect(Math.abs(rho)).to.be.below(0.03);
    });

    it('increases in about half of consecutive draws (9999.5 ± 200)', () => {
      // The number of ascents in n random values has mean (n-1)/2 and variance (n+1)/12 (sd ≈ 40.8):
      // ±200 is 4.9 sigma, a false-failure probability of about 1e-6 over random keys.
      let up = 0;
      for (let i = 1; i < n; i++) if (values[i]! > values[i - 1]!) up++;
      expect(Math.abs(up - (n - 1) / 2)).to.be.below(200);
    });
  });
});
