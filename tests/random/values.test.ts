// RandomValues: draws made in one microtask turn are permuted together, and each gets exactly its own values.
import { expect } from 'chai';
import { Permutation } from '../../src/random/permutation.js';
import { RandomValues, SLICE } from '../../src/random/values.js';
import type { FloatDomain, IntDomain } from '../../src/random/domain.js';
import type { Draw } from '../../src/store/store.js';

const KEY = 'ab'.repeat(32);
const OTHER_KEY = 'cd'.repeat(32);
const INTS: IntDomain = { type: 'int', min: 0, max: 999 };
const FLOATS: FloatDomain = { type: 'float', min: -1, max: 1, decimals: 3 };
const draw = (start: number, count: number, domain: IntDomain | FloatDomain = INTS, key = KEY): Draw => ({ pool: domain.type, start, count, domain, key });

/** Counts permuteMany calls while `f` runs. */
async function counting<T>(f: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const original = Permutation.prototype.permuteMany;
  let calls = 0;
  Permutation.prototype.permuteMany = function (this: Permutation, indexes: readonly number[]) {
    calls++;
    return original.call(this, indexes);
  };
  try {
    return { result: await f(), calls };
  } finally {
    Permutation.prototype.permuteMany = original;
  }
}

describe('random: RandomValues', () => {
  it('computes the draws of one turn in one batch per pool, each with exactly its own values', async () => {
    const values = new RandomValues();
    const p = new Permutation(Buffer.from(KEY, 'hex'), 1000);
    const { result, calls } = await counting(() => Promise.all([values.texts(draw(0, 1)), values.texts(draw(1, 3)), values.texts(draw(4, 1))]));
    expect(calls).to.equal(1);
    expect(result).to.deep.equal([[String(p.permute(0))], [1, 2, 3].map((i) => String(p.permute(i))), [String(p.permute(4))]]);
  });

  it('keeps pools apart: a batch with two keys and a float pool gives each draw its own permutation and format', async () => {
    const values = new RandomValues();
    const { result, calls } = await counting(() => Promise.all([values.texts(draw(0, 2)), values.texts(draw(0, 2, INTS, OTHER_KEY)), values.texts(draw(5, 2, FLOATS))]));
    expect(calls).to.equal(3);
    const ints = new Permutation(Buffer.from(KEY, 'hex'), 1000);
    const other = new Permutation(Buffer.from(OTHER_KEY, 'hex'), 1000);
    const floats = new Permutation(Buffer.from(KEY, 'hex'), 2000);
    const floatText = (i: number): string => {
      const k = floats.permute(i) - 1000;
      return `${k < 0 ? '-' : ''}${Math.floor(Math.abs(k) / 1000)}.${String(Math.abs(k) % 1000).padStart(3, '0')}`;
    };
    expect(result).to.deep.equal([
      [0, 1].map((i) => String(ints.permute(i))),
      [0, 1].map((i) => String(other.permute(i))),
      [5, 6].map(floatText),
    ]);
    for (const t of result[2]!) expect(t).to.match(/^-?\d\.\d{3}$/);
  });

  it('draws of later turns get batches of their own', async () => {
    const values = new RandomValues();
    const { result, calls } = await counting(async () => [await values.texts(draw(0, 1)), await values.texts(draw(1, 1))]);
    expect(calls).to.equal(2);
    expect(new Set(result.flat()).size).to.equal(2);
  });

  it('a draw outside its pool fails alone with a RangeError; the other pools of the batch still get their values', async () => {
    const values = new RandomValues();
    const [bad, good] = await Promise.allSettled([values.texts(draw(999, 2)), values.texts(draw(0, 1, INTS, OTHER_KEY))]);
    expect(bad.status).to.equal('rejected');
    expect((bad as PromiseRejectedResult).reason).to.be.instanceOf(RangeError);
    expect(good).to.deep.equal({ status: 'fulfilled', value: [String(new Permutation(Buffer.from(OTHER_KEY, 'hex'), 1000).permute(0))] });
  });

  it(`permutes a big draw in slices of ${SLICE} with a turn of the event loop between them, values unchanged`, async () => {
    const values = new RandomValues();
    const big: IntDomain = { type: 'int', min: 0, max: 999_999 };
    const count = 5 * SLICE + 7;
    let turns = 0;
    let done = false;
    // Counts event-loop turns while the draw is computed: setImmediate callbacks run only between slices.
    const tick = (): void => {
      if (done) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const { result, calls } = await counting(async () => {
      const [a, b] = await Promise.all([values.texts(draw(0, count, big)), values.texts(draw(count, 3, big))]);
      done = true;
      return [a, b];
    });
    expect(calls).to.equal(6);
    expect(turns).to.be.at.least(5);
    const p = new Permutation(Buffer.from(KEY, 'hex'), 1_000_000);
    expect(result[0]).to.deep.equal(p.permuteMany(Array.from({ length: count }, (_, i) => i)).map(String));
    expect(result[1]).to.deep.equal([0, 1, 2].map((i) => String(p.permute(count + i))));
  });
});
