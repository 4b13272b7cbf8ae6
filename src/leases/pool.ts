// One lease pool's numbers: who holds which, the fence, and the lowest free number. Pure: the caller gives
// the time and the lease ids, and writes what changed. A number is taken from its grant until it is released
// or its lease's expiry plus the quarantine has passed; a bitset of taken numbers finds the lowest free one.
import { leaseDefinitionJson, type LeasePoolDefinition } from './definition.js';

export type LeaseEnd = 'released' | 'expired';

/** The latest lease of one number, as stored. Times are epoch milliseconds. */
export interface LeaseSlot {
  lease: string;
  holder: string;
  fence: number;
  expiresAt: number;
  /** The lease's time, seconds: a restart keeps it live until the restart plus this. */
  ttl: number;
  meta?: Record<string, unknown>;
  /** Set once the number is free again: released by its holder, or past its expiry and quarantine. */
  ended?: LeaseEnd;
}

/** Whether `a` carries a later state of its number than `b`: fence first, then an end, then the expiry. */
export function newerSlot(a: LeaseSlot, b: LeaseSlot | undefined): boolean {
  if (!b) return true;
  if (a.fence !== b.fence) return a.fence > b.fence;
  if ((a.ended !== undefined) !== (b.ended !== undefined)) return a.ended !== undefined;
  return a.expiresAt > b.expiresAt;
}

export type Acquired = { number: number; slot: LeaseSlot; fresh: boolean } | { retryAfterMs: number };

export interface LeaseCounts {
  size: number;
  leased: number;
  quarantined: number;
  free: number;
}

export class LeasePool {
  readonly definition: LeasePoolDefinition;
  /** The highest fence granted; every grant takes the next one. */
  fence: number;
  /** Offset from min → the latest lease of that number. */
  readonly slots = new Map<number, LeaseSlot>();
  /** Offsets whose slot changed without a record yet (renewals, ends found by time): they ride on the next record. */
  readonly dirty = new Set<number>();
  private readonly taken: Uint32Array;
  /** No free offset below this one. */
  private lowest = 0;
  /** No taken number becomes free before this time: a sweep before it would find nothing. */
  private nextFree = Infinity;
  private readonly byHolder = new Map<string, number>();

  constructor(definition: LeasePoolDefinition, fence = 0) {
    this.definition = leaseDefinitionJson(definition);
    this.fence = fence;
    this.taken = new Uint32Array(Math.ceil(this.size / 32));
  }

  get size(): number {
    return this.definition.max - this.definition.min + 1;
  }

  /** When the number of `slot` is free again (its expiry plus the quarantine), or -Infinity once ended. */
  freeAt(slot: LeaseSlot): number {
    return slot.ended ? -Infinity : slot.expiresAt + this.definition.quarantine * 1000;
  }

  /** Places a slot unless the one there is as new (live and at replay); returns whether it changed. */
  put(offset: number, slot: LeaseSlot): boolean {
    const had = this.slots.get(offset);
    if (!newerSlot(slot, had)) return false;
    if (had && had.holder !== slot.holder && this.byHolder.get(had.holder) === offset) this.byHolder.delete(had.holder);
    this.slots.set(offset, slot);
    this.byHolder.set(slot.holder, offset);
    this.fence = Math.max(this.fence, slot.fence);
    if (slot.ended) this.clear(offset);
    else {
      this.set(offset);
      this.nextFree = Math.min(this.nextFree, this.freeAt(slot));
    }
    return true;
  }

  /** Ends every number whose expiry plus quarantine has passed (marked dirty: the end is written with the next record). */
  sweep(now: number): void {
    if (now < this.nextFree) return;
    let next = Infinity;
    for (const [offset, slot] of this.slots) {
      if (slot.ended) continue;
      const at = this.freeAt(slot);
      if (at <= now) {
        slot.ended = 'expired';
        this.clear(offset);
        this.dirty.add(offset);
      } else next = Math.min(next, at);
    }
    this.nextFree = next;
  }

