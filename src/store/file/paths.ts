// The files of one state, named from its path once at start (a symlinked state file is resolved to its target).
import { lstatSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from '../../errors.js';

export interface StatePaths {
  /** The snapshot (the state file), resolved. */
  primary: string;
  replica: string;
  journal: string;
  journalReplica: string;
  /** The ledger file: the events of the ledger sequences up to the last checkpoint. */
  ledger: string;
  lock: string;
  dir: string;
}

export function namesFor(primary: string): StatePaths {
  return {
    primary,
    replica: `${primary}.replica`,
    journal: `${primary}.journal`,
    journalReplica: `${primary}.journal.replica`,
    ledger: `${primary}.ledger`,
    lock: `${primary}.lock`,
    dir: path.dirname(primary),
  };
}

const kindOf = (s: import('node:fs').Stats): string =>
  s.isDirectory() ? 'a directory' : s.isFIFO() ? 'a FIFO' : s.isSocket() ? 'a socket' : s.isSymbolicLink() ? 'a symbolic link' : 'a device or special file';

/** The names without touching the disk (for tests and tools that only read). */
export const statePaths = (file: string): StatePaths => namesFor(path.resolve(file));

/**
 * Resolves the state file's path once (a symlink is followed to its target, which is what gets written) and
 * refuses names that are not regular files, without opening them (opening a FIFO would block).
 */
export function resolveStatePaths(file: string): StatePaths {
  let primary = path.resolve(file);
  try {
    primary = realpathSync(primary);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StartupError(`cannot resolve the state file ${primary}: ${(e as Error).message}`);
    const link = lstatSafe(primary);
    if (link?.isSymbolicLink()) throw new StartupError(`the state file ${primary} is a symbolic link to a missing file; create its target or remove the link`);
    // The file does not exist yet: resolve its directory if that exists (the file will be created there).
    try {
      primary = path.join(realpathSync(path.dirname(primary)), path.basename(primary));
    } catch {
      // the directory is created later
    }
  }
  const paths = namesFor(primary);
  const main = statSafe(paths.primary);
  if (main && !main.isFile()) throw new StartupError(`the state file ${paths.primary} is ${kindOf(main)}, not a regular file; point SEQUENCE_FILE at a file`);
  for (const name of [paths.replica, paths.journal, paths.journalReplica, paths.ledger, paths.lock]) {
    const s = lstatSafe(name);
    if (s && !s.isFile() && !(name === paths.lock && s.isDirectory()))
      throw new StartupError(`${name} is ${kindOf(s)}, not a regular file; it belongs to the state ${paths.primary}: move it away`);
  }
  return paths;
}

function lstatSafe(p: string): import('node:fs').Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function statSafe(p: string): import('node:fs').Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

/** A timestamp that sorts and is safe in file names on every platform. */
export const fileStamp = (d = new Date()): string => d.toISOString().replace(/[:.]/g, '-');
