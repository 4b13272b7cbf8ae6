// The lease operations of the file store over the lease pools in memory: grants and releases are on disk
// before they are answered; renewals change memory only and ride on the next record (or the next checkpoint),
// which the start's revival makes safe (every lease not ended counts as live until the start plus its ttl).
import { sameLeaseDefinition, type LeasePoolDefinition } from '../../../leases/definition.js';
import { leaseIdParts, newLeaseId } from '../../../leases/id.js';
import { LeasePool, type LeaseSlot } from '../../../leases/pool.js';
import { leaseLost, leaseNotFound, leasePoolConflict, leasePoolNotFound, leasesExhausted, nameTakenByRandomPool } from '../../rules/leases.js';
import { fingerprintCollision, tooManyPools } from '../../rules/refusals.js';
import type { LeaseAcquire, LeaseGrant, LeaseInfo, LeasePoolInfo, LeaseStore } from '../../leases.js';
import type { Idempotency } from '../../store.js';
import type { PendingChanges } from '../apply.js';
import type { IdempotencyCache } from '../idempotency.js';
import type { State } from '../state.js';

export interface FileLeaseParts {
  state: State;
  pending: PendingChanges;
  idempotency: IdempotencyCache;
  /** Resolves once a commit covering every change so far is on disk. */
  committed: () => Promise<void>;
  /** Throws unless this process may still answer for the state (it holds the lock, it is not closing). */
  mayAnswer: () => void;
  now: () => number;
  maxPools: number;
}

const grantOf = (name: string, pool: LeasePool, offset: number, s: LeaseSlot): LeaseGrant => ({
  pool: name,
  number: pool.definition.min + offset,
  lease: s.lease,
  fence: s.fence,
  holder: s.holder,
  expiresAt: s.expiresAt,
  ttl: s.ttl,
  ...(s.meta ? { meta: s.meta } : {}),
});

export function infoOf(name: string, pool: LeasePool, now: number): LeasePoolInfo {
  return { name, definition: pool.definition, fence: pool.fence, ...pool.counts(now) };
}

export class FileLeases implements LeaseStore {
  constructor(private readonly p: FileLeaseParts) {}

  private pool(name: string): LeasePool {
    const pool = this.p.state.leases.get(name);
    if (!pool) throw leasePoolNotFound(name);
    return pool;
  }

  /** The slot a lease id names, if that lease is the number's latest; else why it is gone. */
  private find(lease: string): { name: string; pool: LeasePool; offset: number; slot: LeaseSlot } {
    const parts = leaseIdParts(lease);
    const pool = parts && this.p.state.leases.get(parts.pool);
    if (!parts || !pool || parts.number < pool.definition.min || parts.number > pool.definition.max) throw leaseNotFound();
    const offset = parts.number - pool.definition.min;
    const slot = pool.slots.get(offset);
    if (!slot || slot.fence < parts.fence) throw leaseNotFound();
    // A higher fence on its number: the lease expired and the number went to a newer lease.
    if (slot.fence > parts.fence) throw leaseLost('expired');
    if (slot.lease !== lease) throw leaseNotFound();
    return { name: parts.pool, pool, offset, slot };
  }

  async defineLeasePool(name: string, definition: LeasePoolDefinition): Promise<{ created: boolean; pool: LeasePoolInfo }> {
    const { state, pending } = this.p;
    if (state.pools.has(name)) throw nameTakenByRandomPool(name);
    const existing = state.leases.get(name);
    if (existing && !sameLeaseDefinition(existing.definition, definition)) throw leasePoolConflict(name, existing.definition);
    if (!existing) {
      if (state.leases.size >= this.p.maxPools) throw tooManyPools(name, this.p.maxPools);
      state.leases.set(name, new LeasePool(definition));
      pending.leasePool(name);
    }
    // The existing pool's answer waits for a commit too: the PUT that created it may still be in flight.
    await this.p.committed();
    return { created: !existing, pool: infoOf(name, this.pool(name), this.p.now()) };
  }

  async acquireLease(name: string, request: LeaseAcquire, idem?: Idempotency): Promise<LeaseGrant> {
    const replay = idem && this.p.idempotency.lookup(idem);
    if (replay) return this.replay(replay, idem.key);
    const pool = this.pool(name);
    const now = this.p.now();
    const ttl = request.ttl ?? pool.definition.ttl;
    const got = pool.acquire(request.holder, ttl, request.meta, now, (offset, fence) => newLeaseId(name, pool.definition.min + offset, fence));
    if ('retryAfterMs' in got) throw leasesExhausted(name, pool.size, got.retryAfterMs);
    const offset = got.number - pool.definition.min;
    // The same holder's live lease is answered again, renewed like a renew; a grant is written before its answer.
    if (got.fresh) this.p.pending.leaseSlot(name, offset);
    else pool.extend(offset, got.slot, ttl, now);
    if (idem) this.p.pending.idempotency(idem.key, this.p.idempotency.entry(idem, { kind: 'lease', pool: name, number: got.number, fence: got.slot.fence }));
    await this.p.committed();
    return grantOf(name, pool, offset, got.slot);
  }

  private async replay(r: ReturnType<IdempotencyCache['lookup']> & object, key: string): Promise<LeaseGrant> {
    if (r.kind !== 'lease') throw fingerprintCollision(key);
    // The first answer may still be waiting for its commit.
    await this.p.committed();
    const pool = this.pool(r.pool);
    const offset = r.number - pool.definition.min;
    const slot = pool.slots.get(offset);
    if (!slot || slot.fence !== r.fence) throw leaseLost('expired');
    return grantOf(r.pool, pool, offset, slot);
  }

  async renewLease(lease: string, ttl?: number): Promise<LeaseGrant> {
    this.p.mayAnswer();
    const { name, pool, offset, slot } = this.find(lease);
    const now = this.p.now();
    pool.sweep(now);
    if (slot.ended) throw leaseLost(slot.ended);
    if (now >= slot.expiresAt) throw leaseLost('expired');
    pool.extend(offset, slot, ttl ?? slot.ttl, now);
    return grantOf(name, pool, offset, slot);
  }

  async releaseLease(lease: string): Promise<{ pool: string; number: number; released: boolean }> {
    const { name, pool, offset, slot } = this.find(lease);
    const released = slot.ended === undefined;
    if (released) {
      pool.release(offset, slot);
      this.p.pending.leaseSlot(name, offset);
    }
    // A release again waits too: the first one's record may still be in flight.
    await this.p.committed();
    return { pool: name, number: pool.definition.min + offset, released };
  }

  async leasePools(): Promise<LeasePoolInfo[]> {
    const now = this.p.now();
    return [...this.p.state.leases].map(([name, pool]) => infoOf(name, pool, now)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async leasePool(name: string): Promise<LeasePoolInfo> {
    return infoOf(name, this.pool(name), this.p.now());
  }

  async leases(name: string): Promise<LeaseInfo[]> {
    return this.pool(name)
      .live(this.p.now())
      .map(({ number, slot }) => ({ number, lease: slot.lease, holder: slot.holder, fence: slot.fence, expiresAt: slot.expiresAt, ...(slot.meta ? { meta: slot.meta } : {}) }));
  }
}

/** At the start: every lease that had not ended counts as live until at least now plus its ttl. */
export function reviveLeases(state: State, now: number): void {
  for (const pool of state.leases.values()) pool.revive(now);
}
