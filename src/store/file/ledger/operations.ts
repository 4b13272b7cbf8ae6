// The ledger operations of the file store: each change of state is chained as an event, placed in the
// in-memory ledger at once and written with the next group commit; expiry is recorded when a read finds a
// reservation due and by a periodic sweep.
import { gapReport, type GapReport } from '../../../ledger/gaps.js';
import type { ConfirmInput, ReserveInput } from '../../../ledger/input.js';
import { ledgerPage, type LedgerQuery } from '../../../ledger/page.js';
import { chain, iso, newReservationId, type LedgerRecord, type Unchained } from '../../../ledger/record.js';
import { confirm, expire, extend, isDue, ledgerRequired, reservationNotFound, voidIt } from '../../../ledger/transitions.js';
import { renderRange } from '../../../series/format.js';
import { comparePeriods } from '../../../series/period.js';
import { DEFAULT_RESERVATION_TTL, roll, type Allocation, type SequenceState } from '../../../series/sequence.js';
import { expectKind } from '../../rules/reservation.js';
import type { Actor, Reserved } from '../../ledger.js';
import type { Idempotency } from '../../store.js';
import { sequenceState, type PendingChanges } from '../apply.js';
import type { IdempotencyCache } from '../idempotency.js';
import type { State } from '../state.js';
import { readLedgerFile } from './read.js';

export interface LedgerHost {
  state: State;
  pending: PendingChanges;
  idempotency: IdempotencyCache;
  now: () => number;
  /** Resolves once a commit covering every change so far is on disk. */
  committed: () => Promise<void>;
  /** Hands out `count` values of a sequence with settings and records the new state. */
  allocate: (id: string, count: number) => Allocation;
  ledgerPath: string;
}

/** The records of the numbers `a` handed out, before chaining. */
function fresh(id: string, a: Allocation, n: number, now: number, ttl: number | null, meta: Record<string, unknown> | null, by: Actor): Unchained {
  const format = a.state.series?.settings.format;
  return {
    sequence_id: id,
    number: n,
    period: a.period ?? null,
    formatted: format === undefined ? null : renderRange(format, n, n, a.date)[0]!,
    state: ttl === null ? 'confirmed' : 'reserved',
    reservation: newReservationId(),
    reserved_at: iso(now),
    expires_at: ttl === null ? null : iso(now + ttl * 1000),
    confirmed_at: ttl === null ? iso(now) : null,
    voided_at: null,
    reason: null,
    ref: null,
    meta,
    late: false,
    by,
  };
}

export class FileLedger {
  constructor(private readonly host: LedgerHost) {}

  private get book() {
    return this.host.state.ledger;
  }

  private record(r: Unchained): LedgerRecord {
    const event = chain(this.book.head(r.sequence_id), r);
    this.host.pending.ledger(event);
    return event;
  }

  private ledgerState(id: string): SequenceState {
    const s = sequenceState(this.host.state, id);
    if (!s?.series?.settings.ledger) throw ledgerRequired(id);
    return s;
  }

  private find(reservation: string): LedgerRecord {
    return this.book.reservation(reservation) ?? (() => { throw reservationNotFound(reservation); })();
  }

  /** The record after recording its expiry if its time ran out. */
  private current(reservation: string): LedgerRecord {
    const r = this.find(reservation);
    return isDue(r, this.host.now()) ? this.record(expire(r)) : r;
  }

  async reserve(id: string, input: ReserveInput, by: Actor, idem?: Idempotency): Promise<Reserved> {
    const { host } = this;
    const replay = idem && host.idempotency.lookup(idem);
    if (replay) {
      expectKind(replay, 'reserve', idem.key);
      await host.committed();
      return { record: this.current(replay.reservation), replayed: true };
    }
    const s = this.ledgerState(id);
    const now = host.now();
    const a = host.allocate(id, 1);
    const record = this.record(fresh(id, a, a.first, now, input.ttl ?? s.series!.settings.reservation_ttl ?? DEFAULT_RESERVATION_TTL, input.meta, by));
    if (idem) host.pending.idempotency(idem.key, host.idempotency.entry(idem, { kind: 'reserve', reservation: record.reservation! }));
    await host.committed();
    return { record };
  }

