// Code pools and named-pool definitions: formatting, reading values back, validation, and an even spread.
import { expect } from 'chai';
import { parseDefinition, poolNameProblem } from '../../src/random/definition.js';
import { domainSize, formatIndex, parseValue, valueText, type CodeDomain, type PoolDomain } from '../../src/random/domain.js';
import { luhnValid } from '../../src/random/luhn.js';
import { Permutation } from '../../src/random/permutation.js';

const code = (alphabet: string, length: number, prefix = '', check = false): CodeDomain => ({ type: 'code', alphabet, length, prefix, check });
const VOUCHER = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

describe('random: code pools and definitions', () => {
  describe('valueText and parseValue', () => {
    it('writes codes as base-N digits with exactly `length` characters behind the prefix', () => {
      const d = code('abc', 3, 'T-');
      expect(domainSize(d)).to.equal(27);
      expect([0, 1, 3, 26].map((i) => valueText(d, i))).to.deep.equal(['T-aaa', 'T-aab', 'T-aba', 'T-ccc']);
      expect(formatIndex(d, 26)).to.equal('"T-ccc"');
    });

    it('appends the Luhn mod N check character', () => {
      const d = code('0123456789', 3, '', true);
      // Luhn mod 10 is the classic Luhn: 7992739871 has check digit 3; here 123 -> 0.
      expect(valueText(d, 123)).to.equal('1230');
      expect(valueText({ ...d, length: 10 }, 7992739871)).to.equal('79927398713');
    });

    const domains: [string, PoolDomain][] = [
      ['ints', { type: 'int', min: -5, max: 20 }],
      ['floats', { type: 'float', min: -0.25, max: 0.5, decimals: 2 }],
      ['codes', code('xyz', 3, 'P')],
      ['checked codes', code('abcdef', 2, 'Q-', true)],
    ];
    for (const [name, d] of domains)
      it(`reads every value of the ${name} back to its index`, () => {
        for (let i = 0; i < domainSize(d); i++) expect(parseValue(d, valueText(d, i)), valueText(d, i)).to.deep.equal({ index: i });
      });

    const refused: [string, PoolDomain, string, RegExp][] = [
      ['an int below min', { type: 'int', min: 1, max: 9 }, '0', /outside/],
      ['an int above max', { type: 'int', min: 1, max: 9 }, '10', /outside/],
      ['an int with a leading zero', { type: 'int', min: 1, max: 9 }, '05', /plainly/],
      ['an int with a plus sign', { type: 'int', min: 1, max: 9 }, '+5', /plainly/],
      ['a fraction for an int', { type: 'int', min: 1, max: 9 }, '5.0', /plainly/],
      ['-0', { type: 'int', min: -1, max: 1 }, '-0', /plainly/],
      ['a float with too few decimals', { type: 'float', min: 0, max: 1, decimals: 2 }, '0.5', /exactly 2 fraction digits/],
      ['a float with too many decimals', { type: 'float', min: 0, max: 1, decimals: 2 }, '0.500', /exactly 2 fraction digits/],
      ['a float without decimals', { type: 'float', min: 0, max: 1, decimals: 2 }, '0', /not a decimal/],
      ['the float max (excluded)', { type: 'float', min: 0, max: 1, decimals: 2 }, '1.00', /outside/],
      ['-0.00', { type: 'float', min: -1, max: 1, decimals: 2 }, '-0.00', /not written as/],
      ['a code without its prefix', code('ab', 2, 'V-'), 'ab', /starts with "V-"/],
      ['a code too short', code('ab', 2, 'V-'), 'V-a', /2 characters after its prefix, not 1/],
      ['a code too long', code('ab', 2, 'V-'), 'V-aba', /not 3/],
      ['a code with a foreign character', code('ab', 2, 'V-'), 'V-ac', /"c" is not in/],
      ['a lower-case code of an upper-case alphabet', code('AB', 2), 'ab', /not in/],
      ['a code with a wrong check character', code('ab', 2, '', true), 'aab', /check character/],
      ['a checked code without its check character', code('ab', 2, '', true), 'aa', /3 characters/],
    ];
    for (const [name, d, text, why] of refused)
      it(`refuses ${name} (${JSON.stringify(text)})`, () => {
        const r = parseValue(d, text);
        expect(r).to.have.property('problem').that.matches(why);
      });
  });

  describe('parseDefinition', () => {
    const accepted: [string, unknown, PoolDomain, number][] = [
      ['an int range', { type: 'int', min: 1, max: 999999 }, { type: 'int', min: 1, max: 999999 }, 999999],
      ['a one-value int range', { type: 'int', min: 7, max: 7 }, { type: 'int', min: 7, max: 7 }, 1],
      ['a float range', { type: 'float', min: 0, max: 1, decimals: 6 }, { type: 'float', min: 0, max: 1, decimals: 6 }, 1e6],
      ['a code pool with defaults', { type: 'code', alphabet: 'ab', length: 3 }, code('ab', 3), 8],
      ['the voucher pool', { type: 'code', alphabet: VOUCHER, length: 8, prefix: 'V-', check: true }, code(VOUCHER, 8, 'V-', true), 32 ** 8],
      ['2^53 codes exactly', { type: 'code', alphabet: 'ab', length: 53 }, code('ab', 53), 2 ** 53],
      ['the whole safe int range', { type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, { type: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, 2 ** 53],
    ];
    for (const [name, body, domain, size] of accepted)
      it(`accepts ${name} (size ${size})`, () => {
        expect(parseDefinition(body)).to.deep.equal({ domain });
        expect(domainSize(domain)).to.equal(size);
      });

    const refused: [string, unknown, RegExp][] = [
      ['a repeated alphabet character', { type: 'code', alphabet: 'abca', length: 2 }, /repeats the character "a"/],
      ['a one-character alphabet', { type: 'code', alphabet: 'a', length: 2 }, /at least 2/],
      ['a space in the alphabet', { type: 'code', alphabet: 'a b', length: 2 }, /visible ASCII/],
      ['a non-ASCII alphabet', { type: 'code', alphabet: 'aé', length: 2 }, /visible ASCII/],
      ['length 0', { type: 'code', alphabet: 'ab', length: 0 }, /length/],
      ['a fractional length', { type: 'code', alphabet: 'ab', length: 1.5 }, /length/],
      ['more than 2^53 codes', { type: 'code', alphabet: 'ab', length: 54 }, /more than 2\^53/],
      ['36^11 codes', { type: 'code', alphabet: '0123456789abcdefghijklmnopqrstuvwxyz', length: 11 }, /more than 2\^53/],
      ['check with an odd alphabet', { type: 'code', alphabet: 'abc', length: 2, check: true }, /even number/],
      ['a prefix with a control character', { type: 'code', alphabet: 'ab', length: 2, prefix: 'V\n' }, /prefix/],
      ['a prefix of 33 characters', { type: 'code', alphabet: 'ab', length: 2, prefix: 'x'.repeat(33) }, /prefix/],
      ['check given as a string', { type: 'code', alphabet: 'ab', length: 2, check: 'yes' }, /check/],
      ['min above max', { type: 'int', min: 5, max: 4 }, /min is above max/],
      ['a fractional int bound', { type: 'int', min: 0.5, max: 4 }, /safe integer/],
      ['an int bound past 2^53', { type: 'int', min: 0, max: 2 ** 53 }, /safe integer/],
      ['more than 2^53 ints', { type: 'int', min: -1, max: Number.MAX_SAFE_INTEGER }, /more than 2\^53/],
      ['bounds as strings', { type: 'int', min: '1', max: '9' }, /numbers/],
      ['an empty float range', { type: 'float', min: 1, max: 1, decimals: 2 }, /empty/],
      ['decimals 0', { type: 'float', min: 0, max: 1, decimals: 0 }, /decimals/],
      ['decimals 16', { type: 'float', min: 0, max: 1, decimals: 16 }, /decimals/],
      ['a float bound finer than its decimals', { type: 'float', min: 0.001, max: 1, decimals: 2 }, /fraction digits/],
      ['an unknown type', { type: 'uuid' }, /type must be/],
      ['an unknown field', { type: 'int', min: 1, max: 2, step: 1 }, /no field "step"/],
      ['an array', [1, 2], /JSON object/],
      ['null', null, /JSON object/],
    ];
    for (const [name, body, why] of refused)
      it(`refuses ${name}`, () => {
        const r = parseDefinition(body);
        expect(r).to.have.property('problem').that.matches(why);
      });
  });

  describe('pool names', () => {
    for (const name of ['a', 'vouchers', 'A.b_c-9', 'x'.repeat(64), '__proto__', 'int'])
      it(`accepts ${JSON.stringify(name)}`, () => expect(poolNameProblem(name)).to.equal(undefined));
    for (const name of ['', 'x'.repeat(65), 'a b', 'a/b', 'é', 'a%20b', 'a:b'])
      it(`refuses ${JSON.stringify(name)}`, () => expect(poolNameProblem(name)).to.be.a('string'));
  });

  it('with an odd alphabet Luhn mod N would miss single changes: that is why check needs an even one', () => {
    // Base 5: doubling maps 1 and 3 both to 2, so changing a doubled 1 into 3 keeps the sum.
    expect(luhnValid([1, 0], 5) && luhnValid([1, 0].map((d, i) => (i === 0 ? 3 : d)), 5)).to.equal(false);
    let missed = 0;
    for (let a = 0; a < 5; a++)
      for (let c = 0; c < 5; c++) if (luhnValid([a, c], 5)) for (let x = 0; x < 5; x++) if (x !== a && luhnValid([x, c], 5)) missed++;
    expect(missed).to.equal(4);
  });

  describe('spread (fixed key, so deterministic)', () => {
    it('spreads 64000 voucher codes evenly in every character position (chi-square, 31 df, each below 61.10)', () => {
      // For uniform characters, chi-square with 31 degrees of freedom exceeds 61.10 with probability 0.001.
      const d = code(VOUCHER, 8, 'V-', true);
      const p = new Permutation(Buffer.from('5a'.repeat(32), 'hex'), domainSize(d));
      const n = 64000;
      const values = p.permuteMany(Array.from({ length: n }, (_, i) => i));
      const counts = Array.from({ length: 9 }, () => new Array<number>(32).fill(0));
      for (const v of values) {
        const text = valueText(d, v).slice(2);
        for (let pos = 0; pos < 9; pos++) counts[pos]![VOUCHER.indexOf(text[pos]!)]!++;
      }
      const expected = n / 32;
      const chi2 = counts.map((c) => c.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0));
      console.log(`      chi-square per position (8 code characters, then the check character): ${chi2.map((x) => x.toFixed(1)).join(' ')}`);
      for (const [pos, x] of chi2.entries()) expect(x, `position ${pos}`).to.be.below(61.1);
    });
  });
});
