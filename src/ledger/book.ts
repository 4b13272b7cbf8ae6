// The ledger in memory: every record by sequence and period in number order, by reservation id (one Map
// lookup), the reservations still open, and each sequence's chain head. apply() is the one way in, used
// live and at replay: an event at or below its chain's head was applied already and changes nothing.
import type { LedgerRecord } from './record.js';

export interface ChainHead {
  event: number;
  hash: string;
}

export type Applied = 'applied' | 'known' | 'gap';

const periodKey = (p: string | null): string => p ?? '';

/** Index of the first record whose last number is at or above n (ranges cover number..through). */
function lowerBound(list: readonly LedgerRecord[], n: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid]!.through ?? list[mid]!.number) < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class LedgerBook {
  readonly chains = new Map<string, ChainHead>();
  private readonly bySequence = new Map<string, Map<string, LedgerRecord[]>>();
  private readonly byReservation = new Map<string, LedgerRecord>();
  /** Reservations in state "reserved", for the expiry sweep. */
  readonly open = new Map<string, LedgerRecord>();
  /** Events not yet in the ledger file, in the order they happened. */
  unflushed: LedgerRecord[] = [];

  head(id: string): ChainHead | undefined {
    return this.chains.get(id);
  }

  reservation(r: string): LedgerRecord | undefined {
    return this.byReservation.get(r);
  }

  /** The records of one period of a sequence, in number order (do not change the array). */
  records(id: string, period: string | null): readonly LedgerRecord[] {
    return this.bySequence.get(id)?.get(periodKey(period)) ?? [];
  }

  periods(id: string): string[] {
    return [...(this.bySequence.get(id)?.keys() ?? [])];
  }

  /** The record holding `number` in that period, if any. */
  at(id: string, period: string | null, n: number): LedgerRecord | undefined {
    const list = this.records(id, period);
    const r = list[lowerBound(list, n)];
    return r && r.number <= n ? r : undefined;
  }

  get size(): number {
    let n = 0;
    for (const periods of this.bySequence.values()) for (const list of periods.values()) n += list.length;
    return n;
  }

  /** Places one event: the record as it stands after it. `gap` when events of its chain are missing before it. */
  apply(r: LedgerRecord): Applied {
    const head = this.chains.get(r.sequence_id);
    const at = head?.event ?? 0;
    if (r.event <= at) return 'known';
    if (r.event !== at + 1) return 'gap';
    this.chains.set(r.sequence_id, { event: r.event, hash: r.hash });
    let periods = this.bySequence.get(r.sequence_id);
    if (!periods) this.bySequence.set(r.sequence_id, (periods = new Map()));
    const key = periodKey(r.period);
    let list = periods.get(key);
    if (!list) periods.set(key, (list = []));
    const i = lowerBound(list, r.number);
    if (list[i]?.number === r.number) list[i] = r;
    else list.splice(i, 0, r);
    if (r.reservation !== null) {
      this.byReservation.set(r.reservation, r);
      if (r.state === 'reserved') this.open.set(r.reservation, r);
      else this.open.delete(r.reservation);
    }
    return 'applied';
  }
}
