// A flood of idle connections (loopback, bounded): the probes keep answering during it, and afterwards every
// route answers as before (no 503 left behind).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { startServerProcess, tempDir, until } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

/** Opens `n` TCP connections that send nothing; resolves once all are connected (or refused). */
async function idleConnections(url: string, n: number): Promise<{ sockets: net.Socket[]; closedByServer: () => number }> {
  const { port } = new URL(url);
  const sockets: net.Socket[] = [];
  let closed = 0;
  const batch = 500;
  for (let i = 0; i < n; i += batch)
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect(Number(port), '127.0.0.1');
          sockets.push(s);
          s.once('connect', () => resolve());
          s.once('error', () => resolve());
          s.once('close', () => {
            closed++;
            resolve();
          });
        }),
      ),
    );
  return { sockets, closedByServer: () => closed };
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t };
}

describe('a flood of idle connections', function () {
  this.timeout(120_000);

  it('5,000 idle connections: /healthz answers within 2 s during the flood, and /next answers 200 after it', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json') });
    try {
      expect((await timed(`${srv.url}/next/a`)).status).to.equal(200);
      const flood = await idleConnections(srv.url, 5000);
      expect(flood.closedByServer()).to.equal(0);
      const health = await timed(`${srv.url}/healthz`);
      expect(health.status).to.equal(200);
      expect(health.ms).to.be.below(2000);
      console.log(`      /healthz during 5,000 idle connections: ${Math.round(health.ms)} ms`);
      expect((await timed(`${srv.url}/readyz`)).status).to.equal(200);
      for (const s of flood.sockets) s.destroy();
      for (let i = 2; i <= 6; i++) expect(await (await fetch(`${srv.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: i });
      expect((await timed(`${srv.url}/random`)).status).to.equal(200);
    } finally {
      expect(await stopChild(srv)).to.equal(0);
    }
  });

  it('MAX_CONNECTIONS bounds them: past it the oldest idle connections are closed, a new client is answered, and when the flood ends /next answers 200', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), MAX_CONNECTIONS: '200' });
    try {
      const flood = await idleConnections(srv.url, 400);
      await until('the 200 oldest connections are closed by the server', () => flood.closedByServer() === 200);
      // The first 200 went, the last 200 stay: the newest are kept.
      expect(flood.sockets.slice(0, 200).every((s) => s.destroyed)).to.equal(true);
      expect(flood.sockets.slice(200).some((s) => s.destroyed)).to.equal(false);
      const health = await timed(`${srv.url}/healthz`);
      expect(health.status).to.equal(200);
      await until('the shedding is logged', () => srv.stdout().includes('"event":"connections_shed"'));
      for (const s of flood.sockets) s.destroy();
      await until('/next answers 200 after the flood', async () => (await fetch(`${srv.url}/next/a`).catch(() => undefined))?.status === 200);
      expect((await timed(`${srv.url}/healthz`)).status).to.equal(200);
    } finally {
      expect(await stopChild(srv)).to.equal(0);
    }
  });

  it('12,000 idle connections held by one client (past the default MAX_CONNECTIONS of 10,000): a new client is answered within a second', async function () {
    this.timeout(120_000);
    // Both processes hold up to 12,000 sockets; with fewer descriptors the numbers are scaled down (said below).
    const soft = softFdLimit();
    const held = soft >= 12_500 ? 12_000 : Math.floor((soft - 500) / 100) * 100;
    const max = soft >= 12_500 ? undefined : Math.floor((held * 10) / 12);
    if (max !== undefined) console.log(`      the descriptor limit is ${soft}: holding ${held} sockets against MAX_CONNECTIONS=${max} instead`);
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), ...(max === undefined ? {} : { MAX_CONNECTIONS: String(max) }) });
    try {
      const flood = await idleConnections(srv.url, held);
      const cap = max ?? 10_000;
      await until('the oldest connections past the cap are closed', () => flood.closedByServer() >= held - cap);
      const t = performance.now();
      const res = await fetch(`${srv.url}/next/a`, { method: 'POST', signal: AbortSignal.timeout(5000) });
      const ms = performance.now() - t;
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ sequence_id: 'a', next_value: 1 });
      console.log(`      a new client while ${held} idle sockets are held: answered in ${Math.round(ms)} ms (${flood.closedByServer()} oldest closed)`);
      expect(ms).to.be.below(1000);
      for (const s of flood.sockets) s.destroy();
    } finally {
      expect(await stopChild(srv)).to.equal(0);
    }
  });
});

/** This process's soft limit of open files (the server started from it inherits it). */
function softFdLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? 1_000_000 : Number(soft);
}
