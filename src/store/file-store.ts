// The embedded store: the whole state in memory, changed synchronously, made durable by group commit.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ServiceError, StartupError } from '../errors.js';
import { domainDifference, domainSize, type FloatDomain, type IntDomain, type PoolKind } from '../random/domain.js';
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
import { definePool, findPool, listPools } from './pools.js';
import type { CommitStats, Draw, Idempotency, NamedPool, PoolState, Reservation, SequenceInfo, Store, StoreHealth } from './store.js';
import type { PoolDomain } from '../random/domain.js';

export interface FileStoreOptions {
  config: Pick<Config, 'sequenceFile' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'maxPools' | 'recover' | 'idempotencyMax' | 'idempotencyTtlMs'>;
  log: Logger;
  /** Replaces the durable writer (tests hold writes open or inject faults with it). */
  writer?: StateWriter;
  now?: () => number;
}

/** Refuses a pool whose stored domain differs from the configured one; creates missing pools. */
export function ensurePools(random: State['random'], wanted: Record<PoolKind, IntDomain | FloatDomain>): void {
  for (const kind of ['int', 'float'] as const) {
    const pool = random.get(kind);
    if (!pool) {
      random.set(kind, { domain: wanted[kind], key: randomBytes(32).toString('hex'), drawn: 0 });
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
      const ahead =
        [...disk.sequences].every(([id, v]) => (this.state.sequences.get(id) ?? -1) >= v) &&
        [...disk.random].every(([name, d]) => {
          const m = this.state.random.get(name);
          return m !== undefined && m.key === d.key && m.drawn >= d.drawn;
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

  async next(id: string, count: number, idem?: Idempotency): Promise<Reservation> {
    const replay = idem && this.idempotency.lookup(idem);
    if (replay) {
      if (replay.kind !== 'next') throw new Error('idempotency fingerprint collision');
      // The first answer may still be waiting for its commit: wait for one that covers it.
      await this.commit();
      return { first: replay.first, last: replay.last, replayed: true };
    }
    const current = this.state.sequences.get(id) ?? 0;
    this.checkNewSequence(id);
    if (current + count > Number.MAX_SAFE_INTEGER)
      throw new ServiceError(
        'sequence_exhausted',
        `sequence "${id}" is at ${current}; ${count} more would pass ${Number.MAX_SAFE_INTEGER}, the largest exact integer`,
        { last_value: current },
      );
    const reservation = { first: current + 1, last: current + count };
    this.state.sequences.set(id, reservation.last);
    this.sequenceText.touch(id);
    if (idem) this.idempotency.remember(idem, { kind: 'next', ...reservation });
    await this.commit();
    return reservation;
  }

  async draw(name: string, count: number, idem?: Idempotency): Promise<Draw> {
    const replay = idem && this.idempotency.lookup(idem);
    if (replay) {
      if (replay.kind !== 'draw') throw new Error('idempotency fingerprint collision');
      await this.commit();
      const replayed = this.state.random.get(replay.pool)!;
      return { pool: replay.pool, start: replay.start, count: replay.count, domain: replayed.domain, key: replayed.key, replayed: true };
    }
    const pool = findPool(this.state.random, name);
    const size = domainSize(pool.domain);
    if (pool.drawn + count > size)
      throw new ServiceError('random_exhausted', `the ${name} pool has handed out ${pool.drawn} of its ${size} values; ${count} more do not fit`, {
        drawn: pool.drawn,
        size,
      });
    const draw = { pool: name, start: pool.drawn, count, domain: pool.domain, key: pool.key };
    pool.drawn += count;
    if (idem) this.idempotency.remember(idem, { kind: 'draw', pool: name, start: draw.start, count });
    await this.commit();
    return draw;
  }

  async pool(name: string): Promise<PoolState> {
    const p = findPool(this.state.random, name);
    return { domain: p.domain, key: p.key, drawn: p.drawn };
  }

  // --- named pools (issue 12): the semantics live in pools.ts; here only the map and a commit ---
  async pools(): Promise<NamedPool[]> {
    return listPools(this.state.random);
  }

  async definePool(name: string, domain: PoolDomain): Promise<{ created: boolean; pool: PoolState }> {
    const r = definePool(this.state.random, name, domain, this.opts.config.maxPools);
    // Also the existing pool's answer waits for a commit: the PUT that created it may still be in flight.
    await this.commit();
    return { created: r.created, pool: { domain: r.pool.domain, key: r.pool.key, drawn: r.pool.drawn } };
  }

  async get(id: string): Promise<number | undefined> {
    return this.state.sequences.get(id);
  }

  async list(): Promise<SequenceInfo[]> {
    return [...this.state.sequences].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, last]) => ({ id, last }));
  }

  async set(id: string, last: number): Promise<number> {
    const current = this.state.sequences.get(id);
    if (current !== undefined && last < current)
      throw new ServiceError('value_behind', `sequence "${id}" is already at ${current}; it only moves forward`, { last_value: current });
    this.checkNewSequence(id);
    this.state.sequences.set(id, Math.max(current ?? 0, last));
    this.sequenceText.touch(id);
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
