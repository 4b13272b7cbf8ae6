// The file engine's parts opened on a temp state, without the Store around them, for the unit tests of
// tests/store/file/*/: a counting writer that can hold or fail each kind of write, and captured logs.
import type { StateWriter } from '../../src/store/file/commit/writer.js';
import { openEngine, type Engine, type FileStoreOptions } from '../../src/store/file/start/open.js';
import { testConfig } from './helpers.js';
import { captureLog, type LogLine } from './robustness.js';

type Kind = 'append' | 'writeSnapshot' | 'resetJournal';

/** Counts the writes by kind; a held kind waits for release(kind), a failing one throws EIO once per failNext. */
export class GatedWriter implements StateWriter {
  readonly counts: Record<Kind, number> = { append: 0, writeSnapshot: 0, resetJournal: 0 };
  private readonly gates = new Map<Kind, { promise: Promise<void>; resolve: () => void; reached: boolean }>();
  private readonly failing = new Map<Kind, number>();
  private inner: StateWriter | undefined;

  readonly wrap = (disk: StateWriter): StateWriter => ((this.inner = disk), this);

  hold(kind: Kind): void {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.gates.set(kind, { promise, resolve, reached: false });
  }

  /** Whether a write of `kind` is waiting at its gate. */
  waiting(kind: Kind): boolean {
    return this.gates.get(kind)?.reached ?? false;
  }

  release(kind: Kind): void {
    this.gates.get(kind)?.resolve();
    this.gates.delete(kind);
  }

  failNext(kind: Kind, n = 1): void {
    this.failing.set(kind, n);
  }

  private async pass(kind: Kind): Promise<void> {
    this.counts[kind]++;
    const gate = this.gates.get(kind);
    if (gate) {
      gate.reached = true;
      await gate.promise;
    }
    const n = this.failing.get(kind) ?? 0;
    if (n > 0) {
      this.failing.set(kind, n - 1);
      throw Object.assign(new Error('injected I/O error'), { code: 'EIO' });
    }
  }

  async append(line: string): Promise<void> {
    await this.pass('append');
    await this.inner!.append(line);
  }

  async writeSnapshot(chunks: readonly Buffer[]): Promise<void> {
    await this.pass('writeSnapshot');
    await this.inner!.writeSnapshot(chunks);
  }

  async resetJournal(lines: string): Promise<void> {
    await this.pass('resetJournal');
    await this.inner!.resetJournal(lines);
  }

  journalIntact(): Promise<boolean> {
    return this.inner!.journalIntact();
  }

  close(): Promise<void> {
    return this.inner!.close();
  }
}

export interface OpenedEngine {
  engine: Engine;
  writer: GatedWriter;
  lines: LogLine[];
  /** Closes the journal and lets the lock go (no checkpoint: the files stay as the test left them). */
  close(): Promise<void>;
}

export async function engineAt(file: string, extra: Partial<FileStoreOptions> = {}, writer = new GatedWriter()): Promise<OpenedEngine> {
  const { log, lines } = captureLog();
  const engine = await openEngine({ config: testConfig({ SEQUENCE_FILE: file }), log, wrapWriter: writer.wrap, ...extra });
  return {
    engine,
    writer,
    lines,
    close: async () => {
      await engine.committer.idle();
      await engine.checkpointer.settled();
      await engine.writer.close();
      engine.fence.release();
    },
  };
}
