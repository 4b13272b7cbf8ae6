// kill -9 at random moments under concurrent load, ten times on the same file: no value carried by a 2xx is
// ever carried twice (per sequence, per random pool), and after every restart each sequence resumes past
// every value that was acknowledged before the kill. Then any one file of the state directory damaged (cut,
// truncated, a byte or one bit flipped, deleted): the service starts and nothing acknowledged comes back.
import { expect } from 'chai';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';
import { parseLogLines } from '../support/robustness.js';

const IDS = ['a', 'b', 'ü x'];
const CYCLES = 10;
const CLIENTS = 8;
// Pools small enough that a pool that restarted or moved back would repeat values within the run.
const ENV = { RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '1000000', RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '1000', RANDOM_FLOAT_DECIMALS: '2' };

interface Seen {
  seq: Map<string, number[]>;
  int: string[];
  float: string[];
}

/** One client: keep-alive fetches until the server is gone; records every value of every 2xx it fully read. */
async function client(srv: ServerProcess, seen: Seen, dead: () => boolean): Promise<number> {
  let ok = 0;
  while (!dead()) {
    const r = Math.random();
    try {
      if (r < 0.6) {
        const id = IDS[Math.floor(Math.random() * IDS.length)]!;
        const count = Math.random() < 0.3 ? 1 + Math.floor(Math.random() * 5) : undefined;
        const res = await fetch(`${srv.url}/next/${encodeURIComponent(id)}${count ? `?count=${count}` : ''}`, { method: Math.random() < 0.5 ? 'GET' : 'POST' });
        const body = (await res.json()) as { sequence_id: string; next_value: number; last_value?: number };
        if (res.status !== 200) throw new Error(`unexpected ${res.status} ${JSON.stringify(body)}`);
        expect(body.sequence_id).to.equal(id);
        const list = seen.seq.get(id) ?? [];
        for (let v = body.next_value; v <= (body.last_value ?? body.next_value); v++) list.push(v);
        seen.seq.set(id, list);
      } else {
        const type = r < 0.8 ? 'int' : 'float';
        const count = Math.random() < 0.3 ? 2 : 1;
        const res = await fetch(`${srv.url}/random?type=${type}&count=${count}&format=text`);
        const text = await res.text();
        if (res.status !== 200) throw new Error(`unexpected ${res.status} ${text}`);
        const values = text.trim().split('\n');
        expect(values).to.have.length(count);
        seen[type].push(...values);
      }
      ok++;
    } catch (e) {
      // The kill cuts connections: a request without a complete 2xx handed out nothing we may count.
      if (!dead() && !(e instanceof TypeError)) throw e;
    }
  }
  return ok;
}

const duplicates = (values: (string | number)[]): (string | number)[] => {
  const s = new Set<string | number>();
  return values.filter((v) => (s.has(v) ? true : (s.add(v), false)));
};

