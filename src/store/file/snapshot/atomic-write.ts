// Replaces a file durably: a fresh temp file beside it (O_EXCL, no link followed, a random name no
// operator gives a backup), the data, fsync, rename over the target. The caller fsyncs the directory.
// write-file-atomic opens its temp with "w" (follows a planted link, truncates an existing file) under a
// decimal name like "sequences.json.20261130": it cannot keep that promise, so this is the small version.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { nodeFs, type EngineFs } from '../fs.js';

const FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

const FLUSH_EVERY = 1024 * 1024;

export const tempNameFor = (target: string): string => `${target}.tmp-${randomBytes(6).toString('hex')}`;

export async function replaceFile(target: string, chunks: readonly (Buffer | string)[], fs: EngineFs = nodeFs): Promise<void> {
  // Keep the mode an operator gave the file, as write-file-atomic does.
  const mode = await fs.stat(target).then(
    (s) => s.mode & 0o777,
    () => 0o644,
  );
  const temp = tempNameFor(target);
  const fh = await fs.open(temp, FLAGS, mode);
  try {
    try {
      await fh.chmod(mode);
      // Flushed as it goes: a large snapshot's dirty pages would otherwise all be flushed by the next journal
      // fdatasync (the filesystem's journal commit takes them along) and stall the answers behind it.
      let unflushed = 0;
      for (const chunk of chunks) {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        await fh.write(data);
        unflushed += data.length;
        if (unflushed >= FLUSH_EVERY) {
          await fh.datasync();
          unflushed = 0;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(temp, target);
  } catch (e) {
    // Only our own temp file, by its exact name: nothing is deleted by pattern.
    await fs.unlink(temp).catch(() => undefined);
    throw e;
  }
}

export async function fsyncDirectory(dir: string, fs: EngineFs = nodeFs): Promise<void> {
  const fh = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
