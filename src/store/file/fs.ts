// The file calls the engine writes its state with, in one object. Production passes node's own; a test
// passes a wrapper that records them and checks the order that makes a commit durable without strace.
import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';

export interface EngineFs {
  openSync(path: string, flags: number, mode: number): number;
  writeSync(fd: number, data: Buffer, offset: number, length: number): number;
  closeSync(fd: number): void;
  fdatasync(fd: number): Promise<void>;
  /** The handle's write, chmod, datasync, sync and close are the calls a wrapper records. */
  open: typeof open;
  rename: typeof rename;
  stat: typeof stat;
  unlink: typeof unlink;
}

export const nodeFs: EngineFs = { openSync, writeSync, closeSync, fdatasync: promisify(fdatasync), open, rename, stat, unlink };
