// What the store needs from the disk, in one interface every writer implements whole (tests wrap the
// production one to hold or fail writes). The order of a checkpoint is the caller's (checkpoint/checkpointer.ts).
import { nodeFs, type EngineFs } from '../fs.js';
import { JournalFiles } from '../journal/append.js';
import { fsyncDirectory, replaceFile } from '../snapshot/atomic-write.js';
import type { StatePaths } from '../paths.js';

export interface StateWriter {
  /** Appends one record line to both journal copies; resolves once it is on disk (fdatasync). */
  append(line: string): Promise<void>;
  /** Replaces both snapshot copies with these bytes (temp, fsync, rename each), then fsyncs the directory. */
  writeSnapshot(chunks: readonly Buffer[]): Promise<void>;
  /** Replaces both journal copies with `lines` (the records after the snapshot), durably, and appends there from now on. */
  resetJournal(lines: string): Promise<void>;
  /**
   * Whether the primary journal at its path is still the file appended to (same device and inode since it was
   * opened or switched): a deleted or replaced one would take flushed records nobody can read back.
   */
  journalIntact(): Promise<boolean>;
  /** Closes the journal files. */
  close(): Promise<void>;
}

export class DiskWriter implements StateWriter {
  private readonly journal: JournalFiles;
  /** The primary journal's identity when it was last opened or switched; undefined until the first append. */
  private journalId: string | undefined;

  constructor(
    private readonly paths: StatePaths,
    private readonly fs: EngineFs = nodeFs,
  ) {
    this.journal = new JournalFiles([paths.journal, paths.journalReplica], fs);
  }

  async append(line: string): Promise<void> {
    await this.journal.append(line);
    this.journalId ??= await this.identity();
  }

  async journalIntact(): Promise<boolean> {
    return this.journalId === undefined || (await this.identity()) === this.journalId;
  }

  private identity(): Promise<string | undefined> {
    return this.fs.stat(this.paths.journal).then(
      (s) => `${s.dev}:${s.ino}`,
      () => undefined,
    );
  }

  async writeSnapshot(chunks: readonly Buffer[]): Promise<void> {
    await replaceFile(this.paths.primary, chunks, this.fs);
    await replaceFile(this.paths.replica, chunks, this.fs);
    await fsyncDirectory(this.paths.dir, this.fs);
  }

  async resetJournal(lines: string): Promise<void> {
    // Each copy is switched and reopened at once, so no append can go to a file that was renamed over.
    this.journal.close();
    try {
      await replaceFile(this.paths.journal, [lines], this.fs);
      await replaceFile(this.paths.journalReplica, [lines], this.fs);
      await fsyncDirectory(this.paths.dir, this.fs);
    } finally {
      // Reopened even after a failure: appends must never go to a copy that was renamed over.
      try {
        this.journal.open();
        this.journalId = await this.identity();
      } catch {
        // opened again by the next append (which then reports the error)
      }
    }
  }

  async close(): Promise<void> {
    this.journal.close();
  }
}
