// Checkpoints: the snapshot written whole, and the journal started again with only the records after it.
// The order that keeps every acknowledged value on disk, stated once for the whole engine:
//  1. A commit is answered only after its record is in both journal copies and the primary is fdatasynced.
//  2. A snapshot copy is written to a fresh temp file, fsynced, and renamed over the copy; the directory is
//     fsynced after both copies.
//  3. Only then are the journal copies replaced, each the same way, by the records after the snapshot's
//     generation, and the directory fsynced again.
//  4. A background checkpoint takes its generation between two commits and switches the journal between two
//     commits; the records appended meanwhile (the carry) go into the new journal. If a commit wrote a whole
//     checkpoint meanwhile (the epoch moved) or must write one, the switch is skipped.
//  2a. Before a snapshot is written, the ledger events not yet in the ledger file are appended to it and
//     fdatasynced; the snapshot names the chain heads taken before them (the file holds at least those).
//  5. After a failed write or a retaken lock, the next commit writes a whole checkpoint instead of appending:
//     nothing is ever appended after a line that may be torn.
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import type { StateWriter } from '../commit/writer.js';
import type { Fence } from '../ownership/fence.js';
import type { StatePaths } from '../paths.js';
import { reasonOf } from '../../rules/reason.js';
import { serializeSnapshot } from '../snapshot/write.js';
import type { State } from '../state.js';
import type { ChainHead } from '../../../ledger/book.js';
import type { LedgerFile } from '../ledger/file.js';
import { encodeLedgerLine } from '../ledger/line.js';

const MIN_CHECKPOINT_BYTES = 4 * 1024 * 1024;
const RETRY_MS = 1000;

export interface CheckpointerParts {
  state: State;
  writer: StateWriter;
  fence: Fence;
  paths: StatePaths;
  log: Logger;
  /** Runs `fn` between two commits (the group commit's exclusive section). */
  between: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Journal size that starts a checkpoint; by default the larger of a floor and a quarter of the last snapshot. */
  bound?: number;
  /** The ledger file, appended before each snapshot (rule 2a). */
  ledgerFile: LedgerFile;
  /** Sizes of what recovery found. */
  journalBytes: number;
  snapshotBytes: number;
}

export class Checkpointer {
  /** Snapshot writes, one at a time (a background checkpoint and one a commit must do). */
  private readonly snapshotting = new Mutex();
  /** Rule 5: the next commit writes a whole checkpoint. */
  private wholeDue = false;
  /** Bumped by every whole checkpoint: a background one that sees it change does not switch the journal (rule 4). */
  private epoch = 0;
  /** Lines appended since a background checkpoint took its generation: they go into the new journal (rule 4). */
  private carry: string[] | undefined;
  private journalBytes: number;
  private snapshotBytes: number;
  private running: Promise<void> | undefined;
  private failure: string | undefined;
  private retryAt = 0;
  private stopped = false;

  constructor(private readonly parts: CheckpointerParts) {
    this.journalBytes = parts.journalBytes;
    this.snapshotBytes = parts.snapshotBytes;
  }

  /** Whether the next commit must write a whole checkpoint rather than append. */
  get due(): boolean {
    return this.wholeDue;
  }

  /** After a failed write or a retaken lock (rule 5). */
  requireWhole(): void {
    this.wholeDue = true;
  }

  /** Appends one commit's record (rule 1), counted toward the next checkpoint and carried across a background one. */
  async append(line: string): Promise<void> {
    await this.parts.writer.append(line);
    this.journalBytes += line.length;
    this.carry?.push(line);
  }

  /** A whole checkpoint now (start, clean stop, after a failure): both snapshots, then an empty journal (rules 2, 3). */
  async writeWhole(): Promise<void> {
    const { state, writer } = this.parts;
    await this.snapshotting.runExclusive(async () => {
      this.epoch++;
      const heads = new Map(state.ledger.chains);
      await this.flushLedger();
      const chunks = await serializeSnapshot(state, state.generation, false, heads);
      await writer.writeSnapshot(chunks);
      await writer.resetJournal('');
      this.snapshotBytes = chunks.reduce((n, c) => n + c.length, 0);
      this.journalBytes = 0;
      this.wholeDue = false;
    });
  }

  /** After each commit: starts a background checkpoint once the journal has grown past its bound. */
  afterCommit(): void {
    // Replaying a journal costs more per byte than reading a snapshot: a quarter of the snapshot keeps the
    // start after a crash near the start after a clean stop, and a small state checkpoints rarely.
    const bound = this.parts.bound ?? Math.max(MIN_CHECKPOINT_BYTES, this.snapshotBytes / 4);
    if (this.running || this.stopped || this.journalBytes < bound || Date.now() < this.retryAt) return;
    this.running = this.inBackground().finally(() => (this.running = undefined));
  }

  /** Waits for a background checkpoint in progress. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** At a clean stop: no more background checkpoints, and a whole one so the snapshot alone holds the state. */
  async atStop(): Promise<void> {
    this.stopped = true;
    const { fence, between, log, paths } = this.parts;
    if (!fence.writable) return;
    // If it cannot be written, the journal still holds the state.
    await between(() => this.writeWhole()).catch((e) =>
      log.warn({ event: 'checkpoint_failed', path: paths.primary, err: e }, `no checkpoint at stop (${reasonOf(e)}); the journal holds the state`),
    );
  }

  /** Rule 2a: every ledger event not in the ledger file yet, appended and flushed; they leave memory's queue after. */
  private async flushLedger(): Promise<void> {
    const book = this.parts.state.ledger;
    const events = book.unflushed.slice();
    if (events.length === 0) return;
    await this.parts.ledgerFile.append(events.map(encodeLedgerLine).join(''));
    book.unflushed.splice(0, events.length);
  }

  /** Off the request path: the snapshot is serialized in slices and written while commits go on appending (rule 4). */
  private async inBackground(): Promise<void> {
    const { state, writer, fence, between, log, paths } = this.parts;
    let generation = 0;
    let epoch = 0;
    let heads = new Map<string, ChainHead>();
    await between(async () => {
      generation = state.generation;
      heads = new Map(state.ledger.chains);
      epoch = this.epoch;
      this.carry = [];
    });
    log.debug({ event: 'checkpoint_started', generation, path: paths.primary }, 'checkpoint started');
    try {
      let written = false;
      await this.snapshotting.runExclusive(async () => {
        if (this.epoch !== epoch || this.stopped) return;
        await this.flushLedger();
        const chunks = await serializeSnapshot(state, generation, true, heads);
        if (!fence.writable) throw new Error('the lock is not held');
        await writer.writeSnapshot(chunks);
        this.snapshotBytes = chunks.reduce((n, c) => n + c.length, 0);
        written = true;
      });
      if (!written) return;
      await between(async () => {
        if (this.epoch !== epoch || this.wholeDue) return;
        const lines = this.carry!.join('');
        await writer.resetJournal(lines);
        this.journalBytes = Buffer.byteLength(lines);
      });
      if (this.failure !== undefined) log.warn({ event: 'checkpoint_recovered', path: paths.primary }, 'checkpoints succeed again');
      this.failure = undefined;
      log.debug({ event: 'checkpoint', generation, path: paths.primary }, 'checkpoint written');
    } catch (e) {
      const reason = reasonOf(e);
      if (this.failure === undefined)
        log.error({ event: 'checkpoint_failed', path: paths.primary, err: e }, `cannot write a checkpoint of ${paths.primary} (${reason}); answering from the journal and retrying`);
      this.failure = reason;
      this.retryAt = Date.now() + RETRY_MS;
    } finally {
      this.carry = undefined;
    }
  }
}
