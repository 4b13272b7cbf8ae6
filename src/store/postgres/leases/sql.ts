// The SQL of lease pools in PostgreSQL, and a row as the store's types. The database's now() is the only
// clock: expiries are written and compared there, and read back as epoch milliseconds.
import type { LeasePoolDefinition } from '../../../leases/definition.js';
import type { LeaseEnd } from '../../../leases/pool.js';
import type { LeaseGrant, LeasePoolInfo } from '../../leases.js';

export const MS = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

/** A number is taken while its lease has not ended and its expiry plus the quarantine is still ahead. */
export const TAKEN = (l: string, q: string): string => `${l}.ended IS NULL AND now() < ${l}.expires_at + make_interval(secs => ${q})`;

export const LEASE_COLUMNS = `number, lease, holder, fence, ${MS('expires_at')} AS expires_ms, ttl, meta, ended, expires_at > now() AS live, ${MS('now()')} AS now_ms`;

export type LeaseRow = { number: string; lease: string; holder: string; fence: string; expires_ms: number; ttl: number; meta: Record<string, unknown> | null; ended: LeaseEnd | null; live: boolean; now_ms: number };

export type PoolRow = { name: string; min: string; max: string; ttl: number; quarantine: number; fence: string };

export const definitionOf = (r: PoolRow): LeasePoolDefinition => ({ min: Number(r.min), max: Number(r.max), ttl: r.ttl, quarantine: r.quarantine });

export const grantOf = (pool: string, r: LeaseRow): LeaseGrant => ({
  pool,
  number: Number(r.number),
  lease: r.lease,
  fence: Number(r.fence),
  holder: r.holder,
  expiresAt: r.expires_ms,
  ttl: r.ttl,
  ...(r.meta ? { meta: r.meta } : {}),
});

/** Every pool with its counts, at the database's now(). */
export const POOL_INFO_SQL = `SELECT p.name, p.min, p.max, p.ttl, p.quarantine, p.fence,
    count(l.number) FILTER (WHERE l.ended IS NULL AND l.expires_at > now()) AS leased,
    count(l.number) FILTER (WHERE l.ended IS NULL AND l.expires_at <= now() AND ${TAKEN('l', 'p.quarantine')}) AS quarantined
  FROM tan_lease_pools p LEFT JOIN tan_leases l ON l.pool = p.name`;

export function infoOf(r: PoolRow & { leased: string; quarantined: string }): LeasePoolInfo {
  const definition = definitionOf(r);
  const size = definition.max - definition.min + 1;
  const leased = Number(r.leased);
  const quarantined = Number(r.quarantined);
  return { name: r.name, definition, size, leased, quarantined, free: size - leased - quarantined, fence: Number(r.fence) };
}
