// "Durable before sent", checked from outside the process with strace: for the one request, its journal
// record is written to both journal copies and the primary fdatasynced before the first byte of the reply,
// with no rename on the request path; at the stop's checkpoint each snapshot copy is fsynced and renamed,
// the directory fsynced, and only then are the journal copies switched. The same order is counted without
// strace, through an injected fs, in tests/store/file/durability-order.test.ts.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MAIN_JS, tempDir } from '../support/helpers.js';
import { until } from '../support/helpers.js';
import { parseLogLines } from '../support/robustness.js';

interface Call {
  pid: string;
  name: string;
  args: string;
  ret: string;
  /** Line index where the call started and where it returned (strace prints in kernel order). */
  start: number;
  end: number;
}

/** Parses `strace -f -tt` output, joining "<unfinished ...>" with "<... resumed>". */
function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  const pending = new Map<string, { name: string; args: string; start: number }>();
  text.split('\n').forEach((line, i) => {
    const m = /^(\d+)\s+\S+\s+(.*)$/.exec(line);
    if (!m) return;
    const [, pid, rest] = m as unknown as [string, string, string];
    let u = /^(\w+)\((.*) <unfinished \.\.\.>$/.exec(rest);
    if (u) return void pending.set(pid, { name: u[1]!, args: u[2]!, start: i });
    u = /^<\.\.\. (\w+) resumed>(.*)\)\s+= (.*)$/.exec(rest);
    if (u) {
      const p = pending.get(pid);
      pending.delete(pid);
      if (p && p.name === u[1]) calls.push({ pid, name: p.name, args: p.args + u[2], ret: u[3]!, start: p.start, end: i });
      return;
    }
    u = /^(\w+)\((.*)\)\s+= (.*)$/.exec(rest);
    if (u) calls.push({ pid, name: u[1]!, args: u[2]!, ret: u[3]!, start: i, end: i });
  });
  return calls;
}

const fdOf = (c: Call): string => /^(\d+)/.exec(c.args)?.[1] ?? '';
const quoted = (s: string): string => JSON.stringify(s);

// strace is a system tool: CI installs it and sets REQUIRE_STRACE=1; elsewhere its absence is said, not hidden.
const STRACE = '/usr/bin/strace';
const haveStrace = existsSync(STRACE);
if (!haveStrace && process.env.REQUIRE_STRACE !== '1')
  console.log(`durability-order test NOT RUN: ${STRACE} is missing; install it (apt-get install strace) to run it`);

