// The PostgreSQL schema and its migrations, applied at start under an advisory lock so that
// any number of instances may start at once.
import type pg from 'pg';
import { StartupError } from '../../errors.js';
import { POOLS_NAMED } from './schema-pools.js';
import { SERIES_TABLE_SQL } from './schema-series.js';
import { LEASES_TABLES } from './schema-leases.js';

const SCHEMA_VERSION = 5;

/** The largest value a sequence may reach (2^53 − 1, Number.MAX_SAFE_INTEGER), as SQL text. */
export const MAX_VALUE_SQL = '9007199254740991';

// A fixed key for pg_advisory_xact_lock: every take-a-number instance serializes schema work on it.
const SCHEMA_LOCK = 7_416_110_001;

/** Migration n (1-based) brings the schema from version n−1 to n. Never edit one that has shipped; add another. */
const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE tan_sequences (
       id    text COLLATE "C" PRIMARY KEY,
       value bigint NOT NULL CHECK (value BETWEEN 0 AND ${MAX_VALUE_SQL}))`,
    `CREATE TABLE tan_pools (
       kind   text PRIMARY KEY CHECK (kind IN ('int', 'float')),
       domain jsonb NOT NULL,
       size   bigint NOT NULL CHECK (size >= 1),
       key    text NOT NULL CHECK (key ~ '^[0-9a-f]{64}$'),
       drawn  bigint NOT NULL CHECK (drawn >= 0),
       CHECK (drawn <= size))`,
    // result is NULL only inside the transaction that claimed the key.
    `CREATE TABLE tan_idempotency (
       key         text COLLATE "C" PRIMARY KEY,
       fingerprint text NOT NULL,
       at          bigint NOT NULL,
       result      jsonb)`,
    `CREATE INDEX tan_idempotency_at ON tan_idempotency (at)`,
  ],
  // 2: settings and periods of formatted sequences, see schema-series.ts.
  [SERIES_TABLE_SQL],
  // 3: named pools, see schema-pools.ts.
  POOLS_NAMED,
  // 4: the ledger's step (its tables come with it).
  [],
  // 5: lease pools, see schema-leases.ts.
  LEASES_TABLES,
];

/** Creates or upgrades the schema inside the caller's transaction. */
export async function migrateSchema(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
  await client.query(`CREATE TABLE IF NOT EXISTS tan_schema (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      version   integer NOT NULL)`);
  const { rows } = await client.query<{ version: number }>('SELECT version FROM tan_schema');
  const current = rows[0]?.version ?? 0;
  if (current > SCHEMA_VERSION)
    throw new StartupError(
      `DATABASE_URL: the database schema is version ${current}, newer than this take-a-number understands (${SCHEMA_VERSION}); upgrade take-a-number`,
    );
  for (let v = current; v < SCHEMA_VERSION; v++) for (const sql of MIGRATIONS[v]!) await client.query(sql);
  if (current < SCHEMA_VERSION)
    await client.query('INSERT INTO tan_schema (version) VALUES ($1) ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version', [SCHEMA_VERSION]);
}

/** Whether the take-a-number tables exist (for reading a database without creating anything). */
export async function schemaExists(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass('tan_schema')::text AS t`);
  return rows[0]?.t != null;
}
