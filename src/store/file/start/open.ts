// The start sequence of the file engine, in order: the state directory, the lock, recovery, the configured
// pools, then the first checkpoint (a healed or fresh state) or the journal rewrite (a torn or damaged
// journal), all before the first request. Builds the engine's parts; FileStore runs the operations over them.
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../../../config.js';
import { StartupError } from '../../../errors.js';
import { PendingChanges } from '../apply.js';
import { Checkpointer } from '../checkpoint/checkpointer.js';
import { CommitBudget } from '../commit/budget.js';
import { Committer } from '../commit/committer.js';
import { DiskWriter, type StateWriter } from '../commit/writer.js';
import type { EngineFs } from '../fs.js';
import { IdempotencyCache } from '../idempotency.js';
import { Fence } from '../ownership/fence.js';
import { Ownership } from '../ownership/owner.js';
import { resolveStatePaths, type StatePaths } from '../paths.js';
import { reasonOf } from '../../rules/reason.js';
import { recoverState } from '../recovery/recover.js';
import { ensurePools, type State } from '../state.js';
import { LedgerFile } from '../ledger/file.js';
import { checkStateDir, createStateDir, stateExists } from './state-dir.js';
import { reviveLeases } from '../leases/store.js';

export interface FileStoreOptions {
  config: Pick<Config, 'sequenceFile' | 'randomInt' | 'randomFloat' | 'maxSequences' | 'maxPools' | 'recover' | 'idempotencyMax' | 'idempotencyTtlMs'>;
  log: Logger;
  /** Wraps the production writer (tests hold writes open or inject faults with it). */
  wrapWriter?: (writer: StateWriter) => StateWriter;
  /** The file calls the production writer makes (tests record them to check the durability order). */
  fs?: EngineFs;
  /** Journal size that starts a checkpoint; by default the larger of 4 MiB and a quarter of the last snapshot. */
  checkpointBytes?: number;
  now?: () => number;
  /** How often expired reservations are looked for, ms (default 1000). */
  ledgerSweepMs?: number;
}

/** The engine's parts, built and started. */
export interface Engine {
  state: State;
  paths: StatePaths;
  pending: PendingChanges;
  idempotency: IdempotencyCache;
  /** Bounds the random values one commit carries; draws past it wait for the next commit. */
  budget: CommitBudget;
  committer: Committer;
  checkpointer: Checkpointer;
  fence: Fence;
  writer: StateWriter;
  ledgerFile: LedgerFile;
}

export async function openEngine(opts: FileStoreOptions): Promise<Engine> {
  const { config, log } = opts;
  await checkStateDir(config.sequenceFile);
  const existed = await stateExists(config.sequenceFile);
  const paths = resolveStatePaths(config.sequenceFile);
  await createStateDir(paths.dir);
  const owner = Ownership.take(paths.lock, paths.primary);
  let fence: Fence | undefined;
  try {
    const recovered = await recoverState(paths, config.recover === 'salvage', log);
    const { state } = recovered;
    const created = ensurePools(state.pools, { int: config.randomInt, float: config.randomFloat });
    // Renewals are not written one by one: a lease live at a crash may have been renewed past what is on disk.
    reviveLeases(state, (opts.now ?? Date.now)());
    const disk = new DiskWriter(paths, opts.fs);
    const writer = opts.wrapWriter ? opts.wrapWriter(disk) : disk;
    fence = new Fence(owner, state, paths, log);
    const pending = new PendingChanges(state);
    const idempotency = new IdempotencyCache(state.idempotency, config.idempotencyMax, config.idempotencyTtlMs, opts.now ?? Date.now);
    const budget = new CommitBudget();
    const ledgerFile = new LedgerFile(paths.ledger, recovered.ledgerBytes, opts.fs);
    const checkpointer: Checkpointer = new Checkpointer({
      state,
      writer,
      fence,
      paths,
      log,
      between: <T>(fn: () => Promise<T>): Promise<T> => committer.between(fn),
      bound: opts.checkpointBytes,
      ledgerFile,
      journalBytes: recovered.journalBytes,
      snapshotBytes: recovered.snapshotBytes,
    });
    const committer: Committer = new Committer({ state, pending, idempotency, budget, fence, checkpointer, paths, log });
    try {
      // Healing and first starts write both copies now: the good state is in both places before anything is handed out.
      if (!recovered.clean || created.size > 0) await checkpointer.writeWhole();
      // The snapshots are sound: only the journal copies are written again (a torn tail dropped, a missing or
      // damaged copy healed), with the records after the snapshot. No rewrite of a large snapshot.
      else if (recovered.rewriteJournal !== undefined) await writer.resetJournal(recovered.rewriteJournal);
    } catch (e) {
      await writer.close();
      ledgerFile.close();
      throw new StartupError(`cannot write the state file ${paths.primary}: ${reasonOf(e)}`);
    }
    log.info({ event: 'state_loaded', file: paths.primary, source: recovered.source, generation: state.generation, sequences: state.sequences.size }, 'state loaded');
    const file = path.resolve(config.sequenceFile);
    if (!existed) log.warn({ event: 'fresh_state', file }, `no state found, starting fresh; check your volume (state path ${file})`);
    return { state, paths, pending, idempotency, budget, committer, checkpointer, fence, writer, ledgerFile };
  } catch (e) {
    fence?.stopWatch();
    owner.release();
    throw e;
  }
}
