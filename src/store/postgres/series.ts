// Sequences with settings on PostgreSQL: they are read and written under their row lock, one
// transaction per request (they are rarer than plain ids, which keep the one-statement batch). The row lock
// serializes every instance, so the values of a period stay dense and never repeat.
import type pg from 'pg';
import { isServiceError } from '../../errors.js';
import { prefixEnd } from '../../ids.js';
import { seriesFromJson, seriesToJson } from '../../series/json.js';
import { allocate, configure, roll, type Rolled, type SequenceState } from '../../series/sequence.js';
import type { ConfigureInput } from '../../series/settings.js';
import type { ClockWarnings } from '../rules/clock.js';
import { reservationOf } from '../rules/reservation.js';
import type { ListPage, Reservation, SequenceInfo } from '../store.js';
import { oneIdAdmitted } from './admission.js';
import { transaction, type Db } from './connection.js';

export interface SeriesContext {
  now: () => number;
  /** Logs a clock behind a sequence's period once per sequence and period. */
  clock: ClockWarnings;
  maxSequences: number;
}

/** Skips ids with settings in the plain statements: their value is moved only here. */
export const NOT_SERIES = (alias: string): string => `NOT EXISTS (SELECT 1 FROM tan_series x WHERE x.id = ${alias}.id)`;

// The row lock first, the settings in a statement of their own: a join under FOR UPDATE that waited for another
// instance re-reads the locked row but keeps the settings row it saw before (READ COMMITTED), pairing the new
// value with the old period, which would hand out a period's values twice.
const LOCK_SQL = `SELECT value FROM tan_sequences WHERE id = $1 FOR UPDATE`;
const SERIES_SQL = `SELECT series FROM tan_series WHERE id = $1`;
const READ_SQL = `SELECT q.value, x.series FROM tan_sequences q LEFT JOIN tan_series x ON x.id = q.id WHERE q.id = $1`;
const CREATE_SQL = `INSERT INTO tan_sequences (id, value) SELECT $1::text, 0
  WHERE ${oneIdAdmitted('$1::text', '$2::bigint')}
  ON CONFLICT (id) DO NOTHING`;
const SAVE_SQL = `INSERT INTO tan_series (id, series) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET series = EXCLUDED.series`;
const LIST_SQL = `SELECT id, value FROM tan_sequences
  WHERE ($1::text IS NULL OR id > $1::text) AND ($2::text IS NULL OR id >= $2::text) AND ($3::text IS NULL OR id < $3::text)
    AND ($2::text IS NULL OR starts_with(id, $2::text))
  ORDER BY id LIMIT $4`;
const TWINS_SQL = `SELECT id FROM tan_sequences WHERE id <> $1 AND id ~ '[^\\x01-\\x7f]' AND normalize(id, NFC) = $1 ORDER BY id`;

const isPool = (db: Db): db is pg.Pool => 'totalCount' in db;

/** Runs `work` in the caller's transaction, or in a new one when `db` is the pool. */
function inTransaction<T>(db: Db, work: (c: pg.ClientBase) => Promise<T>): Promise<T> {
  return isPool(db) ? transaction(db, work) : work(db);
}

const stateOf = (row: { value: string; series: unknown }): SequenceState =>
  row.series === null ? { last: Number(row.value) } : { last: Number(row.value), series: seriesFromJson(row.series) };

async function lock(c: pg.ClientBase, id: string): Promise<SequenceState | undefined> {
  const { rows } = await c.query<{ value: string }>(LOCK_SQL, [id]);
  if (!rows[0]) return undefined;
  const series = await c.query<{ series: unknown }>(SERIES_SQL, [id]);
  return stateOf({ value: rows[0].value, series: series.rows[0]?.series ?? null });
}

async function save(c: pg.ClientBase, id: string, state: SequenceState): Promise<void> {
  await c.query('UPDATE tan_sequences SET value = $2 WHERE id = $1', [id, state.last]);
  if (state.series) await c.query(SAVE_SQL, [id, JSON.stringify(seriesToJson(state.series))]);
  else await c.query('DELETE FROM tan_series WHERE id = $1', [id]);
}

/** Whether `id` has settings (then the plain statements left it alone). */
export async function hasSeries(db: Db, id: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM tan_series WHERE id = $1', [id])).rowCount ?? 0) > 0;
}

/** Hands out `count` values of a sequence with settings, in its current period; a refusal is returned, not thrown. */
export async function reserveInSeries(db: Db, ctx: SeriesContext, id: string, count: number): Promise<{ value: Reservation } | { error: Error }> {
  try {
    return {
      value: await inTransaction(db, async (c) => {
        const a = allocate(id, (await lock(c, id))!, ctx.now(), count);
        ctx.clock.note(id, a);
        await save(c, id, a.state);
        return reservationOf(a);
      }),
    };
  } catch (e) {
    if (isServiceError(e)) return { error: e };
    throw e;
  }
}

/** The sequence rolled into the clock's period (not written), or undefined. */
export async function readSequence(db: Db, ctx: SeriesContext, id: string): Promise<Rolled | undefined> {
  const { rows } = await db.query<{ value: string; series: unknown }>(READ_SQL, [id]);
  return rows[0] && roll(stateOf(rows[0]), ctx.now());
}

/** A PUT /sequences/:id in one transaction; `tooMany` is the refusal for a new id past MAX_SEQUENCES. */
export function configureSequence(db: pg.Pool, ctx: SeriesContext, id: string, input: ConfigureInput, tooMany: () => Error): Promise<Rolled> {
  return transaction(db, async (c) => {
    await c.query(CREATE_SQL, [id, ctx.maxSequences]);
    const current = await lock(c, id);
    if (!current) throw tooMany();
    const r = configure(id, current, input, ctx.now());
    ctx.clock.note(id, r);
    await save(c, id, r.state);
    return r;
  });
}

/** One page in code point order (the "C" collation). */
export async function listPage(db: Db, page: ListPage): Promise<SequenceInfo[]> {
  const prefix = page.prefix || null;
  const end = prefix === null ? null : (prefixEnd(prefix) ?? null);
  const { rows } = await db.query<{ id: string; value: string }>(LIST_SQL, [page.after ?? null, prefix, end, page.limit ?? null]);
  return rows.map((r) => ({ id: r.id, last: Number(r.value) }));
}

/** Stored ids other than `nfc` whose NFC form is `nfc`. */
export async function twins(db: Db, nfc: string): Promise<string[]> {
  return (await db.query<{ id: string }>(TWINS_SQL, [nfc])).rows.map((r) => r.id);
}
