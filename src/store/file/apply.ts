// One change set (a journal record's body) and the one function that applies it: live, as requests
// change the state, and at replay. Values are absolute and only move forward, so applying is a max:
// replaying a record over a snapshot that already saw newer values leaves the newer values.
import { atOrAhead, type SeriesState, type SequenceState } from '../../series/sequence.js';
import type { LeaseSlot } from '../../leases/pool.js';
import type { IdempotencyEntry, PoolState } from '../store.js';
import type { LedgerRecord } from '../../ledger/record.js';
import { applyLeaseChange, type LeasePoolChange } from './leases/json.js';
import type { State } from './state.js';

/** A pool in a record: the whole pool when it is created, else only its new position. */
export type PoolChange = PoolState | { drawn: number };

export interface Changes {
  /** Sequence id → its new last value. */
  seq?: Record<string, number>;
  /** Pool name → the whole pool (created) or its new `drawn`. */
  pools?: Record<string, PoolChange>;
  /** Idempotency keys added, with their answers. */
  idem?: Record<string, IdempotencyEntry>;
  /** Sequence id → its whole state (value, settings, periods): absolute, ordered by period then value. No settings: they were removed. */
  series?: Record<string, SequenceState>;
  /** Ledger events, in the order they happened: each the record as it stands after it. */
  ledger?: LedgerRecord[];
  /** Lease pool name → its definition (created), fence and changed slots: absolute, ordered by fence, end, then expiry. */
  leases?: Record<string, LeasePoolChange>;
}

export const isWholePool = (p: PoolChange): p is PoolState => 'key' in p;

export function applySequence(state: State, id: string, last: number): void {
  // A plain value never moves a sequence with settings: its value may start again at 1 in a new period.
  if (state.series.has(id)) return;
  const current = state.sequences.get(id);
  if (current === undefined || last > current) state.sequences.set(id, last);
}

/** A position for a pool that is not there is damage the caller checks for (replay refuses it). */
export function applyPool(state: State, name: string, change: PoolChange): boolean {
  const pool = state.pools.get(name);
  if (isWholePool(change)) {
    if (!pool) state.pools.set(name, { domain: change.domain, key: change.key, drawn: change.drawn });
    else if (pool.key !== change.key) return false;
    else pool.drawn = Math.max(pool.drawn, change.drawn);
    return true;
  }
  if (!pool) return false;
  pool.drawn = Math.max(pool.drawn, change.drawn);
  return true;
}

export function applyIdempotency(state: State, key: string, entry: IdempotencyEntry): void {
  // Re-inserted at the end: insertion order stays age order.
  state.idempotency.delete(key);
  state.idempotency.set(key, entry);
}

/** The state of one sequence as the store holds it (value plus settings), or undefined. */
export function sequenceState(state: State, id: string): SequenceState | undefined {
  const last = state.sequences.get(id);
  if (last === undefined) return undefined;
  const series = state.series.get(id);
  return series ? { last, series } : { last };
}

/** Sets a sequence's whole state, unless the state already holds a later period or value of it. */
export function applySeries(state: State, id: string, change: SequenceState): void {
  const current = sequenceState(state, id);
  if (!change.series) {
    // Settings removed (only possible before any period): the value itself is absolute and only moves forward.
    state.series.delete(id);
    state.sequences.set(id, Math.max(change.last, current?.series ? 0 : (current?.last ?? 0)));
    return;
  }
  if (current && !atOrAhead(change, current)) return;
  state.sequences.set(id, change.last);
  state.series.set(id, change.series as SeriesState);
}

/** Applies every section of a record; one branch per section (sequence settings and periods go here too). Returns false on a pool or a ledger event it cannot place. */
export function apply(state: State, changes: Changes): boolean {
  let ok = true;
  if (changes.ledger)
    for (const r of changes.ledger) {
      const placed = state.ledger.apply(r);
      // Replayed events are not in the ledger file yet: the next checkpoint appends them.
      if (placed === 'applied') state.ledger.unflushed.push(r);
      else if (placed === 'gap') ok = false;
    }
  if (changes.seq) for (const id in changes.seq) applySequence(state, id, changes.seq[id]!);
  if (changes.pools) for (const name in changes.pools) ok = applyPool(state, name, changes.pools[name]!) && ok;
  if (changes.idem) for (const key in changes.idem) applyIdempotency(state, key, changes.idem[key]!);
  if (changes.series) for (const id in changes.series) applySeries(state, id, changes.series[id]!);
  if (changes.leases) for (const name in changes.leases) ok = applyLeaseChange(state.leases, name, changes.leases[name]!) && ok;
  return ok;
}

