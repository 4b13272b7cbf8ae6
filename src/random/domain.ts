// Maps draw indexes [0, size) to the values of an int or float pool, and writes them as JSON text.

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

export type PoolDomain = IntDomain | FloatDomain;

export const MAX_DOMAIN_SIZE = 2 ** 53;

const scale = (d: FloatDomain): number => 10 ** d.decimals;

/** The integer k of the first float value, min * 10^decimals (config guarantees it is exact). */
const floatBase = (d: FloatDomain): number => Math.round(d.min * scale(d));

export function domainSize(d: PoolDomain): number {
  if (d.type === 'int') return d.max - d.min + 1;
  return Math.round(d.max * scale(d)) - floatBase(d);
}

/** Why a domain is unusable, or undefined if it is fine. */
export function domainProblem(d: PoolDomain): string | undefined {
  if (!Number.isSafeInteger(d.min) && d.type === 'int') return 'min is not a safe integer';
  if (!Number.isSafeInteger(d.max) && d.type === 'int') return 'max is not a safe integer';
  if (d.type === 'float') {
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

export const sameDomain = (a: PoolDomain, b: PoolDomain): boolean =>
  a.type === b.type && a.min === b.min && a.max === b.max && (a.type === 'int' || a.decimals === (b as FloatDomain).decimals);

/** Which setting differs between two domains of the same kind, for the refusal message. */
export function domainDifference(stored: PoolDomain, wanted: PoolDomain): string | undefined {
  const prefix = stored.type === 'int' ? 'RANDOM_INT' : 'RANDOM_FLOAT';
  if (stored.min !== wanted.min) return `${prefix}_MIN is ${wanted.min}, but the pool was created with ${stored.min}`;
  if (stored.max !== wanted.max) return `${prefix}_MAX is ${wanted.max}, but the pool was created with ${stored.max}`;
  if (stored.type === 'float' && wanted.type === 'float' && stored.decimals !== wanted.decimals)
    return `RANDOM_FLOAT_DECIMALS is ${wanted.decimals}, but the pool was created with ${stored.decimals}`;
  return undefined;
}

/** The exact value as JSON/text: ints as integers, floats with exactly `decimals` fraction digits. */
export function formatIndex(d: PoolDomain, index: number): string {
  if (d.type === 'int') return String(d.min + index);
  const k = BigInt(floatBase(d) + index);
  const negative = k < 0n;
  const digits = (negative ? -k : k).toString().padStart(d.decimals + 1, '0');
  const cut = digits.length - d.decimals;
  return `${negative ? '-' : ''}${digits.slice(0, cut)}.${digits.slice(cut)}`;
}
