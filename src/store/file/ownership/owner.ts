// One live process per state: an flock(2) on <state>.lock, held by this process's open file description.
// util-linux `flock` (at a fixed path, never found through PATH) takes it on the descriptor we pass as its fd 3; the lock belongs to the open file, so
// it stays held after `flock` exits, never goes stale while we are paused or busy, and the kernel frees it
// when this process dies. Fencing: the lock file at the path must stay the one we hold.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, rmdirSync, statSync } from 'node:fs';
import { StartupError } from '../../../errors.js';

const FLAGS = constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW;

// Fixed places of util-linux flock, never PATH: a writable early PATH entry could put a fake flock there.
const FLOCK_PLACES = ['/usr/bin/flock', '/bin/flock', '/usr/local/bin/flock'];
let flockProgram: string | undefined;

/** The flock program: the first fixed place holding an executable regular file owned by root, found once. */
export function flockPath(): string {
  if (flockProgram !== undefined) return flockProgram;
  for (const place of FLOCK_PLACES) {
    try {
      const s = statSync(place);
      if (s.isFile() && s.uid === 0 && (s.mode & 0o111) !== 0 && (s.mode & 0o022) === 0) return (flockProgram = place);
    } catch {
      // not there
    }
  }
  throw new StartupError(`cannot lock the state: util-linux flock is not at ${FLOCK_PLACES.join(' or ')} (owned by root, not writable by others); install util-linux`);
}

export type TakeResult = { fd: number } | { busy: true };

/** Opens the lock file and tries the lock without waiting. Throws the open's error (ENOENT, EROFS, EACCES …). */
export function tryLock(path: string): TakeResult {
  const program = flockPath();
  const fd = openSync(path, FLAGS, 0o644);
  const r = spawnSync(program, ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.status === 0) return { fd };
  closeSync(fd);
  if (r.error) throw new StartupError(`cannot lock ${path}: ${program} could not run (${r.error.message}); it comes with util-linux`);
  if (r.status === 1) return { busy: true };
  throw new StartupError(`cannot lock ${path}: flock said ${JSON.stringify(r.stderr.toString().trim())} (exit ${r.status})`);
}

export class Ownership {
  private lost = false;

  private constructor(
    readonly path: string,
    private fd: number,
  ) {}

  /** Takes the state at start, or refuses: another live process owns it. */
  static take(path: string, state: string): Ownership {
    removeOldLockDirectory(path);
    let r: TakeResult;
    try {
      r = tryLock(path);
    } catch (e) {
      if (e instanceof StartupError) throw e;
      throw new StartupError(`cannot lock ${state}: ${(e as Error).message}`);
    }
    if ('busy' in r) throw new StartupError(`another process is using ${state} (it holds ${path}); stop it first, one process per state file`);
    return new Ownership(path, r.fd);
  }

  /** Whether the lock file at the path is still the one we hold (a stat; cheap enough for every commit). */
  holds(): boolean {
    if (this.lost) return false;
    try {
      const here = statSync(this.path);
      const mine = fstatSync(this.fd);
      if (here.ino === mine.ino && here.dev === mine.dev) return true;
    } catch {
      // gone with its directory
    }
    this.lost = true;
    return false;
  }

  /**
   * After the lock file was removed or replaced: takes a lock on the file now at the path. Resolves false
   * while another process holds it; throws while the directory is missing (it is not recreated here).
   */
  retake(): boolean {
    const r = tryLock(this.path);
    if ('busy' in r) return false;
    try {
      closeSync(this.fd);
    } catch {
      // already gone
    }
    this.fd = r.fd;
    this.lost = false;
    return true;
  }

  release(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/**
 * Versions before this one locked with a directory of this name (proper-lockfile, refreshed every second).
 * One left unrefreshed far longer than that belongs to no live process and is removed; a fresher one is refused.
 */
const OLD_LOCK_STALE_MS = 10_000;

function removeOldLockDirectory(lock: string): void {
  let s;
  try {
    s = statSync(lock);
  } catch {
    return;
  }
  if (!s.isDirectory()) return;
  if (Date.now() - s.mtimeMs < OLD_LOCK_STALE_MS)
    throw new StartupError(`${lock} is the lock of an older take-a-number that may still run; stop it, or remove that directory if it does not run`);
  rmdirSync(lock);
}
