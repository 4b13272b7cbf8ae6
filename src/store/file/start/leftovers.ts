// Temp files of whole writes cut short by a kill (atomic-write.ts names them `<target>.tmp-<12 hex>`): removed at
// start, while the lock is held (no live writer can own one), by that exact pattern only, each logged.
import { readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { StatePaths } from '../paths.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function removeLeftoverTemps(paths: StatePaths, log: Logger): Promise<void> {
  const targets = [paths.primary, paths.replica, paths.journal, paths.journalReplica].map((p) => escape(path.basename(p)));
  const own = new RegExp(`^(?:${targets.join('|')})\\.tmp-[0-9a-f]{12}$`);
  for (const name of await readdir(paths.dir)) {
    if (!own.test(name)) continue;
    const file = path.join(paths.dir, name);
    try {
      await unlink(file);
      log.warn({ event: 'temp_removed', path: file }, `removed ${file}, the temp file of a write cut short (the state never depended on it)`);
    } catch (e) {
      log.warn({ event: 'temp_kept', path: file, err: e }, `cannot remove the leftover temp file ${file}; remove it by hand`);
    }
  }
}
