// Lease pools in and out of the database as a whole (StateExport.leases), for migrate and backup: a pool's
// fence only moves up, and each number keeps the later of its two leases (fence, then an end, then expiry).
import type pg from 'pg';
import type { LeasePoolExport } from '../../leases.js';
import { definitionOf, MS, type PoolRow } from './sql.js';

type SlotRow = { pool: string; number: string; lease: string; holder: string; fence: string; expires_ms: number; ttl: number; meta: Record<string, unknown> | null; ended: 'released' | 'expired' | null };

export async function readLeases(client: pg.ClientBase): Promise<Map<string, LeasePoolExport>> {
  const out = new Map<string, LeasePoolExport>();
  // The lease tables exist from schema version 5; a database read before its first start may lack them.
  if ((await client.query<{ t: string | null }>(`SELECT to_regclass('tan_lease_pools')::text AS t`)).rows[0]?.t == null) return out;
  for (const r of (await client.query<PoolRow>('SELECT name, min, max, ttl, quarantine, fence FROM tan_lease_pools ORDER BY name')).rows)
    out.set(r.name, { definition: definitionOf(r), fence: Number(r.fence), slots: [] });
  const slots = await client.query<SlotRow>(`SELECT pool, number, lease, holder, fence, ${MS('expires_at')} AS expires_ms, ttl, meta, ended FROM tan_leases ORDER BY pool, number`);
  for (const r of slots.rows)
    out.get(r.pool)!.slots.push({
      number: Number(r.number),
      lease: r.lease,
      holder: r.holder,
      fence: Number(r.fence),
      expiresAt: r.expires_ms,
      ttl: r.ttl,
      ...(r.meta ? { meta: r.meta } : {}),
      ...(r.ended ? { ended: r.ended } : {}),
    });
  return out;
}

export async function writeLeases(client: pg.ClientBase, leases: Map<string, LeasePoolExport>): Promise<void> {
  for (const [name, p] of leases) {
    const d = p.definition;
    await client.query(
      `INSERT INTO tan_lease_pools AS t (name, min, max, ttl, quarantine, fence) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET min = EXCLUDED.min, max = EXCLUDED.max, ttl = EXCLUDED.ttl, quarantine = EXCLUDED.quarantine, fence = greatest(t.fence, EXCLUDED.fence)`,
      [name, d.min, d.max, d.ttl, d.quarantine, p.fence],
    );
    const s = p.slots;
    await client.query(
      `INSERT INTO tan_leases AS t (pool, number, lease, holder, fence, expires_at, ttl, meta, ended)
       SELECT $1, u.number, u.lease, u.holder, u.fence, to_timestamp(u.ms / 1000.0), u.ttl, u.meta, u.ended
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::float8[], $7::integer[], $8::jsonb[], $9::text[]) AS u(number, lease, holder, fence, ms, ttl, meta, ended)
       ON CONFLICT (pool, number) DO UPDATE SET lease = EXCLUDED.lease, holder = EXCLUDED.holder, fence = EXCLUDED.fence, expires_at = EXCLUDED.expires_at,
         ttl = EXCLUDED.ttl, meta = EXCLUDED.meta, ended = EXCLUDED.ended
       WHERE EXCLUDED.fence >= t.fence`,
      [
        name,
        s.map((x) => x.number),
        s.map((x) => x.lease),
        s.map((x) => x.holder),
        s.map((x) => x.fence),
        s.map((x) => x.expiresAt),
        s.map((x) => x.ttl),
        s.map((x) => (x.meta ? JSON.stringify(x.meta) : null)),
        s.map((x) => x.ended ?? null),
      ],
    );
  }
}
