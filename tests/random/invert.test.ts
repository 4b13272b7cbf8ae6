// Permutation.invert: the draw number of a value, so invert(permute(i)) === i, cycle-walking included.
import { expect } from 'chai';
import { Permutation } from '../../src/random/permutation.js';

const KEY = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');

describe('random: Permutation.invert', () => {
  for (const size of [1, 2, 3, 7, 64, 255, 256, 1000, 4097, 32 ** 3])
    it(`undoes permute for every index of [0, ${size})`, () => {
      const p = new Permutation(KEY, size);
      const values = p.permuteMany(Array.from({ length: size }, (_, i) => i));
      let wrong = 0;
      for (let i = 0; i < size; i++) if (p.invert(values[i]!) !== i) wrong++;
      expect(wrong).to.equal(0);
    });

  for (const size of [1e12, 2 ** 53 - 1, 2 ** 53])
    it(`undoes permute for 2000 indexes spread over [0, ${size}) (both ends included)`, () => {
      const p = new Permutation(KEY, size);
      const indexes = [0, 1, size - 2, size - 1, ...Array.from({ length: 1996 }, (_, k) => Math.floor((k / 1996) * size))];
      for (const i of indexes) expect(p.invert(p.permute(i)), `index ${i}`).to.equal(i);
    });

  it('refuses values outside [0, size)', () => {
    const p = new Permutation(KEY, 10);
    for (const v of [-1, 10, 1.5, Number.NaN]) expect(() => p.invert(v), String(v)).to.throw(RangeError);
  });
});
