// The embedded store: the whole state in memory, changed synchronously by the Store operations below; each
// operation ends in a commit (commit/committer.ts). The start sequence, the checkpoints and the fence are
// the engine's other parts (start/open.ts, checkpoint/checkpointer.ts, ownership/fence.ts).
import { domainSize, type PoolDomain } from '../../random/domain.js';
import { ClockWarnings } from '../rules/clock.js';
import { definePool, findPool, listPools } from '../rules/pools.js';
import { fitsAfter, randomExhausted, sequenceExhausted, storageClosing, valueBehind } from '../rules/refusals.js';
import { expectKind, replayedDraw, replayedReservation, reservationOf, resultOf } from '../rules/reservation.js';
import { checkNewSequence } from '../rules/sequences.js';
import type { CommitStats, Draw, Idempotency, ListPage, NamedPool, NextExtra, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from '../store.js';
import { allocate, configure, roll, type Allocation, type Rolled, type SequenceState } from '../../series/sequence.js';
import type { GapReport } from '../../ledger/gaps.js';
import type { ConfirmInput, ReserveInput } from '../../ledger/input.js';
import type { LedgerQuery } from '../../ledger/page.js';
import type { LedgerRecord } from '../../ledger/record.js';
import type { Actor, Reserved } from '../ledger.js';
import { FileLedger } from './ledger/operations.js';
import type { ConfigureInput } from '../../series/settings.js';
import { sequenceState, type PendingChanges } from './apply.js';
import type { CommitBudget } from './commit/budget.js';
import type { IdempotencyCache } from './idempotency.js';
import type { StatePaths } from './paths.js';
import { SequenceIndex } from './sequence-index.js';
import { openEngine, type Engine, type FileStoreOptions } from './start/open.js';
import type { State } from './state.js';
import { FileLeases } from './leases/store.js';
import { nameTakenByLeasePool } from '../rules/leases.js';
import type { LeasePoolDefinition } from '../../leases/definition.js';
import type { LeaseAcquire, LeaseGrant, LeaseInfo, LeasePoolInfo } from '../leases.js';

export type { FileStoreOptions } from './start/open.js';

export class FileStore implements Store {
  onCommit?: (stats: CommitStats) => void;
  onCommitFailure?: () => void;
  readonly paths: StatePaths;
  private readonly state: State;
  private readonly pending: PendingChanges;
  private readonly idempotency: IdempotencyCache;
  private readonly budget: CommitBudget;
  private readonly index: SequenceIndex;
  /** The clock periods come from. */
  private readonly now: () => number;
  private clockWarnings: ClockWarnings | undefined;
  private closed = false;
  private readonly ledger: FileLedger;
  private readonly sweep: NodeJS.Timeout;
  private readonly leaseOps: FileLeases;

  private constructor(
    private readonly engine: Engine,
    private readonly opts: FileStoreOptions,
  ) {
    ({ state: this.state, paths: this.paths, pending: this.pending, idempotency: this.idempotency, budget: this.budget } = engine);
    this.index = new SequenceIndex(engine.state);
    this.now = opts.now ?? Date.now;
    // The committer reports to this store's onCommit and onCommitFailure, which the metrics set.
    engine.committer.events = this;
    this.ledger = new FileLedger({
      state: this.state,
      pending: this.pending,
      idempotency: this.idempotency,
      now: this.now,
      committed: () => this.committed(),
      allocate: (id, count) => this.allocateInSeries(id, count),
      ledgerPath: this.paths.ledger,
    });
    // Expiry is recorded when a read finds a reservation due, and by this sweep for the others.
    this.sweep = setInterval(() => {
      if (this.state.ledger.open.size > 0 && this.ledger.expireDue() > 0) this.committed().catch(() => undefined);
    }, opts.ledgerSweepMs ?? 1000).unref();
    this.leaseOps = new FileLeases({
      state: this.state,
      pending: this.pending,
      idempotency: this.idempotency,
      committed: () => this.committed(),
      mayAnswer: () => {
        if (this.closed || !engine.fence.writable) throw storageClosing();
      },
      now: this.now,
      maxPools: opts.config.maxPools,
    });
  }

  static async open(opts: FileStoreOptions): Promise<FileStore> {
    return new FileStore(await openEngine(opts), opts);
  }

  /** Resolves once a commit covering every change made so far is on disk. */
  private committed(): Promise<void> {
    if (this.closed) return Promise.reject(storageClosing());
    return this.engine.committer.commit();
  }

  private checkNewSequence(id: string): void {
    checkNewSequence(id, this.state.sequences.has(id), this.state.sequences.size, this.opts.config.maxSequences);
  }

  /** The one writer of sequences: a plain value or a whole state with settings; notes a new id in the index. */
  private recordSequence(id: string, state: SequenceState, plain: boolean): void {
    const isNew = !this.state.sequences.has(id);
    if (plain) this.pending.sequence(id, state.last);
    else this.pending.series(id, state);
    if (isNew) this.index.added(id);
  }

  private logBehind(id: string, r: Rolled): void {
    (this.clockWarnings ??= new ClockWarnings(this.opts.log)).note(id, r);
  }

  private allocateInSeries(id: string, count: number): Allocation {
    const a = allocate(id, sequenceState(this.state, id)!, this.now(), count);
    this.logBehind(id, a);
    this.recordSequence(id, a.state, false);
    return a;
  }

  private async nextInSeries(id: string, count: number, idem?: Idempotency, extra?: NextExtra): Promise<Reservation> {
    const a = this.allocateInSeries(id, count);
    if (a.state.series?.settings.ledger) this.ledger.confirmedAtOnce(id, a, extra?.meta ?? null, extra?.by ?? null);
    const reservation = reservationOf(a);
    if (idem) this.pending.idempotency(idem.key, this.idempotency.entry(idem, resultOf(reservation)));
    await this.committed();
    return reservation;
  }

  async sequence(id: string): Promise<Rolled | undefined> {
    const state = sequenceState(this.state, id);
    return state && roll(state, this.now());
  }

  async configure(id: string, input: ConfigureInput, by: string | null = null): Promise<Rolled> {
    const current = sequenceState(this.state, id);
    const r = configure(id, current, input, this.now());
    this.checkNewSequence(id);
    this.logBehind(id, r);
    // Numbers a PUT skips on a ledger sequence are recorded voided, as one range.
    const before = current?.series?.settings.ledger ? roll(current, this.now()) : undefined;
    if (before && before.period === r.period && r.state.last > before.state.last) this.ledger.skipped(id, r.period ?? null, before.state.last + 1, r.state.last, by);
    // A plain sequence that stays plain keeps its plain record.
    this.recordSequence(id, r.state, !r.state.series && !current?.series);
    await this.committed();
    return r;
  }

  async twins(nfc: string): Promise<string[]> {
    return this.index.twins(nfc);
  }

  async next(id: string, count: number, idem?: Idempotency, extra?: NextExtra): Promise<Reservation> {
    const replay = idem && this.idempotency.lookup(idem);
    if (replay) {
      const answer = replayedReservation(replay, idem.key, this.state.series.get(id)?.settings.format);
      // The first answer may still be waiting for its commit: wait for one that covers it.
      await this.committed();
      return answer;
    }
    if (this.state.series.has(id)) return this.nextInSeries(id, count, idem, extra);
    const current = this.state.sequences.get(id) ?? 0;
    this.checkNewSequence(id);
    if (!fitsAfter(current, count)) throw sequenceExhausted(id, current, count);
    const reservation = { first: current + 1, last: current + count };
    this.recordSequence(id, { last: reservation.last }, true);
    if (idem) this.pending.idempotency(idem.key, this.idempotency.entry(idem, resultOf(reservation)));
    await this.committed();
    return reservation;
  }

  async draw(name: string, count: number, idem?: Idempotency): Promise<Draw> {
    if (idem && this.idempotency.lookup(idem)) return this.decideDraw(name, count, idem);
    // Past the commit bound a draw waits for a later commit (in arrival order), then is decided as if it came then.
    const admitted = this.budget.admit(count);
    const round = typeof admitted === 'number' ? admitted : await admitted;
    let replay: boolean;
    try {
      replay = idem !== undefined && this.idempotency.lookup(idem) !== undefined;
    } catch (e) {
      this.budget.release(count, round);
      throw e;
    }
    // A retry whose first request was decided while it waited adds nothing to write: its room goes on now,
    // else a round holding only replays would never be taken and the draws behind it would wait forever.
    if (replay) {
      this.budget.release(count, round);
      return this.decideDraw(name, count, idem);
    }
    try {
      return await this.decideDraw(name, count, idem);
    } catch (e) {
      this.budget.release(count, round);
      throw e;
    }
  }

  private async decideDraw(name: string, count: number, idem?: Idempotency): Promise<Draw> {
    const replay = idem && this.idempotency.lookup(idem);
    if (replay) {
      expectKind(replay, 'draw', idem.key);
      await this.committed();
      return replayedDraw(replay, idem.key, findPool(this.state.pools, replay.pool));
    }
    const pool = findPool(this.state.pools, name);
    const size = domainSize(pool.domain);
    if (pool.drawn + count > size) throw randomExhausted(name, pool.drawn, size, count);
    const draw = { pool: name, start: pool.drawn, count, domain: pool.domain, key: pool.key };
    this.pending.pool(name, { drawn: pool.drawn + count });
    if (idem) this.pending.idempotency(idem.key, this.idempotency.entry(idem, resultOf(draw)));
    await this.committed();
    return draw;
  }

  async pool(name: string): Promise<PoolState> {
    const p = findPool(this.state.pools, name);
    return { domain: p.domain, key: p.key, drawn: p.drawn };
  }

  // Named pools: the rules live in ../pools.ts; here the map, the record and a commit.
  async pools(): Promise<NamedPool[]> {
    return listPools(this.state.pools);
  }

  async definePool(name: string, domain: PoolDomain): Promise<{ created: boolean; pool: PoolState }> {
    if (this.state.leases.has(name)) throw nameTakenByLeasePool(name);
    const r = definePool(this.state.pools, name, domain, this.opts.config.maxPools);
    // A new pool goes whole into the record (definition and key): replay recreates it with its key.
    if (r.created) this.pending.pool(name, { ...r.pool });
    // Also the existing pool's answer waits for a commit: the PUT that created it may still be in flight.
    await this.committed();
    const p = findPool(this.state.pools, name);
    return { created: r.created, pool: { domain: p.domain, key: p.key, drawn: p.drawn } };
  }

  async lastValue(id: string): Promise<number | undefined> {
    return this.state.sequences.get(id);
  }

  async sequencePage(page: ListPage = {}): Promise<SequenceInfo[]> {
    return this.index.page(page.limit ?? Infinity, page.after, page.prefix || undefined).map((id) => ({ id, last: this.state.sequences.get(id)! }));
  }

  async advanceTo(id: string, last: number): Promise<number> {
    if (this.state.series.has(id)) return (await this.configure(id, { last })).state.last;
    const current = this.state.sequences.get(id);
    if (current !== undefined && last < current) throw valueBehind(id, current);
    this.checkNewSequence(id);
    this.recordSequence(id, { last: Math.max(current ?? 0, last) }, true);
    await this.committed();
    return this.state.sequences.get(id)!;
  }

  // The ledger: ledger/operations.ts.
  reserve = (id: string, input: ReserveInput, by: Actor, idem?: Idempotency): Promise<Reserved> => this.ledger.reserve(id, input, by, idem);
  reservation = (r: string): Promise<LedgerRecord> => this.ledger.reservation(r);
  reservationSequence = (r: string): Promise<string | undefined> => this.ledger.reservationSequence(r);
  confirm = (r: string, input: ConfirmInput, by: Actor): Promise<LedgerRecord> => this.ledger.confirm(r, input, by);
  voidReservation = (r: string, reason: string, by: Actor): Promise<LedgerRecord> => this.ledger.voidReservation(r, reason, by);
  extend = (r: string, ttl: number): Promise<LedgerRecord> => this.ledger.extend(r, ttl);
  ledgerPage = (id: string, query: LedgerQuery): Promise<{ entries: LedgerRecord[]; next?: number }> => this.ledger.ledgerPage(id, query);
  ledgerHistory = (id: string): Promise<LedgerRecord[]> => this.ledger.ledgerHistory(id);
  gaps = (id: string, period?: string): Promise<GapReport> => this.ledger.gaps(id, period);

  // Lease pools: leases/store.ts.
  defineLeasePool = (name: string, d: LeasePoolDefinition): Promise<{ created: boolean; pool: LeasePoolInfo }> => this.leaseOps.defineLeasePool(name, d);
  acquireLease = (pool: string, r: LeaseAcquire, idem?: Idempotency): Promise<LeaseGrant> => this.leaseOps.acquireLease(pool, r, idem);
  renewLease = (lease: string, ttl?: number): Promise<LeaseGrant> => this.leaseOps.renewLease(lease, ttl);
  releaseLease = (lease: string): Promise<{ pool: string; number: number; released: boolean }> => this.leaseOps.releaseLease(lease);
  leasePools = (): Promise<LeasePoolInfo[]> => this.leaseOps.leasePools();
  leasePool = (name: string): Promise<LeasePoolInfo> => this.leaseOps.leasePool(name);
  leases = (pool: string): Promise<LeaseInfo[]> => this.leaseOps.leases(pool);

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'shutting down' };
    return this.engine.committer.health();
  }

  /** Waits for the commits and a background checkpoint in progress (tests and tools). */
  async settled(): Promise<void> {
    await this.engine.committer.idle();
    await this.engine.checkpointer.settled();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settled();
    this.closed = true;
    clearInterval(this.sweep);
    this.engine.fence.stopWatch();
    await this.engine.checkpointer.atStop();
    await this.engine.writer.close();
    this.engine.ledgerFile.close();
    this.engine.fence.release();
  }
}
