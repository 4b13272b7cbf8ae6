// The PostgreSQL store: the file store's contract for any number of instances sharing one database.
// Every allocation is one atomic statement (or one transaction with its idempotency key).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ServiceError, StartupError, isServiceError } from '../errors.js';
import { domainDifference, domainSize, POOL_KINDS, type PoolDomain, type PoolKind } from '../random/domain.js';
import { createPool, reasonOf, redactUrl, transaction } from './postgres-pool.js';
import { MAX_VALUE_SQL, migrateSchema } from './postgres-schema.js';
import type { IdempotentResult } from './state.js';
import type { CommitStats, Draw, Idempotency, ListPage, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from './store.js';
import { prefixEnd } from '../ids.js';
import { seriesFromJson, seriesToJson } from '../series/json.js';
import { allocate, configure, roll, type Rolled, type SequenceState } from '../series/sequence.js';
import type { ConfigureInput } from '../series/settings.js';

export interface PostgresStoreOptions {
  config: Pick<Config, 'databaseUrl' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'idempotencyMax' | 'idempotencyTtlMs'>;
  log: Logger;
  now?: () => number;
}

type Db = pg.Pool | pg.PoolClient;

const HEALTH_TIMEOUT_MS = 2000;

// A new id may be created while fewer than $3 ids exist; the count runs only for ids not yet stored
// (CASE evaluates its branches lazily). Two new ids racing at the limit may both pass: approximate by design.
const NEW_ID_ALLOWED = `CASE WHEN EXISTS (SELECT 1 FROM tan_sequences WHERE id = $1::text) THEN true
  ELSE (SELECT count(*) FROM tan_sequences) < $3::bigint END`;

const NEXT_SQL = `INSERT INTO tan_sequences AS s (id, value)
  SELECT $1::text, $2::bigint WHERE $2::bigint <= ${MAX_VALUE_SQL} AND ${NEW_ID_ALLOWED}
  ON CONFLICT (id) DO UPDATE SET value = s.value + EXCLUDED.value WHERE s.value + EXCLUDED.value <= ${MAX_VALUE_SQL}
    AND NOT EXISTS (SELECT 1 FROM tan_series x WHERE x.id = s.id)
  RETURNING value`;

// [series] Issue 13: a sequence with settings is read and written under its row lock (src/series/sequence.ts).
const LOCK_SERIES_SQL = `SELECT q.value, x.series FROM tan_sequences q LEFT JOIN tan_series x ON x.id = q.id WHERE q.id = $1 FOR UPDATE OF q`;
const CREATE_SQL = `INSERT INTO tan_sequences (id, value) SELECT $1::text, 0 WHERE ${NEW_ID_ALLOWED.replace('$3', '$2')} ON CONFLICT (id) DO NOTHING`;
const SAVE_SERIES_SQL = `INSERT INTO tan_series (id, series) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET series = EXCLUDED.series`;
const LIST_SQL = `SELECT id, value FROM tan_sequences
  WHERE ($1::text IS NULL OR id > $1::text) AND ($2::text IS NULL OR id >= $2::text) AND ($3::text IS NULL OR id < $3::text)
    AND ($2::text IS NULL OR starts_with(id, $2::text))
  ORDER BY id LIMIT $4`;
const TWINS_SQL = `SELECT id FROM tan_sequences WHERE id <> $1 AND id ~ '[^\x01-\x7f]' AND normalize(id, NFC) = $1 ORDER BY id`;

const SET_SQL = `INSERT INTO tan_sequences AS s (id, value)
  SELECT $1::text, $2::bigint WHERE ${NEW_ID_ALLOWED}
  ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value WHERE s.value <= EXCLUDED.value
  RETURNING value`;

const DRAW_SQL = `UPDATE tan_pools SET drawn = drawn + $2::bigint
  WHERE kind = $1 AND drawn + $2::bigint <= size
  RETURNING drawn - $2::bigint AS start, domain, key`;

// Claims a key (new, or expired and taken over); a live key of another request is left as it is but locked.
const CLAIM_SQL = `INSERT INTO tan_idempotency AS i (key, fingerprint, at, result) VALUES ($1, $2, $3, NULL)
  ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, at = EXCLUDED.at, result = NULL
  WHERE i.at <= $4
  RETURNING key`;

/** A pool's domain as stored in its jsonb column. */
export function domainFromJson(o: Record<string, unknown>): PoolDomain {
  return o.type === 'int'
    ? { type: 'int', min: Number(o.min), max: Number(o.max) }
    : { type: 'float', min: Number(o.min), max: Number(o.max), decimals: Number(o.decimals) };
}

/** Creates missing pools (a concurrent start may win: then its key is kept) and refuses a changed domain. */
async function ensurePools(client: pg.ClientBase, wanted: Record<PoolKind, PoolDomain>): Promise<void> {
  for (const kind of POOL_KINDS) {
    await client.query('INSERT INTO tan_pools (kind, domain, size, key, drawn) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (kind) DO NOTHING', [
      kind,
      JSON.stringify(wanted[kind]),
      domainSize(wanted[kind]),
      randomBytes(32).toString('hex'),
    ]);
    const { rows } = await client.query<{ domain: Record<string, unknown> }>('SELECT domain FROM tan_pools WHERE kind = $1', [kind]);
    const difference = domainDifference(domainFromJson(rows[0]!.domain), wanted[kind]);
    if (difference)
      throw new StartupError(
        `the ${kind} random pool's range is fixed when it is created: ${difference}. ` +
          `Changing it could repeat values; set it back, or use a new database for the new range.`,
      );
  }
}

async function durabilitySettings(client: pg.ClientBase): Promise<{ fsync: string; synchronousCommit: string }> {
  const { rows } = await client.query<{ fsync: string; sc: string }>(`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc`);
  return { fsync: rows[0]!.fsync, synchronousCommit: rows[0]!.sc };
}

export class PostgresStore implements Store {
  onCommit?: (stats: CommitStats) => void;
  private failure: string | undefined;
  private closed = false;
  private newKeys = 0;
  private readonly now: () => number;

  private constructor(
    private readonly db: pg.Pool,
    private readonly opts: PostgresStoreOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  static async open(opts: PostgresStoreOptions): Promise<Store> {
    const { config, log } = opts;
    if (!config.databaseUrl) throw new StartupError('DATABASE_URL is not set');
    let pool = createPool(config.databaseUrl, log);
    try {
      const settings = await transaction(pool, async (client) => {
        await migrateSchema(client);
        await ensurePools(client, { int: config.randomInt, float: config.randomFloat });
        return durabilitySettings(client);
      });
      if (settings.fsync !== 'on')
        log.error({ event: 'db_not_durable', fsync: settings.fsync }, 'the database runs with fsync=off: a database crash can lose values already handed out, which may then be handed out again');
      if (settings.synchronousCommit === 'off') {
        // With synchronous_commit=off a commit is acknowledged before it is on disk: "durable before sent" needs it on.
        log.warn({ event: 'db_synchronous_commit' }, 'the database default is synchronous_commit=off; take-a-number turns it on for its own sessions');
        await pool.end();
        pool = createPool(config.databaseUrl, log, true);
      }
    } catch (e) {
      await pool.end().catch(() => undefined);
      if (e instanceof StartupError) throw e;
      throw new StartupError(`DATABASE_URL: cannot prepare the database ${redactUrl(config.databaseUrl)}: ${reasonOf(e)}`);
    }
    log.info({ event: 'state_loaded', database: redactUrl(config.databaseUrl) }, 'PostgreSQL store ready');
    return new PostgresStore(pool, opts);
  }

  /** Runs database work; any database failure becomes a 503 and the store stays usable for the next request. */
  private async run<T>(work: () => Promise<T>, write = false): Promise<T> {
    if (this.closed) throw new ServiceError('storage_unavailable', 'the service is shutting down');
    const started = performance.now();
    let result: T;
    try {
      result = await work();
    } catch (e) {
      if (isServiceError(e)) throw e;
      const reason = reasonOf(e);
      if (this.failure === undefined) this.opts.log.error({ event: 'storage_fault', err: reason }, `the database failed: ${reason}`);
      this.failure = reason;
      throw new ServiceError('storage_unavailable', `the database is unavailable (${reason}); nothing was handed out`);
    }
    this.recovered();
    if (write) this.onCommit?.({ batch: 1, seconds: (performance.now() - started) / 1000 });
    return result;
  }

  private recovered(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.opts.log.warn({ event: 'storage_recovered' }, 'the database answers again');
  }

  private async sequenceValue(db: Db, id: string): Promise<number | undefined> {
    const { rows } = await db.query<{ value: string }>('SELECT value FROM tan_sequences WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : Number(rows[0].value);
  }

  private tooMany(id: string): ServiceError {
    const max = this.opts.config.maxSequences;
    return new ServiceError('too_many_sequences', `this service keeps at most ${max} sequences; "${id}" would be one more`);
  }

  private async reserve(db: Db, id: string, count: number): Promise<Reservation> {
    const { rows } = await db.query<{ value: string }>(NEXT_SQL, [id, count, this.opts.config.maxSequences]);
    if (rows[0]) {
      const last = Number(rows[0].value);
      return { first: last - count + 1, last };
    }
    if ((await db.query('SELECT 1 FROM tan_series WHERE id = $1', [id])).rowCount) return this.inTransaction(db, (c) => this.reserveInSeries(c, id, count));
    const current = await this.sequenceValue(db, id);
    if (current === undefined && count <= Number.MAX_SAFE_INTEGER) throw this.tooMany(id);
    throw new ServiceError(
      'sequence_exhausted',
      `sequence "${id}" is at ${current ?? 0}; ${count} more would pass ${Number.MAX_SAFE_INTEGER}, the largest exact integer`,
      { last_value: current ?? 0 },
    );
  }

  // ---- [series] issue 13 ----
  /** Runs `work` in the caller's transaction, or in a new one when `db` is the pool. */
  private inTransaction<T>(db: Db, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return db === this.db ? transaction(this.db, work) : work(db as pg.PoolClient);
  }

  private async lockSequence(c: pg.PoolClient, id: string): Promise<SequenceState | undefined> {
    const { rows } = await c.query<{ value: string; series: unknown }>(LOCK_SERIES_SQL, [id]);
    if (!rows[0]) return undefined;
    const last = Number(rows[0].value);
    return rows[0].series === null ? { last } : { last, series: seriesFromJson(rows[0].series) };
  }

  private async save(c: pg.PoolClient, id: string, state: SequenceState): Promise<void> {
    await c.query('UPDATE tan_sequences SET value = $2 WHERE id = $1', [id, state.last]);
    if (state.series) await c.query(SAVE_SERIES_SQL, [id, JSON.stringify(seriesToJson(state.series))]);
    else await c.query('DELETE FROM tan_series WHERE id = $1', [id]);
  }

  private logBehind(id: string, r: Rolled): void {
    if (r.behind)
      this.opts.log.warn({ event: 'clock_behind_period', sequence_id: id, clock_period: r.behind.clock, period: r.behind.stored }, `the clock is in period ${r.behind.clock}, before sequence "${id}"'s period ${r.behind.stored}: it stays in ${r.behind.stored}`);
  }

  private async reserveInSeries(c: pg.PoolClient, id: string, count: number): Promise<Reservation> {
    const a = allocate(id, (await this.lockSequence(c, id))!, this.now(), count);
    this.logBehind(id, a);
    await this.save(c, id, a.state);
    const r: Reservation = { first: a.first, last: a.last, date: a.date };
    if (a.period !== undefined) r.period = a.period;
    if (a.state.series?.settings.format !== undefined) r.format = a.state.series.settings.format;
    return r;
  }

  sequence(id: string): Promise<Rolled | undefined> {
    return this.run(async () => {
      const { rows } = await this.db.query<{ value: string; series: unknown }>('SELECT q.value, x.series FROM tan_sequences q LEFT JOIN tan_series x ON x.id = q.id WHERE q.id = $1', [id]);
      if (!rows[0]) return undefined;
      const last = Number(rows[0].value);
      return roll(rows[0].series === null ? { last } : { last, series: seriesFromJson(rows[0].series) }, this.now());
    });
  }

  configure(id: string, input: ConfigureInput): Promise<Rolled> {
    return this.run(
      () =>
        transaction(this.db, async (c) => {
          await c.query(CREATE_SQL, [id, this.opts.config.maxSequences]);
          const current = await this.lockSequence(c, id);
          if (!current) throw this.tooMany(id);
          const r = configure(id, current, input, this.now());
          this.logBehind(id, r);
          await this.save(c, id, r.state);
          return r;
        }),
      true,
    );
  }

  twins(nfc: string): Promise<string[]> {
    return this.run(async () => (await this.db.query<{ id: string }>(TWINS_SQL, [nfc])).rows.map((r) => r.id));
  }
  // ---- end [series] ----

  private async take(db: Db, kind: PoolKind, count: number): Promise<Draw> {
    const { rows } = await db.query<{ start: string; domain: Record<string, unknown>; key: string }>(DRAW_SQL, [kind, count]);
    if (rows[0]) return { kind, start: Number(rows[0].start), count, domain: domainFromJson(rows[0].domain), key: rows[0].key };
    const now = await db.query<{ drawn: string; size: string }>('SELECT drawn, size FROM tan_pools WHERE kind = $1', [kind]);
    const drawn = Number(now.rows[0]!.drawn);
    const size = Number(now.rows[0]!.size);
    throw new ServiceError('random_exhausted', `the ${kind} pool has handed out ${drawn} of its ${size} values; ${count} more do not fit`, { drawn, size });
  }

  /**
   * Allocates with an idempotency key in one transaction: claim the key, allocate, record the answer.
   * A retry finds the committed answer; a concurrent retry waits on the key's row lock and then finds it.
   */
  private async idempotent<T>(idem: Idempotency, allocate: (db: pg.PoolClient) => Promise<{ value: T; result: IdempotentResult }>, replay: (db: pg.PoolClient, r: IdempotentResult) => Promise<T>): Promise<T> {
    const now = this.now();
    const claimed = await transaction(this.db, async (db) => {
      const claim = await db.query(CLAIM_SQL, [idem.key, idem.fingerprint, now, now - this.opts.config.idempotencyTtlMs]);
      if (claim.rowCount === 1) {
        const { value, result } = await allocate(db);
        await db.query('UPDATE tan_idempotency SET result = $2 WHERE key = $1', [idem.key, JSON.stringify(result)]);
        return { value, fresh: true };
      }
      const { rows } = await db.query<{ fingerprint: string; result: IdempotentResult | null }>('SELECT fingerprint, result FROM tan_idempotency WHERE key = $1', [idem.key]);
      const entry = rows[0]!;
      if (entry.fingerprint !== idem.fingerprint)
        throw new ServiceError('idempotency_key_reused', `the Idempotency-Key was first used for another request (${entry.fingerprint})`);
      if (entry.result === null) throw new ServiceError('internal_error', 'the Idempotency-Key has no recorded answer');
      return { value: await replay(db, entry.result), fresh: false };
    });
    if (claimed.fresh) await this.trimKeys();
    return claimed.value;
  }

  /** Keeps the key table bounded: expired keys go, then the oldest past idempotencyMax. Runs every few new keys. */
  private async trimKeys(): Promise<void> {
    const max = this.opts.config.idempotencyMax;
    if (++this.newKeys < Math.min(1000, Math.ceil(max / 10))) return;
    this.newKeys = 0;
    try {
      await this.db.query('DELETE FROM tan_idempotency WHERE at <= $1 AND result IS NOT NULL', [this.now() - this.opts.config.idempotencyTtlMs]);
      await this.db.query(
        'DELETE FROM tan_idempotency WHERE key IN (SELECT key FROM tan_idempotency WHERE result IS NOT NULL ORDER BY at DESC, key DESC OFFSET $1)',
        [max],
      );
    } catch (e) {
      this.opts.log.warn({ event: 'idempotency_trim_failed', err: reasonOf(e) }, `could not trim idempotency keys: ${reasonOf(e)}`);
    }
  }

  next(id: string, count: number, idem?: Idempotency): Promise<Reservation> {
    return this.run(async () => {
      if (!idem) return this.reserve(this.db, id, count);
      return this.idempotent<Reservation>(
        idem,
        async (db) => {
          const r = await this.reserve(db, id, count);
          return { value: r, result: { kind: 'next', ...r } };
        },
        async (_db, r) => {
          if (r.kind !== 'next') throw new ServiceError('internal_error', 'idempotency fingerprint collision');
          // [series] period, date and format were recorded with the answer.
          const replayed: Reservation = { first: r.first, last: r.last, replayed: true };
          if (r.period !== undefined) replayed.period = r.period;
          if (r.date !== undefined) replayed.date = r.date;
          if ('format' in r && typeof r.format === 'string') replayed.format = r.format;
          return replayed;
        },
      );
    }, true);
  }

  draw(kind: PoolKind, count: number, idem?: Idempotency): Promise<Draw> {
    return this.run(async () => {
      if (!idem) return this.take(this.db, kind, count);
      return this.idempotent<Draw>(
        idem,
        async (db) => {
          const d = await this.take(db, kind, count);
          return { value: d, result: { kind: 'draw', pool: kind, start: d.start, count } };
        },
        async (db, r) => {
          if (r.kind !== 'draw') throw new ServiceError('internal_error', 'idempotency fingerprint collision');
          const p = await this.poolState(db, r.pool);
          return { kind: r.pool, start: r.start, count: r.count, domain: p.domain, key: p.key, replayed: true };
        },
      );
    }, true);
  }

  private async poolState(db: Db, kind: PoolKind): Promise<PoolState> {
    const { rows } = await db.query<{ domain: Record<string, unknown>; key: string; drawn: string }>('SELECT domain, key, drawn FROM tan_pools WHERE kind = $1', [kind]);
    const row = rows[0]!;
    return { domain: domainFromJson(row.domain), key: row.key, drawn: Number(row.drawn) };
  }

  pool(kind: PoolKind): Promise<PoolState> {
    return this.run(() => this.poolState(this.db, kind));
  }

  get(id: string): Promise<number | undefined> {
    return this.run(() => this.sequenceValue(this.db, id));
  }

  list(page: ListPage = {}): Promise<SequenceInfo[]> {
    return this.run(async () => {
      // The "C" collation orders by code point, the contract's order (src/ids.ts compareIds).
      const prefix = page.prefix || null;
      const end = prefix === null ? null : (prefixEnd(prefix) ?? null);
      const { rows } = await this.db.query<{ id: string; value: string }>(LIST_SQL, [page.after ?? null, prefix, end, page.limit ?? null]);
      return rows.map((r) => ({ id: r.id, last: Number(r.value) }));
    });
  }

  set(id: string, last: number): Promise<number> {
    return this.run(async () => {
      if ((await this.db.query('SELECT 1 FROM tan_series WHERE id = $1', [id])).rowCount) return (await this.configure(id, { last })).state.last;
      const { rows } = await this.db.query<{ value: string }>(SET_SQL, [id, last, this.opts.config.maxSequences]);
      if (rows[0]) return Number(rows[0].value);
      const current = await this.sequenceValue(this.db, id);
      if (current === undefined) throw this.tooMany(id);
      throw new ServiceError('value_behind', `sequence "${id}" is already at ${current}; it only moves forward`, { last_value: current });
    }, true);
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'shutting down' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.db.query('SELECT 1'), timeout]);
      this.recovered();
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `the database is unreachable (${reasonOf(e)})` };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.end().catch((e: unknown) => this.opts.log.warn({ event: 'db_close_failed', err: reasonOf(e) }, 'could not close the database pool'));
  }
}
