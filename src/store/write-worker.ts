// The writer thread: receives the state text as bytes, writes both copies durably, and answers with the id
// (and the buffer, handed back for the next write) or with the errno error.
import { parentPort, workerData } from 'node:worker_threads';
import type { StatePaths } from './paths.js';
import { BothCopiesWriter } from './both-copies.js';

export interface WriteRequest {
  id: number;
  /** Transferred, not copied: the encoded state is in its first `length` bytes. */
  buffer: ArrayBuffer;
  length: number;
}

export interface WriteAnswer {
  id: number;
  /** The request's buffer, transferred back for reuse. */
  buffer: ArrayBuffer;
  error?: { message: string; code?: string; errno?: number; syscall?: string; path?: string };
}

const writer = new BothCopiesWriter(workerData as StatePaths);

async function handle({ id, buffer, length }: WriteRequest): Promise<WriteAnswer> {
  try {
    await writer.write(Buffer.from(buffer, 0, length));
    return { id, buffer };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { id, buffer, error: { message: err.message, code: err.code, errno: err.errno, syscall: err.syscall, path: err.path } };
  }
}

// One write at a time, in arrival order: a later state must land last.
let queue = Promise.resolve();
parentPort!.on('message', (request: WriteRequest) => {
  queue = queue.then(async () => {
    const answer = await handle(request);
    parentPort!.postMessage(answer, [answer.buffer]);
  });
});
