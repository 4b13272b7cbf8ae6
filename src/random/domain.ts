// Maps draw indexes [0, size) to the values of a pool (int, float or code), writes them as JSON text, and
// reads a value back to its index (for "was this issued?").
import { luhnCheckDigit, luhnValid } from './luhn.js';

/** The two pools defined by configuration (RANDOM_*), reachable as /random?type=int|float. */
export type PoolKind = 'int' | 'float';
export const POOL_KINDS: readonly PoolKind[] = ['int', 'float'];

export interface IntDomain {
  type: 'int';
  min: number;
  max: number;
}

/** Values k / 10^decimals in [min, max). */
export interface FloatDomain {
  type: 'float';
  min: number;
  max: number;
  decimals: number;
}

/** Strings of exactly `length` characters of `alphabet` behind `prefix`, plus a Luhn mod N character if `check`. */
export interface CodeDomain {
  type: 'code';
  alphabet: string;
  length: number;
  prefix: string;
  check: boolean;
}

export type PoolDomain = IntDomain | FloatDomain | CodeDomain;

const MAX_DOMAIN_SIZE = 2 ** 53;
/** Alphabet and prefix characters: visible ASCII, so a code reads the same everywhere and needs no normalizing. */
const CODE_CHARACTERS = /^[\x21-\x7e]*$/;
export const MAX_PREFIX_LENGTH = 32;

const scale = (d: FloatDomain): number => 10 ** d.decimals;

/** The integer k of the first float value, min * 10^decimals (validation guarantees it is exact). */
const floatBase = (d: FloatDomain): number => Math.round(d.min * scale(d));

/** alphabet.length ** length, or Infinity past 2^53 (so no rounding hides an oversized pool). */
function codeSize(d: CodeDomain): number {
  let size = 1;
  for (let i = 0; i < d.length; i++) {
    size *= d.alphabet.length;
    if (size > MAX_DOMAIN_SIZE) return Infinity;
  }
  return size;
}

export function domainSize(d: PoolDomain): number {
  if (d.type === 'int') return d.max - d.min + 1;
  if (d.type === 'code') return codeSize(d);
  return Math.round(d.max * scale(d)) - floatBase(d);
}

function codeProblem(d: CodeDomain): string | undefined {
  if (typeof d.alphabet !== 'string' || d.alphabet.length < 2) return 'alphabet must be a string of at least 2 characters';
  if (!CODE_CHARACTERS.test(d.alphabet)) return 'alphabet may hold only visible ASCII characters (no spaces)';
  const seen = new Set<string>();
  for (const c of d.alphabet) {
    if (seen.has(c)) return `alphabet repeats the character "${c}"`;
    seen.add(c);
  }
  if (!Number.isSafeInteger(d.length) || d.length < 1) return 'length must be a whole number of at least 1';
  if (typeof d.prefix !== 'string' || d.prefix.length > MAX_PREFIX_LENGTH || !CODE_CHARACTERS.test(d.prefix))
    return `prefix must be at most ${MAX_PREFIX_LENGTH} visible ASCII characters`;
  if (typeof d.check !== 'boolean') return 'check must be true or false';
  // Luhn mod N catches every single-character change only when N is even (doubling is then a permutation).
  if (d.check && d.alphabet.length % 2 !== 0) return `check needs an alphabet of an even number of characters (this one has ${d.alphabet.length})`;
  if (codeSize(d) > MAX_DOMAIN_SIZE) return `the pool holds ${d.alphabet.length}^${d.length} codes, more than 2^53`;
  return undefined;
}

/** Why a domain is unusable, or undefined if it is fine. */
export function domainProblem(d: PoolDomain): string | undefined {
  if (d.type === 'code') return codeProblem(d);
  if (!Number.isSafeInteger(d.min) && d.type === 'int') return 'min is not a safe integer';
  if (!Number.isSafeInteger(d.max) && d.type === 'int') return 'max is not a safe integer';
  // Exactly: max - min + 1 in doubles rounds 2^53 + 1 down to 2^53.
  if (d.type === 'int' && BigInt(d.max) - BigInt(d.min) + 1n > BigInt(MAX_DOMAIN_SIZE)) return 'the range holds more than 2^53 values';
  if (d.type === 'float') {
    if (typeof d.min !== 'number' || typeof d.max !== 'number' || !Number.isFinite(d.min) || !Number.isFinite(d.max)) return 'min and max must be numbers';
    if (!Number.isInteger(d.decimals) || d.decimals < 1 || d.decimals > 15) return 'decimals must be 1..15';
    const lo = d.min * scale(d);
    const hi = d.max * scale(d);
    if (!Number.isSafeInteger(Math.round(lo)) || !Number.isSafeInteger(Math.round(hi))) return 'min or max is too large for its decimals';
    if (Math.abs(lo - Math.round(lo)) > 1e-6 || Math.abs(hi - Math.round(hi)) > 1e-6) return 'min and max must have at most `decimals` fraction digits';
  }
  const size = domainSize(d);
  if (!(size >= 1)) return 'the range is empty (min must be below max)';
  if (size > MAX_DOMAIN_SIZE) return 'the range holds more than 2^53 values';
  return undefined;
}

