// One process per state file: a lock directory beside it (proper-lockfile), refreshed while we run.
import { stat } from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import type { Logger } from 'pino';
import { StartupError } from '../errors.js';

// A lock not refreshed for this long belongs to a dead process (kill -9) and is taken over.
const STALE_MS = 2000;

export interface StateLock {
  /**
   * Makes sure this process still holds the lock before a write. A lock can be lost while we run: its
   * directory removed with the state directory, or not refreshed for STALE_MS (read-only volume). Then
   * it is taken again; resolves true when that happened (the caller must check what is on disk), and
   * rejects (code ELOCKED) while another process holds it. `suspect` also checks that the lock
   * directory still exists, which the refresh timer notices only up to a second later.
   */
  ensure(suspect: boolean): Promise<boolean>;
  /** Whether the lock is known to be lost (its refresh failed or its directory vanished). */
  isLost(): boolean;
  release(): Promise<void>;
}

export async function acquireLock(file: string, log: Logger): Promise<StateLock> {
  let lost = false;
  // Each acquisition reports only its own loss: a late report of an earlier one must not mark a retaken lock lost.
  let current = 0;
  const take = (retries: number): Promise<() => Promise<void>> => {
    const mine = ++current;
    return lockfile.lock(file, {
      realpath: false,
      stale: STALE_MS,
      retries: { retries, factor: 1, minTimeout: 500, maxTimeout: 500 },
      onCompromised: (err: Error) => {
        if (mine !== current) return;
        lost = true;
        log.error({ event: 'lock_compromised', path: `${file}.lock`, err }, `the lock ${file}.lock was lost: ${err.message}; writes wait until it is taken again`);
      },
    });
  };
  let release: () => Promise<void>;
  try {
    // Long enough for a lock left by a killed process to turn stale, short enough to refuse a live one.
    release = await take(6);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED')
      throw new StartupError(`another process is using ${file} (lock ${file}.lock is held); stop it first, one process per state file`);
    throw new StartupError(`cannot lock ${file}: ${(e as Error).message}`);
  }
  return {
    async ensure(suspect) {
      if (!lost && suspect && (await stat(`${file}.lock`).then(() => false, (e: NodeJS.ErrnoException) => e.code === 'ENOENT'))) {
        lost = true;
        log.error({ event: 'lock_compromised', path: `${file}.lock` }, `the lock ${file}.lock was removed; writes wait until it is taken again`);
      }
      if (!lost) return false;
      // Forget the lost acquisition (stops its refresh timer; its directory is gone or stale).
      current++;
      await release().catch(() => undefined);
      try {
        release = await take(0);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ELOCKED')
          throw Object.assign(new Error(`another process holds the lock ${file}.lock`), { code: 'ELOCKED' });
        throw e;
      }
      lost = false;
      log.warn({ event: 'lock_retaken', path: `${file}.lock` }, `took the lock ${file}.lock again`);
      return true;
    },
    isLost: () => lost,
    release: () => (lost ? Promise.resolve() : release()),
  };
}
