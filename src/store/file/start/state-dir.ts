// The state directory at start: refused at once when it exists but cannot be written, created when missing
// (naming the real cause when it cannot be), and whether a state is already there.
import { constants } from 'node:fs';
import { access, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StartupError } from '../../../errors.js';

/** Refuses the start when the state directory exists but this user cannot write it. */
export async function checkStateDir(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // created by createStateDir (or it says why it cannot be)
    if (code === 'EROFS') throw new StartupError(`cannot write the state directory ${dir}: it is on a read-only file system; mount a writable volume there`);
    const uid = process.getuid?.() ?? '?';
    const gid = process.getgid?.() ?? '?';
    throw new StartupError(
      `cannot write the state directory ${dir} (${code}): the service runs as uid ${uid}; ` +
        `chown ${uid}:${gid} the directory on the host, or mount it with :U (podman), or use a named volume`,
    );
  }
}

/** Whether any file of the state (snapshot, replica, journal) is there; the lock alone does not count. */
export async function stateExists(file: string): Promise<boolean> {
  const base = path.basename(file);
  const names = await readdir(path.dirname(path.resolve(file))).catch(() => [] as string[]);
  return names.some((n) => n.startsWith(base) && !n.endsWith('.lock'));
}

export async function createStateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new StartupError(`cannot create the state directory ${dir}: ${(await mkdirCause(dir, e as Error)).message}`);
  }
}

/**
 * Node's recursive mkdir reports ENOENT when a parent cannot be created on a read-only or forbidden
 * volume; creating the first missing directory by itself names the real cause (EROFS, EACCES).
 */
async function mkdirCause(dir: string, error: Error): Promise<Error> {
  let missing = dir;
  while (path.dirname(missing) !== missing && !(await stat(path.dirname(missing)).then(() => true, () => false))) missing = path.dirname(missing);
  return mkdir(missing).then(
    () => error,
    (e: Error) => e,
  );
}
