// Crash states, enumerated: a recorded workload (through the production writer, with checkpoints), then its
// journal cut at every byte offset of its last records, each cut paired with each snapshot the run wrote.
// Recovery never falls behind a value whose record was whole (acknowledged), never goes past what the
// run handed out, and never refuses a plain torn tail. And a journal switch that fails half-way (its replica
// rename), followed by a modelled power cut after each later answer.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StateWriter } from '../../../src/store/file/commit/writer.js';
import { statePaths } from '../../../src/store/file/paths.js';
import { readState } from '../../../src/store/file/recovery/recover.js';
import { openFileStore, tempDir } from '../../support/helpers.js';
import { powerCutFs } from '../../support/power-cut-fs.js';

interface Recorded {
  lines: string[];
  snapshots: { bytes: Buffer; generation: number }[];
}

/** The production writer, recording every line appended and every snapshot written. */
function recording(rec: Recorded): (disk: StateWriter) => StateWriter {
  return (disk) => ({
    journalIntact: () => disk.journalIntact(),
    async append(line) {
      await disk.append(line);
      rec.lines.push(line);
    },
    async writeSnapshot(chunks) {
      await disk.writeSnapshot(chunks);
      const bytes = Buffer.concat(chunks);
      rec.snapshots.push({ bytes, generation: (JSON.parse(bytes.toString()) as { generation: number }).generation });
    },
    resetJournal: (lines) => disk.resetJournal(lines),
    close: () => disk.close(),
  });
}

type Values = Map<string, number>;

/** What the whole records of `text` acknowledged: the highest value per sequence and pool ("pool:int"). */
function acknowledged(text: string): Values {
  const out: Values = new Map();
  for (const line of text.split('\n').slice(0, -1)) {
    const r = JSON.parse(line) as { seq?: Record<string, number>; pools?: Record<string, { drawn: number }> };
    for (const [id, v] of Object.entries(r.seq ?? {})) out.set(id, Math.max(out.get(id) ?? 0, v));
    for (const [name, p] of Object.entries(r.pools ?? {})) out.set(`pool:${name}`, Math.max(out.get(`pool:${name}`) ?? 0, p.drawn));
  }
  return out;
}

describe('store/file: crash states, enumerated', function () {
  this.timeout(120_000);

  it('every cut of the last records × every snapshot: never behind an acknowledged value, never past the run, never refused', async () => {
    const rec: Recorded = { lines: [], snapshots: [] };
    const file = path.join(await tempDir(), 'sequences.json');
    const store = await openFileStore(file, { RANDOM_INT_MIN: '0', RANDOM_INT_MAX: '999' }, { wrapWriter: recording(rec), checkpointBytes: 600 });
    for (let round = 0; round < 12; round++) {
      await Promise.all([
        store.next('a', 1),
        store.next(round % 2 ? 'b' : 'c', 1 + (round % 3)),
        store.draw('int', 2),
        store.next('a', 1, { key: `k${round}`, fingerprint: 'next a 1' }),
        round % 4 === 0 ? store.advanceTo('d', 100 + round) : Promise.resolve(0),
      ]);
      await store.settled();
    }
    const final: Values = new Map([...(await store.sequencePage()).map(({ id, last }) => [id, last] as [string, number]), ['pool:int', (await store.pool('int')).drawn]]);
    await store.close();
    // Each snapshot's generation (checkpoints ran: start, by the bound, at stop).
    expect(rec.snapshots.length).to.be.at.least(4);

    const journal = rec.lines.join('');
    const LAST = 3;
    const from = rec.lines.slice(0, -LAST).join('').length;
    const dir = path.join(await tempDir(), 'crash');
    const paths = statePaths(path.join(dir, 'sequences.json'));
    let states = 0;
    let torn = 0;
    await mkdir(dir, { recursive: true });
    for (const snap of rec.snapshots) {
      writeFileSync(paths.primary, snap.bytes);
      writeFileSync(paths.replica, snap.bytes);
      for (let cut = from; cut <= journal.length; cut++) {
        const text = journal.slice(0, cut);
        // Two journals a crash can leave: all records so far, or only those after this snapshot (switched).
        const after = rec.lines.filter((l) => (JSON.parse(l) as { g: number }).g > snap.generation).join('');
        const suffixCut = Math.max(0, cut - (journal.length - after.length));
        for (const [primary, replica] of [
          [text, text],
          [after.slice(0, suffixCut), after.slice(0, suffixCut)],
          [text, journal],
        ] as const) {
          writeFileSync(paths.journal, primary);
          writeFileSync(paths.journalReplica, replica);
          const state = await readState(paths);
          states++;
          if (!primary.endsWith('\n') && primary.length > 0) torn++;
          const acked = acknowledged(replica.length > primary.length ? replica : primary);
          for (const [k, v] of acked) {
            const got = k.startsWith('pool:') ? state.pools.get(k.slice(5))?.drawn : state.sequences.get(k);
            expect(got, `${k} after a cut at ${cut} with the snapshot of generation ${snap.generation}`).to.be.at.least(v);
          }
          for (const [k, v] of final) {
            const got = (k.startsWith('pool:') ? state.pools.get(k.slice(5))?.drawn : state.sequences.get(k)) ?? 0;
            expect(got, `${k} never past what the run handed out`).to.be.at.most(v);
          }
        }
      }
    }
    console.log(`      (${states} crash states recovered: ${rec.snapshots.length} snapshots × ${journal.length - from + 1} cuts of the last ${LAST} records × 3 journal pairs; ${torn} with a torn tail; 0 refused)`);
    expect(states).to.equal(rec.snapshots.length * (journal.length - from + 1) * 3);
  });

  it('a journal switch whose replica rename fails (ENOSPC), then a power cut after each later answer: every acknowledged value is recovered', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    const paths = statePaths(file);
    const pc = powerCutFs(paths.journalReplica);
    const store = await openFileStore(file, {}, { fs: pc.fs, checkpointBytes: 300 });
    pc.failRename(paths.journalReplica);
    let acked = 0;
    let cuts = 0;
    for (let i = 0; i < 60; i++) {
      acked = (await store.next('a', 1)).last;
      await store.settled();
      if (!pc.failed()) continue;
      // A power cut now: only durable directory entries, the flushed primary, the replica as written whole.
      const into = path.join(await tempDir(), 'cut');
      await mkdir(into);
      await pc.cut(dir, into);
      const state = await readState(statePaths(path.join(into, 'sequences.json')));
      expect(state.sequences.get('a') ?? 0, `after the answer of a = ${acked}`).to.be.at.least(acked);
      cuts++;
    }
    await store.close();
    expect(pc.failed()).to.equal(true);
    console.log(`      (a failed switch, then ${cuts} modelled power cuts, one after each answer: none behind)`);
    expect(cuts).to.be.above(10);
  });
});
