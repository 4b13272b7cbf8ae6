// The file engine's in-memory state: what a snapshot holds and what journal records change.
import type { FloatDomain, IntDomain, PoolKind } from '../../random/domain.js';
import { checkConfigPool, newPool } from '../rules/pools.js';
import type { SeriesState } from '../../series/sequence.js';
import { LedgerBook, type ChainHead } from '../../ledger/book.js';
import type { LeasePool } from '../../leases/pool.js';
import type { IdempotencyEntry, PoolState } from '../store.js';

export interface State {
  /** The generation of the last record this state covers. */
  generation: number;
  /** Plain sequences stay plain numbers: 1,000,000 of them must fit in memory cheaply. Insertion order is file order. */
  sequences: Map<string, number>;
  /** Settings and periods of the sequences that have settings; their current value stays in `sequences`. */
  series: Map<string, SeriesState>;
  /** Random pools by name: "int" and "float" (RANDOM_*) and the named pools of PUT /pools. */
  pools: Map<string, PoolState>;
  /** Insertion order is age order: the first entry is the oldest. */
  idempotency: Map<string, IdempotencyEntry>;
  /** The records of the ledger sequences (from the ledger file, then the journal). */
  ledger: LedgerBook;
  /** The chain heads the snapshot read says the ledger file holds (checked at recovery). */
  ledgerHeads?: Map<string, ChainHead>;
  /** Lease pools by name (PUT /lease-pools); a name is a random pool's or a lease pool's, never both. */
  leases: Map<string, LeasePool>;
}

export const emptyState = (): State => ({ generation: 0, sequences: new Map(), series: new Map(), pools: new Map(), idempotency: new Map(), ledger: new LedgerBook(), leases: new Map() });


/**
 * Refuses a pool whose stored domain differs from the configured one; creates missing pools and returns
 * them (they must reach the disk before anything is drawn from them).
 */
export function ensurePools(pools: Map<string, PoolState>, wanted: Record<PoolKind, IntDomain | FloatDomain>): Map<string, PoolState> {
  const created = new Map<string, PoolState>();
  for (const kind of ['int', 'float'] as const) {
    const pool = pools.get(kind);
    if (!pool) {
      const fresh = newPool(wanted[kind]);
      pools.set(kind, fresh);
      created.set(kind, fresh);
      continue;
    }
    checkConfigPool(kind, pool.domain, wanted[kind], 'state file');
  }
  return created;
}