(haveStrace || process.env.REQUIRE_STRACE === '1' ? describe : () => undefined)('robustness: durability order seen by strace', function () {
  this.timeout(30_000);

  it('journal append + fdatasync before the reply; snapshot fsync → rename → directory fsync before the journal is cut', async () => {
    const dir = path.join(await tempDir(), 'state');
    const file = path.join(dir, 'sequences.json');
    const tracePath = path.join(path.dirname(dir), 'trace.txt');
    const strace = spawn(
      STRACE,
      ['-f', '-tt', '-s', '4096', '-o', tracePath, '-e', 'trace=openat,close,read,fsync,fdatasync,rename,renameat,renameat2,write,writev,sendto', process.execPath, MAIN_JS],
      {
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SEQUENCE_FILE: file, LOG_LEVEL: 'info', TAKE_A_NUMBER_ANNOUNCE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    strace.stdout.on('data', (d: Buffer) => (out += d.toString()));
    strace.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const straceExited = new Promise<number | string>((r) => strace.once('exit', (c, s) => r(c ?? s ?? -1)));
    let serverPid: number | undefined;
    try {
      const listening = await until('the traced server to listen', () => parseLogLines(out).find((l) => l.event === 'listening') ?? (err.includes('strace:') && !err.includes('Process') ? Promise.reject(new Error(err)) : undefined), 20_000);
      serverPid = listening.pid as number;
      const res = await fetch(`${listening.url as string}/next/foo`);
      expect(await res.json()).to.deep.equal({ sequence_id: 'foo', next_value: 1 });
    } finally {
      // End the traced server (our grandchild, by the PID it logged); strace exits with it.
      if (serverPid !== undefined) process.kill(serverPid, 'SIGTERM');
      else strace.kill('SIGTERM');
    }
    expect(await straceExited).to.equal(0);

    const calls = parseTrace(await readFile(tracePath, 'utf8'));
    const ok = (c: Call): boolean => !c.ret.startsWith('-1');
    const request = calls.find((c) => c.name === 'read' && c.args.includes('GET /next/foo HTTP/1.1'));
    expect(request, 'the request was read from the socket').to.not.equal(undefined);
    const response = calls.find((c) => ['write', 'writev', 'sendto'].includes(c.name) && c.args.includes('HTTP/1.1 200 OK'));
    expect(response, 'the response was written to the socket').to.not.equal(undefined);
    expect(response!.args).to.include('{\\"sequence_id\\":\\"foo\\",\\"next_value\\":1}');
    const W = response!.start;
    /** The path the descriptor `fd` was last opened as, before line `at`. */
    const pathOf = (fd: string, at: number): string | undefined =>
      /"([^"]+)"/.exec(calls.filter((o) => o.name === 'openat' && o.ret.trim() === fd && o.end < at).at(-1)?.args ?? '')?.[1];

    // 1. The commit: its record appended to both journal copies, the primary fdatasynced, all before the reply.
    const record = '{\\"g\\":1,\\"seq\\":{\\"foo\\":1}';
    const appends = calls.filter((c) => c.name === 'write' && c.args.includes(record) && ok(c) && c.start > request!.end);
    expect(appends.map((c) => pathOf(fdOf(c), c.start))).to.deep.equal([`${file}.journal`, `${file}.journal.replica`]);
    for (const a of appends) expect(a.end, 'the record is written before the reply').to.be.below(W);
    const flush = calls.find((c) => c.name === 'fdatasync' && fdOf(c) === fdOf(appends[0]!) && c.ret.trim() === '0' && c.start > appends[0]!.end);
    expect(flush, `fdatasync of ${file}.journal after the append`).to.not.equal(undefined);
    expect(flush!.end, 'the record is on disk before the first byte of the reply').to.be.below(W);
    for (const c of calls.filter((x) => x.start > request!.end && x.end < W)) expect(c.name, 'no rename on the request path').to.not.match(/^rename/);

    // 2. The checkpoint at stop: each snapshot copy fsynced then renamed, the directory fsynced after both,
    // and only then the journal copies switched (renamed), then the directory fsynced again.
    const renameOnto = (target: string): Call | undefined => calls.filter((c) => /^rename/.test(c.name) && ok(c) && c.args.includes(`, ${quoted(target)}`) && c.start > W).at(-1);
    const snapshotRenames: Call[] = [];
    for (const target of [file, `${file}.replica`]) {
      const rename = renameOnto(target);
      expect(rename, `a rename onto ${target} at the stop's checkpoint`).to.not.equal(undefined);
      const tmp = /"([^"]+)"/.exec(rename!.args)![1]!;
      expect(tmp.startsWith(`${target}.tmp-`)).to.equal(true);
      const open = calls.filter((c) => c.name === 'openat' && c.args.includes(quoted(tmp)) && /O_EXCL/.test(c.args) && /O_NOFOLLOW/.test(c.args) && ok(c) && c.end < rename!.start).at(-1);
      expect(open, `${tmp} created (O_EXCL, O_NOFOLLOW) before its rename`).to.not.equal(undefined);
      const fd = open!.ret.trim();
      const sync = calls.find((c) => (c.name === 'fsync' || c.name === 'fdatasync') && fdOf(c) === fd && c.ret.trim() === '0' && c.start > open!.end && c.end < rename!.start);
      expect(sync, `fsync of ${tmp} before it was renamed onto ${target}`).to.not.equal(undefined);
      snapshotRenames.push(rename!);
    }
    const dirSyncAfter = (at: number): Call | undefined =>
      calls.find((c) => c.name === 'fsync' && c.ret.trim() === '0' && c.start > at && pathOf(fdOf(c), c.start) === dir);
    const dirSync = dirSyncAfter(Math.max(...snapshotRenames.map((r) => r.end)));
    expect(dirSync, `an fsync of ${dir} after both snapshot renames`).to.not.equal(undefined);
    for (const target of [`${file}.journal`, `${file}.journal.replica`]) {
      const rename = renameOnto(target);
      expect(rename, `the journal copy ${target} switched at the checkpoint`).to.not.equal(undefined);
      expect(rename!.start, `${target} is cut only after the snapshot and its directory entry are durable`).to.be.above(dirSync!.end);
    }
    expect(dirSyncAfter(renameOnto(`${file}.journal.replica`)!.end), 'the switched journal is made durable by a directory fsync').to.not.equal(undefined);
  });
});
