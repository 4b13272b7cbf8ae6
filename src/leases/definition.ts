// A lease pool's definition as sent with PUT /lease-pools/:name (and as stored), a holder's name and a
// lease's meta: checked, normalized, or refused with why. Times are whole seconds.
export const MAX_LEASE_NUMBERS = 65_536;
export const MAX_TTL_S = 86_400;
export const MAX_HOLDER_LENGTH = 200;
/** A lease's meta as compact JSON, at most this many characters: it is kept with the lease in the state. */
export const MAX_META_LENGTH = 1024;

export interface LeasePoolDefinition {
  min: number;
  max: number;
  /** The default lease time, seconds. */
  ttl: number;
  /** Seconds an expired lease's number stays out of the pool before another holder may get it. */
  quarantine: number;
}

const FIELDS = ['min', 'max', 'ttl', 'quarantine'];

const whole = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= lo && v <= hi;

/** The definition from parsed JSON, quarantine defaulting to ttl; throws nothing. */
export function parseLeaseDefinition(v: unknown): { definition: LeasePoolDefinition } | { problem: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'a lease pool definition is a JSON object {"min","max","ttl","quarantine"}' };
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) return { problem: `a lease pool has no field "${unknown[0]}" (fields: ${FIELDS.join(', ')})` };
  if (!whole(o.min, 0, Number.MAX_SAFE_INTEGER) || !whole(o.max, 0, Number.MAX_SAFE_INTEGER)) return { problem: 'min and max must be whole numbers from 0' };
  if (o.min > o.max) return { problem: 'min is above max' };
  if (o.max - o.min + 1 > MAX_LEASE_NUMBERS) return { problem: `a lease pool holds at most ${MAX_LEASE_NUMBERS} numbers; this one would hold ${o.max - o.min + 1}` };
  if (!whole(o.ttl, 1, MAX_TTL_S)) return { problem: `ttl must be a whole number of seconds from 1 to ${MAX_TTL_S}` };
  const quarantine = o.quarantine ?? o.ttl;
  if (!whole(quarantine, 0, MAX_TTL_S)) return { problem: `quarantine must be a whole number of seconds from 0 to ${MAX_TTL_S} (default: the ttl)` };
  return { definition: { min: o.min, max: o.max, ttl: o.ttl, quarantine } };
}

/** The definition as JSON members in a fixed order. */
export const leaseDefinitionJson = (d: LeasePoolDefinition): LeasePoolDefinition => ({ min: d.min, max: d.max, ttl: d.ttl, quarantine: d.quarantine });

export const sameLeaseDefinition = (a: LeasePoolDefinition, b: LeasePoolDefinition): boolean =>
  a.min === b.min && a.max === b.max && a.ttl === b.ttl && a.quarantine === b.quarantine;

/** Why `holder` cannot name a holder, or undefined. */
export function holderProblem(holder: unknown): string | undefined {
  if (typeof holder !== 'string' || holder.length === 0 || holder.length > MAX_HOLDER_LENGTH) return `holder must be a string of 1 to ${MAX_HOLDER_LENGTH} characters`;
  // Control characters would garble logs and listings.
  if (/\p{Cc}/u.test(holder) || !holder.isWellFormed()) return 'holder must not contain control characters';
  return undefined;
}

/** Why `ttl` (seconds) cannot be a lease's time, or undefined. */
export const ttlProblem = (ttl: unknown): string | undefined => (whole(ttl, 1, MAX_TTL_S) ? undefined : `ttl must be a whole number of seconds from 1 to ${MAX_TTL_S}`);

/** Why `meta` cannot be kept with a lease, or undefined. */
export function metaProblem(meta: unknown): string | undefined {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'meta must be a JSON object';
  if (JSON.stringify(meta).length > MAX_META_LENGTH) return `meta must be at most ${MAX_META_LENGTH} characters of JSON`;
  return undefined;
}