  /** The holder's latest slot, if that holder has one that has not ended. */
  held(holder: string): { offset: number; slot: LeaseSlot } | undefined {
    const offset = this.byHolder.get(holder);
    const slot = offset === undefined ? undefined : this.slots.get(offset);
    return slot && slot.holder === holder && !slot.ended ? { offset: offset!, slot } : undefined;
  }

  /**
   * The grant for `holder` at `now`: its live lease again (not fresh), its own number back with a new fence
   * while that number is in quarantine, else the lowest free number; or how long until a number frees up.
   */
  acquire(holder: string, ttl: number, meta: Record<string, unknown> | undefined, now: number, leaseId: (offset: number, fence: number) => string): Acquired {
    this.sweep(now);
    const own = this.held(holder);
    if (own && now < own.slot.expiresAt) return { number: this.definition.min + own.offset, slot: own.slot, fresh: false };
    const offset = own ? own.offset : this.lowestFree();
    if (offset === undefined) return { retryAfterMs: Math.max(1000, this.nextFree - now) };
    const fence = this.fence + 1;
    const slot: LeaseSlot = { lease: leaseId(offset, fence), holder, fence, expiresAt: now + ttl * 1000, ttl, ...(meta ? { meta } : {}) };
    this.put(offset, slot);
    this.dirty.delete(offset);
    return { number: this.definition.min + offset, slot, fresh: true };
  }

  /** Extends a live slot to at least now + ttl (a renewal never shortens a lease); marked dirty. */
  extend(offset: number, slot: LeaseSlot, ttl: number, now: number): void {
    slot.expiresAt = Math.max(slot.expiresAt, now + ttl * 1000);
    slot.ttl = ttl;
    this.dirty.add(offset);
  }

  /** Ends a slot: its number is free at once. */
  release(offset: number, slot: LeaseSlot): void {
    slot.ended = 'released';
    this.clear(offset);
  }

  /** After a restart: every lease that had not ended counts as live until at least now + its ttl. */
  revive(now: number): void {
    for (const [offset, slot] of this.slots) {
      if (slot.ended || slot.expiresAt >= now + slot.ttl * 1000) continue;
      slot.expiresAt = now + slot.ttl * 1000;
      this.set(offset);
      this.dirty.add(offset);
    }
    this.nextFree = -Infinity;
    this.sweep(now);
  }

  counts(now: number): LeaseCounts {
    this.sweep(now);
    let leased = 0;
    let quarantined = 0;
    for (const slot of this.slots.values()) {
      if (slot.ended) continue;
      if (now < slot.expiresAt) leased++;
      else quarantined++;
    }
    return { size: this.size, leased, quarantined, free: this.size - leased - quarantined };
  }

  /** The live leases with their numbers, lowest number first. */
  live(now: number): { number: number; slot: LeaseSlot }[] {
    const out: { number: number; slot: LeaseSlot }[] = [];
    for (const [offset, slot] of this.slots) if (!slot.ended && now < slot.expiresAt) out.push({ number: this.definition.min + offset, slot });
    return out.sort((a, b) => a.number - b.number);
  }

  private lowestFree(): number | undefined {
    for (let w = this.lowest >>> 5; w < this.taken.length; w++) {
      const word = this.taken[w]!;
      if (word === 0xffffffff) continue;
      // The lowest zero bit: the lowest set bit of the inverted word.
      const inverted = ~word;
      const offset = w * 32 + (31 - Math.clz32(inverted & -inverted));
      if (offset >= this.size) break;
      this.lowest = offset;
      return offset;
    }
    this.lowest = this.size;
    return undefined;
  }

  private set(offset: number): void {
    this.taken[offset >>> 5]! |= 1 << (offset & 31);
  }

  private clear(offset: number): void {
    this.taken[offset >>> 5]! &= ~(1 << (offset & 31));
    if (offset < this.lowest) this.lowest = offset;
  }
}
