// A StateWriter whose fsyncs and renames run on a worker thread, so the event loop keeps serving requests
// during the many blocking calls of a durable write. A small text is copied across as a string (cheapest);
// a large one crosses as bytes in a transferred buffer that comes back with the answer, so no state-sized
// copy lands on the thread's heap per commit.
import { Worker } from 'node:worker_threads';
import type { StateWriter } from './durable-writer.js';
import type { StatePaths } from './paths.js';
import type { WriteAnswer, WriteRequest } from './write-worker.js';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Rebuilds the worker's error on this side with its errno fields, so callers see e.g. code "ENOSPC". */
function errnoError(e: NonNullable<WriteAnswer['error']>): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(e.message);
  if (e.code !== undefined) err.code = e.code;
  if (e.errno !== undefined) err.errno = e.errno;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.path !== undefined) err.path = e.path;
  return err;
}

export interface WorkerWriterOptions {
  /** An idle thread is stopped after this long (its memory freed) and restarted by the next write, ~35 ms. */
  idleMs?: number;
  /** Called when an idle thread has stopped (for tests). */
  onIdleStop?: () => void;
}

const IDLE_MS = 30_000;
// Below this many characters a copied string is cheaper than encoding and transferring (measured: ~9 % more
// req/s at 10 sequences); above it the thread's heap would fill with state-sized strings.
const COPY_LIMIT = 32 * 1024;

export class WorkerWriter implements StateWriter {
  private worker: Worker | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private ids = 0;
  private closed = false;
  /** The buffer back from the last write, reused by the next. */
  private spare: ArrayBuffer | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly paths: StatePaths,
    private readonly options: WorkerWriterOptions = {},
  ) {}

  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.worker !== worker || this.waiters.size > 0) return;
      this.worker = undefined;
      void worker.terminate().then(() => this.options.onIdleStop?.());
    }, this.options.idleMs ?? IDLE_MS);
    // The timer must not keep the process alive either.
    this.idleTimer.unref();
  }

  private start(): Worker {
    // A small young generation: the thread's garbage is short-lived message copies, and its headroom is RSS.
    const worker = new Worker(new URL('./write-worker.js', import.meta.url), { workerData: this.paths, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.on('message', (answer: WriteAnswer) => {
      const waiter = this.waiters.get(answer.id);
      if (!waiter) return;
      this.waiters.delete(answer.id);
      if (answer.buffer) this.spare = answer.buffer;
      // An idle writer must not keep the process alive; a busy one must, or a write could be cut short.
      if (this.waiters.size === 0) {
        worker.unref();
        this.stopWhenIdle(worker);
      }
      if (answer.error) waiter.reject(errnoError(answer.error));
      else waiter.resolve();
    });
    const lost = (why: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const w of this.waiters.values()) w.reject(why);
      this.waiters.clear();
    };
    worker.on('error', (e: Error) => lost(Object.assign(new Error(`the writer thread failed: ${e.message}`), { code: 'EWRITER' })));
    worker.on('exit', (code) => lost(Object.assign(new Error(`the writer thread exited (${code})`), { code: 'EWRITER' })));
    worker.unref();
    return worker;
  }

  write(text: string): Promise<void> {
    return this.writePieces([text]);
  }

  /** Encodes the pieces into the spare buffer (or a bigger one) and hands it to the thread. */
  private encode(pieces: readonly string[]): { buffer: ArrayBuffer; length: number } {
    let bytes = 0;
    for (const p of pieces) bytes += Buffer.byteLength(p);
    let buffer = this.spare;
    this.spare = undefined;
    if (!buffer || buffer.byteLength < bytes) buffer = new ArrayBuffer(Math.max(bytes, 64 * 1024, 2 * (buffer?.byteLength ?? 0)));
    const view = Buffer.from(buffer);
    let length = 0;
    for (const p of pieces) length += view.write(p, length);
    return { buffer, length };
  }

  writePieces(pieces: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(Object.assign(new Error('the writer is closed'), { code: 'EWRITER' }));
    // A writer thread that died is replaced: the next commit starts a new one.
    clearTimeout(this.idleTimer);
    const worker = (this.worker ??= this.start());
    const id = ++this.ids;
    let chars = 0;
    for (const p of pieces) chars += p.length;
    return new Promise<void>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
      worker.ref();
      if (chars <= COPY_LIMIT) worker.postMessage({ id, text: pieces.join('') } satisfies WriteRequest);
      else {
        const { buffer, length } = this.encode(pieces);
        worker.postMessage({ id, buffer, length } satisfies WriteRequest, [buffer]);
      }
    });
  }

  /** Terminates the writer thread; a write still in flight is rejected. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
