// Storage faults for real: a full tmpfs (ENOSPC), a read-only remount (EROFS), the state directory removed
// under the running server. While the fault lasts every allocating request gets 503 storage_unavailable and
// hands out nothing, /healthz answers 503; once writes succeed again the service resumes by itself, and no
// value after that repeats one acknowledged before. A read-only state directory stops the start.
// Where mounts are not permitted (EPERM), the same scenarios run against a fault-injecting writer instead.
import { expect } from 'chai';
import { mkdir, readFile, rm, unlink, writeFile, open as openFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp } from '../../src/http/app.js';
import type { StateWriter } from '../../src/store/file/commit/writer.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { statePaths } from '../../src/store/file/paths.js';
import { readState } from '../../src/store/file/recovery/recover.js';
import { runServerToExit, startServerProcess, stateOnDisk, tempDir, testConfig, type ServerProcess } from '../support/helpers.js';
import { until } from '../support/helpers.js';
import { ERROR, captureLog, parseLogLines, sh, unmountQuietly, type LogLine } from '../support/robustness.js';

interface Target {
  url: string;
  logs(): LogLine[];
  stop(): Promise<void>;
}

async function realServer(file: string): Promise<Target> {
  const srv: ServerProcess = await startServerProcess({ SEQUENCE_FILE: file, LOG_LEVEL: 'info' });
  return {
    url: srv.url,
    logs: () => parseLogLines(srv.stdout()),
    async stop() {
      srv.child.kill('SIGTERM');
      expect(await srv.exited).to.equal(0);
    },
  };
}

/** The fallback where mounts are not permitted: the real writer, failing with `code` while `broken()`. */
async function injectedServer(file: string, code: () => string | undefined): Promise<Target> {
  const { log, lines } = captureLog();
  const config = testConfig({ SEQUENCE_FILE: file });
  const store = await FileStore.open({ config, log, wrapWriter: (disk) => faulty(disk, code) });
  const server = http.createServer(createApp({ store, config, log }).callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    logs: () => lines,
    async stop() {
      await new Promise((r) => server.close(r));
      await store.close();
    },
  };
}

/** The production writer, every call failing with `code()` while it returns one. */
function faulty(disk: StateWriter, code: () => string | undefined): StateWriter {
  const gate = <T>(fn: () => Promise<T>): Promise<T> => {
    const c = code();
    return c ? Promise.reject(Object.assign(new Error(`${c}: injected fault`), { code: c })) : fn();
  };
  return {
    append: (line) => gate(() => disk.append(line)),
    writeSnapshot: (chunks) => gate(() => disk.writeSnapshot(chunks)),
    resetJournal: (lines) => gate(() => disk.resetJournal(lines)),
    journalIntact: () => disk.journalIntact(),
    close: () => disk.close(),
  };
}

async function call(t: Target, method: string, p: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(t.url + p, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every allocating request and /healthz answer 503 storage_unavailable, in the problem shape, with no value. */
let putTo = 0;
async function expectUnavailable(t: Target): Promise<void> {
  putTo += 1_000_000;
  for (const [method, p, body] of [
    ['GET', '/next/a'],
    ['POST', '/next/a?count=5'],
    ['GET', '/next/brand-new'],
    ['GET', '/random'],
    ['GET', '/random?type=float&count=3'],
    ['PUT', '/sequences/a', { last_value: putTo }],
    ['GET', '/healthz'],
  ] as const) {
    const r = await call(t, method, p, body);
    expect(r.status, `${method} ${p}`).to.equal(503);
    expect(r.body).to.include({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'storage_unavailable' });
    expect(r.body).to.not.have.any.keys('next_value', 'last_value', 'number', 'numbers');
  }
}

interface Acked {
  a: number[];
  ints: number[];
}

async function handOut(t: Target, acked: Acked, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await call(t, 'GET', '/next/a');
    expect(r.status).to.equal(200);
    acked.a.push(r.body.next_value as number);
    const d = await call(t, 'GET', '/random');
    expect(d.status).to.equal(200);
    acked.ints.push(d.body.number as number);
  }
}

/** Hands out (and records) values until the first 503 storage_unavailable. */
async function untilRefused(t: Target, acked: Acked): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const r = await call(t, 'GET', '/next/a');
    if (r.status === 503) {
      expect(r.body.code).to.equal('storage_unavailable');
      return;
    }
    expect(r.status).to.equal(200);
    acked.a.push(r.body.next_value as number);
  }
  expect.fail('the full disk never refused a write');
}

