// What a sequence's allocation answers and what an idempotency key keeps of it, once for both stores; and
// how a kept answer replays.
import type { Allocation } from '../../series/sequence.js';
import type { Draw, IdempotentResult, PoolState, Reservation } from '../store.js';
import { fingerprintCollision } from './refusals.js';

/** The answer of an allocation in a sequence with settings: its values, date, period and format. */
export function reservationOf(a: Allocation): Reservation {
  const r: Reservation = { first: a.first, last: a.last, date: a.date };
  if (a.period !== undefined) r.period = a.period;
  if (a.state.series?.settings.format !== undefined) r.format = a.state.series.settings.format;
  return r;
}

/** What an idempotency key keeps of an answer (members in the order the state file writes them). */
export function resultOf(v: Reservation | Draw): IdempotentResult {
  if (!('first' in v)) return { kind: 'draw', pool: v.pool, start: v.start, count: v.count };
  return {
    kind: 'next',
    first: v.first,
    last: v.last,
    ...(v.date === undefined ? {} : { date: v.date }),
    ...(v.period === undefined ? {} : { period: v.period }),
    // A replay in either store (after migrate) answers the formatted id.
    ...(v.format === undefined ? {} : { format: v.format }),
  };
}

/** Throws the collision refusal unless the kept answer is of `kind`. */
export function expectKind<K extends IdempotentResult['kind']>(r: IdempotentResult, kind: K, key: string): asserts r is Extract<IdempotentResult, { kind: K }> {
  if (r.kind !== kind) throw fingerprintCollision(key);
}

/** A kept `next` answer replayed; `format` stands in for an answer kept before formats were kept with it. */
export function replayedReservation(r: IdempotentResult, key: string, format?: string): Reservation {
  expectKind(r, 'next', key);
  const f = r.format ?? format;
  return {
    first: r.first,
    last: r.last,
    replayed: true,
    ...(r.period === undefined ? {} : { period: r.period }),
    ...(r.date === undefined ? {} : { date: r.date }),
    ...(f === undefined ? {} : { format: f }),
  };
}

/** A kept draw replayed with its pool's identity (read again: migrate may have replaced an unused pool). */
export function replayedDraw(r: IdempotentResult, key: string, pool: Pick<PoolState, 'domain' | 'key'>): Draw {
  expectKind(r, 'draw', key);
  return { pool: r.pool, start: r.start, count: r.count, domain: pool.domain, key: pool.key, replayed: true };
}
