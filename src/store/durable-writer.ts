// Writes the state text to both copies durably: fsync(data) → rename for each, then fsync(directory).
import { open } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import type { StatePaths } from './paths.js';

export interface StateWriter {
  /** Resolves only when both copies and the directory entry are on disk. */
  write(text: string): Promise<void>;
  /** The same for text given as pieces to concatenate, so a large state is never joined into one string. */
  writePieces?(pieces: readonly string[]): Promise<void>;
  /** Releases what the writer holds (a thread); called once when the store closes. */
  close?(): Promise<void>;
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class DurableWriter implements StateWriter {
  constructor(private readonly paths: StatePaths) {}

  // A state directory removed under a running server is not recreated here: it fails the write (503) until
  // someone puts the directory back. It may have vanished with its volume, and a new one in its place could
  // be on another filesystem (the container's own layer under a detached mount), lost at the next restart.
  async write(text: string): Promise<void> {
    // write-file-atomic fsyncs the temp file before its rename; it does not fsync the directory.
    await Promise.all([writeFileAtomic(this.paths.primary, text, { fsync: true }), writeFileAtomic(this.paths.replica, text, { fsync: true })]);
    await fsyncDirectory(this.paths.dir);
  }
}