/**
 * The changes of the batch being gathered for the next commit. Requests call its methods, which apply to
 * the state at once (the request's answer is computed from it) and remember what the record must carry.
 */
export class PendingChanges {
  private seq = new Map<string, number>();
  private pools = new Map<string, PoolChange>();
  private idem = new Map<string, IdempotencyEntry>();
  private ser = new Map<string, SequenceState>();
  private events: LedgerRecord[] = [];
  /** Lease pools created, and slots granted or released, in this batch: each must be on disk before its answer. */
  private leasePools = new Set<string>();
  private leaseSlots = new Map<string, Set<number>>();

  constructor(private readonly state: State) {}

  sequence(id: string, last: number): void {
    applySequence(this.state, id, last);
    // An id is in one section of a record: after its settings went in this batch, its state carries the value.
    const had = this.ser.get(id);
    if (had) this.ser.set(id, { ...had, last: this.state.sequences.get(id)! });
    else this.seq.set(id, last);
  }

  /** A sequence's whole state (with or without settings). */
  series(id: string, change: SequenceState): void {
    applySeries(this.state, id, change);
    this.seq.delete(id);
    this.ser.set(id, change);
  }

  pool(name: string, change: PoolChange): void {
    applyPool(this.state, name, change);
    const had = this.pools.get(name);
    // A pool created in this batch stays whole in the record, with its latest position.
    this.pools.set(name, had && isWholePool(had) ? { ...had, drawn: change.drawn } : change);
  }

  idempotency(key: string, entry: IdempotencyEntry): void {
    applyIdempotency(this.state, key, entry);
    this.idem.set(key, entry);
  }

  /** A ledger event, chained by the caller: placed in the ledger now, written with this batch. */
  ledger(r: LedgerRecord): void {
    if (this.state.ledger.apply(r) !== 'applied') throw new Error(`ledger event ${r.event} of "${r.sequence_id}" does not follow its chain`);
    this.state.ledger.unflushed.push(r);
    this.events.push(r);
  }

  /** A lease pool created (already in the state): the record carries it whole. */
  leasePool(name: string): void {
    this.leasePools.add(name);
  }

  /** A lease slot granted or released (already in the state); its pool's renewals and ends ride along. */
  leaseSlot(name: string, offset: number): void {
    let slots = this.leaseSlots.get(name);
    if (!slots) this.leaseSlots.set(name, (slots = new Set()));
    slots.add(offset);
  }

  // Renewals and ends found by time (each pool's dirty slots) need no commit of their own: they go with the next.
  get empty(): boolean {
    return this.events.length === 0 && this.seq.size === 0 && this.pools.size === 0 && this.idem.size === 0 && this.ser.size === 0 && this.leasePools.size === 0 && this.leaseSlots.size === 0;
  }

  /** The leases section: the pools created, the slots granted or released, and every pool's dirty slots. */
  private takeLeases(): Record<string, LeasePoolChange> | undefined {
    let out: Record<string, LeasePoolChange> | undefined;
    for (const [name, pool] of this.state.leases) {
      const urgent = this.leaseSlots.get(name);
      const created = this.leasePools.has(name);
      if (!created && !urgent && pool.dirty.size === 0) continue;
      const slots: Record<string, LeaseSlot> = {};
      for (const offset of [...(urgent ?? []), ...pool.dirty]) slots[String(pool.definition.min + offset)] = { ...pool.slots.get(offset)! };
      pool.dirty.clear();
      (out ??= {})[name] = { ...(created ? { definition: pool.definition } : {}), fence: pool.fence, ...(Object.keys(slots).length > 0 ? { slots } : {}) };
    }
    this.leasePools = new Set();
    this.leaseSlots = new Map();
    return out;
  }

  /** The gathered changes as a record body; the gathering starts afresh. */
  take(): Changes {
    const out: Changes = {};
    if (this.seq.size > 0) out.seq = Object.fromEntries(this.seq);
    if (this.pools.size > 0) out.pools = Object.fromEntries(this.pools);
    if (this.idem.size > 0) out.idem = Object.fromEntries(this.idem);
    if (this.ser.size > 0) out.series = Object.fromEntries(this.ser);
    if (this.events.length > 0) out.ledger = this.events;
    this.events = [];
    const leases = this.takeLeases();
    if (leases) out.leases = leases;
    this.seq = new Map();
    this.ser = new Map();
    this.pools = new Map();
    this.idem = new Map();
    return out;
  }
}
