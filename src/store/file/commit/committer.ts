// The commit step: one group commit writes what the requests changed since the last one as one journal
// record (or a whole checkpoint when one is due), reports it, and keeps the fault state health reads.
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ServiceError } from '../../../errors.js';
import type { CommitStats, StoreHealth } from '../../store.js';
import type { PendingChanges } from '../apply.js';
import type { Checkpointer } from '../checkpoint/checkpointer.js';
import type { IdempotencyCache } from '../idempotency.js';
import { encodeRecord } from '../journal/record.js';
import { FENCED, type Fence } from '../ownership/fence.js';
import type { StatePaths } from '../paths.js';
import { reasonOf } from '../../rules/reason.js';
import type { State } from '../state.js';
import type { CommitBudget } from './budget.js';
import { GroupCommit } from './group-commit.js';

/** The generation cannot grow safely; the start counts from 0 again (start/open.ts), so a restart resolves it. */
const generationExhausted = (g: number): Error =>
  Object.assign(new Error(`the state's generation is ${g}, the largest that can be counted exactly; restart the service: its start writes the state whole and counts generations from 0 again`), { code: 'EGENERATION' });

export interface CommitEvents {
  onCommit?: (stats: CommitStats) => void;
  onCommitFailure?: () => void;
}

export interface CommitterParts {
  state: State;
  pending: PendingChanges;
  idempotency: IdempotencyCache;
  budget: CommitBudget;
  fence: Fence;
  checkpointer: Checkpointer;
  paths: StatePaths;
  log: Logger;
}

export class Committer {
  /** Where the commits are reported (the store, whose onCommit the metrics set). */
  events: CommitEvents = {};
  private readonly commits = new GroupCommit((batch) => this.commitBatch(batch));
  /** Why the last commit failed; undefined once one succeeds. */
  private failure: string | undefined;

  constructor(private readonly parts: CommitterParts) {}

  /** Resolves once a commit that started after this call is on disk: it covers every change made before. */
  commit(): Promise<void> {
    return this.commits.commit();
  }

  /** Runs `fn` between two commits. */
  between<T>(fn: () => Promise<T>): Promise<T> {
    return this.commits.exclusive(fn);
  }

  /** Waits until no commit is in flight or pending. */
  idle(): Promise<void> {
    return this.commits.idle();
  }

  /** Healthy without a write only while nothing is known to be wrong; else a real commit probes the disk. */
  async health(): Promise<StoreHealth> {
    // The state directory is checked too: a removed one would otherwise look healthy until the next request.
    const suspect = this.failure !== undefined || !this.parts.fence.writable || !(await stat(this.parts.paths.dir).then(() => true, () => false));
    if (!suspect) return { ok: true };
    // The service resumes by itself once the disk takes writes again.
    await this.commits.commit().catch(() => undefined);
    return this.failure === undefined ? { ok: true } : { ok: false, reason: this.failure };
  }

  /** One commit of `batch` waiters: ownership checked, the gathered changes taken and written, the outcome reported. */
  private async commitBatch(batch: number): Promise<void> {
    const { state, pending, idempotency, budget, fence, checkpointer, paths, log } = this.parts;
    const started = performance.now();
    let taken = false;
    try {
      if (await fence.check()) checkpointer.requireWhole();
      if (pending.empty && !checkpointer.due) return;
      // Past the largest safe integer a generation no longer grows: it would be written twice (and replayed as one).
      if (state.generation >= Number.MAX_SAFE_INTEGER) throw generationExhausted(state.generation);
      state.generation++;
      idempotency.expire();
      const changes = pending.take();
      taken = true;
      budget.next();
      if (checkpointer.due) await checkpointer.writeWhole();
      else await checkpointer.append(encodeRecord(state.generation, changes));
      fence.confirm();
    } catch (e) {
      // Draws waiting for room are let in all the same: their commit answers them (never left waiting).
      if (!taken) budget.next();
      // Whatever reached the disk, the next commit starts from a whole checkpoint.
      if ((e as NodeJS.ErrnoException).code !== FENCED) checkpointer.requireWhole();
      const reason = reasonOf(e);
      if (this.failure === undefined) log.error({ event: 'storage_fault', path: paths.primary, err: e }, `cannot write the state ${paths.primary}: ${reason}`);
      this.failure = reason;
      this.events.onCommitFailure?.();
      throw new ServiceError('storage_unavailable', `the state could not be written (${reason}); nothing was handed out`);
    }
    if (this.failure !== undefined) log.warn({ event: 'storage_recovered', path: paths.primary }, `state writes to ${paths.primary} succeed again`);
    this.failure = undefined;
    this.events.onCommit?.({ batch, seconds: (performance.now() - started) / 1000 });
    checkpointer.afterCommit();
  }
}
