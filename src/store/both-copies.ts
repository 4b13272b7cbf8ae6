// Both state copies written durably, for the writer thread: each copy to a temp file, both temp files
// fsynced, renamed into place, then one fsync of the directory. Every call blocks (the thread does nothing
// else). The two fsyncs one after the other cost what they cost in parallel on the libuv pool (0.24 vs 0.21 ms
// on a quiet disk; the same req/s under load), without the pool's extra threads: 23 vs 28 µs of CPU per
// request outside the event loop at 64 connections (BENCHMARKS.md).
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { StatePaths } from './paths.js';

let temps = 0;

/** The temp name beside `file`: `<file>.<digits>`, the shape removeInterruptedWrites cleans up after a crash. */
const tempName = (file: string): string => `${file}.${process.pid}${String(++temps).padStart(6, '0')}`;

/** The mode of the existing copy, kept on every rewrite as write-file-atomic does; undefined for a new file. */
function existingMode(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return undefined;
  }
}

const unlinkQuietly = (file: string): void => {
  try {
    unlinkSync(file);
  } catch {
    // left for removeInterruptedWrites at the next start
  }
};

interface Temp {
  file: string;
  temp: string;
  fd: number;
}

/** Writes all of `data` (a regular file may take less than asked in one call). */
function writeAll(fd: number, data: Buffer): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}

function openTemp(file: string, data: Buffer, mode: number | undefined): Temp {
  const temp = tempName(file);
  const fd = openSync(temp, 'w');
  try {
    if (mode !== undefined) fchmodSync(fd, mode);
    writeAll(fd, data);
  } catch (e) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw e;
  }
  return { file, temp, fd };
}

function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The durable steps, in the order they happened, for tests that check none is skipped. */
export type Step = { step: 'fsync' | 'rename' | 'fsync-dir'; path: string };

export class BothCopiesWriter {
  private readonly modes = new Map<string, number | undefined>();

  constructor(
    private readonly paths: StatePaths,
    private readonly onStep: (s: Step) => void = () => undefined,
  ) {}

  private mode(file: string): number | undefined {
    if (!this.modes.has(file)) this.modes.set(file, existingMode(file));
    return this.modes.get(file);
  }

  /**
   * Returns once both copies and the directory entry are on disk; throws the failing call's errno error.
   * A removed state directory is not recreated (ENOENT, 503 until it is back): it may have vanished with
   * its volume, and a new one in its place could sit on a filesystem lost at the next restart.
   */
  write(data: Buffer): void {
    const temps: Temp[] = [];
    try {
      for (const file of [this.paths.primary, this.paths.replica]) temps.push(openTemp(file, data, this.mode(file)));
      for (const t of temps) {
        fsyncSync(t.fd);
        this.onStep({ step: 'fsync', path: t.temp });
      }
    } catch (e) {
      for (const t of temps) {
        closeSync(t.fd);
        unlinkQuietly(t.temp);
      }
      throw e;
    }
    for (const t of temps) closeSync(t.fd);
    try {
      for (const t of temps) {
        renameSync(t.temp, t.file);
        this.onStep({ step: 'rename', path: t.file });
      }
    } catch (e) {
      for (const t of temps) unlinkQuietly(t.temp);
      throw e;
    }
    fsyncDirectory(this.paths.dir);
    this.onStep({ step: 'fsync-dir', path: this.paths.dir });
  }
}