  /** /next on a ledger sequence: the numbers of `a`, confirmed at once. */
  confirmedAtOnce(id: string, a: Allocation, meta: Record<string, unknown> | null, by: Actor): void {
    const now = this.host.now();
    for (let n = a.first; n <= a.last; n++) this.record(fresh(id, a, n, now, null, meta, by));
  }

  /** PUT last_value forward on a ledger sequence: the skipped numbers, one range record. */
  skipped(id: string, period: string | null, from: number, through: number, by: Actor): void {
    this.record({
      sequence_id: id,
      number: from,
      ...(through > from ? { through } : {}),
      period,
      formatted: null,
      state: 'voided',
      reservation: null,
      reserved_at: null,
      expires_at: null,
      confirmed_at: null,
      voided_at: iso(this.host.now()),
      reason: 'skipped by PUT last_value',
      ref: null,
      meta: null,
      late: false,
      by,
    });
  }

  private async settle(r: LedgerRecord): Promise<LedgerRecord> {
    // Also an unchanged answer waits: the change it repeats may still be on its way to the disk.
    await this.host.committed();
    return r;
  }

  async reservation(reservation: string): Promise<LedgerRecord> {
    return this.settle(this.current(reservation));
  }

  async reservationSequence(reservation: string): Promise<string | undefined> {
    return this.book.reservation(reservation)?.sequence_id;
  }

  async confirm(reservation: string, input: ConfirmInput, by: Actor): Promise<LedgerRecord> {
    const r = this.current(reservation);
    const next = confirm(r, input, this.host.now(), by);
    return this.settle(next ? this.record(next) : r);
  }

  async voidReservation(reservation: string, reason: string, by: Actor): Promise<LedgerRecord> {
    const r = this.current(reservation);
    const next = voidIt(r, reason, this.host.now(), by);
    return this.settle(next ? this.record(next) : r);
  }

  async extend(reservation: string, ttl: number): Promise<LedgerRecord> {
    const r = this.find(reservation);
    return this.settle(this.record(extend(r, ttl, this.host.now())));
  }

  /** Records the expiry of every reservation whose time ran out (of one sequence, or all); how many. */
  expireDue(id?: string): number {
    const now = this.host.now();
    const due: LedgerRecord[] = [];
    for (const r of this.book.open.values()) if ((id === undefined || r.sequence_id === id) && isDue(r, now)) due.push(r);
    for (const r of due) this.record(expire(r));
    return due.length;
  }

  /** The period a query means (the current one by default), with the sequence rolled to now. */
  private periodOf(id: string, period: string | undefined): { s: SequenceState; period: string | null; current: string | null; last: number } {
    const s = this.ledgerState(id);
    const rolled = roll(s, this.host.now());
    const current = rolled.period ?? null;
    const p = period ?? current;
    const last = p === current ? rolled.state.last : (rolled.state.series!.periods[p!] ?? 0);
    return { s: rolled.state, period: p, current, last };
  }

  async ledgerPage(id: string, q: LedgerQuery): Promise<{ entries: LedgerRecord[]; next?: number }> {
    const { period } = this.periodOf(id, q.period);
    if (this.expireDue(id) > 0) await this.host.committed();
    return ledgerPage(this.book.records(id, period), q);
  }

  async ledgerHistory(id: string): Promise<LedgerRecord[]> {
    this.ledgerState(id);
    // Taken together: what is not in the file yet is in memory, and a flush moves events only after writing them.
    const pending = this.book.unflushed.filter((r) => r.sequence_id === id);
    const file = await readLedgerFile(this.host.ledgerPath);
    const seen = new Set<number>();
    const out: LedgerRecord[] = [];
    for (const r of [...file.records.map((x) => x.record), ...pending])
      if (r.sequence_id === id && !seen.has(r.event)) {
        seen.add(r.event);
        out.push(r);
      }
    return out.sort((a, b) => a.event - b.event);
  }

  async gaps(id: string, period?: string): Promise<GapReport> {
    const { s, period: p, current, last } = this.periodOf(id, period);
    if (this.expireDue(id) > 0) await this.host.committed();
    const from = s.series!.ledger_from!;
    const fromPeriod = from.period ?? null;
    const order = p === null || fromPeriod === null ? 0 : comparePeriods(p, fromPeriod);
    const first = order < 0 ? null : order === 0 ? from.number : 1;
    const final = p !== null && current !== null && comparePeriods(p, current) < 0;
    return gapReport(id, p, first, last, final, this.book.records(id, p));
  }
}
