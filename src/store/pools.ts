// The rules of named pools over an in-memory map of pools by name (the file store's state), once: lookup,
// listing, and creation with its refusals. No HTTP, no I/O.
import { randomBytes } from 'node:crypto';
import { definitionJson } from '../random/definition.js';
import { POOL_KINDS, sameDomain, type PoolDomain } from '../random/domain.js';
import { poolConflict, poolNotFound, tooManyPools } from './rules.js';
import type { NamedPool, PoolState } from './store.js';

/** "int" and "float" come from RANDOM_*; they do not count against MAX_POOLS. */
export const isConfigPool = (name: string): boolean => (POOL_KINDS as readonly string[]).includes(name);

export function findPool(pools: Map<string, PoolState>, name: string): PoolState {
  const p = pools.get(name);
  if (!p) throw poolNotFound(name);
  return p;
}

export function listPools(pools: Map<string, PoolState>): NamedPool[] {
  return [...pools]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, p]) => ({ name, domain: p.domain, key: p.key, drawn: p.drawn }));
}

/**
 * The pool to create (a new 256-bit key, nothing drawn; the caller adds it to the map and the record), or
 * the same one already there (created false); refuses a different one, or one past maxPools.
 */
export function definePool(pools: Map<string, PoolState>, name: string, domain: PoolDomain, maxPools: number): { created: boolean; pool: PoolState } {
  const existing = pools.get(name);
  if (existing) {
    if (!sameDomain(existing.domain, domain)) throw poolConflict(name, existing.domain);
    return { created: false, pool: existing };
  }
  let named = 0;
  for (const n of pools.keys()) if (!isConfigPool(n)) named++;
  if (named >= maxPools) throw tooManyPools(name, maxPools);
  return { created: true, pool: { domain: definitionJson(domain), key: randomBytes(32).toString('hex'), drawn: 0 } };
}
