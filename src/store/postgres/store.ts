// The PostgreSQL store: the file store's contract for any number of instances sharing one database.
// Allocations are batched per instance (batch/): one statement, one transaction for all that arrived together.
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { ServiceError, isServiceError } from '../../errors.js';
import { POOL_KINDS, type PoolDomain, type PoolKind } from '../../random/domain.js';
import type { Rolled } from '../../series/sequence.js';
import type { ConfigureInput } from '../../series/settings.js';
import { ClockWarnings } from '../rules/clock.js';
import { reasonOf } from '../rules/reason.js';
import { storageClosing, tooManySequences, valueBehind } from '../rules/refusals.js';
import type { CommitStats, Draw, Idempotency, ListPage, NamedPool, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from '../store.js';
import { oneIdAdmitted } from './admission.js';
import { codeOf, markUncertain, redactUrl, RETRYABLE, transaction } from './connection.js';
import { configureSequence, hasSeries, listPage, readSequence, twins } from './series.js';
import { allocateBatch, allocateOne, type AllocateContext } from './batch/allocate.js';
import { BatchQueue } from './batch/commit.js';
import { claimKeys, recordKeys } from './batch/keys.js';
import { settle, type Op, type PoolInfo } from './batch/ops.js';
import { PoolCache } from './batch/pools.js';
import { ledgerUnsupported, PostgresLedger } from './ledger/unsupported.js';
import { guard, remember, screen } from './batch/guard.js';
import { FailoverWatch } from './failover.js';
import { definePool, readPool, readPools } from './named-pools.js';
import { openDatabase } from './open.js';
import { READ_ONLY_REASON } from './replication.js';
import type { Session } from './session.js';
import { PostgresLeases } from './leases/leases.js';
import type { LeaseStore } from '../leases.js';

export interface PostgresStoreOptions {
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'maxPools' | 'idempotencyMax' | 'idempotencyTtlMs' | 'databaseRequireSync' | 'backwardsCheck'>;
  log: Logger;
  now?: () => number;
}

const HEALTH_TIMEOUT_MS = 2000;

// A batch that lost a deadlock was rolled back whole, so it may simply run again.
const ATTEMPTS = 3;

const SET_SQL = `INSERT INTO tan_sequences AS s (id, value)
  SELECT $1::text, $2::bigint WHERE ${oneIdAdmitted('$1::text', '$3::bigint')}
  ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value WHERE s.value <= EXCLUDED.value
  RETURNING value`;

export class PostgresStore extends PostgresLedger implements Store {
  onCommit?: (stats: CommitStats) => void;
  onCommitFailure?: () => void;
  private failure: string | undefined;
  private closed = false;
  private newKeys = 0;
  private readonly now: () => number;
  private readonly queue = new BatchQueue<Op>(
    (batch) => this.flush(batch),
    (op) => (op.kind === 'draw' ? op.count : 0),
  );
  private readonly ctx: AllocateContext;
  private readonly known = new PoolCache();
  private readonly watch: FailoverWatch;
  private readonly leaseOps: PostgresLeases;

  private constructor(
    private readonly session: Session,
    private readonly opts: PostgresStoreOptions,
    configured: Record<PoolKind, PoolInfo>,
  ) {
    super();
    this.now = opts.now ?? Date.now;
    this.watch = new FailoverWatch(session, opts.log, opts.config.databaseRequireSync, opts.config.backwardsCheck);
    this.watch.start();
    for (const kind of POOL_KINDS) this.known.set(kind, configured[kind]);
    this.ctx = {
      maxSequences: opts.config.maxSequences,
      pools: this.known,
      series: { now: this.now, clock: new ClockWarnings(opts.log), maxSequences: opts.config.maxSequences },
    };
    const { idempotencyTtlMs, maxPools } = opts.config;
    this.leaseOps = new PostgresLeases(() => this.db, { now: this.now, idempotencyTtlMs, maxPools }, (t) => this.onCommit?.({ batch: 1, seconds: (performance.now() - t) / 1000 }));
  }

  static async open(opts: PostgresStoreOptions): Promise<Store> {
    const { config, log } = opts;
    const { session, pools } = await openDatabase(config, log);
    log.info(
      { event: 'state_loaded', database: redactUrl(config.databaseUrl!), pool_size: config.databasePoolSize, synchronous_commit: session.level },
      'PostgreSQL store ready',
    );
    return new PostgresStore(session, opts, pools);
  }

  /** The connection pool of the moment (replaced after a read-only answer). */
  private get db(): pg.Pool {
    return this.session.pool;
  }

  /** A database failure as the storage_unavailable its requests get; logged once until the database answers again. */
  private unavailable(e: unknown): ServiceError {
    const reason = this.watch.failed(e);
    if (this.failure === undefined) this.opts.log.error({ event: 'storage_fault', err: reason }, `the database failed: ${reason}`);
    this.failure = reason;
    return new ServiceError('storage_unavailable', `the database is unavailable (${reason}); nothing was handed out`);
  }

  /** Runs database work outside the batches (reads, advanceTo); a database failure becomes storage_unavailable. */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw storageClosing();
    let result: T;
    const cancels = this.watch.mark();
    try {
      result = await work();
    } catch (e) {
      if (isServiceError(e)) throw e;
      throw this.unavailable(e);
    }
    const cancelled = this.watch.cancelledSince(cancels);
    if (cancelled) throw cancelled;
    this.recovered();
    return result;
  }

  private recovered(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.opts.log.warn({ event: 'storage_recovered' }, 'the database answers again');
  }

  /**
   * One commit for a batch. Without idempotency keys: one statement (its own transaction), then the rare
   * requests it left, one by one. With keys: one transaction that claims them, allocates and records the
   * answers; nothing is answered before it commits, and a failure fails the whole batch.
   */
  private async flush(batch: Op[]): Promise<void> {
    const started = performance.now();
    const keyed = batch.some((op) => op.idem !== undefined);
    const cancels = this.watch.mark();
    let whole = keyed;
    try {
      await this.watch.before(this.db);
      if (keyed) await this.flushWithKeys(batch);
      else await this.flushPlain(batch);
      const cancelled = this.watch.cancelledSince(cancels);
      whole ||= cancelled !== undefined;
      if (cancelled) throw cancelled;
    } catch (e) {
      const error = isServiceError(e) ? e : this.unavailable(e);
      // A failed transaction handed out nothing. A plain batch's requests answered before the failure keep
      // their answer: the statement that served them had committed.
      for (const op of batch) if (whole || op.outcome === undefined) op.outcome = { error };
      if (error.code === 'storage_unavailable') this.onCommitFailure?.();
    }
    remember(this.watch.water, batch);
    if (batch.some((op) => op.outcome && 'value' in op.outcome)) this.recovered();
    this.onCommit?.({ batch: batch.length, seconds: (performance.now() - started) / 1000 });
    for (const op of batch) settle(op);
  }

  /** Runs `work` again when it lost a deadlock (it was rolled back whole, so nothing was handed out). */
  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (e) {
        if (!RETRYABLE.has(codeOf(e)) || attempt >= ATTEMPTS) throw e;
      }
    }
  }

  // Each statement here is its own commit: a connection lost while one runs leaves its outcome unknown.
  private async flushPlain(batch: Op[]): Promise<void> {
    try {
      const todo = await screen(this.db, this.watch.water, batch);
      const left = await this.retrying(() => allocateBatch(this.db, todo, this.ctx));
      for (const op of left) await allocateOne(this.db, op, this.ctx);
    } catch (e) {
      throw markUncertain(e);
    }
    guard(this.watch.water, batch);
  }

  private async flushWithKeys(batch: Op[]): Promise<void> {
    const fresh = await this.retrying(() =>
      transaction(this.db, async (client) => {
        for (const op of batch) op.outcome = undefined;
        const plan = await claimKeys(client, batch, this.now(), this.opts.config.idempotencyTtlMs, this.known);
        const todo = await screen(client, this.watch.water, plan.fresh);
        const left = await allocateBatch(client, todo, this.ctx);
        for (const op of left) await allocateOne(client, op, this.ctx);
        // Inside the transaction: a refused answer's key is given back, never recorded for a retry to replay.
        guard(this.watch.water, plan.fresh);
        await recordKeys(client, plan);
        return plan.leaders.length;
      }),
    );
    if (fresh > 0) await this.trimKeys(fresh);
  }

  /** Keeps the key table bounded: expired keys go, then the oldest past idempotencyMax. Runs every few new keys. */
  private async trimKeys(fresh: number): Promise<void> {
    const max = this.opts.config.idempotencyMax;
    this.newKeys += fresh;
    if (this.newKeys < Math.min(1000, Math.ceil(max / 10))) return;
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

  private submit<T>(make: (resolve: (v: T) => void, reject: (e: unknown) => void) => Op): Promise<T> {
    if (this.closed) return Promise.reject(storageClosing());
    return this.queue.submit(make);
  }

  next(id: string, count: number, idem?: Idempotency): Promise<Reservation> {
    return this.submit<Reservation>((resolve, reject) => ({ kind: 'next', id, count, ...(idem ? { idem } : {}), resolve, reject }));
  }

  draw(name: string, count: number, idem?: Idempotency): Promise<Draw> {
    return this.submit<Draw>((resolve, reject) => ({ kind: 'draw', pool: name, count, ...(idem ? { idem } : {}), resolve, reject }));
  }

  pool(name: string): Promise<PoolState> {
    return this.run(() => readPool(this.db, name));
  }

  pools(): Promise<NamedPool[]> {
    return this.run(() => readPools(this.db));
  }

  definePool(name: string, domain: PoolDomain): Promise<{ created: boolean; pool: PoolState }> {
    return this.run(async () => {
      const started = performance.now();
      const r = await definePool(this.db, name, domain, this.opts.config.maxPools);
      if (r.created) this.onCommit?.({ batch: 1, seconds: (performance.now() - started) / 1000 });
      return r;
    });
  }

  lastValue(id: string): Promise<number | undefined> {
    return this.run(async () => {
      const { rows } = await this.db.query<{ value: string }>('SELECT value FROM tan_sequences WHERE id = $1', [id]);
      return rows[0] === undefined ? undefined : Number(rows[0].value);
    });
  }

  sequencePage(page: ListPage = {}): Promise<SequenceInfo[]> {
    // The "C" collation orders by code point, the contract's order (src/ids.ts compareIds).
    return this.run(() => listPage(this.db, page));
  }

  // Sequences with settings: series.ts.
  sequence(id: string): Promise<Rolled | undefined> {
    return this.run(() => readSequence(this.db, this.ctx.series, id));
  }

  configure(id: string, input: ConfigureInput): Promise<Rolled> {
    return this.run(async () => {
      if (input.settings?.ledger === true) throw ledgerUnsupported(id);
      const started = performance.now();
      const r = await this.retrying(() => configureSequence(this.db, this.ctx.series, id, input, () => tooManySequences(id, this.opts.config.maxSequences)));
      this.onCommit?.({ batch: 1, seconds: (performance.now() - started) / 1000 });
      return r;
    });
  }

  twins(nfc: string): Promise<string[]> {
    return this.run(() => twins(this.db, nfc));
  }

  advanceTo(id: string, last: number): Promise<number> {
    return this.run(async () => {
      if (await hasSeries(this.db, id)) return (await this.configure(id, { last })).state.last;
      const started = performance.now();
      const { rows } = await this.db.query<{ value: string }>(SET_SQL, [id, last, this.opts.config.maxSequences]);
      this.onCommit?.({ batch: 1, seconds: (performance.now() - started) / 1000 });
      if (rows[0]) return Number(rows[0].value);
      const current = await this.lastValue(id);
      if (current === undefined) throw tooManySequences(id, this.opts.config.maxSequences);
      throw valueBehind(id, current);
    });
  }

  // Lease pools: leases/leases.ts, each operation through run() (a database failure is storage_unavailable).
  defineLeasePool: LeaseStore['defineLeasePool'] = (name, d) => this.run(() => this.leaseOps.defineLeasePool(name, d));
  acquireLease: LeaseStore['acquireLease'] = (pool, r, idem) => this.run(() => this.retrying(() => this.leaseOps.acquireLease(pool, r, idem)));
  renewLease: LeaseStore['renewLease'] = (lease, ttl) => this.run(() => this.leaseOps.renewLease(lease, ttl));
  releaseLease: LeaseStore['releaseLease'] = (lease) => this.run(() => this.leaseOps.releaseLease(lease));
  leasePools: LeaseStore['leasePools'] = () => this.run(() => this.leaseOps.leasePools());
  leasePool: LeaseStore['leasePool'] = (name) => this.run(() => this.leaseOps.leasePool(name));
  leases: LeaseStore['leases'] = (pool) => this.run(() => this.leaseOps.leases(pool));

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'shutting down' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    });
    try {
      const status = await Promise.race([this.watch.probe(), timeout]);
      const standbys = { synchronousStandbys: status.syncStandbys };
      if (status.inRecovery) return { ok: false, reason: `${READ_ONLY_REASON}; reconnecting`, ...standbys };
      if (this.watch.fault) return { ok: false, reason: this.watch.fault, ...standbys };
      this.recovered();
      return { ok: true, ...standbys };
    } catch (e) {
      return { ok: false, reason: `the database is unreachable (${reasonOf(e)})` };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.stop();
    await this.queue.idle();
    await this.session.end().catch((e: unknown) => this.opts.log.warn({ event: 'db_close_failed', err: reasonOf(e) }, 'could not close the database pool'));
  }
}