/** The lock is held (taken again if it was lost): a second process on the file is refused. */
async function expectLockHeldAgain(t: Target, file: string, lost = true): Promise<void> {
  expect(t.logs().some((l) => l.event === 'lock_retaken')).to.equal(lost);
  const second = await runServerToExit({ SEQUENCE_FILE: file });
  expect(second.code).to.equal(1);
  expect(second.stderr).to.include(`another process is using ${file}`);
}

/** After resuming: /healthz is 200, values go on past everything acknowledged, nothing repeats. */
async function expectResumed(t: Target, acked: Acked, file: string): Promise<void> {
  await until('/healthz to answer 200 again', async () => (await fetch(`${t.url}/healthz`)).status === 200, 15_000, 50);
  const before = Math.max(...acked.a);
  await handOut(t, acked, 3);
  expect(acked.a.at(-3)).to.be.greaterThan(before);
  expect(new Set(acked.a).size).to.equal(acked.a.length);
  expect(new Set(acked.ints).size).to.equal(acked.ints.length);
  // Snapshot plus journal, read as a restart would.
  const onDisk = await readState(statePaths(file));
  expect(onDisk.sequences.get('a')).to.equal(acked.a.at(-1));
  // A request that got 503 may still have moved its sequence (a skip, never a repeat): the write that
  // failed may have reached one copy, so memory is never rolled back. "brand-new" was never handed out.
  expect(onDisk.sequences.get('brand-new') ?? 0).to.be.at.most(2);
  const logs = t.logs();
  // One line when the fault starts (not one per failed request), one when it ends.
  const faults = logs.filter((l) => l.event === 'storage_fault');
  expect(faults).to.have.length(1);
  expect(faults[0]!.level).to.equal(ERROR);
  expect(faults[0]!.path).to.equal(file);
  // The error code is said once ("EACCES: permission denied", not "EACCES: EACCES: …").
  expect(faults[0]!.msg).to.not.match(/\b(E[A-Z]+): \1\b/);
  const recovered = logs.filter((l) => l.event === 'storage_recovered');
  expect(recovered).to.have.length(1);
  expect(recovered[0]!.path).to.equal(file);
}

