// The gap report of one period of a ledger sequence: every number from the ledger's first to the last one
// handed out is confirmed or listed with its fate; `missing` lists numbers without a record (never any).
import type { LedgerRecord } from './record.js';

export interface GapReport {
  sequence_id: string;
  period: string | null;
  /** First and last number the ledger covers in this period; null when none was handed out under it. */
  first: number | null;
  last: number | null;
  /** The period is over: no number will be added to it. */
  final: boolean;
  confirmed: number;
  reserved: number[];
  voided: { number: number; through?: number; reason: string | null }[];
  expired: number[];
  missing: number[];
}

/** At most this many numbers are listed as missing (there should be none). */
const MISSING_LISTED = 1000;

export function gapReport(id: string, period: string | null, first: number | null, last: number | null, final: boolean, records: readonly LedgerRecord[]): GapReport {
  const report: GapReport = { sequence_id: id, period, first, last, final, confirmed: 0, reserved: [], voided: [], expired: [], missing: [] };
  if (first === null || last === null || last < first) return { ...report, first: null, last: null };
  let expected = first;
  const missing = (to: number): void => {
    for (; expected < to && report.missing.length < MISSING_LISTED; expected++) report.missing.push(expected);
  };
  for (const r of records) {
    const top = r.through ?? r.number;
    if (top < first || r.number > last) continue;
    missing(r.number);
    expected = Math.max(expected, top + 1);
    if (r.state === 'confirmed') report.confirmed += top - r.number + 1;
    else if (r.state === 'reserved') report.reserved.push(r.number);
    else if (r.state === 'expired') report.expired.push(r.number);
    else report.voided.push({ number: r.number, ...(r.through === undefined ? {} : { through: r.through }), reason: r.reason });
  }
  missing(last + 1);
  return report;
}
