// One page of a ledger's records: within one period, in number order, filtered by number range and state.
import type { LedgerRecord, LedgerState } from './record.js';

export interface LedgerQuery {
  /** The period to list; undefined: the sequence's current one. */
  period?: string;
  from?: number;
  to?: number;
  state?: LedgerState;
  /** Records with a number above this (the `next` of the previous page). */
  after?: number;
  /** Undefined: every record (the csv and jsonl streams). */
  limit?: number;
}

export function ledgerPage(records: readonly LedgerRecord[], q: LedgerQuery): { entries: LedgerRecord[]; next?: number } {
  const entries: LedgerRecord[] = [];
  const limit = q.limit ?? Infinity;
  for (const r of records) {
    const top = r.through ?? r.number;
    if (q.from !== undefined && top < q.from) continue;
    if (q.after !== undefined && r.number <= q.after) continue;
    if (q.to !== undefined && r.number > q.to) break;
    if (q.state !== undefined && r.state !== q.state) continue;
    if (entries.length === limit) return { entries, next: entries[entries.length - 1]!.number };
    entries.push(r);
  }
  return { entries };
}
