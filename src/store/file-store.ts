// The embedded store: the whole state in memory, changed synchronously, made durable by group commit.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ServiceError, StartupError } from '../errors.js';
import { domainDifference, domainSize, type PoolDomain, type PoolKind } from '../random/domain.js';
import type { StateWriter } from './durable-writer.js';
import { GroupCommit } from './group-commit.js';
import { IdempotencyCache } from './idempotency.js';
import { acquireLock, type StateLock } from './lock.js';
import { statePaths, type StatePaths } from './paths.js';
import { recoverState } from './recovery.js';
import { SequenceText } from './sequence-text.js';
import { parseStateText } from './state-file.js';
import { serializePieces, type State } from './state.js';
import { WorkerWriter } from './worker-writer.js';
import type { CommitStats, Draw, Idempotency, ListPage, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from './store.js';
import { isNfc } from '../ids.js';
import { allocate, atOrAhead, configure, roll, type Rolled, type SequenceState } from '../series/sequence.js';
import type { ConfigureInput } from '../series/settings.js';
import { SortedIds } from '../sorted-ids.js';

export interface FileStoreOptions {
  config: Pick<Config, 'sequenceFile' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'recover' | 'idempotencyMax' | 'idempotencyTtlMs'>;
  log: Logger;
  /** Replaces the durable writer (tests hold writes open or inject faults with it). */
  writer?: StateWriter;
  now?: () => number;
}

/** Refuses a pool whose stored domain differs from the configured one; creates missing pools. */
export function ensurePools(random: State['random'], wanted: Record<PoolKind, PoolDomain>): void {
  for (const kind of ['int', 'float'] as const) {
    const pool = random[kind];
    if (!pool) {
      random[kind] = { domain: wanted[kind], key: randomBytes(32).toString('hex'), drawn: 0 };
      continue;
    }
    const difference = domainDifference(pool.domain, wanted[kind]);
    if (difference)
      throw new StartupError(
        `the ${kind} random pool's range is fixed when it is created: ${difference}. ` +
          `Changing it could repeat values; set it back, or use a new state file for the new range.`,
      );
  }
}

/** Removes temp files of writes that a crash interrupted before their rename: they were never state. */
async function removeInterruptedWrites(paths: StatePaths, log: Logger): Promise<void> {
  const names = await readdir(paths.dir);
  for (const base of [path.basename(paths.primary), path.basename(paths.replica)]) {
    const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+$`);
    for (const name of names.filter((n) => pattern.test(n))) {
      await unlink(path.join(paths.dir, name)).catch(() => undefined);
      log.info({ event: 'temp_removed', path: path.join(paths.dir, name) }, 'removed the temp file of an interrupted write');
    }
  }
}

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

export class FileStore implements Store {
  onCommit?: (stats: CommitStats) => void;
  private readonly commits: GroupCommit;
  private readonly idempotency: IdempotencyCache;
  // The sequences' part of the file text, redone per commit only where ids changed.
  private readonly sequenceText: SequenceText;
  private failure: string | undefined;
  /** Set when another process wrote the state while our lock was lost: this process must not write again. */
  private fenced: string | undefined;
  private closed = false;
  // [series] Issue 13: the clock periods come from, the sorted index of GET /sequences, ids stored before NFC.
  private readonly now: () => number;
  private readonly sorted: SortedIds;
  private nonNfc: Map<string, string[]> | undefined;
  private readonly behindLogged = new Set<string>();

  private constructor(
    private readonly state: State,
    private readonly writer: StateWriter,
    private readonly opts: FileStoreOptions,
    private readonly lock: StateLock,
    private readonly paths: StatePaths,
  ) {
    this.commits = new GroupCommit((batch) => this.write(batch));
    this.sequenceText = new SequenceText(state.sequences);
    this.idempotency = new IdempotencyCache(state.idempotency, opts.config.idempotencyMax, opts.config.idempotencyTtlMs, opts.now ?? Date.now);
    this.now = opts.now ?? Date.now;
    this.sorted = new SortedIds(() => state.sequences.keys());
  }

  static async open(opts: FileStoreOptions): Promise<FileStore> {
    const { config, log } = opts;
    const paths = statePaths(config.sequenceFile);
    try {
      await mkdir(paths.dir, { recursive: true });
    } catch (e) {
      throw new StartupError(`cannot create the state directory ${paths.dir}: ${(await mkdirCause(paths.dir, e as Error)).message}`);
    }
    const lock = await acquireLock(paths.primary, log);
    try {
      await removeInterruptedWrites(paths, log);
      const { state, source } = await recoverState(paths, config.recover === 'salvage', log);
      ensurePools(state.random, { int: config.randomInt, float: config.randomFloat });
      const store = new FileStore(state, opts.writer ?? new WorkerWriter(paths), opts, lock, paths);
      // [series] The list index is sorted before the first request, not inside one.
      store.sorted.prepare();
      // Every start writes both copies: it proves the directory is writable and heals a stale copy.
      try {
        await store.commit();
      } catch (e) {
        await store.writer.close?.();
        throw new StartupError(`cannot write the state file ${paths.primary}: ${(e as Error).message}`);
      }
      log.info({ event: 'state_loaded', file: paths.primary, source, generation: state.generation, sequences: state.sequences.size }, 'state loaded');
      return store;
    } catch (e) {
      await lock.release().catch(() => undefined);
      throw e;
    }
  }

  private async write(batch: number): Promise<void> {
    const started = performance.now();
    this.state.generation++;
    this.idempotency.expire();
    try {
      if (this.fenced !== undefined) throw Object.assign(new Error(this.fenced), { code: 'EFENCED' });
      if (await this.lock.ensure(this.failure !== undefined)) await this.checkDiskIsBehind();
      const pieces = serializePieces(this.state, this.sequenceText.pieces());
      await (this.writer.writePieces ? this.writer.writePieces(pieces) : this.writer.write(pieces.join('')));
    } catch (e) {
      const reason = `${(e as NodeJS.ErrnoException).code ?? 'error'}: ${(e as Error).message}`;
      if (this.failure === undefined) this.opts.log.error({ event: 'storage_fault', path: this.paths.primary, err: e }, `cannot write the state ${this.paths.primary}: ${reason}`);
      this.failure = reason;
      throw new ServiceError('storage_unavailable', `the state could not be written (${reason}); nothing was handed out`);
    }
    if (this.failure !== undefined) this.opts.log.warn({ event: 'storage_recovered', path: this.paths.primary }, `state writes to ${this.paths.primary} succeed again`);
    this.failure = undefined;
    this.onCommit?.({ batch, seconds: (performance.now() - started) / 1000 });
  }

  /**
   * After the lock was lost and taken again: another process may have written the state meanwhile. Writing
   * ours is safe only if it is ahead of what is on disk (every sequence and pool at or past it, same keys).
   */
  private async checkDiskIsBehind(): Promise<void> {
    for (const file of [this.paths.primary, this.paths.replica]) {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      let disk;
      try {
        disk = parseStateText(text).state;
      } catch {
        continue;
      }
      // [series] A sequence that reset is ahead by its period, not its value.
      const ahead =
        [...disk.sequences].every(([id, v]) =>
          disk.series.has(id) || this.state.series.has(id) ? atOrAhead(this.sequenceState(id), { last: v, series: disk.series.get(id) }) : (this.state.sequences.get(id) ?? -1) >= v,
        ) &&
        (['int', 'float'] as const).every((k) => {
          const d = disk.random[k];
          const m = this.state.random[k];
          return !d || (m !== undefined && m.key === d.key && m.drawn >= d.drawn);
        });
      // Ours must also win the generation comparison at the next start, even if only one copy gets written.
      this.state.generation = Math.max(this.state.generation, disk.generation + 1);
      if (!ahead) {
        this.fenced = `another process wrote ${file} while this one had lost its lock; restart this process to load it`;
        this.opts.log.fatal({ event: 'lock_fenced', path: file }, this.fenced);
        throw Object.assign(new Error(this.fenced), { code: 'EFENCED' });
      }
    }
  }

  private commit(): Promise<void> {
    if (this.closed) return Promise.reject(new ServiceError('storage_unavailable', 'the service is shutting down'));
    return this.commits.commit();
  }

  private checkNewSequence(id: string): void {
    if (!this.state.sequences.has(id) && this.state.sequences.size >= this.opts.config.maxSequences)
      throw new ServiceError('too_many_sequences', `this service keeps at most ${this.opts.config.maxSequences} sequences; "${id}" would be one more`);
  }

  // ---- [series] issue 13 ----
  /** Sets a sequence's value (and series), noting a new id for the list index and the NFC twins. */
  private store(id: string, state: SequenceState): void {
    const isNew = !this.state.sequences.has(id);
    this.state.sequences.set(id, state.last);
    this.sequenceText.touch(id);
    if (state.series) this.state.series.set(id, state.series);
    else this.state.series.delete(id);
    if (!isNew) return;
    this.sorted.add(id);
    if (this.nonNfc && !isNfc(id)) this.addTwin(this.nonNfc, id);
  }

  private sequenceState(id: string): SequenceState | undefined {
    const last = this.state.sequences.get(id);
    if (last === undefined) return undefined;
    const series = this.state.series.get(id);
    return series ? { last, series } : { last };
  }

  private logBehind(id: string, r: Rolled): void {
    if (!r.behind || this.behindLogged.has(`${id}\0${r.behind.stored}`)) return;
    this.behindLogged.add(`${id}\0${r.behind.stored}`);
    this.opts.log.warn({ event: 'clock_behind_period', sequence_id: id, clock_period: r.behind.clock, period: r.behind.stored }, `the clock is in period ${r.behind.clock}, before sequence "${id}"'s period ${r.behind.stored}: it stays in ${r.behind.stored}`);
  }

  private addTwin(map: Map<string, string[]>, id: string): void {
    const nfc = id.normalize('NFC');
    map.set(nfc, [...(map.get(nfc) ?? []), id]);
  }

  private async nextInSeries(id: string, count: number, idem?: Idempotency): Promise<Reservation> {
    const a = allocate(id, this.sequenceState(id)!, this.now(), count);
    this.logBehind(id, a);
    this.store(id, a.state);
    const reservation: Reservation = { first: a.first, last: a.last, date: a.date };
    if (a.period !== undefined) reservation.period = a.period;
    if (a.state.series?.settings.format !== undefined) reservation.format = a.state.series.settings.format;
    if (idem) this.idempotency.remember(idem, { kind: 'next', first: a.first, last: a.last, date: a.date, ...(a.period === undefined ? {} : { period: a.period }) });
    await this.commit();
    return reservation;
  }

  async sequence(id: string): Promise<Rolled | undefined> {
    const state = this.sequenceState(id);
    return state && roll(state, this.now());
  }

  async configure(id: string, input: ConfigureInput): Promise<Rolled> {
    const r = configure(id, this.sequenceState(id), input, this.now());
    this.checkNewSequence(id);
    this.logBehind(id, r);
    this.store(id, r.state);
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
      if (replay.kind !== 'next') throw new Error('idempotency fingerprint collision');
      // The first answer may still be waiting for its commit: wait for one that covers it.
      await this.commit();
      // [series] A formatted answer replays with its own period and date.
      const format = this.state.series.get(id)?.settings.format;
      return { first: replay.first, last: replay.last, replayed: true, ...(replay.period === undefined ? {} : { period: replay.period }), ...(replay.date === undefined ? {} : { date: replay.date }), ...(format === undefined ? {} : { format }) };
    }
    if (this.state.series.has(id)) return this.nextInSeries(id, count, idem);
    const current = this.state.sequences.get(id) ?? 0;
    this.checkNewSequence(id);
    if (current + count > Number.MAX_SAFE_INTEGER)
      throw new ServiceError(
        'sequence_exhausted',
        `sequence "${id}" is at ${current}; ${count} more would pass ${Number.MAX_SAFE_INTEGER}, the largest exact integer`,
        { last_value: current },
      );
    const reservation = { first: current + 1, last: current + count };
    this.store(id, { last: reservation.last });
    if (idem) this.idempotency.remember(idem, { kind: 'next', ...reservation });
    await this.commit();
    return reservation;
  }

  async draw(kind: PoolKind, count: number, idem?: Idempotency): Promise<Draw> {
    const replay = idem && this.idempotency.lookup(idem);
    if (replay) {
      if (replay.kind !== 'draw') throw new Error('idempotency fingerprint collision');
      await this.commit();
      const replayed = this.state.random[replay.pool]!;
      return { kind: replay.pool, start: replay.start, count: replay.count, domain: replayed.domain, key: replayed.key, replayed: true };
    }
    const pool = this.state.random[kind]!;
    const size = domainSize(pool.domain);
    if (pool.drawn + count > size)
      throw new ServiceError('random_exhausted', `the ${kind} pool has handed out ${pool.drawn} of its ${size} values; ${count} more do not fit`, {
        drawn: pool.drawn,
        size,
      });
    const draw = { kind, start: pool.drawn, count, domain: pool.domain, key: pool.key };
    pool.drawn += count;
    if (idem) this.idempotency.remember(idem, { kind: 'draw', pool: kind, start: draw.start, count });
    await this.commit();
    return draw;
  }

  async pool(kind: PoolKind): Promise<PoolState> {
    const p = this.state.random[kind]!;
    return { domain: p.domain, key: p.key, drawn: p.drawn };
  }

  async get(id: string): Promise<number | undefined> {
    return this.state.sequences.get(id);
  }

  async list(page: ListPage = {}): Promise<SequenceInfo[]> {
    return this.sorted.page(page.limit ?? Infinity, page.after, page.prefix || undefined).map((id) => ({ id, last: this.state.sequences.get(id)! }));
  }

  async set(id: string, last: number): Promise<number> {
    if (this.state.series.has(id)) return (await this.configure(id, { last })).state.last;
    const current = this.state.sequences.get(id);
    if (current !== undefined && last < current)
      throw new ServiceError('value_behind', `sequence "${id}" is already at ${current}; it only moves forward`, { last_value: current });
    this.checkNewSequence(id);
    this.store(id, { last: Math.max(current ?? 0, last) });
    await this.commit();
    return this.state.sequences.get(id)!;
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, reason: 'shutting down' };
    // Healthy without a write only while nothing is known to be wrong: no failed write, the lock held, and
    // the state directory there (a removed one would otherwise look healthy until the next request).
    const suspect = this.failure !== undefined || this.lock.isLost() || !(await stat(this.paths.dir).then(() => true, () => false));
    if (!suspect) return { ok: true };
    // Probe with a real write: the service resumes by itself once the disk takes writes again.
    await this.commits.commit().catch(() => undefined);
    return this.failure === undefined ? { ok: true } : { ok: false, reason: this.failure };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.commits.idle();
    this.closed = true;
    await this.writer.close?.();
    await this.lock.release().catch((e: Error) => this.opts.log.warn({ event: 'unlock_failed', err: e }, 'could not release the lock'));
  }
}
