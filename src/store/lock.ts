// One process per state file: a lock directory beside it (proper-lockfile), refreshed while we run.
import lockfile from 'proper-lockfile';
import type { Logger } from 'pino';
import { StartupError } from '../errors.js';

// A lock not refreshed for this long belongs to a dead process (kill -9) and is taken over.
const STALE_MS = 2000;

export async function acquireLock(file: string, log: Logger): Promise<() => Promise<void>> {
  try {
    return await lockfile.lock(file, {
      realpath: false,
      stale: STALE_MS,
      // Long enough for a lock left by a killed process to turn stale, short enough to refuse a live one.
      retries: { retries: 6, factor: 1, minTimeout: 500, maxTimeout: 500 },
      onCompromised: (err) => log.error({ event: 'lock_compromised', err }, `the lock ${file}.lock was lost: ${err.message}`),
    });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED')
      throw new StartupError(`another process is using ${file} (lock ${file}.lock is held); stop it first, one process per state file`);
    throw new StartupError(`cannot lock ${file}: ${(e as Error).message}`);
  }
}
