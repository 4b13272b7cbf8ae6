// Test support: an app served on 127.0.0.1:0, problem-document checks, a held writer, and a bounded poll for conditions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type Koa from 'koa';
import type { Response } from 'supertest';
import { fileApp, openFileStore, testConfig } from './helpers.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import type { FileStore, FileStoreOptions } from '../../src/store/file/file-store.js';
import type { StateWriter } from '../../src/store/file/commit/writer.js';

export interface Served {
  url: string;
  store: FileStore;
  file: string;
  close: () => Promise<void>;
}

/** Serves a Koa app on 127.0.0.1 and a free port. */
export async function listen(app: Koa): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** fileApp() served on 127.0.0.1:0; close() stops the server and releases the store. */
export async function serveFileApp(env: Record<string, string> = {}, extra: Partial<FileStoreOptions> = {}): Promise<Served> {
  const f = await fileApp(env, extra);
  const s = await listen(f.app);
  return {
    url: s.url,
    store: f.store,
    file: f.file,
    close: async () => {
      await s.close();
      await f.close();
    },
  };
}

/**
 * A fresh served file app for every test of the enclosing describe, closed after it. The returned object is
 * refilled before each test, so tests read `s.url` as usual.
 */
export function servedPerTest(env: Record<string, string> = {}): Served {
  const current = {} as Served;
  beforeEach(async () => {
    Object.assign(current, await serveFileApp(env));
  });
  afterEach(async () => {
    await current.close();
  });
  return current;
}

/** An app on a FileStore at a given file (for restarts and injected writers), served on 127.0.0.1:0. */
export async function serveFile(file: string, env: Record<string, string> = {}, extra: Partial<FileStoreOptions> = {}): Promise<Served> {
  const store = await openFileStore(file, env, extra);
  const app = createApp({ store, config: testConfig({ SEQUENCE_FILE: file, ...env }), log: silentLogger() });
  const s = await listen(app);
  return {
    url: s.url,
    store,
    file,
    close: async () => {
      await s.close();
      await store.close();
    },
  };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

/** Asserts an RFC 9457 problem document with exactly the base keys plus `extraKeys`; returns the body. */
export function expectProblem(res: Response, status: number, code: string, extraKeys: string[] = []): Record<string, unknown> {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json(;|$)/);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).to.deep.equal(['code', 'detail', 'status', 'title', 'type', ...extraKeys].sort());
  expect(body.type).to.equal('about:blank');
  expect(body.title).to.equal(TITLES[status]);
  expect(body.status).to.equal(status);
  expect(body.code).to.equal(code);
  expect(body.detail).to.be.a('string');
  expect((body.detail as string).length).to.be.greaterThan(0);
  return body;
}

/** Lets pending I/O callbacks and microtasks run (not a sleep: no timer). */
export async function yieldToEventLoop(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Wraps the production writer: counts journal appends, can hold them open until release(), and can fail the
 * next ones. Appends that start while held wait for release() before reaching the disk.
 */
export class ControlledWriter implements StateWriter {
  writes = 0;
  started = 0;
  private gate: { promise: Promise<void>; resolve: () => void } | null = null;
  private failures = 0;
  /** Set by wrap() when the store opens. */
  inner: StateWriter | undefined;

  /** For FileStoreOptions.wrapWriter. */
  readonly wrap = (disk: StateWriter): StateWriter => {
    this.inner = disk;
    return this;
  };

  hold(): void {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.gate = { promise, resolve };
  }

  release(): void {
    const g = this.gate;
    this.gate = null;
    g?.resolve();
  }

  failNext(n = 1): void {
    this.failures = n;
  }

  private async pass(): Promise<void> {
    this.started++;
    if (this.gate) await this.gate.promise;
    if (this.failures > 0) {
      this.failures--;
      throw Object.assign(new Error('injected I/O error'), { code: 'EIO' });
    }
  }

  async append(line: string): Promise<void> {
    await this.pass();
    await this.inner!.append(line);
    this.writes++;
  }

  /** A checkpoint a commit writes (after a failure) goes through the same gate. */
  async writeSnapshot(chunks: readonly Buffer[]): Promise<void> {
    await this.pass();
    await this.inner!.writeSnapshot(chunks);
    this.writes++;
  }

  journalIntact(): Promise<boolean> {
    return this.inner!.journalIntact();
  }

  resetJournal(lines: string): Promise<void> {
    return this.inner!.resetJournal(lines);
  }

  close(): Promise<void> {
    return this.inner!.close();
  }
}
