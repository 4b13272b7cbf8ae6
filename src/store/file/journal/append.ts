// The two journal copies, kept open for appending: a commit writes its line to both and fdatasyncs the primary.
import { constants } from 'node:fs';
import { nodeFs, type EngineFs } from '../fs.js';

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/** Writes all of `data` (a regular file may take less than asked in one call). */
function writeAll(fs: EngineFs, fd: number, data: Buffer): void {
  for (let at = 0; at < data.length; ) at += fs.writeSync(fd, data, at, data.length - at);
}

export class JournalFiles {
  private fds: [number, number] | undefined;

  constructor(
    private readonly names: readonly [string, string],
    private readonly fs: EngineFs = nodeFs,
  ) {}

  /** Opens (creating) both copies; a new file is made durable by the caller's directory fsync. */
  open(): void {
    this.close();
    const primary = this.fs.openSync(this.names[0], FLAGS, 0o644);
    try {
      this.fds = [primary, this.fs.openSync(this.names[1], FLAGS, 0o644)];
    } catch (e) {
      this.fs.closeSync(primary);
      throw e;
    }
  }

  /**
   * The page cache writes are synchronous and tiny; only the flush waits. The replica is not flushed:
   * a kill -9 keeps the page cache, and a power cut leaves the flushed primary (../FORMAT.md, "Journal").
   */
  async append(line: string): Promise<void> {
    if (!this.fds) this.open();
    const [primary, replica] = this.fds!;
    const data = Buffer.from(line);
    writeAll(this.fs, primary, data);
    writeAll(this.fs, replica, data);
    await this.fs.fdatasync(primary);
  }

  close(): void {
    if (!this.fds) return;
    const fds = this.fds;
    this.fds = undefined;
    for (const fd of fds) {
      try {
        this.fs.closeSync(fd);
      } catch {
        // closing a file of a vanished directory may fail; the descriptor is gone either way
      }
    }
  }
}
