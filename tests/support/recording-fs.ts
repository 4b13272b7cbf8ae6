// An EngineFs that passes every call to node's own and records it, named by path relative to the state
// directory (a temp file's random suffix shown as ".tmp"): the durability order read without strace.
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { nodeFs, type EngineFs } from '../../src/store/file/fs.js';

export interface RecordingFs {
  fs: EngineFs;
  /** The calls in the order they completed, e.g. "fdatasync sequences.json.journal". */
  calls: string[];
  /** Adds a marker of the test's own (an answer arriving) between the calls. */
  mark(what: string): void;
  /** The calls since the last take, consecutive equal writes as one. */
  take(): string[];
}

const RECORDED = new Set(['write', 'datasync', 'sync', 'close']);

export function recordingFs(dir: string): RecordingFs {
  const calls: string[] = [];
  const names = new Map<number, string>();
  const name = (p: string): string => path.relative(dir, p).replace(/\.tmp-[0-9a-f]{12}$/, '.tmp') || '.';
  const handle = (fh: FileHandle, file: string): FileHandle =>
    new Proxy(fh, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function') return value;
        const method = value as (...args: unknown[]) => unknown;
        if (typeof key !== 'string' || !RECORDED.has(key)) return method.bind(target);
        return async (...args: unknown[]) => {
          const result = await method.apply(target, args);
          calls.push(`${key} ${file}`);
          return result;
        };
      },
    });
  const fs: EngineFs = {
    openSync(p, flags, mode) {
      const fd = nodeFs.openSync(p, flags, mode);
      names.set(fd, name(p));
      calls.push(`open ${name(p)}`);
      return fd;
    },
    writeSync(fd, data, offset, length) {
      const n = nodeFs.writeSync(fd, data, offset, length);
      calls.push(`write ${names.get(fd)}`);
      return n;
    },
    closeSync(fd) {
      nodeFs.closeSync(fd);
      calls.push(`close ${names.get(fd)}`);
    },
    async fdatasync(fd) {
      await nodeFs.fdatasync(fd);
      calls.push(`fdatasync ${names.get(fd)}`);
    },
    open: (async (p: string, flags?: number, mode?: number) => {
      const fh = await nodeFs.open(p, flags, mode);
      calls.push(`open ${name(p)}`);
      return handle(fh, name(p));
    }) as EngineFs['open'],
    async rename(from, to) {
      await nodeFs.rename(from, to);
      calls.push(`rename ${name(String(from))} ${name(String(to))}`);
    },
    stat: nodeFs.stat,
    unlink: nodeFs.unlink,
  };
  let taken = 0;
  return {
    fs,
    calls,
    mark: (what) => void calls.push(what),
    take() {
      const out = calls.slice(taken).filter((c, i, all) => !(c.startsWith('write ') && all[i - 1] === c));
      taken = calls.length;
      return out;
    },
  };
}
