// Luhn mod N over digits 0..N-1 (the positions of characters in an alphabet): the check digit of a code.
// With an even N it catches every single-digit change and every swap of neighbours but (0, N-1).

/** The Luhn sum of `digits` read from the right, the rightmost one weighted by `factor` (then 2 and 1 alternate). */
function luhnSum(digits: readonly number[], n: number, factor: 1 | 2): number {
  let sum = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const addend = factor * digits[i]!;
    sum += Math.floor(addend / n) + (addend % n);
    factor = factor === 2 ? 1 : 2;
  }
  return sum;
}

/** The digit that makes `digits` followed by it a valid Luhn mod N string. */
export const luhnCheckDigit = (digits: readonly number[], n: number): number => (n - (luhnSum(digits, n, 2) % n)) % n;

/** Whether `digits` (its last one the check digit) passes Luhn mod N. */
export const luhnValid = (digits: readonly number[], n: number): boolean => luhnSum(digits, n, 1) % n === 0;
