// The lease operations both stores keep: pools of small numbers leased to holders that renew them, with a
// fence that rises at every grant. Times are epoch milliseconds; ttl and quarantine are seconds.
import type { LeaseEnd } from '../leases/pool.js';
import type { LeasePoolDefinition } from '../leases/definition.js';

export interface LeasePoolInfo {
  name: string;
  definition: LeasePoolDefinition;
  size: number;
  leased: number;
  quarantined: number;
  free: number;
  /** The highest fence granted so far (0 before the first grant). */
  fence: number;
}

export interface LeaseGrant {
  pool: string;
  number: number;
  lease: string;
  fence: number;
  holder: string;
  expiresAt: number;
  /** The lease's time, seconds. */
  ttl: number;
  meta?: Record<string, unknown>;
}

export interface LeaseAcquire {
  holder: string;
  /** Seconds; the pool's ttl when absent. */
  ttl?: number;
  meta?: Record<string, unknown>;
}

export interface LeaseInfo {
  number: number;
  /** The lease id: release needs it, and the scope take:<pool>. */
  lease: string;
  holder: string;
  fence: number;
  expiresAt: number;
  meta?: Record<string, unknown>;
}

/** A lease pool's whole stored state, for migrate and backup (StateExport.leases). */
export interface LeasePoolExport {
  definition: LeasePoolDefinition;
  fence: number;
  /** The latest lease of each number ever leased: live, in quarantine, or ended. */
  slots: { number: number; lease: string; holder: string; fence: number; expiresAt: number; ttl: number; meta?: Record<string, unknown>; ended?: LeaseEnd }[];
}

/** An acquire's Idempotency-Key and request fingerprint (the shape of store.ts Idempotency). */
export interface LeaseIdempotency {
  key: string;
  fingerprint: string;
}

export interface LeaseStore {
  /** Creates a lease pool durably (created true), or answers the same one; another definition is pool_conflict, a random pool's name too. */
  defineLeasePool(name: string, definition: LeasePoolDefinition): Promise<{ created: boolean; pool: LeasePoolInfo }>;
  /** The lowest free number for the holder (its own again while live or in quarantine); durable before it resolves. */
  acquireLease(pool: string, request: LeaseAcquire, idem?: LeaseIdempotency): Promise<LeaseGrant>;
  /** Extends a live lease; lease_lost (expired or released) or lease_not_found otherwise. */
  renewLease(lease: string, ttl?: number): Promise<LeaseGrant>;
  /** Ends a lease, durably; the number is free at once. Releasing an ended lease again answers it again. */
  releaseLease(lease: string): Promise<{ pool: string; number: number; released: boolean }>;
  leasePools(): Promise<LeasePoolInfo[]>;
  /** pool_not_found when there is no such lease pool. */
  leasePool(name: string): Promise<LeasePoolInfo>;
  /** The live leases of a pool, lowest number first. */
  leases(pool: string): Promise<LeaseInfo[]>;
}
