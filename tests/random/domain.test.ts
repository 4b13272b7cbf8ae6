// domain.ts: sizes, validation, formatting of indexes as exact int and float text.
import { expect } from 'chai';
import { domainDifference, domainProblem, domainSize, formatIndex, sameDomain, type FloatDomain, type IntDomain } from '../../src/random/domain.js';

const int = (min: number, max: number): IntDomain => ({ type: 'int', min, max });
const float = (min: number, max: number, decimals: number): FloatDomain => ({ type: 'float', min, max, decimals });

describe('random: domain', () => {
  describe('domainSize', () => {
    const cases: [string, IntDomain | FloatDomain, number][] = [
      ['ints [1, 3]', int(1, 3), 3],
      ['ints [5, 5]', int(5, 5), 1],
      ['ints [-10, 10]', int(-10, 10), 21],
      ['default ints [0, 2^53-1]', int(0, Number.MAX_SAFE_INTEGER), 2 ** 53],
      ['floats [2, 2.0003) with 4 decimals', float(2, 2.0003, 4), 3],
      ['default floats [0, 10000) with 4 decimals', float(0, 10000, 4), 100_000_000],
      ['floats [-1, 1) with 2 decimals', float(-1, 1, 2), 200],
      ['floats [0.1, 0.3) with 1 decimal', float(0.1, 0.3, 1), 2],
    ];
    for (const [name, d, size] of cases)
      it(`is ${size} for ${name}`, () => {
        expect(domainSize(d)).to.equal(size);
      });
  });

  describe('formatIndex', () => {
    const cases: [string, IntDomain | FloatDomain, number, string][] = [
      ['int min', int(0, 10), 0, '0'],
      ['int with offset', int(100, 200), 5, '105'],
      ['negative int', int(-5, 5), 0, '-5'],
      ['negative int range, last', int(-5, 5), 10, '5'],
      ['negative int range, zero', int(-5, 5), 5, '0'],
      ['largest int', int(0, Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER, '9007199254740991'],
      ['smallest int', int(-Number.MAX_SAFE_INTEGER, 0), 0, '-9007199254740991'],
      ['float whole value keeps its zeros', float(2, 2.0003, 4), 0, '2.0000'],
      ['float', float(2, 2.0003, 4), 2, '2.0002'],
      ['float zero', float(0, 10000, 4), 0, '0.0000'],
      ['float below 1', float(0, 10000, 4), 7, '0.0007'],
      ['float, last default value', float(0, 10000, 4), 99_999_999, '9999.9999'],
      ['negative float range, first', float(-1, 1, 2), 0, '-1.00'],
      ['negative float range, -0.50', float(-1, 1, 2), 50, '-0.50'],
      ['negative float range, -0.01', float(-1, 1, 2), 99, '-0.01'],
      ['negative float range, zero', float(-1, 1, 2), 100, '0.00'],
      ['negative float range, 0.01', float(-1, 1, 2), 101, '0.01'],
      ['negative float range, last', float(-1, 1, 2), 199, '0.99'],
      ['negative float range with a fraction min', float(-0.5, 0, 3), 0, '-0.500'],
      ['negative float range with a fraction min, last', float(-0.5, 0, 3), 499, '-0.001'],
      ['float entirely below zero', float(-12.5, -12.3, 1), 1, '-12.4'],
      ['float with 15 decimals', float(0, 1, 15), 1, '0.000000000000001'],
      ['float with 1 decimal', float(10, 11, 1), 9, '10.9'],
    ];
    for (const [name, d, index, text] of cases)
      it(`writes ${name} (index ${index}) as ${text}`, () => {
        expect(formatIndex(d, index)).to.equal(text);
      });

    it('writes every value of a float range distinct and with exactly `decimals` digits', () => {
      const d = float(-3, 3, 2);
      const texts = Array.from({ length: domainSize(d) }, (_, i) => formatIndex(d, i));
      expect(new Set(texts).size).to.equal(600);
      for (const t of texts) expect(t).to.match(/^-?\d\.\d{2}$/);
      // and they read back as the values k/100 in order
      texts.forEach((t, i) => expect(Math.round(Number(t) * 100)).to.equal(i - 300));
    });
  });

  describe('domainProblem', () => {
    const fine: [string, IntDomain | FloatDomain][] = [
      ['ints [0, 2^53-1]', int(0, Number.MAX_SAFE_INTEGER)],
      ['a one-value int range', int(7, 7)],
      ['floats [2, 2.0003) with 4 decimals', float(2, 2.0003, 4)],
    ];
    for (const [name, d] of fine)
      it(`accepts ${name}`, () => {
        expect(domainProblem(d)).to.equal(undefined);
      });

    const bad: [string, IntDomain | FloatDomain, RegExp][] = [
      ['min above max', int(5, 4), /empty/],
      ['a fraction int', int(0.5, 4), /safe integer/],
      ['more than 2^53 ints', int(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER), /2\^53/],
      ['an empty float range', float(1, 1, 2), /empty/],
      ['too many fraction digits', float(0, 1.234, 2), /fraction digits/],
      ['decimals 0', float(0, 1, 0), /decimals/],
      ['decimals 16', float(0, 1, 16), /decimals/],
      ['a float range too large for its decimals', float(0, 1e10, 10), /too large|2\^53/],
    ];
    for (const [name, d, why] of bad)
      it(`refuses ${name}`, () => {
        expect(domainProblem(d)).to.match(why);
      });
  });

  describe('domainDifference', () => {
    it('names the setting that differs', () => {
      expect(domainDifference(int(0, 10), int(0, 10))).to.equal(undefined);
      expect(domainDifference(int(0, 10), int(1, 10))).to.match(/^RANDOM_INT_MIN is 1, but the pool was created with 0$/);
      expect(domainDifference(int(0, 10), int(0, 20))).to.match(/^RANDOM_INT_MAX is 20, but the pool was created with 10$/);
      expect(domainDifference(float(0, 1, 2), float(0.5, 1, 2))).to.match(/^RANDOM_FLOAT_MIN /);
      expect(domainDifference(float(0, 1, 2), float(0, 2, 2))).to.match(/^RANDOM_FLOAT_MAX /);
      expect(domainDifference(float(0, 1, 2), float(0, 1, 3))).to.match(/^RANDOM_FLOAT_DECIMALS is 3, but the pool was created with 2$/);
      expect(sameDomain(float(0, 1, 2), float(0, 1, 2))).to.equal(true);
      expect(sameDomain(float(0, 1, 2), float(0, 1, 3))).to.equal(false);
    });
  });
});
