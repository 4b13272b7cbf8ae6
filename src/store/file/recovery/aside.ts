// Damaged files are renamed aside, never deleted, under a name that overwrites nothing.
import { rename, stat } from 'node:fs/promises';
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
