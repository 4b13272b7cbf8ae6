// An EngineFs over node's own that models what a power cut keeps: a rename is durable only once its directory
// is fsynced (before that the name still holds the file it held), and a journal replica only holds what was
// written with the file (its appends are never flushed). `failRename` injects one failure (ENOSPC) of a rename.
import { readFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nodeFs, type EngineFs } from '../../src/store/file/fs.js';

export interface PowerCutFs {
  fs: EngineFs;
  /** The next rename onto `target` fails with ENOSPC (the temp file stays for the writer to remove). */
  failRename(target: string): void;
  /** Whether the injected failure happened. */
  failed(): boolean;
  /** Writes into `into` the files a power cut now would leave of `dir` (state files only, temp files left out). */
  cut(dir: string, into: string): Promise<void>;
}

export function powerCutFs(replicaJournal: string): PowerCutFs {
  // Target → what the name held before a rename not yet made durable by a directory fsync (undefined: nothing).
  let pending = new Map<string, Buffer | undefined>();
  // The replica journal as written whole (its later appends are only in the page cache).
  let replicaFlushed: Buffer | undefined;
  let failOn: string | undefined;
  let didFail = false;
  const read = (p: string): Buffer | undefined => {
    try {
      return readFileSync(p);
    } catch {
      return undefined;
    }
  };
  const fs: EngineFs = {
    ...nodeFs,
    open: (async (p: string, flags?: number, mode?: number) => {
      const fh = await nodeFs.open(p, flags, mode);
      if (flags !== undefined && (flags & constants.O_DIRECTORY) !== 0) {
        const sync = fh.sync.bind(fh);
        fh.sync = async () => {
          await sync();
          pending = new Map();
        };
      }
      return fh;
    }) as EngineFs['open'],
    async rename(from, to) {
      const target = String(to);
      if (failOn === target) {
        failOn = undefined;
        didFail = true;
        throw Object.assign(new Error(`ENOSPC: no space left on device, rename '${String(from)}' -> '${target}'`), { code: 'ENOSPC' });
      }
      if (!pending.has(target)) pending.set(target, read(target));
      const bytes = target === replicaJournal ? read(String(from)) : undefined;
      await nodeFs.rename(from, to);
      if (target === replicaJournal) replicaFlushed = bytes;
    },
  };
  return {
    fs,
    failRename: (target) => void (failOn = target),
    failed: () => didFail,
    async cut(dir, into) {
      for (const name of await readdir(dir)) {
        const from = path.join(dir, name);
        if (/\.tmp-[0-9a-f]{12}$/.test(name) || name.endsWith('.lock')) continue;
        let bytes: Buffer | undefined = pending.has(from) ? pending.get(from) : readFileSync(from);
        if (from === replicaJournal) bytes = pending.has(from) ? pending.get(from) : replicaFlushed;
        if (bytes !== undefined) await writeFile(path.join(into, name), bytes);
      }
    },
  };
}
