// `take-a-number lease run` against real server processes, with real signals: a holder frozen past its ttl
// and quarantine loses its number to another holder with a higher fence, its stale write is refused by a
// fenced resource, and its wrapper stops the command once it runs again; a server that goes away (kill -9)
// gets the command SIGTERM before the expiry the server last answered.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, startServerProcess, tempDir, until, type ServerProcess } from '../support/helpers.js';
import { FencedResource, RecordingProxy, writeLeaseChild } from '../support/leases.js';

const CLI_JS = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');

interface Wrapper {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | string>;
}

function leaseRun(url: string, args: string[], env: Record<string, string>): Wrapper {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAKE_A_NUMBER_')));
  const child = spawn(process.execPath, [CLI_JS, 'lease', 'run', ...args], { env: { ...clean, TAKE_A_NUMBER_URL: url, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr, exited: new Promise((resolve) => child.once('exit', (c, s) => resolve(c ?? s ?? -1))) };
}

async function acquire(url: string, holder: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/lease-pools/slots/acquire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ holder }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function definePool(url: string, definition: Record<string, number>): Promise<void> {
  const res = await fetch(`${url}/lease-pools/slots`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(definition) });
  expect(res.status).to.equal(201);
}

describe('take-a-number lease run', function () {
  this.timeout(60_000);
  const servers: ServerProcess[] = [];
  const pids: number[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    // Only what this test started: a frozen process is continued so it can die.
    for (const pid of pids.splice(0)) {
      for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
        try {
          process.kill(pid, signal);
        } catch {
          /* already gone */
        }
      }
    }
    for (const s of servers.splice(0)) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    for (const close of closers.splice(0)) await close();
  });

  it('a holder frozen past ttl + quarantine: another holder gets its number with fence f+1, the fenced resource refuses the stale write, and the continued wrapper SIGTERMs its command', async () => {
    const dir = await tempDir();
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json') });
    servers.push(srv);
    await definePool(srv.url, { min: 7, max: 7, ttl: 2, quarantine: 1 });
    const resource = await FencedResource.start();
    closers.push(() => resource.close());
    const termFile = path.join(dir, 'term-a');
    const wrapper = leaseRun(srv.url, ['slots', '--holder', 'a', '--ttl', '2', '--', process.execPath, await writeLeaseChild(dir)], {
      RESOURCE_URL: resource.url,
      WHO: 'a',
      TERM_FILE: termFile,
      EXIT_ON_TERM: '42',
    });
    pids.push(wrapper.child.pid!);
    const first = await until('the command to write under its lease', () => resource.writes.find((w) => w.who === 'a' && w.accepted));
    pids.push(first.pid);
    expect(first.fence).to.equal(1);
    // One renewal at least (the acquire's expiry is at most the first write plus the ttl): the wrapper renews.
    await until('a renewal', async () => Date.parse(((await (await fetch(`${srv.url}/lease-pools/slots/leases`)).json()) as { leases: { expires_at: string }[] }).leases[0]!.expires_at) > first.at + 2000, 5000);

    // Freeze both: the wrapper cannot renew, the command cannot act.
    process.kill(wrapper.child.pid!, 'SIGSTOP');
    process.kill(first.pid, 'SIGSTOP');
    const frozenAt = Date.now();
    const b = await until('another holder to get the number', async () => {
      const r = await acquire(srv.url, 'b');
      if (r.status === 201) return r.body;
      expect(r.body.code).to.equal('leases_exhausted');
      return undefined;
    }, 15_000, 100);
    expect([b.number, b.fence]).to.deep.equal([7, 2]);
    // Not before the lease's ttl and its quarantine had passed.
    expect(Date.now() - frozenAt).to.be.at.least(1000);
    const bWrite = await fetch(`${resource.url}/?who=b&fence=${String(b.fence)}&pid=0`, { method: 'POST' });
    expect(bWrite.status).to.equal(200);

    // The command runs again before its wrapper: its stale write reaches the resource, which refuses it.
    const wroteBefore = resource.writes.length;
    process.kill(first.pid, 'SIGCONT');
    const stale = await until('the stale holder to write', () => resource.writes.slice(wroteBefore).find((w) => w.who === 'a'));
    expect([stale.fence, stale.accepted, resource.highest]).to.deep.equal([1, false, 2]);

    // The wrapper runs again: it finds its lease lost (or its deadline past) and stops the command.
    process.kill(wrapper.child.pid!, 'SIGCONT');
    expect(await wrapper.exited).to.equal(42);
    const termAt = Number(await readFile(termFile, 'utf8'));
    expect(termAt).to.be.above(frozenAt);
    expect(wrapper.stderr()).to.match(/take-a-number: lease 7 of slots (is lost|could not be renewed before its deadline).*sending SIGTERM/);
    // Its release does not touch the number's new lease.
    expect(wrapper.stderr()).to.match(/could not release lease 7 of slots .*lease_lost/);
    // Every write of the first holder after the second holder's first write was refused.
    const bAt = resource.writes.find((w) => w.who === 'b')!.at;
    expect(resource.writes.filter((w) => w.who === 'a' && w.at >= bAt).map((w) => [w.fence, w.accepted])).to.deep.include([1, false]);
    expect(resource.writes.filter((w) => w.who === 'a' && w.at >= bAt && w.accepted)).to.deep.equal([]);
    const leases = ((await (await fetch(`${srv.url}/lease-pools/slots/leases`)).json()) as { leases: { number: number; holder: string; fence: number }[] }).leases;
    expect(leases.map((l) => [l.number, l.holder, l.fence])).to.deep.equal([[7, 'b', 2]]);
  });

  it('the server killed (kill -9): the command gets SIGTERM before the expiry the server last answered, and the wrapper exits with its code', async () => {
    const dir = await tempDir();
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json') });
    servers.push(srv);
    await definePool(srv.url, { min: 0, max: 3, ttl: 3, quarantine: 3 });
    const proxy = await RecordingProxy.start(srv.url);
    closers.push(() => proxy.close());
    const termFile = path.join(dir, 'term');
    const wrapper = leaseRun(proxy.url, ['slots', '--holder', 'ci-1', '--', process.execPath, await writeLeaseChild(dir)], { TERM_FILE: termFile, EXIT_ON_TERM: '7' });
    pids.push(wrapper.child.pid!);
    const renewals = (): typeof proxy.answers => proxy.answers.filter((a) => a.path.endsWith('/renew') && a.status === 200);
    await until('two renewals answered', () => renewals().length >= 2, 10_000);
    srv.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await srv.exited).to.equal('SIGKILL');
    expect(await wrapper.exited).to.equal(7);
    const termAt = Number(await readFile(termFile, 'utf8'));
    const answered = proxy.answers.filter((a) => a.status === 200 || a.status === 201);
    const lastExpiry = Math.max(...answered.map((a) => Date.parse(a.body.expires_at as string)));
    expect(termAt).to.be.above(killedAt);
    expect(termAt, `SIGTERM ${lastExpiry - termAt} ms before the expiry`).to.be.below(lastExpiry);
    expect(wrapper.stderr()).to.match(/could not be renewed before its deadline; sending SIGTERM/);
  });
});
