// Schema step 2 (schema.ts): settings and periods of sequences that have settings
// (src/series/json.ts SeriesJson); the current period's last value stays in tan_sequences.value.
export const SERIES_TABLE_SQL = `CREATE TABLE IF NOT EXISTS tan_series (
    id     text COLLATE "C" PRIMARY KEY REFERENCES tan_sequences (id),
    series jsonb NOT NULL)`;
