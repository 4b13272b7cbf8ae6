// The lease operations of the PostgreSQL store. Every change is one statement or one transaction, durable
// before it is answered (renewals too: one UPDATE each); any number of instances share the rows.
import { Mutex } from 'async-mutex';
import type pg from 'pg';
import { leaseDefinitionJson, sameLeaseDefinition, type LeasePoolDefinition } from '../../../leases/definition.js';
import { leaseIdParts } from '../../../leases/id.js';
import { leaseLost, leaseNotFound, leasePoolConflict, leasePoolNotFound, nameTakenByRandomPool } from '../../rules/leases.js';
import { tooManyPools } from '../../rules/refusals.js';
import type { LeaseAcquire, LeaseGrant, LeaseInfo, LeasePoolInfo, LeaseStore } from '../../leases.js';
import type { Idempotency } from '../../store.js';
import { transaction } from '../connection.js';
import { acquire, type AcquireContext } from './acquire.js';
import { LEASE_POOL, registerLeaseRows } from './high-water.js';
import { grantOf, infoOf, LEASE_COLUMNS, POOL_INFO_SQL, type LeaseRow, type PoolRow } from './sql.js';

const DEFINE_SQL = `INSERT INTO tan_lease_pools (name, min, max, ttl, quarantine)
  SELECT $1, $2, $3, $4, $5
  WHERE NOT EXISTS (SELECT 1 FROM tan_pools WHERE kind = $1) AND (SELECT count(*) FROM tan_lease_pools) < $6
  ON CONFLICT (name) DO NOTHING RETURNING name`;

const RENEW_SQL = `UPDATE tan_leases SET expires_at = greatest(expires_at, now() + make_interval(secs => $4)), ttl = $4
  WHERE pool = $1 AND number = $2 AND lease = $3 AND ended IS NULL AND expires_at > now()
  RETURNING ${LEASE_COLUMNS}`;

type Counted = PoolRow & { leased: string; quarantined: string };

export class PostgresLeases implements LeaseStore {
  /** Grants of one pool wait on its row anyway: here they wait in memory, one connection per pool, not one each. */
  private readonly grants = new Map<string, Mutex>();

  constructor(
    /** The connection pool of the moment (the session replaces it after a read-only answer). */
    private readonly currentPool: () => pg.Pool,
    private readonly ctx: AcquireContext & { maxPools: number },
    /** Reports one durable change, for the commit metrics. */
    private readonly committed: (started: number) => void,
  ) {
    registerLeaseRows(ctx.water);
  }

  private get db(): pg.Pool {
    return this.currentPool();
  }

  private async info(name: string): Promise<LeasePoolInfo> {
    const { rows } = await this.db.query<Counted>(`${POOL_INFO_SQL} WHERE p.name = $1 GROUP BY p.name`, [name]);
    if (!rows[0]) throw leasePoolNotFound(name);
    return infoOf(rows[0]);
  }

  async defineLeasePool(name: string, d: LeasePoolDefinition): Promise<{ created: boolean; pool: LeasePoolInfo }> {
    const started = performance.now();
    const inserted = await this.db.query(DEFINE_SQL, [name, d.min, d.max, d.ttl, d.quarantine, this.ctx.maxPools]);
    if (inserted.rowCount === 1) {
      this.committed(started);
      return { created: true, pool: await this.info(name) };
    }
    const { rows } = await this.db.query<PoolRow>('SELECT name, min, max, ttl, quarantine, fence FROM tan_lease_pools WHERE name = $1', [name]);
    if (!rows[0]) {
      const random = await this.db.query('SELECT 1 FROM tan_pools WHERE kind = $1', [name]);
      throw random.rowCount ? nameTakenByRandomPool(name) : tooManyPools(name, this.ctx.maxPools);
    }
    const existing = { min: Number(rows[0].min), max: Number(rows[0].max), ttl: rows[0].ttl, quarantine: rows[0].quarantine };
    if (!sameLeaseDefinition(existing, d)) throw leasePoolConflict(name, leaseDefinitionJson(existing));
    return { created: false, pool: await this.info(name) };
  }

  async acquireLease(pool: string, request: LeaseAcquire, idem?: Idempotency): Promise<LeaseGrant> {
    const started = performance.now();
    let lock = this.grants.get(pool);
    if (!lock) this.grants.set(pool, (lock = new Mutex()));
    const grant = await lock.runExclusive(() => transaction(this.db, (client) => acquire(client, pool, request, this.ctx, idem)));
    // Committed: the database must never hold this pool's fence below it again.
    this.ctx.water.answered(LEASE_POOL, pool, { value: grant.fence });
    this.committed(started);
    return grant;
  }

  /** The row a lease id names; lease_not_found or lease_lost when it is not that lease's any more. */
  private async row(lease: string): Promise<{ pool: string; row: LeaseRow }> {
    const parts = leaseIdParts(lease);
    if (!parts) throw leaseNotFound();
    const { rows } = await this.db.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM tan_leases WHERE pool = $1 AND number = $2`, [parts.pool, parts.number]);
    const row = rows[0];
    if (!row || Number(row.fence) < parts.fence) throw leaseNotFound();
    if (Number(row.fence) > parts.fence) throw leaseLost('expired');
    if (row.lease !== lease) throw leaseNotFound();
    return { pool: parts.pool, row };
  }

  async renewLease(lease: string, ttl?: number): Promise<LeaseGrant> {
    const parts = leaseIdParts(lease);
    if (!parts) throw leaseNotFound();
    const started = performance.now();
    const t = ttl ?? (await this.row(lease)).row.ttl;
    const { rows } = await this.db.query<LeaseRow>(RENEW_SQL, [parts.pool, parts.number, lease, t]);
    if (rows[0]) {
      this.committed(started);
      return grantOf(parts.pool, rows[0]);
    }
    const { row } = await this.row(lease);
    throw leaseLost(row.ended ?? 'expired');
  }

  async releaseLease(lease: string): Promise<{ pool: string; number: number; released: boolean }> {
    const { pool, row } = await this.row(lease);
    const started = performance.now();
    const done = await this.db.query(`UPDATE tan_leases SET ended = 'released' WHERE pool = $1 AND number = $2 AND lease = $3 AND ended IS NULL`, [pool, row.number, lease]);
    if (done.rowCount === 1) this.committed(started);
    return { pool, number: Number(row.number), released: done.rowCount === 1 };
  }

  async leasePools(): Promise<LeasePoolInfo[]> {
    const { rows } = await this.db.query<Counted>(`${POOL_INFO_SQL} GROUP BY p.name ORDER BY p.name`);
    return rows.map(infoOf);
  }

  leasePool(name: string): Promise<LeasePoolInfo> {
    return this.info(name);
  }

  async leases(pool: string): Promise<LeaseInfo[]> {
    await this.info(pool);
    const { rows } = await this.db.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM tan_leases WHERE pool = $1 AND ended IS NULL AND expires_at > now() ORDER BY number`, [pool]);
    return rows.map((r) => ({ number: Number(r.number), lease: r.lease, holder: r.holder, fence: Number(r.fence), expiresAt: r.expires_ms, ...(r.meta ? { meta: r.meta } : {}) }));
  }
}
