// A ledger record: one number of a ledger sequence and its fate, and the hash chain that makes the ledger
// tamper-evident. Every change of state is an event: the record as it stands after it, numbered per sequence,
// hashed over the previous event's hash and its own canonical JSON (docs/ledger.md says how to verify it).
import { createHash, randomBytes } from 'node:crypto';

export type LedgerState = 'reserved' | 'confirmed' | 'voided' | 'expired';
export const LEDGER_STATES: readonly LedgerState[] = ['reserved', 'confirmed', 'voided', 'expired'];

export interface LedgerRecord {
  sequence_id: string;
  number: number;
  /** Only on a range record (numbers skipped by PUT last_value): the last number of the range. */
  through?: number;
  period: string | null;
  formatted: string | null;
  state: LedgerState;
  reservation: string | null;
  reserved_at: string | null;
  expires_at: string | null;
  confirmed_at: string | null;
  voided_at: string | null;
  reason: string | null;
  ref: string | null;
  meta: Record<string, unknown> | null;
  late: boolean;
  by: string | null;
  /** This record's event number in its sequence's chain, from 1. */
  event: number;
  hash: string;
}

/** A record before it is chained: everything but its event number and hash. */
export type Unchained = Omit<LedgerRecord, 'event' | 'hash'>;

/** The hash the first event of a sequence chains on. */
export const GENESIS = '0'.repeat(64);

/** JSON with every object's keys sorted (recursively), no spaces: the bytes the hash covers. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** SHA-256 (hex) of the previous hash followed by the record's canonical JSON without its hash. */
export function hashOf(prev: string, record: Omit<LedgerRecord, 'hash'>): string {
  return createHash('sha256').update(prev).update(canonicalJson(record)).digest('hex');
}

export function chain(prev: { event: number; hash: string } | undefined, r: Unchained): LedgerRecord {
  const event = (prev?.event ?? 0) + 1;
  const body = { ...r, event };
  return { ...body, hash: hashOf(prev?.hash ?? GENESIS, body) };
}

/** An unguessable reservation id: 128 random bits, URL-safe. */
export const newReservationId = (): string => `r_${randomBytes(16).toString('base64url')}`;

export const RESERVATION_ID = /^r_[A-Za-z0-9_-]{22}$/;

export const iso = (ms: number): string => new Date(ms).toISOString();

/** The member order records are written in (JSON answers, the files, the CSV header). */
export const FIELDS = [
  'sequence_id',
  'number',
  'through',
  'period',
  'formatted',
  'state',
  'reservation',
  'reserved_at',
  'expires_at',
  'confirmed_at',
  'voided_at',
  'reason',
  'ref',
  'meta',
  'late',
  'by',
  'event',
  'hash',
] as const;

/** The record with its members in FIELDS order (`through` only on a range). */
export function ordered(r: LedgerRecord): LedgerRecord {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (r[f] !== undefined) out[f] = r[f];
  return out as unknown as LedgerRecord;
}
