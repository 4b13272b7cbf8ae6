// The embedded store: the whole state in memory, changed synchronously; each group commit appends one
// journal record; checkpoints write the snapshot off the request path and start the journal afresh.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { ServiceError, StartupError } from '../../errors.js';
import { domainSize, type PoolDomain } from '../../random/domain.js';
import { ClockWarnings } from '../rules/clock.js';
import { definePool, findPool, listPools } from '../rules/pools.js';
import { reasonOf } from '../rules/reason.js';
import { fitsAfter, randomExhausted, sequenceExhausted, storageClosing, valueBehind } from '../rules/refusals.js';
import { expectKind, replayedDraw, replayedReservation, reservationOf, resultOf } from '../rules/reservation.js';
import { checkNewSequence } from '../rules/sequences.js';
import type { CommitStats, Draw, Idempotency, ListPage, NamedPool, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from '../store.js';
import { isNfc } from '../../ids.js';
import { allocate, atOrAhead, configure, roll, type Rolled, type SequenceState } from '../../series/sequence.js';
import type { ConfigureInput } from '../../series/settings.js';
import { SortedIds } from '../../sorted-ids.js';
import { PendingChanges, sequenceState } from './apply.js';
import { CommitBudget } from './commit/budget.js';
import { GroupCommit } from './commit/group-commit.js';
import { DiskWriter, type StateWriter } from './commit/writer.js';
import { IdempotencyCache } from './idempotency.js';
import { encodeRecord } from './journal/record.js';
import { Ownership } from './ownership/owner.js';
import { resolveStatePaths, type StatePaths } from './paths.js';
import { readState, recoverState } from './recovery/recover.js';
import { serializeSnapshot } from './snapshot/format.js';
import { ensurePools, type State } from './state.js';

export interface FileStoreOptions {
  config: Pick<Config, 'sequenceFile' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'maxPools' | 'recover' | 'idempotencyMax' | 'idempotencyTtlMs'>;
  log: Logger;
  /** Wraps the production writer (tests hold writes open or inject faults with it). */
  wrapWriter?: (writer: StateWriter) => StateWriter;
  /** Journal size that starts a checkpoint; by default the larger of 4 MiB and a quarter of the last snapshot. */
  checkpointBytes?: number;
  now?: () => number;
}

const MIN_CHECKPOINT_BYTES = 4 * 1024 * 1024;
const CHECKPOINT_RETRY_MS = 1000;

/**
 * Node's recursive mkdir reports ENOENT when a parent cannot be created on a read-only or forbidden
 * volume; creating the first missing directory by itself names the real cause (EROFS, EACCES).
 */
async function mkdirCause(dir: string, error: Error): Promise<Error> {
  let missing = dir;
  while (path.dirname(missing) !== missing && !(await stat(path.dirname(missing)).then(() => true, () => false))) missing = path.dirname(missing);
  return mkdir(missing).then(
    () => error,
    (e: Error) => e,
  );
}

const fencedError = (why: string): Error => Object.assign(new Error(why), { code: 'EFENCED' });

export class FileStore implements Store {
  onCommit?: (stats: CommitStats) => void;
  onCommitFailure?: () => void;
  private readonly commits: GroupCommit;
  /** Bounds the random values one commit carries; draws past it wait for the next commit. */
  private readonly budget = new CommitBudget();
  private readonly idempotency: IdempotencyCache;
  private readonly pending: PendingChanges;
  /** Snapshot writes, one at a time (a background checkpoint and one a commit must do). */
  private readonly snapshotting = new Mutex();
  private failure: string | undefined;
  /** Set when this process lost the state to another process: it never writes again. */
  private fenced: string | undefined;
  private closed = false;
  /** After a failed write or a retaken lock, the next commit writes a whole checkpoint (no torn line is ever appended to). */
  private needsCheckpoint = false;
  /** Bumped by every checkpoint a commit writes: a background checkpoint that sees it change does not switch the journal. */
  private epoch = 0;
  private journalBytes = 0;
  private snapshotBytes: number;
  /** Lines appended since a background checkpoint took its generation: they go into the new journal. */
  private carry: string[] | undefined;
  private checkpointing: Promise<void> | undefined;
  private checkpointFailure: string | undefined;
  private checkpointRetryAt = 0;
  private lockLostLogged = false;
  private readonly lockWatch: NodeJS.Timeout;
  // [series] Issue 13: the clock periods come from, the sorted index of GET /sequences, ids stored before NFC.
  private readonly now: () => number;
  private readonly sorted: SortedIds;
  private nonNfc: Map<string, string[]> | undefined;
  private clockWarnings: ClockWarnings | undefined;

  private constructor(
    private readonly state: State,
    private readonly writer: StateWriter,
    private readonly opts: FileStoreOptions,
    private readonly owner: Ownership,
    readonly paths: StatePaths,
    snapshotBytes: number,
  ) {
    this.commits = new GroupCommit((batch) => this.write(batch));
    this.pending = new PendingChanges(state);
    this.idempotency = new IdempotencyCache(state.idempotency, opts.config.idempotencyMax, opts.config.idempotencyTtlMs, opts.now ?? Date.now);
    this.snapshotBytes = snapshotBytes;
    this.now = opts.now ?? Date.now;
    this.sorted = new SortedIds(() => state.sequences.keys());
    // A lost lock (its file removed with the directory) is reported within a second, not at the next request.
    this.lockWatch = setInterval(() => {
      if (!this.closed && !this.owner.holds()) this.reportLockLost();
    }, 1000).unref();
  }

  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const { config, log } = opts;
    const paths = resolveStatePaths(config.sequenceFile);
    try {
      await mkdir(paths.dir, { recursive: true });
    } catch (e) {
      throw new StartupError(`cannot create the state directory ${paths.dir}: ${(await mkdirCause(paths.dir, e as Error)).message}`);
    }
    const owner = Ownership.take(paths.lock, paths.primary);
    try {
      const recovered = await recoverState(paths, config.recover === 'salvage', log);
      const created = ensurePools(recovered.state.pools, { int: config.randomInt, float: config.randomFloat });
      const disk = new DiskWriter(paths);
      const writer = opts.wrapWriter ? opts.wrapWriter(disk) : disk;
      const store = new FileStore(recovered.state, writer, opts, owner, paths, recovered.snapshotBytes);
      // [series] The list index is sorted before the first request, not inside one.
      store.sorted.prepare();
      store.journalBytes = recovered.journalBytes;
      // Healing and first starts write both copies now: the good state is in both places before anything is handed out.
      if (!recovered.clean || created.size > 0) {
        try {
          await store.checkpointNow();
        } catch (e) {
          clearInterval(store.lockWatch);
          await writer.close();
          throw new StartupError(`cannot write the state file ${paths.primary}: ${reasonOf(e)}`);
        }
      } else if (recovered.rewriteJournal !== undefined) {
        // The snapshots are sound: only the journal copies are written again (a torn tail dropped, a missing
        // or damaged copy healed), with the records after the snapshot. No rewrite of a large snapshot.
        try {
          await writer.resetJournal(recovered.rewriteJournal);
        } catch (e) {
          clearInterval(store.lockWatch);
          await writer.close();
          throw new StartupError(`cannot write the state file ${paths.primary}: ${reasonOf(e)}`);
        }
      }
      log.info(
        { event: 'state_loaded', file: paths.primary, source: recovered.source, generation: recovered.state.generation, sequences: recovered.state.sequences.size },
        'state loaded',
      );
      return store;
    } catch (e) {
      owner.release();
      throw e;
    }
  }

  private reportLockLost(): void {
    if (this.lockLostLogged) return;
    this.lockLostLogged = true;
    this.opts.log.error({ event: 'lock_compromised', path: this.owner.path }, `the lock file ${this.owner.path} was removed or replaced; writes wait until it is taken again`);
  }

  private fence(why: string): never {
    if (this.fenced === undefined) {
      this.fenced = why;
      this.opts.log.fatal({ event: 'lock_fenced', path: this.paths.primary }, why);
    }
    throw fencedError(why);
  }

  /** Makes sure this process still owns the state before it writes; takes a lost lock again when it can. */
  private async checkOwnership(): Promise<void> {
    if (this.fenced !== undefined) throw fencedError(this.fenced);
    if (this.owner.holds()) return;
    this.reportLockLost();
    // Throws while the directory is missing: it is not recreated behind the operator's back.
    if (!this.owner.retake()) this.fence(`another process holds ${this.owner.path}; this one stops writing: restart this process once the other has stopped`);
    // Another process may have written the state while the lock was free: ours must be ahead of it.
    let disk: State;
    try {
      disk = await readState(this.paths);
    } catch (e) {
      this.fence(`the state on disk changed while this process had lost its lock and cannot be read (${reasonOf(e)}); restart this process`);
    }
    // [series] A sequence that reset is ahead by its period, not its value.
    const behind =
      [...disk.sequences].some(([id, v]) =>
        disk.series.has(id) || this.state.series.has(id) ? !atOrAhead(sequenceState(this.state, id), sequenceState(disk, id)!) : (this.state.sequences.get(id) ?? -1) < v,
      ) ||
      [...disk.pools].some(([name, p]) => {
        const mine = this.state.pools.get(name);
        return !mine || mine.key !== p.key || mine.drawn < p.drawn;
      });
    if (behind) this.fence(`another process wrote ${this.paths.primary} while this one had lost its lock; restart this process to load it`);
    this.state.generation = Math.max(this.state.generation, disk.generation);
    this.needsCheckpoint = true;
    this.lockLostLogged = false;
    this.opts.log.warn({ event: 'lock_retaken', path: this.owner.path }, `took the lock ${this.owner.path} again`);
  }

  private async write(batch: number): Promise<void> {
    const started = performance.now();
    let taken = false;
    try {
      await this.checkOwnership();
      if (this.pending.empty && !this.needsCheckpoint) return;
      this.state.generation++;
      this.idempotency.expire();
      const changes = this.pending.take();
      taken = true;
      this.budget.next();
      if (this.needsCheckpoint) await this.checkpointNow();
      else {
        const line = encodeRecord(this.state.generation, changes);
        await this.writer.append(line);
        this.journalBytes += line.length;
        this.carry?.push(line);
      }
    } catch (e) {
      // Draws waiting for room are let in all the same: their commit answers them (never left waiting).
      if (!taken) this.budget.next();
      // Whatever reached the disk, the next commit starts from a whole checkpoint.
      if ((e as NodeJS.ErrnoException).code !== 'EFENCED') this.needsCheckpoint = true;
      const reason = reasonOf(e);
      if (this.failure === undefined) this.opts.log.error({ event: 'storage_fault', path: this.paths.primary, err: e }, `cannot write the state ${this.paths.primary}: ${reason}`);
      this.failure = reason;
      this.onCommitFailure?.();
      throw new ServiceError('storage_unavailable', `the state could not be written (${reason}); nothing was handed out`);
    }
    if (this.failure !== undefined) this.opts.log.warn({ event: 'storage_recovered', path: this.paths.primary }, `state writes to ${this.paths.primary} succeed again`);
    this.failure = undefined;
    this.onCommit?.({ batch, seconds: (performance.now() - started) / 1000 });
    this.maybeCheckpoint();
  }

  /** A whole checkpoint now (start, clean stop, after a failure): both snapshots, then an empty journal. */
  private async checkpointNow(): Promise<void> {
    await this.snapshotting.runExclusive(async () => {
      this.epoch++;
      const chunks = await serializeSnapshot(this.state, this.state.generation, false);
      await this.writer.writeSnapshot(chunks);
      await this.writer.resetJournal('');
      this.snapshotBytes = chunks.reduce((n, c) => n + c.length, 0);
      this.journalBytes = 0;
      this.needsCheckpoint = false;
    });
  }

  private maybeCheckpoint(): void {
    // Replaying a journal costs more per byte than reading a snapshot: a quarter of the snapshot keeps the
    // start after a crash near the start after a clean stop, and a small state checkpoints rarely.
    const bound = this.opts.checkpointBytes ?? Math.max(MIN_CHECKPOINT_BYTES, this.snapshotBytes / 4);
    if (this.checkpointing || this.closed || this.journalBytes < bound || Date.now() < this.checkpointRetryAt) return;
    this.checkpointing = this.checkpointInBackground().finally(() => (this.checkpointing = undefined));
  }

  /**
   * Off the request path: the snapshot is serialized in slices and written while commits go on appending;
   * once it is durable, the journal is switched (between two commits) to hold only the records after it.
   */
  private async checkpointInBackground(): Promise<void> {
    let generation = 0;
    let epoch = 0;
    await this.commits.exclusive(async () => {
      generation = this.state.generation;
      epoch = this.epoch;
      this.carry = [];
    });
    this.opts.log.debug({ event: 'checkpoint_started', generation, path: this.paths.primary }, 'checkpoint started');
    try {
      let written = false;
      await this.snapshotting.runExclusive(async () => {
        if (this.epoch !== epoch || this.closed) return;
        const chunks = await serializeSnapshot(this.state, generation, true);
        if (!this.owner.holds() || this.fenced !== undefined) throw new Error('the lock is not held');
        await this.writer.writeSnapshot(chunks);
        this.snapshotBytes = chunks.reduce((n, c) => n + c.length, 0);
        written = true;
      });
      if (!written) return;
      await this.commits.exclusive(async () => {
        if (this.epoch !== epoch || this.needsCheckpoint) return;
        const lines = this.carry!.join('');
        await this.writer.resetJournal(lines);
        this.journalBytes = Buffer.byteLength(lines);
      });
      if (this.checkpointFailure !== undefined) this.opts.log.warn({ event: 'checkpoint_recovered', path: this.paths.primary }, 'checkpoints succeed again');
      this.checkpointFailure = undefined;
      this.opts.log.debug({ event: 'checkpoint', generation, path: this.paths.primary }, 'checkpoint written');
    } catch (e) {
      const reason = reasonOf(e);
      if (this.checkpointFailure === undefined)
        this.opts.log.error(
          { event: 'checkpoint_failed', path: this.paths.primary, err: e },
          `cannot write a checkpoint of ${this.paths.primary} (${reason}); answering from the journal and retrying`,
        );
      this.checkpointFailure = reason;
      this.checkpointRetryAt = Date.now() + CHECKPOINT_RETRY_MS;
    } finally {
      this.carry = undefined;
    }
  }

  private commit(): Promise<void> {
    if (this.closed) return Promise.reject(storageClosing());
    return this.commits.commit();
  }

  private checkNewSequence(id: string): void {
    checkNewSequence(id, this.state.sequences.has(id), this.state.sequences.size, this.opts.config.maxSequences);
  }

  // ---- [series] issue 13 ----
  /** The one writer of sequences: a plain value or a whole state with settings; notes a new id for the list index and the NFC twins. */
  private store(id: string, state: SequenceState, plain: boolean): void {
    const isNew = !this.state.sequences.has(id);
    if (plain) this.pending.sequence(id, state.last);
    else this.pending.series(id, state);
    if (!isNew) return;
    this.sorted.add(id);
    if (this.nonNfc && !isNfc(id)) this.addTwin(this.nonNfc, id);
  }

  private logBehind(id: string, r: Rolled): void {
    (this.clockWarnings ??= new ClockWarnings(this.opts.log)).note(id, r);
  }

  private addTwin(map: Map<string, string[]>, id: string): void {
    const nfc = id.normalize('NFC');
    map.set(nfc, [...(map.get(nfc) ?? []), id]);
  }

  private async nextInSeries(id: string, count: number, idem?: Idempotency): Promise<Reservation> {
    const a = allocate(id, sequenceState(this.state, id)!, this.now(), count);
    this.logBehind(id, a);
    this.store(id, a.state, false);
    const reservation = reservationOf(a);
    if (idem) this.pending.idempotency(idem.key, this.idempotency.entry(idem, resultOf(reservation)));
    await this.commit();
    return reservation;
  }

  async sequence(id: string): Promise<Rolled | undefined> {
    const state = sequenceState(this.state, id);
    return state && roll(state, this.now());
  }

  async configure(id: string, input: ConfigureInput): Promise<Rolled> {
    const current = sequenceState(this.state, id);
    const r = configure(id, current, input, this.now());
    this.checkNewSequence(id);
    this.logBehind(id, r);
    // A plain sequence that stays plain keeps its plain record.
    this.store(id, r.state, !r.state.series && !current?.series);
    await this.commit();
    return r;
  }

  async twins(nfc: string): Promise<string[]> {
    if (!this.nonNfc) {
      this.nonNfc = new Map();
      for (const id of this.state.sequences.keys()) if (!isNfc(id)) this.addTwin(this.nonNfc, id);
    }
    return (this.nonNfc.get(nfc) ?? []).filter((id) => id !== nfc);
  }
  // ---- end [series] ----

  async next(id: string, count: number, idem?: Idempotency): Promise<Reservation> {
    const replay = idem && this.idempotency.lookup(idem);
    if (replay) {
      const answer = replayedReservation(replay, idem.key, this.state.series.get(id)?.settings.format);
      // The first answer may still be waiting for its commit: wait for one that covers it.
      await this.commit();
      return answer;
    }
    if (this.state.series.has(id)) return this.nextInSeries(id, count, idem);
    const current = this.state.sequences.get(id) ?? 0;
    this.checkNewSequence(id);
    if (!fitsAfter(current, count)) throw sequenceExhausted(id, current, count);
    const reservation = { first: current + 1, last: current + count };
    this.store(id, { last: reservation.last }, true);
    if (idem) this.pending.idempotency(idem.key, this.idempotency.entry(idem, resultOf(reservation)));
    await this.commit();
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
      await this.commit();
      return replayedDraw(replay, idem.key, findPool(this.state.pools, replay.pool));
    }
    const pool = findPool(this.state.pools, name);
    const size = domainSize(pool.domain);
    if (pool.drawn + count > size) throw randomExhausted(name, pool.drawn, size, count);
    const draw = { pool: name, start: pool.drawn, count, domain: pool.domain, key: pool.key };
    this.pending.pool(name, { drawn: pool.drawn + count });
    if (idem) this.pending.idempotency(idem.key, this.idempotency.entry(idem, resultOf(draw)));
    await this.commit();
    return draw;
  }

  async pool(name: string): Promise<PoolState> {
    const p = findPool(this.state.pools, name);
    return { domain: p.domain, key: p.key, drawn: p.drawn };
  }

  // --- named pools (issue 12): the rules live in ../pools.ts; here the map, the record and a commit ---
  async pools(): Promise<NamedPool[]> {
    return listPools(this.state.pools);
  }

  async definePool(name: string, domain: PoolDomain): Promise<{ created: boolean; pool: PoolState }> {
    const r = definePool(this.state.pools, name, domain, this.opts.config.maxPools);
    // A new pool goes whole into the record (definition and key): replay recreates it with its key.
    if (r.created) this.pending.pool(name, { ...r.pool });
    // Also the existing pool's answer waits for a commit: the PUT that created it may still be in flight.
    await this.commit();
    const p = findPool(this.state.pools, name);
    return { created: r.created, pool: { domain: p.domain, key: p.key, drawn: p.drawn } };
  }

  async lastValue(id: string): Promise<number | undefined> {
    return this.state.sequences.get(id);
  }

  async sequencePage(page: ListPage = {}): Promise<SequenceInfo[]> {
    return this.sorted.page(page.limit ?? Infinity, page.after, page.prefix || undefined).map((id) => ({ id, last: this.state.sequences.get(id)! }));
  }

  async advanceTo(id: string, last: number): Promise<number> {
    if (this.state.series.has(id)) return (await this.configure(id, { last })).state.last;
    const current = this.state.sequences.get(id);
    if (current !== undefined && last < current) throw valueBehind(id, current);
    this.checkNewSequence(id);
    this.store(id, { last: Math.max(current ?? 0, last) }, true);
    await this.commit();
    return this.state.sequences.get(id)!;
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'shutting down' };
    // Healthy without a write only while nothing is known to be wrong: no failed write, the lock held, and
    // the state directory there (a removed one would otherwise look healthy until the next request).
    const suspect = this.failure !== undefined || this.fenced !== undefined || !this.owner.holds() || !(await stat(this.paths.dir).then(() => true, () => false));
    if (!suspect) return { ok: true };
    // Probe with a real write: the service resumes by itself once the disk takes writes again.
    await this.commits.commit().catch(() => undefined);
    return this.failure === undefined ? { ok: true } : { ok: false, reason: this.failure };
  }

  /** Waits for a background checkpoint in progress (tests and tools). */
  async settled(): Promise<void> {
    await this.commits.idle();
    await this.checkpointing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.commits.idle();
    await this.checkpointing;
    this.closed = true;
    clearInterval(this.lockWatch);
    // After a clean stop the snapshot alone holds the whole state; if it cannot be written, the journal still does.
    if (this.fenced === undefined && this.owner.holds())
      await this.commits
        .exclusive(() => this.checkpointNow())
        .catch((e) => this.opts.log.warn({ event: 'checkpoint_failed', path: this.paths.primary, err: e }, `no checkpoint at stop (${reasonOf(e)}); the journal holds the state`));
    await this.writer.close();
    this.owner.release();
  }
}
