// The changes of state a reservation may go through, as pure functions: each returns the record after the
// change (to be chained as an event), `undefined` when the request repeats what was already done (answered
// with the record as it is), or throws the refusal.
import { ServiceError } from '../errors.js';
import type { ConfirmInput } from './input.js';
import { iso, type LedgerRecord, type Unchained } from './record.js';

const unchained = (r: LedgerRecord): Unchained => {
  const { event: _e, hash: _h, ...rest } = r;
  return rest;
};

/** Whether a reservation's time has run out at `now` (it is still "reserved" until its expiry is recorded). */
export const isDue = (r: LedgerRecord, now: number): boolean => r.state === 'reserved' && r.expires_at !== null && Date.parse(r.expires_at) <= now;

export const alreadyConfirmed = (r: LedgerRecord, what: string): ServiceError =>
  new ServiceError('already_confirmed', `reservation ${r.reservation} (number ${r.number} of "${r.sequence_id}") was confirmed${r.ref === null ? '' : ` with ref ${JSON.stringify(r.ref)}`}; it cannot be ${what}`, {
    number: r.number,
    ref: r.ref,
  });

const closed = (r: LedgerRecord, what: string, hint: string): ServiceError =>
  new ServiceError('reservation_closed', `reservation ${r.reservation} (number ${r.number} of "${r.sequence_id}") is ${r.state}; it cannot be ${what}${hint}`, { state: r.state });

export function confirm(r: LedgerRecord, input: ConfirmInput, now: number, by: string | null): Unchained | undefined {
  if (r.state === 'confirmed') {
    if ((input.ref ?? null) === r.ref || input.ref === null) return undefined;
    throw alreadyConfirmed(r, `confirmed again with ref ${JSON.stringify(input.ref)}`);
  }
  if (r.state === 'voided') throw closed(r, 'confirmed', `: it was voided (${r.reason}); reserve a new number`);
  // A confirm after expiry keeps the number: it was never handed to anyone else.
  const late = r.state === 'expired' || isDue(r, now);
  return { ...unchained(r), state: 'confirmed', confirmed_at: iso(now), ref: input.ref, meta: input.meta ?? r.meta, late, by: by ?? r.by };
}

export function voidIt(r: LedgerRecord, reason: string, now: number, by: string | null): Unchained | undefined {
  if (r.state === 'voided') return undefined;
  if (r.state === 'confirmed') throw alreadyConfirmed(r, 'voided');
  return { ...unchained(r), state: 'voided', voided_at: iso(now), reason, by: by ?? r.by };
}

export function extend(r: LedgerRecord, ttl: number, now: number): Unchained {
  if (r.state === 'confirmed') throw alreadyConfirmed(r, 'extended');
  if (r.state !== 'reserved' || isDue(r, now)) throw closed(r.state === 'reserved' ? { ...r, state: 'expired' } : r, 'extended', r.state === 'voided' ? '' : '; confirm it (marked late) or void it');
  return { ...unchained(r), expires_at: iso(now + ttl * 1000) };
}

export const expire = (r: LedgerRecord): Unchained => ({ ...unchained(r), state: 'expired' });

export const reservationNotFound = (id: string): ServiceError =>
  new ServiceError('reservation_not_found', `there is no reservation ${JSON.stringify(id.slice(0, 80))}; use the "reservation" of a POST /reserve/:id answer`);

export const ledgerRequired = (id: string): ServiceError =>
  new ServiceError('ledger_required', `sequence "${id}" keeps no ledger; turn it on with PUT /sequences/${encodeURIComponent(id)} {"ledger": true} (it starts at the next value)`);
