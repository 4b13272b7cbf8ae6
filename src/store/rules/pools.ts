// The rules of random pools, once for both stores: the pools RANDOM_* configures, a new pool's key, the
// MAX_POOLS cap, the listing order, and the in-memory lookup and creation the file store does over its map.
import { randomBytes } from 'node:crypto';
import { StartupError } from '../../errors.js';
import { definitionJson } from '../../random/definition.js';
import { domainDifference, POOL_KINDS, sameDomain, type FloatDomain, type IntDomain, type PoolDomain, type PoolKind } from '../../random/domain.js';
import type { NamedPool, PoolState } from '../store.js';
import { poolConflict, poolNotFound, tooManyPools } from './refusals.js';

/** "int" and "float" come from RANDOM_*; they do not count against MAX_POOLS. */
const isConfigPool = (name: string): boolean => (POOL_KINDS as readonly string[]).includes(name);

/** A new pool's 256-bit permutation key, hex: drawn once when the pool is created, never changed. */
const newPoolKey = (): string => randomBytes(32).toString('hex');

/** A pool as it is created: its definition in the stored member order, a new key, nothing drawn. */
export const newPool = (domain: PoolDomain): PoolState => ({ domain: definitionJson(domain), key: newPoolKey(), drawn: 0 });

/** Whether one more named pool fits beside `named` of them. */
export const poolFits = (named: number, maxPools: number): boolean => named < maxPools;

/** Pools are listed by name in code unit order. */
export const byPoolName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Refuses a configured pool whose stored definition differs from RANDOM_*: its values were permuted over the
 * stored range, and another range could repeat them. `place` names what holds the state.
 */
export function checkConfigPool(kind: PoolKind, stored: PoolDomain, wanted: IntDomain | FloatDomain, place: 'state file' | 'database'): void {
  const difference = domainDifference(stored, wanted);
  if (difference)
    throw new StartupError(
      `the ${kind} random pool's range is fixed when it is created: ${difference}. ` +
        `Changing it could repeat values; set it back, or use a new ${place} for the new range.`,
    );
}

export function findPool(pools: Map<string, PoolState>, name: string): PoolState {
  const p = pools.get(name);
  if (!p) throw poolNotFound(name);
  return p;
}

export function listPools(pools: Map<string, PoolState>): NamedPool[] {
  return [...pools].map(([name, p]) => ({ name, domain: p.domain, key: p.key, drawn: p.drawn })).sort(byPoolName);
}

/**
 * The pool to create (the caller adds it to the map and the record), or the same one already there (created
 * false); refuses a different one, or one past maxPools.
 */
export function definePool(pools: Map<string, PoolState>, name: string, domain: PoolDomain, maxPools: number): { created: boolean; pool: PoolState } {
  const existing = pools.get(name);
  if (existing) {
    if (!sameDomain(existing.domain, domain)) throw poolConflict(name, existing.domain);
    return { created: false, pool: existing };
  }
  let named = 0;
  for (const n of pools.keys()) if (!isConfigPool(n)) named++;
  if (!poolFits(named, maxPools)) throw tooManyPools(name, maxPools);
  return { created: true, pool: newPool(domain) };
}
