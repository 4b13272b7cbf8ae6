// One live process per state, however long it is paused or busy: a second server refuses to start while the
// first is stopped with SIGSTOP (longer than any timeout the old lock had) or while its event loop is
// blocked; the first then resumes, and no value repeats.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stopChild } from '../../bench/children.js';
import { MAIN_JS, openFileStore, runServerToExit, startServerProcess, tempDir } from '../support/helpers.js';

describe('robustness: ownership (flock on <state>.lock)', function () {
  this.timeout(60_000);

  it('flock is never found through PATH: a fake flock early in PATH (it "succeeds" without locking) cannot let a second server in', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'flock'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const first = await startServerProcess({ SEQUENCE_FILE: file });
    try {
      const second = await runServerToExit({ SEQUENCE_FILE: file, PATH: `${bin}:${process.env.PATH ?? ''}` });
      expect(second.code).to.equal(1);
      expect(second.stdout + second.stderr).to.include('another process is using');
    } finally {
      expect(await stopChild(first)).to.equal(0);
    }
  });

  it('SIGSTOP longer than any timeout: a second server refuses to start; the first resumes; nothing repeats', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const first = await startServerProcess({ SEQUENCE_FILE: file });
    try {
      const next = async (url: string): Promise<number> => ((await (await fetch(`${url}/next/a`)).json()) as { next_value: number }).next_value;
      expect([await next(first.url), await next(first.url)]).to.deep.equal([1, 2]);
      first.child.kill('SIGSTOP');
      // Past the 2 s after which the old lock counted as stale: time passing is the point here, not a stand-in.
      await new Promise((r) => setTimeout(r, 2500));
      const second = await runServerToExit({ SEQUENCE_FILE: file });
      expect(second.code).to.equal(1);
      expect(second.stdout).to.not.include('LISTENING');
      expect(second.stderr).to.include(`another process is using ${file}`);
      first.child.kill('SIGCONT');
      expect(await next(first.url)).to.equal(3);
    } finally {
      first.child.kill('SIGCONT');
      first.child.kill('SIGTERM');
      expect(await first.exited).to.equal(0);
    }
    const after = await startServerProcess({ SEQUENCE_FILE: file });
    expect(await (await fetch(`${after.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: 4 });
    after.child.kill('SIGTERM');
    expect(await after.exited).to.equal(0);
  });

  it('a blocked event loop (3 s of synchronous work in the owner): a second server started meanwhile refuses; the owner goes on', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const store = await openFileStore(file);
    try {
      expect(await store.next('a', 1)).to.deep.equal({ first: 1, last: 1 });
      const child = spawn(process.execPath, [MAIN_JS, '--port', '0', '--host', '127.0.0.1'], { env: { ...process.env, SEQUENCE_FILE: file, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      // This process's loop blocked while the child starts and tries the lock (it cannot refresh anything now).
      const until = Date.now() + 3000;
      while (Date.now() < until) {
        // busy: the owner's event loop does not turn
      }
      expect(await exited).to.equal(1);
      expect(stderr).to.include(`another process is using ${file}`);
      expect(await store.next('a', 1)).to.deep.equal({ first: 2, last: 2 });
    } finally {
      await store.close();
    }
    // Closed: the state is free again, and continues.
    const after = await startServerProcess({ SEQUENCE_FILE: file });
    expect(await (await fetch(`${after.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: 3 });
    after.child.kill('SIGTERM');
    expect(await after.exited).to.equal(0);
  });
});