describe('robustness: kill -9 under load', function () {
  this.timeout(90_000);

  it(`${CYCLES} cycles of load + kill -9 at a random moment + restart: never twice, always resumes past the acknowledged`, async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const seen: Seen = { seq: new Map(), int: [], float: [] };
    const perCycle: number[] = [];
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      const srv = await startServerProcess({ SEQUENCE_FILE: file, ...ENV });
      let dead = false;
      void srv.exited.then(() => (dead = true));
      try {
        // Resumes past every acknowledged value.
        for (const [id, values] of seen.seq) {
          const res = await fetch(`${srv.url}/sequences/${encodeURIComponent(id)}`);
          expect(res.status).to.equal(200);
          const { last_value } = (await res.json()) as { last_value: number };
          expect(last_value, `sequence ${id} after restart ${cycle}`).to.be.at.least(Math.max(...values));
        }
        if (cycle === CYCLES) break;
        const clients = Array.from({ length: CLIENTS }, () => client(srv, seen, () => dead));
        // The experiment itself: a random moment to pull the plug, 100-600 ms into the load.
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 500));
        srv.child.kill('SIGKILL');
        expect(await srv.exited).to.equal('SIGKILL');
        perCycle.push((await Promise.all(clients)).reduce((a, b) => a + b, 0));
      } finally {
        if (!dead) {
          srv.child.kill('SIGTERM');
          await srv.exited;
        }
      }
    }
    for (const [id, values] of seen.seq) expect(duplicates(values), `sequence ${id}`).to.deep.equal([]);
    expect(duplicates(seen.int), 'int pool').to.deep.equal([]);
    expect(duplicates(seen.float), 'float pool').to.deep.equal([]);
    // The experiment did hand out values in every cycle (otherwise it proves nothing).
    expect(perCycle).to.have.length(CYCLES);
    for (const n of perCycle) expect(n).to.be.greaterThan(0);
    console.log(`      (acknowledged per cycle: ${perCycle.join(', ')}; sequence values ${[...seen.seq.values()].reduce((a, v) => a + v.length, 0)}, ints ${seen.int.length}, floats ${seen.float.length})`);
  });

  /** Damages that leave the file present but wrong, or gone; "bit" flips the low bit of a digit (still valid JSON). */
  const DAMAGES: Record<string, (b: Buffer) => Buffer | null> = {
    truncated: () => Buffer.alloc(0),
    'last bytes cut': (b) => b.subarray(0, Math.max(0, b.length - 7)),
    'a byte flipped': (b) => {
      const c = Buffer.from(b);
      const at = Math.floor(c.length / 2);
      c[at] = c[at]! ^ 0xff;
      return c;
    },
    'one bit flipped, still valid JSON': (b) => {
      const c = Buffer.from(b);
      // The last digit of the hot counter "a" (6 becomes 7, 7 becomes 6), else of the last number (a snapshot
      // taken before "a" existed: its generation or a pool position): what a checksum must catch.
      const text = c.toString('latin1');
      const m = [...text.matchAll(/"a": ?(\d+)/g)].at(-1) ?? [...text.matchAll(/": ?(\d+)/g)].at(-1)!;
      const at = m.index + m[0].length - 1;
      c[at] = c[at]! ^ 0x01;
      return c;
    },
    deleted: () => null,
  };

  it('kill -9 under load, then any one file damaged (truncated, cut, a byte or one bit flipped, deleted): starts, nothing acknowledged comes back', async function () {
    this.timeout(120_000);
    const base = path.join(await tempDir(), 'state');
    const file = path.join(base, 'sequences.json');
    const seen: Seen = { seq: new Map(), int: [], float: [] };
    // A first run stopped cleanly, so the snapshot holds sequences (and "a") the damage can hit.
    const warm = await startServerProcess({ SEQUENCE_FILE: file, ...ENV });
    let warmDone = false;
    const warmClient = client(warm, seen, () => warmDone);
    const { until: poll } = await import('../support/helpers.js');
    await poll('the first run to hand out values', () => (seen.seq.get('a')?.length ?? 0) > 20, 20_000, 20);
    warmDone = true;
    await warmClient;
    warm.child.kill('SIGTERM');
    expect(await warm.exited).to.equal(0);
    expect(await readFile(file, 'utf8')).to.match(/"a": \d+/);
    const srv = await startServerProcess({ SEQUENCE_FILE: file, ...ENV });
    let dead = false;
    void srv.exited.then(() => (dead = true));
    const clients = Array.from({ length: CLIENTS }, () => client(srv, seen, () => dead));
    // Stop once enough was handed out that the journal holds many records (a condition, not a time).
    const { until } = await import('../support/helpers.js');
    await until('load to hand out values', () => [...seen.seq.values()].reduce((a, v) => a + v.length, 0) > 200, 20_000, 20);
    srv.child.kill('SIGKILL');
    expect(await srv.exited).to.equal('SIGKILL');
    await Promise.all(clients);
    expect((await readFile(`${file}.journal`, 'utf8')).length).to.be.greaterThan(0);

    let runs = 0;
    for (const name of ['sequences.json', 'sequences.json.replica', 'sequences.json.journal', 'sequences.json.journal.replica'])
      for (const [damage, apply] of Object.entries(DAMAGES)) {
        const dir = path.join(await tempDir(), 'copy');
        await cp(base, dir, { recursive: true });
        const target = path.join(dir, name);
        const damaged = apply(await readFile(target));
        if (damaged === null) await rm(target);
        else await writeFile(target, damaged);
        const again = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 'sequences.json'), ...ENV, LOG_LEVEL: 'info' });
        try {
          for (const [id, values] of seen.seq) {
            const res = await fetch(`${again.url}/next/${encodeURIComponent(id)}`);
            const { next_value } = (await res.json()) as { next_value: number };
            expect(next_value, `${id} after ${name} ${damage}`).to.be.greaterThan(Math.max(...values));
          }
          const ints = ((await (await fetch(`${again.url}/random?count=300`)).json()) as { numbers: number[] }).numbers.map(String);
          expect(ints.filter((v) => seen.int.includes(v)), `int pool after ${name} ${damage}`).to.deep.equal([]);
          runs++;
        } finally {
          again.child.kill('SIGTERM');
          expect(await again.exited).to.equal(0);
        }
        const logs = parseLogLines(again.stdout());
        expect(logs.some((l) => l.event === 'start_failed')).to.equal(false);
      }
    expect(runs).to.equal(20);
  });
});