export function sameDomain(a: PoolDomain, b: PoolDomain): boolean {
  if (a.type === 'code' || b.type === 'code') {
    if (a.type !== 'code' || b.type !== 'code') return false;
    return a.alphabet === b.alphabet && a.length === b.length && a.prefix === b.prefix && a.check === b.check;
  }
  return a.type === b.type && a.min === b.min && a.max === b.max && (a.type === 'int' || a.decimals === (b as FloatDomain).decimals);
}

/** Which setting differs between a stored config pool (int or float) and the configured one, for the refusal message. */
export function domainDifference(stored: PoolDomain, wanted: IntDomain | FloatDomain): string | undefined {
  const prefix = wanted.type === 'int' ? 'RANDOM_INT' : 'RANDOM_FLOAT';
  if (stored.type !== wanted.type) return `the stored pool is of type ${stored.type}, not ${wanted.type}`;
  if (stored.min !== wanted.min) return `${prefix}_MIN is ${wanted.min}, but the pool was created with ${stored.min}`;
  if (stored.max !== wanted.max) return `${prefix}_MAX is ${wanted.max}, but the pool was created with ${stored.max}`;
  if (stored.type === 'float' && wanted.type === 'float' && stored.decimals !== wanted.decimals)
    return `RANDOM_FLOAT_DECIMALS is ${wanted.decimals}, but the pool was created with ${stored.decimals}`;
  return undefined;
}

/** A code's digits (most significant first) and, with `check`, its check digit. */
function codeText(d: CodeDomain, index: number): string {
  const n = d.alphabet.length;
  const digits = new Array<number>(d.length);
  for (let i = d.length - 1; i >= 0; i--) {
    digits[i] = index % n;
    index = Math.floor(index / n);
  }
  let text = d.prefix;
  for (const digit of digits) text += d.alphabet[digit];
  return d.check ? text + d.alphabet[luhnCheckDigit(digits, n)] : text;
}

/** The value as text: ints as integers, floats with exactly `decimals` fraction digits, codes as they read. */
export function valueText(d: PoolDomain, index: number): string {
  if (d.type === 'code') return codeText(d, index);
  if (d.type === 'int') return String(d.min + index);
  const k = BigInt(floatBase(d) + index);
  const negative = k < 0n;
  const digits = (negative ? -k : k).toString().padStart(d.decimals + 1, '0');
  const cut = digits.length - d.decimals;
  return `${negative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}

/** The exact value as a JSON token: numbers bare (floats keep their decimals), codes as JSON strings. */
export function formatIndex(d: PoolDomain, index: number): string {
  return d.type === 'code' ? JSON.stringify(codeText(d, index)) : valueText(d, index);
}

/** The index of `text` in the pool, or why `text` cannot be a value of the pool (wrong shape, range or check). */
export function parseValue(d: PoolDomain, text: string): { index: number } | { problem: string } {
  if (d.type === 'code') {
    if (!text.startsWith(d.prefix)) return { problem: `a value of this pool starts with "${d.prefix}"` };
    const body = text.slice(d.prefix.length);
    const want = d.length + (d.check ? 1 : 0);
    if (body.length !== want) return { problem: `a value of this pool has ${want} characters after its prefix, not ${body.length}` };
    const n = d.alphabet.length;
    const digits: number[] = [];
    for (const c of body) {
      const digit = d.alphabet.indexOf(c);
      if (digit < 0) return { problem: `"${c}" is not in the pool's alphabet` };
      digits.push(digit);
    }
    if (d.check && !luhnValid(digits, n)) return { problem: 'the check character does not match: the code was mistyped' };
    let index = 0;
    for (let i = 0; i < d.length; i++) index = index * n + digits[i]!;
    return { index };
  }
  if (d.type === 'int') {
    if (!/^-?(0|[1-9]\d{0,15})$/.test(text) || text === '-0') return { problem: 'not an integer written plainly (no leading zeros, sign only for negatives)' };
    const v = Number(text);
    if (!Number.isSafeInteger(v) || v < d.min || v > d.max) return { problem: `outside the pool's range [${d.min}, ${d.max}]` };
    return { index: v - d.min };
  }
  const m = /^(-?)(0|[1-9]\d{0,15})\.(\d+)$/.exec(text);
  if (!m) return { problem: `not a decimal number with ${d.decimals} fraction digits` };
  if (m[3]!.length !== d.decimals) return { problem: `a value of this pool has exactly ${d.decimals} fraction digits, not ${m[3]!.length}` };
  const k = BigInt(`${m[1]}${m[2]}${m[3]}`);
  const index = k - BigInt(floatBase(d));
  if (index < 0n || index >= BigInt(domainSize(d))) return { problem: `outside the pool's range [${d.min}, ${d.max})` };
  // "-0.00" reads as k = 0 but is not how the pool writes zero.
  if (valueText(d, Number(index)) !== text) return { problem: `not written as the pool writes it (${valueText(d, Number(index))})` };
  return { index: Number(index) };
}
