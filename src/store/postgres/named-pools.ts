// Named pools in PostgreSQL: one row per pool in tan_pools (the column keeps its name "kind").
// Creation is its own statement, off the hot path; draws go through the batches like int and float. The
// config pools (RANDOM_*) are created at start.
import type pg from 'pg';
import { domainSize, POOL_KINDS, sameDomain, type FloatDomain, type IntDomain, type PoolDomain, type PoolKind } from '../../random/domain.js';
import { byPoolName, checkConfigPool, newPool } from '../rules/pools.js';
import { poolConflict, poolNotFound, tooManyPools } from '../rules/refusals.js';
import type { NamedPool, PoolState } from '../store.js';
import { nameTakenByLeasePool } from '../rules/leases.js';
import type { PoolInfo } from './batch/ops.js';
import type { Db } from './connection.js';
import { domainFromJson } from './pool-definition.js';

// A new row only while fewer than $5 named pools exist (rules/pools.ts poolFits; the config pools not
// counted); approximate at the limit under a race between instances, as for sequences.
const DEFINE_POOL_SQL = `INSERT INTO tan_pools (kind, domain, size, key, drawn)
  SELECT $1::text, $2::jsonb, $3::bigint, $4::text, 0
  WHERE (SELECT count(*) FROM tan_pools WHERE kind NOT IN (${POOL_KINDS.map((k) => `'${k}'`).join(', ')})) < $5::bigint
    AND NOT EXISTS (SELECT 1 FROM tan_lease_pools WHERE name = $1::text)
  ON CONFLICT (kind) DO NOTHING
  RETURNING kind`;

type Row = { kind: string; domain: Record<string, unknown>; key: string; drawn: string };

export async function readPool(db: Db, name: string): Promise<PoolState> {
  const { rows } = await db.query<Row>('SELECT kind, domain, key, drawn FROM tan_pools WHERE kind = $1', [name]);
  const row = rows[0];
  if (!row) throw poolNotFound(name);
  return { domain: domainFromJson(row.domain), key: row.key, drawn: Number(row.drawn) };
}

/** Every pool, sorted by name in code unit order (as the file store). */
export async function readPools(db: Db): Promise<NamedPool[]> {
  const { rows } = await db.query<Row>('SELECT kind, domain, key, drawn FROM tan_pools');
  return rows
    .map((r) => ({ name: r.kind, domain: domainFromJson(r.domain), key: r.key, drawn: Number(r.drawn) }))
    .sort(byPoolName);
}

/** Creates the pool, or reads the existing row: the same definition answers it, another is pool_conflict, none past MAX_POOLS too_many_pools. */
export async function definePool(db: Db, name: string, domain: PoolDomain, maxPools: number): Promise<{ created: boolean; pool: PoolState }> {
  const pool = newPool(domain);
  const inserted = await db.query(DEFINE_POOL_SQL, [name, JSON.stringify(pool.domain), domainSize(domain), pool.key, maxPools]);
  if (inserted.rowCount === 1) return { created: true, pool };
  const { rows } = await db.query<Row>('SELECT kind, domain, key, drawn FROM tan_pools WHERE kind = $1', [name]);
  if (!rows[0]) throw (await db.query('SELECT 1 FROM tan_lease_pools WHERE name = $1', [name])).rowCount ? nameTakenByLeasePool(name) : tooManyPools(name, maxPools);
  const existing = domainFromJson(rows[0].domain);
  if (!sameDomain(existing, domain)) throw poolConflict(name, existing);
  return { created: false, pool: { domain: existing, key: rows[0].key, drawn: Number(rows[0].drawn) } };
}

/** Creates missing pools (a concurrent start may win: then its key is kept) and refuses a changed domain. */
export async function ensureConfigPools(client: pg.ClientBase, wanted: Record<PoolKind, IntDomain | FloatDomain>): Promise<Record<PoolKind, PoolInfo>> {
  const pools: Partial<Record<PoolKind, PoolInfo>> = {};
  for (const kind of POOL_KINDS) {
    const fresh = newPool(wanted[kind]);
    await client.query('INSERT INTO tan_pools (kind, domain, size, key, drawn) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (kind) DO NOTHING', [
      kind,
      JSON.stringify(fresh.domain),
      domainSize(fresh.domain),
      fresh.key,
    ]);
    const { rows } = await client.query<{ domain: Record<string, unknown>; key: string }>('SELECT domain, key FROM tan_pools WHERE kind = $1', [kind]);
    const domain = domainFromJson(rows[0]!.domain);
    checkConfigPool(kind, domain, wanted[kind], 'database');
    pools[kind] = { domain, key: rows[0]!.key };
  }
  return pools as Record<PoolKind, PoolInfo>;
}
