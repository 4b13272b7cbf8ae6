// An acquire in PostgreSQL: one transaction that locks the pool's row (every grant takes the pool's next
// fence, so grants of one pool are serialized there), then answers the holder's live lease again, gives it
// its own number back while that is in quarantine, or takes the lowest free number.
import type pg from 'pg';
import { newLeaseId } from '../../../leases/id.js';
import { leaseLost, leasePoolNotFound, leasesExhausted } from '../../rules/leases.js';
import { fingerprintCollision, idempotencyKeyReused } from '../../rules/refusals.js';
import type { LeaseAcquire, LeaseGrant } from '../../leases.js';
import type { Idempotency, IdempotentResult } from '../../store.js';
import type { HighWater } from '../high-water.js';
import { LEASE_POOL } from './high-water.js';
import { definitionOf, grantOf, LEASE_COLUMNS, TAKEN, type LeaseRow, type PoolRow } from './sql.js';

const LOWEST_FREE_SQL = `SELECT n FROM generate_series($2::bigint, $3::bigint) AS n
  WHERE NOT EXISTS (SELECT 1 FROM tan_leases l WHERE l.pool = $1 AND l.number = n AND ${TAKEN('l', '$4::integer')})
  ORDER BY n LIMIT 1`;

const GRANT_SQL = `INSERT INTO tan_leases (pool, number, lease, holder, fence, expires_at, ttl, meta, ended)
  VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $6, $7, NULL)
  ON CONFLICT (pool, number) DO UPDATE SET lease = EXCLUDED.lease, holder = EXCLUDED.holder, fence = EXCLUDED.fence,
    expires_at = EXCLUDED.expires_at, ttl = EXCLUDED.ttl, meta = EXCLUDED.meta, ended = NULL
  RETURNING ${LEASE_COLUMNS}`;

// An idempotency key claimed for this acquire: a new key, or an expired one taken over.
const CLAIM_SQL = `INSERT INTO tan_idempotency AS i (key, fingerprint, at, result) VALUES ($1, $2, $3, NULL)
  ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, at = EXCLUDED.at, result = NULL WHERE i.at <= $4
  RETURNING key`;

export interface AcquireContext {
  now: () => number;
  idempotencyTtlMs: number;
  /** The going-backwards check: a pool whose fence is below one this instance granted is refused. */
  water: HighWater;
}

async function replay(client: pg.ClientBase, r: IdempotentResult, key: string): Promise<LeaseGrant> {
  if (r.kind !== 'lease') throw fingerprintCollision(key);
  const { rows } = await client.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM tan_leases WHERE pool = $1 AND number = $2`, [r.pool, r.number]);
  if (!rows[0] || Number(rows[0].fence) !== r.fence) throw leaseLost('expired');
  return grantOf(r.pool, rows[0]);
}

/** Inside the caller's transaction. */
export async function acquire(client: pg.ClientBase, name: string, request: LeaseAcquire, ctx: AcquireContext, idem?: Idempotency): Promise<LeaseGrant> {
  if (idem) {
    const now = ctx.now();
    const claimed = await client.query(CLAIM_SQL, [idem.key, idem.fingerprint, now, now - ctx.idempotencyTtlMs]);
    if (claimed.rowCount === 0) {
      const { rows } = await client.query<{ fingerprint: string; result: IdempotentResult | null }>('SELECT fingerprint, result FROM tan_idempotency WHERE key = $1', [idem.key]);
      if (rows[0] && rows[0].fingerprint !== idem.fingerprint) throw idempotencyKeyReused(rows[0].fingerprint);
      if (rows[0]?.result) return replay(client, rows[0].result, idem.key);
    }
  }
  const grant = await decide(client, name, request, ctx.water);
  if (idem) await client.query('UPDATE tan_idempotency SET result = $2 WHERE key = $1', [idem.key, JSON.stringify({ kind: 'lease', pool: name, number: grant.number, fence: grant.fence })]);
  return grant;
}

async function decide(client: pg.ClientBase, name: string, request: LeaseAcquire, water: HighWater): Promise<LeaseGrant> {
  const { rows: pools } = await client.query<PoolRow>('SELECT name, min, max, ttl, quarantine, fence FROM tan_lease_pools WHERE name = $1 FOR UPDATE', [name]);
  if (!pools[0]) throw leasePoolNotFound(name);
  // A refused pool an operator moved forward is served again; one below an answered fence is refused.
  if (water.refusal(LEASE_POOL, name)) await water.recheck(client, LEASE_POOL, [name]);
  const behind = water.check(LEASE_POOL, name, { value: Number(pools[0].fence) });
  if (behind) throw behind;
  const def = definitionOf(pools[0]);
  const ttl = request.ttl ?? def.ttl;
  const { rows: own } = await client.query<LeaseRow & { taken: boolean }>(
    `SELECT ${LEASE_COLUMNS}, ${TAKEN('l', '$3::integer')} AS taken FROM tan_leases l WHERE pool = $1 AND holder = $2 AND ended IS NULL ORDER BY fence DESC LIMIT 1`,
    [name, request.holder, def.quarantine],
  );
  const mine = own[0]?.taken ? own[0] : undefined;
  if (mine?.live) {
    // The holder's live lease again, renewed like a renew.
    const { rows } = await client.query<LeaseRow>(
      `UPDATE tan_leases SET expires_at = greatest(expires_at, now() + make_interval(secs => $3)), ttl = $3 WHERE pool = $1 AND number = $2 RETURNING ${LEASE_COLUMNS}`,
      [name, mine.number, ttl],
    );
    return grantOf(name, rows[0]!);
  }
  let number: number;
  if (mine) number = Number(mine.number);
  else {
    const { rows } = await client.query<{ n: string }>(LOWEST_FREE_SQL, [name, def.min, def.max, def.quarantine]);
    if (!rows[0]) {
      const { rows: wait } = await client.query<{ ms: number | null }>(
        `SELECT floor(extract(epoch FROM min(expires_at + make_interval(secs => $2)) - now()) * 1000)::float8 AS ms FROM tan_leases WHERE pool = $1 AND ended IS NULL`,
        [name, def.quarantine],
      );
      throw leasesExhausted(name, def.max - def.min + 1, wait[0]?.ms ?? 1000);
    }
    number = Number(rows[0].n);
  }
  const { rows: fenced } = await client.query<{ fence: string }>('UPDATE tan_lease_pools SET fence = fence + 1 WHERE name = $1 RETURNING fence', [name]);
  const fence = Number(fenced[0]!.fence);
  const { rows } = await client.query<LeaseRow>(GRANT_SQL, [name, number, newLeaseId(name, number, fence), request.holder, fence, ttl, request.meta ? JSON.stringify(request.meta) : null]);
  return grantOf(name, rows[0]!);
}
