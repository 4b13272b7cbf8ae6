// The ledger operations both stores keep (reservations, confirm, void, extend, the ledger and its gap
// report). The rules of each change of state are in src/ledger, written once.
import type { GapReport } from '../ledger/gaps.js';
import type { ConfirmInput, ReserveInput } from '../ledger/input.js';
import type { LedgerQuery } from '../ledger/page.js';
import type { LedgerRecord } from '../ledger/record.js';

/** Who made a change: the token's name when tokens are named, else null. */
export type Actor = string | null;

export interface Reserved {
  record: LedgerRecord;
  /** True when an Idempotency-Key replayed an earlier answer: nothing new was reserved. */
  replayed?: boolean;
}

export interface LedgerStore {
  /** Reserves the next number of a ledger sequence (ledger_required without a ledger); resolves once durable. */
  reserve(id: string, input: ReserveInput, by: Actor, idem?: { key: string; fingerprint: string }): Promise<Reserved>;
  /** The record of a reservation (expired first if its time ran out); reservation_not_found. */
  reservation(reservation: string): Promise<LedgerRecord>;
  /** The sequence a reservation belongs to, or undefined (for the scope check; no change). */
  reservationSequence(reservation: string): Promise<string | undefined>;
  /** Confirms (idempotent; another ref: already_confirmed; after expiry: late). */
  confirm(reservation: string, input: ConfirmInput, by: Actor): Promise<LedgerRecord>;
  /** Voids (idempotent; confirmed: already_confirmed). */
  voidReservation(reservation: string, reason: string, by: Actor): Promise<LedgerRecord>;
  /** Moves an open reservation's expiry to now + ttl seconds. */
  extend(reservation: string, ttl: number): Promise<LedgerRecord>;
  /** One page of a ledger sequence's records in number order, within one period. */
  ledgerPage(id: string, query: LedgerQuery): Promise<{ entries: LedgerRecord[]; next?: number }>;
  /** Every event of a sequence's chain, in order: what the hashes are verified over. */
  ledgerHistory(id: string): Promise<LedgerRecord[]>;
  /** What became of every number of one period (the current one by default). */
  gaps(id: string, period?: string): Promise<GapReport>;
}
