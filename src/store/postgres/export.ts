// The database's content as a whole, for migrate: a consistent read, and a locked compare-and-write in one
// transaction that keeps running instances out.
import type pg from 'pg';
import { definitionJson } from '../../random/definition.js';
import { domainSize } from '../../random/domain.js';
import { seriesFromJson, seriesToJson } from '../../series/json.js';
import type { SeriesState } from '../../series/sequence.js';
import { StartupError } from '../../errors.js';
import type { IdempotencyEntry, IdempotentResult, PoolState, StateExport } from '../store.js';
import { connectClient, redactUrl } from './connection.js';
import { domainFromJson } from './pool-definition.js';
import { migrateSchema, schemaExists } from './schema.js';
import { readLeases, writeLeases } from './leases/export.js';

async function readTables(client: pg.Client): Promise<StateExport> {
  const sequences = new Map<string, number>();
  for (const r of (await client.query<{ id: string; value: string }>('SELECT id, value FROM tan_sequences ORDER BY id')).rows) sequences.set(r.id, Number(r.value));
  const random = new Map<string, PoolState>();
  for (const r of (await client.query<{ kind: string; domain: Record<string, unknown>; key: string; drawn: string }>('SELECT kind, domain, key, drawn FROM tan_pools ORDER BY kind')).rows)
    random.set(r.kind, { domain: domainFromJson(r.domain), key: r.key, drawn: Number(r.drawn) });
  // tan_series exists from schema version 2; a database read before its first start may lack it.
  const series = new Map<string, SeriesState>();
  const hasSeries = (await client.query<{ t: string | null }>(`SELECT to_regclass('tan_series')::text AS t`)).rows[0]?.t != null;
  if (hasSeries) for (const r of (await client.query<{ id: string; series: unknown }>('SELECT id, series FROM tan_series')).rows) series.set(r.id, seriesFromJson(r.series));
  const idempotency = new Map<string, IdempotencyEntry>();
  const keys = await client.query<{ key: string; fingerprint: string; at: string; result: IdempotentResult }>(
    'SELECT key, fingerprint, at, result FROM tan_idempotency WHERE result IS NOT NULL ORDER BY at, key',
  );
  for (const r of keys.rows) idempotency.set(r.key, { fingerprint: r.fingerprint, at: Number(r.at), result: r.result });
  return { sequences, random, series, idempotency, leases: await readLeases(client) };
}

/** Reads everything in one snapshot of the database. */
export async function exportPostgresState(url: string): Promise<StateExport> {
  const client = await connectClient(url, 'take-a-number migrate');
  try {
    if (!(await schemaExists(client))) throw new StartupError(`${redactUrl(url)} holds no take-a-number data (no tan_schema table)`);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const state = await readTables(client);
    await client.query('COMMIT');
    return state;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function writeTables(client: pg.Client, s: StateExport): Promise<void> {
  const ids = [...s.sequences.keys()];
  await client.query(
    `INSERT INTO tan_sequences (id, value) SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value`,
    [ids, ids.map((id) => s.sequences.get(id)!)],
  );
  // Settings follow their sequences; a sequence without them in the update loses its row.
  const withSeries = [...s.series.keys()];
  await client.query('DELETE FROM tan_series WHERE NOT (id = ANY($1::text[]))', [withSeries]);
  await client.query(
    `INSERT INTO tan_series (id, series) SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT (id) DO UPDATE SET series = EXCLUDED.series`,
    [withSeries, withSeries.map((id) => JSON.stringify(seriesToJson(s.series.get(id)!)))],
  );
  for (const [kind, p] of s.random) {
    await client.query(
      `INSERT INTO tan_pools (kind, domain, size, key, drawn) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind) DO UPDATE SET domain = EXCLUDED.domain, size = EXCLUDED.size, key = EXCLUDED.key, drawn = EXCLUDED.drawn`,
      [kind, JSON.stringify(definitionJson(p.domain)), domainSize(p.domain), p.key, p.drawn],
    );
  }
  const entries = [...s.idempotency];
  await client.query(
    `INSERT INTO tan_idempotency (key, fingerprint, at, result) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::jsonb[])
     ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, at = EXCLUDED.at, result = EXCLUDED.result`,
    [entries.map(([k]) => k), entries.map(([, e]) => e.fingerprint), entries.map(([, e]) => e.at), entries.map(([, e]) => JSON.stringify(e.result))],
  );
  await writeLeases(client, s.leases);
}

/** Replaces the database's content with `update(current)` in one transaction that keeps running instances out. */
export async function importPostgresState(url: string, update: (current: StateExport) => StateExport): Promise<void> {
  const client = await connectClient(url, 'take-a-number migrate');
  try {
    await client.query('BEGIN');
    await migrateSchema(client);
    // Instances that still run wait here instead of allocating between the comparison and the write.
    await client.query('LOCK TABLE tan_sequences, tan_pools, tan_idempotency, tan_series, tan_lease_pools, tan_leases IN EXCLUSIVE MODE');
    const next = update(await readTables(client));
    // Nothing stored is thrown away: until this store keeps ledgers, a state with one stays where it is.
    if ((next.ledger?.length ?? 0) > 0 || [...next.series.values()].some((s) => s.settings.ledger === true))
      throw new StartupError('the state keeps ledger sequences, which the PostgreSQL store does not keep in this version; nothing was copied');
    await writeTables(client, next);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}
