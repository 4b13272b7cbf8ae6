// The writer thread: receives the state text (a string when small, else bytes in a transferred buffer),
// writes both copies durably, and answers with the id (and the buffer, handed back) or the errno error.
import { parentPort, workerData } from 'node:worker_threads';
import type { StatePaths } from './paths.js';
import { BothCopiesWriter } from './both-copies.js';

export type WriteRequest =
  | { id: number; text: string }
  /** Transferred, not copied: the encoded state is in its first `length` bytes. */
  | { id: number; buffer: ArrayBuffer; length: number };

export interface WriteAnswer {
  id: number;
  /** The request's buffer, if it had one, transferred back for reuse. */
  buffer?: ArrayBuffer;
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

const writer = new BothCopiesWriter(workerData as StatePaths);

function handle(request: WriteRequest): WriteAnswer {
  const { id } = request;
  const buffer = 'buffer' in request ? request.buffer : undefined;
  try {
    writer.write('text' in request ? Buffer.from(request.text) : Buffer.from(request.buffer, 0, request.length));
    return { id, buffer };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { id, buffer, error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } };
  }
}

// One write at a time, in arrival order (the write blocks): a later state must land last.
parentPort!.on('message', (request: WriteRequest) => {
  const answer = handle(request);
  parentPort!.postMessage(answer, answer.buffer ? [answer.buffer] : []);
});
