// A flood of idle connections (loopback, bounded): the probes keep answering during it, and afterwards every
// route answers as before (no 503 left behind).
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
  this.timeout(60_000);

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

  it('MAX_CONNECTIONS bounds them: connections past it are closed at once, and when the flood ends /next answers 200', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), MAX_CONNECTIONS: '200' });
    try {
      const flood = await idleConnections(srv.url, 400);
      await until('the 200 connections past the limit are closed by the server', () => flood.closedByServer() === 200);
      // At the limit a new connection is closed too: the service is full, not broken.
      let refused = false;
      try {
        await fetch(`${srv.url}/healthz`, { signal: AbortSignal.timeout(3000) });
      } catch {
        refused = true;
      }
      expect(refused).to.equal(true);
      for (const s of flood.sockets) s.destroy();
      await until('/next answers 200 after the flood', async () => (await fetch(`${srv.url}/next/a`).catch(() => undefined))?.status === 200);
      expect((await timed(`${srv.url}/healthz`)).status).to.equal(200);
    } finally {
      expect(await stopChild(srv)).to.equal(0);
    }
  });
});
