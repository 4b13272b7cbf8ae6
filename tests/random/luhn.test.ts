// Luhn mod N: exactly which mistypes of a code it catches, over every code of small pools.
import { expect } from 'chai';
import { luhnCheckDigit, luhnValid } from '../../src/random/luhn.js';

/** Every digit string of `length` digits in base n. */
function allDigits(n: number, length: number): number[][] {
  let out: number[][] = [[]];
  for (let i = 0; i < length; i++) out = out.flatMap((d) => Array.from({ length: n }, (_, x) => [...d, x]));
  return out;
}

/** The reference Luhn mod N (Wikipedia's generator), written independently of src/random/luhn.ts. */
function referenceCheck(digits: number[], n: number): number {
  let sum = 0;
  digits
    .slice()
    .reverse()
    .forEach((d, i) => {
      const a = i % 2 === 0 ? 2 * d : d;
      sum += Math.floor(a / n) + (a % n);
    });
  return (n - (sum % n)) % n;
}

describe('random: Luhn mod N', () => {
  for (const n of [2, 4, 6, 10, 32])
    it(`matches the reference check digit for every string of up to 3 digits in base ${n}`, () => {
      for (let length = 1; length <= 3; length++)
        for (const d of allDigits(n, length)) {
          const c = luhnCheckDigit(d, n);
          expect(c, d.join(',')).to.equal(referenceCheck(d, n));
          expect(luhnValid([...d, c], n)).to.equal(true);
        }
    });

  for (const n of [2, 4, 6, 10])
    for (let length = 1; length <= 3; length++)
      it(`base ${n}, ${length} digits + check: catches every single-digit change, and every neighbour swap except (0, ${n - 1})`, () => {
        const missedChanges: string[] = [];
        const missedSwaps = new Set<string>();
        for (const d of allDigits(n, length)) {
          const code = [...d, luhnCheckDigit(d, n)];
          for (let i = 0; i < code.length; i++)
            for (let x = 0; x < n; x++) {
              if (x === code[i]) continue;
              const typo = code.slice();
              typo[i] = x;
              if (luhnValid(typo, n)) missedChanges.push(typo.join(','));
            }
          for (let i = 0; i + 1 < code.length; i++) {
            if (code[i] === code[i + 1]) continue;
            const typo = code.slice();
            [typo[i], typo[i + 1]] = [typo[i + 1]!, typo[i]!];
            if (luhnValid(typo, n)) missedSwaps.add([code[i], code[i + 1]].sort((a, b) => a! - b!).join('<->'));
          }
        }
        expect(missedChanges).to.deep.equal([]);
        // Doubling maps 0 to 0 and n-1 to n-1, so swapping those two never changes the sum.
        // With one digit the check digit never makes such a pair: [0] gets 0 and [n-1] gets 1.
        expect([...missedSwaps]).to.deep.equal(length === 1 ? [] : [`0<->${n - 1}`]);
      });
});
