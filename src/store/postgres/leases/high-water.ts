// Lease pools in the going-backwards check (../high-water.ts): the fence each instance granted last. A pool row
// whose fence the database holds below it lost grants this instance answered (a failover to a standby that
// lacked them); granting from it would give a number's fence to two holders, so the pool is refused.
import type { Db } from '../connection.js';
import type { HighWater, RowKind } from '../high-water.js';

export const LEASE_POOL = 'lease_pool';

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const leasePools: RowKind = {
  async read(db: Db, names: string[]) {
    const { rows } = await db.query<{ name: string; fence: string }>('SELECT name, fence FROM tan_lease_pools WHERE name = ANY($1::text[])', [names]);
    return new Map(rows.map((r) => [r.name, { value: Number(r.fence) }]));
  },
  describe: (name) => `lease pool ${JSON.stringify(name)}'s fence`,
  forwardSql: (name, to) => `UPDATE tan_lease_pools SET fence = ${to.value} WHERE name = ${literal(name)} AND fence < ${to.value};`,
};

export const registerLeaseRows = (water: HighWater): void => water.register(LEASE_POOL, leasePools);
