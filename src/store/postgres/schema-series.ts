// [series] Issue 13's table, a schema step of its own beside the numbered migrations (schema.ts): created
// if missing, under the same advisory lock, so it does not take a version number another change may use.
import type pg from 'pg';

/** Settings and periods of sequences that have settings (src/series/json.ts SeriesJson); the current period's last value stays in tan_sequences.value. */
export const SERIES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS tan_series (
    id     text COLLATE "C" PRIMARY KEY REFERENCES tan_sequences (id),
    series jsonb NOT NULL)`;

/** Creates tan_series when it is missing; runs inside migrateSchema's transaction, after its lock. */
export async function migrateSeries(client: pg.ClientBase): Promise<void> {
  await client.query(SERIES_TABLE_SQL);
}
