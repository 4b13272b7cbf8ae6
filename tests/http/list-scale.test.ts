// GET /sequences at 100,000 long ids in a real server: 64 clients paging at once never keep /healthz waiting.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { stopChild } from '../../bench/children.js';
import { startServerProcess, tempDir, until, type ServerProcess } from '../support/helpers.js';

const IDS = 100_000;
const CLIENTS = 64;
const PAGES = 4;

describe('http: GET /sequences at 100,000 ids', function () {
  this.timeout(120_000);
  let srv: ServerProcess | undefined;
  after(async () => {
    if (srv) await stopChild(srv);
  });

  it(`${CLIENTS} clients paging at once: every page right, /healthz answers throughout`, async () => {
    const file = path.join(await tempDir(), 'seq.json');
    // Long ids that share a long prefix: the case where sorting on every call cost seconds.
    const named = (n: number): string => `build-${'x'.repeat(200)}-${String(n).padStart(6, '0')}`;
    const id = (i: number): string => named((i * 7919) % IDS);
    const sequences = new Map<string, number>();
    for (let i = 0; i < IDS; i++) sequences.set(id(i), i + 1);
    // The flat legacy file: every engine reads it.
    await writeFile(file, JSON.stringify(Object.fromEntries(sequences)));
    srv = await startServerProcess({ SEQUENCE_FILE: file, MAX_SEQUENCES: String(IDS + 10) });
    const url = srv.url;

    // The prober is a process of its own: this one is busy parsing pages, which must not count as the server's delay.
    const prober = spawn(
      process.execPath,
      [
        '-e',
        `let stop = false; process.stdin.on('data', () => (stop = true)); (async () => { const l = [];
         await (await fetch(process.argv[1] + '/healthz')).text(); console.log('ready');
         while (!stop) { const t = performance.now(); const r = await fetch(process.argv[1] + '/healthz'); await r.text();
           if (r.status !== 200) throw new Error('healthz ' + r.status); l.push(performance.now() - t); await new Promise((f) => setTimeout(f, 20)); }
         console.log(JSON.stringify(l)); })();`,
        url,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let probed = '';
    prober.stdout.on('data', (d: Buffer) => (probed += d.toString()));
    const proberExit = new Promise((resolve) => prober.once('exit', resolve));
    // Its own first request (process start, connection) is not the server's delay.
    await until('the prober', () => probed.startsWith('ready\n'));
    const started = performance.now();
    const clients = Array.from({ length: CLIENTS }, async (_, c) => {
      // Each client starts somewhere else in the id space and reads PAGES pages of 1000 in order.
      let after: string | undefined = c === 0 ? undefined : named(c * 1000);
      const seen: string[] = [];
      for (let p = 0; p < PAGES; p++) {
        const res = await fetch(`${url}/sequences${after === undefined ? '' : `?after=${encodeURIComponent(after)}`}`);
        const body = (await res.json()) as { sequences: Array<{ sequence_id: string; last_value: number }>; next?: string };
        expect(res.status).to.equal(200);
        expect(body.sequences).to.have.length(1000);
        const wrong = body.sequences.filter((e) => e.last_value !== sequences.get(e.sequence_id));
        expect(wrong).to.deep.equal([]);
        seen.push(...body.sequences.map((e) => e.sequence_id));
        after = body.next;
      }
      const sorted = [...seen].sort();
      expect(seen).to.deep.equal(sorted);
      expect(new Set(seen).size).to.equal(seen.length);
    });
    await Promise.all(clients);
    const seconds = (performance.now() - started) / 1000;
    prober.stdin.end('stop');
    await proberExit;
    const health = JSON.parse(probed.slice('ready\n'.length)) as number[];
    const worst = Math.max(...health);
    console.log(`      ${CLIENTS * PAGES} pages of 1000 in ${seconds.toFixed(1)} s; /healthz answered ${health.length} times, slowest ${worst.toFixed(0)} ms`);
    console.log(`      healthz latencies: ${health.map((h) => h.toFixed(0)).join(" ")}`);
    expect(health.length).to.be.at.least(3);
    // Paging keeps each call short, so /healthz is answered between pages.
    expect(worst).to.be.below(2000);
  });
});
