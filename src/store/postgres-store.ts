// The PostgreSQL store: the file store's contract for any number of instances sharing one database.
// Every allocation is one atomic statement (or one transaction with its idempotency key).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ServiceError, StartupError, isServiceError } from '../errors.js';
import { definitionJson, parseDefinition } from '../random/definition.js';
import { domainDifference, domainSize, POOL_KINDS, sameDomain, type FloatDomain, type IntDomain, type PoolDomain, type PoolKind } from '../random/domain.js';
import { createPool, reasonOf, redactUrl, transaction } from './postgres-pool.js';
import { MAX_VALUE_SQL, migrateSchema } from './postgres-schema.js';
import type { IdempotentResult } from './state.js';
import { poolConflict, poolNotFound, tooManyPools } from './pools.js';
import type { CommitStats, Draw, Idempotency, NamedPool, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from './store.js';

export interface PostgresStoreOptions {
  config: Pick<Config, 'databaseUrl' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'maxPools' | 'idempotencyMax' | 'idempotencyTtlMs'>;
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
  RETURNING value`;

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

// Named pools (issue 12): a new row only while fewer than $5 named pools exist (int and float not counted);
// approximate at the limit under a race, as for sequences.
const DEFINE_POOL_SQL = `INSERT INTO tan_pools (kind, domain, size, key, drawn)
  SELECT $1::text, $2::jsonb, $3::bigint, $4::text, 0
  WHERE (SELECT count(*) FROM tan_pools WHERE kind NOT IN ('int', 'float')) < $5::bigint
  ON CONFLICT (kind) DO NOTHING
  RETURNING kind`;

/** A pool's domain as stored in its jsonb column. */
export function domainFromJson(o: Record<string, unknown>): PoolDomain {
  const parsed = parseDefinition(o);
  if ('problem' in parsed) throw new Error(`a stored pool definition is invalid: ${parsed.problem}`);
  return parsed.domain;
}

/** Creates missing pools (a concurrent start may win: then its key is kept) and refuses a changed domain. */
async function ensurePools(client: pg.ClientBase, wanted: Record<PoolKind, IntDomain | FloatDomain>): Promise<void> {
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
    const current = await this.sequenceValue(db, id);
    if (current === undefined && count <= Number.MAX_SAFE_INTEGER) throw this.tooMany(id);
    throw new ServiceError(
      'sequence_exhausted',
      `sequence "${id}" is at ${current ?? 0}; ${count} more would pass ${Number.MAX_SAFE_INTEGER}, the largest exact integer`,
      { last_value: current ?? 0 },
    );
  }

  private async take(db: Db, name: string, count: number): Promise<Draw> {
    const { rows } = await db.query<{ start: string; domain: Record<string, unknown>; key: string }>(DRAW_SQL, [name, count]);
    if (rows[0]) return { pool: name, start: Number(rows[0].start), count, domain: domainFromJson(rows[0].domain), key: rows[0].key };
    const now = await db.query<{ drawn: string; size: string }>('SELECT drawn, size FROM tan_pools WHERE kind = $1', [name]);
    if (!now.rows[0]) throw poolNotFound(name);
    const drawn = Number(now.rows[0].drawn);
    const size = Number(now.rows[0].size);
    throw new ServiceError('random_exhausted', `the ${name} pool has handed out ${drawn} of its ${size} values; ${count} more do not fit`, { drawn, size });
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
          return { first: r.first, last: r.last, replayed: true };
        },
      );
    }, true);
  }

  draw(name: string, count: number, idem?: Idempotency): Promise<Draw> {
    return this.run(async () => {
      if (!idem) return this.take(this.db, name, count);
      return this.idempotent<Draw>(
        idem,
        async (db) => {
          const d = await this.take(db, name, count);
          return { value: d, result: { kind: 'draw', pool: name, start: d.start, count } };
        },
        async (db, r) => {
          if (r.kind !== 'draw') throw new ServiceError('internal_error', 'idempotency fingerprint collision');
          const p = await this.poolState(db, r.pool);
          return { pool: r.pool, start: r.start, count: r.count, domain: p.domain, key: p.key, replayed: true };
        },
      );
    }, true);
  }

  private async poolState(db: Db, name: string): Promise<PoolState> {
    const { rows } = await db.query<{ domain: Record<string, unknown>; key: string; drawn: string }>('SELECT domain, key, drawn FROM tan_pools WHERE kind = $1', [name]);
    const row = rows[0];
    if (!row) throw poolNotFound(name);
    return { domain: domainFromJson(row.domain), key: row.key, drawn: Number(row.drawn) };
  }

  pool(name: string): Promise<PoolState> {
    return this.run(() => this.poolState(this.db, name));
  }

  // --- named pools (issue 12): one row per pool in tan_pools; the semantics live in src/random and pools.ts ---
  pools(): Promise<NamedPool[]> {
    return this.run(async () => {
      const { rows } = await this.db.query<{ kind: string; domain: Record<string, unknown>; key: string; drawn: string }>('SELECT kind, domain, key, drawn FROM tan_pools');
      return rows
        .map((r) => ({ name: r.kind, domain: domainFromJson(r.domain), key: r.key, drawn: Number(r.drawn) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  definePool(name: string, domain: PoolDomain): Promise<{ created: boolean; pool: PoolState }> {
    return this.run(async () => {
      const definition = definitionJson(domain);
      const key = randomBytes(32).toString('hex');
      const inserted = await this.db.query(DEFINE_POOL_SQL, [name, JSON.stringify(definition), domainSize(domain), key, this.opts.config.maxPools]);
      if (inserted.rowCount === 1) return { created: true, pool: { domain: definition, key, drawn: 0 } };
      const { rows } = await this.db.query<{ domain: Record<string, unknown>; key: string; drawn: string }>('SELECT domain, key, drawn FROM tan_pools WHERE kind = $1', [name]);
      if (!rows[0]) throw tooManyPools(name, this.opts.config.maxPools);
      const existing = domainFromJson(rows[0].domain);
      if (!sameDomain(existing, domain)) throw poolConflict(name, existing);
      return { created: false, pool: { domain: existing, key: rows[0].key, drawn: Number(rows[0].drawn) } };
    }, true);
  }

  get(id: string): Promise<number | undefined> {
    return this.run(() => this.sequenceValue(this.db, id));
  }

  list(): Promise<SequenceInfo[]> {
    return this.run(async () => {
      const { rows } = await this.db.query<{ id: string; value: string }>('SELECT id, value FROM tan_sequences');
      // Sorted here, not in SQL: the contract's order is UTF-16 code units, which no collation gives.
      return rows.map((r) => ({ id: r.id, last: Number(r.value) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    });
  }

  set(id: string, last: number): Promise<number> {
    return this.run(async () => {
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
