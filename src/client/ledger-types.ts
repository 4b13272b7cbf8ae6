// The answers of the ledger routes, as the client returns them (docs/ledger.md).

export type LedgerState = 'reserved' | 'confirmed' | 'voided' | 'expired';

/** POST /reserve/:id. */
export interface ReservedNumber {
  sequence_id: string;
  number: number;
  reservation: string;
  state: 'reserved';
  expires_at: string;
  period?: string;
  formatted?: string;
}

/** One number of a ledger sequence and its fate. */
export interface LedgerRecord {
  sequence_id: string;
  number: number;
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
  event: number;
  hash: string;
}

/** GET /sequences/:id/gaps. */
export interface GapReport {
  sequence_id: string;
  period: string | null;
  first: number | null;
  last: number | null;
  final: boolean;
  confirmed: number;
  reserved: number[];
  voided: { number: number; through?: number; reason: string | null }[];
  expired: number[];
  missing: number[];
}
