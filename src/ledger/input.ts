// What the ledger routes take in their JSON bodies, checked once: ttl, meta, ref, reason.
import { ServiceError } from '../errors.js';
import { MAX_RESERVATION_TTL } from '../series/settings.js';

export const MAX_META_BYTES = 4096;
export const MAX_REASON = 500;
export const MAX_REF = 255;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function body(v: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw new ServiceError('invalid_body', `send a JSON object (${what}) with Content-Type: application/json`);
  const unknown = Object.keys(v).filter((k) => !keys.includes(k));
  if (unknown.length > 0) throw new ServiceError('invalid_body', `unknown member ${JSON.stringify(unknown[0]!.slice(0, 40))}; the members are ${keys.join(', ')}`);
  return v;
}

export function ttlOf(v: unknown, what = 'ttl'): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > MAX_RESERVATION_TTL)
    throw new ServiceError(what === 'ttl' ? 'invalid_body' : 'invalid_settings', `${what} must be a whole number of seconds from 1 to ${MAX_RESERVATION_TTL}`);
  return v;
}

export function metaOf(v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw new ServiceError('invalid_meta', 'meta must be a JSON object, such as {"customer": "ACME"}');
  const size = Buffer.byteLength(JSON.stringify(v));
  if (size > MAX_META_BYTES) throw new ServiceError('invalid_meta', `meta is ${size} bytes as JSON; it may be at most ${MAX_META_BYTES}: keep a reference to the document rather than the document`);
  return v;
}

function text(v: unknown, name: string, max: number, required: boolean): string | null {
  if (v === undefined || v === null) {
    if (required) throw new ServiceError('invalid_body', `${name} is required: send {"${name}": "…"} (1-${max} characters)`);
    return null;
  }
  if (typeof v !== 'string' || v.length < 1 || [...v].length > max || !v.isWellFormed())
    throw new ServiceError('invalid_body', `${name} must be text of 1-${max} characters`);
  return v;
}

export interface ReserveInput {
  ttl?: number;
  meta: Record<string, unknown> | null;
}

export function parseReserve(v: unknown): ReserveInput {
  const o = body(v, ['ttl', 'meta'], '{"ttl"?, "meta"?}');
  return { ...(o.ttl === undefined ? {} : { ttl: ttlOf(o.ttl) }), meta: metaOf(o.meta) };
}

export interface ConfirmInput {
  ref: string | null;
  meta: Record<string, unknown> | null;
}

export function parseConfirm(v: unknown): ConfirmInput {
  const o = body(v, ['ref', 'meta'], '{"ref"?, "meta"?}');
  return { ref: text(o.ref, 'ref', MAX_REF, false), meta: metaOf(o.meta) };
}

export function parseVoid(v: unknown): string {
  const o = body(v, ['reason'], '{"reason"}');
  return text(o.reason, 'reason', MAX_REASON, true)!;
}

export function parseExtend(v: unknown): number {
  const o = body(v, ['ttl'], '{"ttl"}');
  if (o.ttl === undefined) throw new ServiceError('invalid_body', 'ttl is required: send {"ttl": <seconds>}');
  return ttlOf(o.ttl);
}

/** The "meta" of a /next body (a ledger sequence's records carry it); /next ignores any other member, as it always has. */
export function parseNextBody(v: unknown): Record<string, unknown> | null {
  return isObject(v) ? metaOf(v.meta) : null;
}
