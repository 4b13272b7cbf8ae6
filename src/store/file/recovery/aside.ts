// Damaged files are renamed aside, never deleted, and legacy originals copied aside, under names that overwrite nothing.
import { constants } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import { fileStamp } from '../paths.js';

/** Renames `path` to `<path>.<label>-<timestamp>` without overwriting anything; returns the new name. */
export async function keepAside(path: string, label: string): Promise<string> {
  const base = `${path}.${label}-${fileStamp()}`;
  for (let i = 0; ; i++) {
    const target = i === 0 ? base : `${base}-${i}`;
    if (await stat(target).then(() => true, () => false)) continue;
    await rename(path, target);
    return target;
  }
}

const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes `bytes` (a file's content as read) to a new file `<path>.<label>-<timestamp>`: created, never opened
 * through a link planted at that name nor over an existing file (O_EXCL, O_NOFOLLOW), then fsynced. Returns its name.
 */
export async function copyAside(path: string, label: string, bytes: Buffer): Promise<string> {
  const base = `${path}.${label}-${fileStamp()}`;
  for (let i = 0; ; i++) {
    const target = i === 0 ? base : `${base}-${i}`;
    let fh;
    try {
      fh = await open(target, NEW_FILE, 0o644);
    } catch (e) {
      // Something (a file, a link) has this name: the next free name, nothing followed or replaced.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ELOOP') continue;
      throw e;
    }
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return target;
  }
}