describe('robustness: storage faults', function () {
  this.timeout(60_000);
  const mounts: string[] = [];
  let mode: 'mounts' | 'injected' = 'mounts';
  let why = '';

  before(async () => {
    const probe = path.join(await tempDir(), 'probe');
    await mkdir(probe);
    try {
      // TAN_TEST_NO_MOUNTS=1 runs the fallback on purpose (to check it where mounts do work).
      if (process.env.TAN_TEST_NO_MOUNTS === '1') throw Object.assign(new Error('EPERM'), { stderr: 'EPERM (TAN_TEST_NO_MOUNTS=1)' });
      sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
      unmountQuietly(probe);
    } catch (e) {
      if (!/EPERM|permission denied|must be superuser|Operation not permitted/i.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
      mode = 'injected';
      why = String((e as { stderr?: string }).stderr ?? e).trim();
    }
    console.log(`      (storage faults run with ${mode === 'mounts' ? 'real mounts: tmpfs, bind + remount ro, rm -r' : `a fault-injecting writer (FileStoreOptions.wrapWriter): mounts are not permitted here: ${why}`})`);
  });

  afterEach(() => {
    // Unmount everything this suite mounted, even when a test failed half-way.
    for (const m of mounts.splice(0).reverse()) unmountQuietly(m);
  });

  async function mountTmpfs(size: string, extra = ''): Promise<string> {
    const dir = path.join(await tempDir(), 'tmpfs');
    await mkdir(dir);
    sh('mount', ['-t', 'tmpfs', '-o', `size=${size}${extra ? `,${extra}` : ''}`, 'tmpfs', dir]);
    mounts.push(dir);
    return dir;
  }

  async function bindMount(): Promise<{ source: string; mnt: string }> {
    const base = await tempDir();
    const source = path.join(base, 'source');
    const mnt = path.join(base, 'mnt');
    await mkdir(source);
    await mkdir(mnt);
    sh('mount', ['--bind', source, mnt]);
    mounts.push(mnt);
    return { source, mnt };
  }

  /** Fills the filesystem of `dir` until a write fails with ENOSPC; returns the filler's path. */
  async function fill(dir: string): Promise<string> {
    const filler = path.join(dir, 'filler');
    const fh = await openFile(filler, 'w');
    try {
      for (const size of [65536, 4096, 1]) {
        const chunk = Buffer.alloc(size, 1);
        for (;;) {
          try {
            await fh.write(chunk);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw e;
          }
        }
      }
    } finally {
      await fh.close().catch(() => undefined);
    }
    await writeFile(path.join(dir, 'one-more-byte'), 'x').then(
      () => expect.fail('the filesystem still takes writes'),
      (e: NodeJS.ErrnoException) => expect(e.code).to.equal('ENOSPC'),
    );
    return filler;
  }

  it('disk full (ENOSPC on a small tmpfs): 503 storage_unavailable, nothing handed out, /healthz 503; resumes once space is freed', async () => {
    let fault: string | undefined;
    const dir = mode === 'mounts' ? path.join(await mountTmpfs('256k'), 'state') : path.join(await tempDir(), 'state');
    const file = path.join(dir, 'sequences.json');
    const t = mode === 'mounts' ? await realServer(file) : await injectedServer(file, () => fault);
    try {
      const acked: Acked = { a: [], ints: [] };
      await handOut(t, acked, 3);
      const filler = mode === 'mounts' ? await fill(path.dirname(dir)) : ((fault = 'ENOSPC'), '');
      const stateBefore = await readFile(file, 'utf8');
      // An append that still fits in the journal's last allocated page succeeds, and is as durable as any:
      // values go on until the first write that needs space fails. From then on nothing is handed out.
      await untilRefused(t, acked);
      await expectUnavailable(t);
      expect(await readFile(file, 'utf8')).to.equal(stateBefore);
      expect(t.logs().find((l) => l.event === 'storage_fault')?.msg).to.include('ENOSPC');
      if (mode === 'mounts') await unlink(filler);
      else fault = undefined;
      await expectResumed(t, acked, file);
    } finally {
      await t.stop();
    }
  });

  // The kernel refuses to remount a volume read-only while the server holds its journal open for writing
  // ("mount point is busy"): a running server meets a read-only volume only as EROFS from its writes (ext4's
  // errors=remount-ro), which is what the injection gives, through the production writer.
  it('read-only volume (EROFS from every write, longer than any timeout): 503 while read-only; resumes once writable, the lock held throughout', async () => {
    let fault: string | undefined;
    const file = path.join(await tempDir(), 'sequences.json');
    const t = await injectedServer(file, () => fault);
    try {
      const acked: Acked = { a: [], ints: [] };
      await handOut(t, acked, 3);
      fault = 'EROFS';
      await expectUnavailable(t);
      expect(t.logs().find((l) => l.event === 'storage_fault')?.msg).to.include('EROFS');
      // Past the old lock's 2 s staleness (a real wait: the point is time passing): an flock has no timeout.
      await new Promise((r) => setTimeout(r, 2500));
      await expectUnavailable(t);
      fault = undefined;
      await expectResumed(t, acked, file);
      expect(t.logs().some((l) => l.event === 'lock_compromised')).to.equal(false);
      await expectLockHeldAgain(t, file, false);
    } finally {
      await t.stop();
    }
  });

  it('state directory removed under the running server: 503 until it is back (not silently recreated); then resumes and holds the lock again', async () => {
    const dir = path.join(await tempDir(), 'state');
    const file = path.join(dir, 'sequences.json');
    const t = await realServer(file);
    try {
      const acked: Acked = { a: [], ints: [] };
      await handOut(t, acked, 3);
      await rm(dir, { recursive: true });
      await expectUnavailable(t);
      expect(t.logs().find((l) => l.event === 'storage_fault')?.msg).to.include('ENOENT');
      // Not recreated behind the operator's back: it may have vanished with its volume.
      await readFile(file).then(
        () => expect.fail('the state directory was recreated'),
        (e: NodeJS.ErrnoException) => expect(e.code).to.equal('ENOENT'),
      );
      await mkdir(dir);
      await expectResumed(t, acked, file);
      await expectLockHeldAgain(t, file);
    } finally {
      await t.stop();
    }
  });

  it('lock lost while the directory was gone and another process wrote the state meanwhile: this one stops writing (fenced), 503', async () => {
    const dir = path.join(await tempDir(), 'state');
    const file = path.join(dir, 'sequences.json');
    const t = await realServer(file);
    try {
      const acked: Acked = { a: [], ints: [] };
      await handOut(t, acked, 2);
      await rm(dir, { recursive: true });
      await until('the lost lock to be noticed', () => t.logs().some((l) => l.event === 'lock_compromised'), 10_000, 50);
      // A second process takes the free file, writes its own state and stops.
      const other = await startServerProcess({ SEQUENCE_FILE: file });
      expect((await fetch(`${other.url}/next/other`)).status).to.equal(200);
      other.child.kill('SIGTERM');
      expect(await other.exited).to.equal(0);
      const written = await readFile(file, 'utf8');
      // The first process may not overwrite what the other wrote: it refuses, and stays refusing.
      for (let i = 0; i < 2; i++) await expectUnavailable(t);
      const fenced = t.logs().filter((l) => l.event === 'lock_fenced');
      expect(fenced).to.have.length(1);
      expect(fenced[0]!.level).to.equal(60);
      expect(fenced[0]!.msg).to.include('restart this process');
      expect(await readFile(file, 'utf8')).to.equal(written);
    } finally {
      await t.stop();
    }
  });

  it('a read-only state directory at start stops the start with a clear message and changes nothing', async () => {
    // Root ignores file modes, so only a read-only mount makes a directory unwritable here; without mounts
    // the first write of the start fails by injection instead.
    if (mode === 'injected') {
      const file = path.join(await tempDir(), 'sequences.json');
      const failed = await FileStore.open({ config: testConfig({ SEQUENCE_FILE: file }), log: captureLog().log, wrapWriter: (disk) => faulty(disk, () => 'EROFS') }).then(
        () => expect.fail('the start went on'),
        (e: Error) => e,
      );
      expect(failed.message).to.equal(`cannot write the state file ${file}: EROFS: injected fault`);
      return;
    }
    const bind = await bindMount();
    const file = path.join(bind.mnt, 'sequences.json');
    const s = await startServerProcess({ SEQUENCE_FILE: file });
    expect((await fetch(`${s.url}/next/a`)).status).to.equal(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).to.equal(0);
    const before = await readFile(file, 'utf8');
    sh('mount', ['-o', 'remount,ro,bind', bind.mnt]);
    for (const f of [file, path.join(bind.mnt, 'fresh', 'sequences.json')]) {
      const r = await runServerToExit({ SEQUENCE_FILE: f });
      expect(r.code).to.equal(1);
      expect(r.stdout).to.not.include('LISTENING');
      expect(r.stderr).to.match(/^take-a-number: cannot (create|write) the state directory /);
      expect(r.stderr).to.include(
        path.dirname(f) === bind.mnt
          ? `cannot write the state directory ${bind.mnt}: it is on a read-only file system; mount a writable volume there`
          : `cannot create the state directory ${path.dirname(f)}: EROFS: read-only file system`,
      );
      expect(r.stderr.trim().split('\n')).to.have.length(1);
    }
    expect(await readFile(file, 'utf8')).to.equal(before);
  });

  it('a checkpoint that cannot be written (no inode left for its temp file): answers go on from the journal, logged once, retried until it succeeds', async function () {
    if (mode === 'injected') {
      // Without mounts: the snapshot write fails by injection while appends go through.
      let failing = false;
      const file = path.join(await tempDir(), 'sequences.json');
      const { log, lines } = captureLog();
      const store = await FileStore.open({
        config: testConfig({ SEQUENCE_FILE: file }),
        log,
        checkpointBytes: 300,
        wrapWriter: (disk) => ({ ...faulty(disk, () => undefined), writeSnapshot: (c) => (failing ? Promise.reject(Object.assign(new Error('ENOSPC: injected'), { code: 'ENOSPC' })) : disk.writeSnapshot(c)) }),
      });
      failing = true;
      return checkpointFault(store, lines, file, () => (failing = false));
    }
    const dir = path.join(await mountTmpfs('1m', 'nr_inodes=16'), 'state');
    const file = path.join(dir, 'sequences.json');
    const { log, lines } = captureLog();
    const store = await FileStore.open({ config: testConfig({ SEQUENCE_FILE: file }), log, checkpointBytes: 300 });
    // Every inode left taken: appends to the open journal still work, a new temp file cannot be made.
    const fillers: string[] = [];
    for (let i = 0; ; i++) {
      const f = path.join(path.dirname(dir), `inode-${i}`);
      const made = await writeFile(f, '').then(
        () => true,
        (e: NodeJS.ErrnoException) => (expect(e.code).to.equal('ENOSPC'), false),
      );
      if (!made) break;
      fillers.push(f);
    }
    return checkpointFault(store, lines, file, () => Promise.all(fillers.map((f) => unlink(f))));
  });
});

async function checkpointFault(store: FileStore, lines: LogLine[], file: string, free: () => unknown): Promise<void> {
  try {
    const snapshot = await readFile(file, 'utf8');
    // Far past the journal bound: every commit after the first failed checkpoint may retry it.
    for (let i = 1; i <= 40; i++) expect(await store.next('a', 1)).to.deep.equal({ first: i, last: i });
    await store.settled();
    expect(await readFile(file, 'utf8'), 'no checkpoint reached the snapshot').to.equal(snapshot);
    const failed = lines.filter((l) => l.event === 'checkpoint_failed');
    expect(failed, 'one error line for the failing checkpoints').to.have.length(1);
    expect(failed[0]!.level).to.equal(ERROR);
    expect(failed[0]!.msg).to.include('ENOSPC');
    expect(lines.some((l) => l.event === 'storage_fault')).to.equal(false);
    expect((await stateOnDisk(file)).sequences).to.deep.equal({ a: 40 });
    expect(await store.health()).to.deep.equal({ ok: true });
    await free();
    // Retried by the commits that follow (once a second has passed since the last try): a condition, polled.
    let i = 40;
    await until('a checkpoint to succeed again', async () => {
      expect(await store.next('a', 1)).to.deep.equal({ first: ++i, last: i });
      await store.settled();
      return lines.some((l) => l.event === 'checkpoint_recovered');
    }, 15_000, 50);
    expect((JSON.parse(await readFile(file, 'utf8')) as { sequences: Record<string, number> }).sequences.a).to.be.at.least(40);
    expect((await stateOnDisk(file)).sequences).to.deep.equal({ a: i });
  } finally {
    await store.close();
  }
}
