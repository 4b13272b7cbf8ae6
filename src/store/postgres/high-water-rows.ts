// The rows the PostgreSQL store itself remembers for the going-backwards check: sequences (with their period
// when they reset) and random pools (how many draws were made).
import { seriesFromJson } from '../../series/json.js';
import type { Db } from './connection.js';
import type { HighWater, Position, RowKind } from './high-water.js';

export const SEQUENCE = 'sequence';
export const POOL = 'pool';

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const sequences: RowKind = {
  async read(db: Db, names: string[]) {
    const { rows } = await db.query<{ id: string; value: string; series: unknown }>(
      'SELECT q.id, q.value, x.series FROM tan_sequences q LEFT JOIN tan_series x ON x.id = q.id WHERE q.id = ANY($1::text[])',
      [names],
    );
    const out = new Map<string, Position>();
    for (const r of rows) {
      const period = r.series === null ? undefined : seriesFromJson(r.series).period;
      out.set(r.id, period === undefined ? { value: Number(r.value) } : { value: Number(r.value), period });
    }
    return out;
  },
  describe: (id) => `sequence ${JSON.stringify(id)}`,
  forwardSql: (id, to) => `UPDATE tan_sequences SET value = ${to.value} WHERE id = ${literal(id)} AND value < ${to.value};`,
};

const pools: RowKind = {
  async read(db: Db, names: string[]) {
    const { rows } = await db.query<{ kind: string; drawn: string }>('SELECT kind, drawn FROM tan_pools WHERE kind = ANY($1::text[])', [names]);
    return new Map(rows.map((r) => [r.kind, { value: Number(r.drawn) }]));
  },
  describe: (name) => `random pool ${JSON.stringify(name)}`,
  forwardSql: (name, to) => `UPDATE tan_pools SET drawn = ${to.value} WHERE kind = ${literal(name)} AND drawn < ${to.value};`,
};

export function registerStoreRows(water: HighWater): void {
  water.register(SEQUENCE, sequences);
  water.register(POOL, pools);
}
