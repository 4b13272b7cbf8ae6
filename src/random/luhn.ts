// Luhn mod N over digits 0..N-1 (the positions of characters in an alphabet): the check digit of a code.
// With an even N it catches every single-digit change and every swap of neighbours but (0, N-1).

/** The digit that makes `digits` followed by it a valid Luhn mod N string. */
export function luhnCheckDigit(digits: readonly number[], n: number): number {
  let factor = 2;
  let sum = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const addend = factor * digits[i]!;
    sum += Math.floor(addend / n) + (addend % n);
    factor = factor === 2 ? 1 : 2;
  }
  return (n - (sum % n)) % n;
}

/** Whether `digits` (its last one the check digit) passes Luhn mod N. */
export function luhnValid(digits: readonly number[], n: number): boolean {
  let factor = 1;
  let sum = 0;
  for (let i = digits.length - 1; i >= 0; i--) {
    const addend = factor * digits[i]!;
    sum += Math.floor(addend / n) + (addend % n);
    factor = factor === 2 ? 1 : 2;
  }
  return sum % n === 0;
}
