// Writes only while this process owns the state. The lock is watched (a removed lock is reported within a
// second, not at the next request) and taken again when it can be, but only if the disk is not ahead of
// memory; otherwise this process is fenced: it never writes again, and says to restart it.
import type { Logger } from 'pino';
import { atOrAhead } from '../../../series/sequence.js';
import { sequenceState } from '../apply.js';
import type { StatePaths } from '../paths.js';
import { readState } from '../recovery/recover.js';
import { reasonOf } from '../../rules/reason.js';
import type { State } from '../state.js';
import type { Ownership } from './owner.js';

const LOCK_WATCH_MS = 1000;

/** The code of the error a fenced process's writes fail with. */
export const FENCED = 'EFENCED';

const fencedError = (why: string): Error => Object.assign(new Error(why), { code: FENCED });

/** Whether the state on disk holds a value `mine` lacks: a sequence further on, a pool drawn further, missing or keyed differently. */
export function diskAhead(mine: State, disk: State): boolean {
  // A sequence with settings is ahead by its period, not its value (it may start again at 1).
  const sequenceAhead = (id: string, v: number): boolean =>
    disk.series.has(id) || mine.series.has(id) ? !atOrAhead(sequenceState(mine, id), sequenceState(disk, id)!) : (mine.sequences.get(id) ?? -1) < v;
  const poolAhead = (name: string, p: { key: string; drawn: number }): boolean => {
    const have = mine.pools.get(name);
    return !have || have.key !== p.key || have.drawn < p.drawn;
  };
  return [...disk.sequences].some(([id, v]) => sequenceAhead(id, v)) || [...disk.pools].some(([name, p]) => poolAhead(name, p));
}

export class Fence {
  /** Why this process lost the state to another; set once, never cleared. */
  private fenced: string | undefined;
  private lostLogged = false;
  private readonly watch: NodeJS.Timeout;

  constructor(
    private readonly owner: Ownership,
    private readonly state: State,
    private readonly paths: StatePaths,
    private readonly log: Logger,
  ) {
    this.watch = setInterval(() => {
      if (!this.owner.holds()) this.reportLost();
    }, LOCK_WATCH_MS).unref();
  }

  /** The lock is held and nothing fenced this process: a write may go ahead without a check. */
  get writable(): boolean {
    return this.fenced === undefined && this.owner.holds();
  }

  /**
   * Before a commit writes: resolves when this process owns the state, true when it has just taken the lock
   * again (the commit must then write a whole checkpoint). Throws when it cannot write.
   */
  async check(): Promise<boolean> {
    if (this.fenced !== undefined) throw fencedError(this.fenced);
    if (this.owner.holds()) return false;
    this.reportLost();
    // Throws while the directory is missing: it is not recreated behind the operator's back.
    if (!this.owner.retake()) this.fence(`another process holds ${this.owner.path}; this one stops writing: restart this process once the other has stopped`);
    // Another process may have written the state while the lock was free: ours must be ahead of it.
    let disk: State;
    try {
      disk = await readState(this.paths);
    } catch (e) {
      this.fence(`the state on disk changed while this process had lost its lock and cannot be read (${reasonOf(e)}); restart this process`);
    }
    if (diskAhead(this.state, disk)) this.fence(`another process wrote ${this.paths.primary} while this one had lost its lock; restart this process to load it`);
    this.state.generation = Math.max(this.state.generation, disk.generation);
    this.lostLogged = false;
    this.log.warn({ event: 'lock_retaken', path: this.owner.path }, `took the lock ${this.owner.path} again`);
    return true;
  }

  /**
   * After a commit's record is durable and before it is answered: the lock is still the one held. Checking
   * before the write alone leaves a gap (a stalled write, the lock deleted, a second process started meanwhile);
   * a commit that finds it lost throws, so it is not answered (the next commit checks the disk, see check()).
   */
  confirm(): void {
    if (this.fenced !== undefined) throw fencedError(this.fenced);
    if (this.owner.holds()) return;
    this.reportLost();
    throw new Error(`the lock file ${this.owner.path} was removed or replaced while this commit was written, so another process may own the state; this commit is not answered`);
  }

  /** Stops the watch (at stop, before the last checkpoint). */
  stopWatch(): void {
    clearInterval(this.watch);
  }

  /** Stops the watch and lets the lock go. */
  release(): void {
    this.stopWatch();
    this.owner.release();
  }

  private reportLost(): void {
    if (this.lostLogged) return;
    this.lostLogged = true;
    this.log.error({ event: 'lock_compromised', path: this.owner.path }, `the lock file ${this.owner.path} was removed or replaced; writes wait until it is taken again`);
  }

  private fence(why: string): never {
    if (this.fenced === undefined) {
      this.fenced = why;
      this.log.fatal({ event: 'lock_fenced', path: this.paths.primary }, why);
    }
    throw fencedError(why);
  }
}
