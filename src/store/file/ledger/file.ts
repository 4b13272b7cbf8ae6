// The ledger file, appended at checkpoints: the events of every ledger sequence since the last checkpoint,
// fdatasynced before the snapshot that counts them is written. A failed append is cut back to the last
// whole line before the next one, so a line is never appended after a torn one.
import { constants, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { nodeFs, type EngineFs } from '../fs.js';
import { fsyncDirectory } from '../snapshot/atomic-write.js';

const FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

export class LedgerFile {
  private fd: number | undefined;
  private dirty = false;

  constructor(
    private readonly file: string,
    /** Bytes of whole lines in the file. */
    private bytes: number,
    private readonly fs: EngineFs = nodeFs,
  ) {}

  get size(): number {
    return this.bytes;
  }

  async append(text: string): Promise<void> {
    if (text === '') return;
    const created = this.fd === undefined && this.bytes === 0;
    this.fd ??= this.fs.openSync(this.file, FLAGS, 0o644);
    if (created) await fsyncDirectory(path.dirname(this.file), this.fs);
    const data = Buffer.from(text);
    try {
      if (this.dirty) ftruncateSync(this.fd, this.bytes);
      this.dirty = true;
      for (let at = 0; at < data.length; ) at += this.fs.writeSync(this.fd, data, at, data.length - at);
      await this.fs.fdatasync(this.fd);
      this.dirty = false;
      this.bytes += data.length;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      this.fs.closeSync(fd);
    } catch {
      // the descriptor is gone either way
    }
  }
}
