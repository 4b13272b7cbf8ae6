// Recovery of snapshot plus journal, driven through the production writer and recoverState on real files.
import { expect } from 'chai';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../../../src/logger.js';
import { DiskWriter } from '../../../src/store/file/commit/writer.js';
import { encodeRecord } from '../../../src/store/file/journal/record.js';
import { statePaths, type StatePaths } from '../../../src/store/file/paths.js';
import { readState, recoverState } from '../../../src/store/file/recovery/recover.js';
import { serializeSnapshot } from '../../../src/store/file/snapshot/write.js';
import type { State } from '../../../src/store/file/state.js';
import { LedgerBook } from '../../../src/ledger/book.js';
import { tempDir } from '../../support/helpers.js';
import { captureLog } from '../../support/robustness.js';

const state = (generation: number, seq: Record<string, number>): State => ({ generation, sequences: new Map(Object.entries(seq)), series: new Map(), pools: new Map(), idempotency: new Map(), ledger: new LedgerBook(), leases: new Map() });

/** A snapshot at generation 2 ({a: 1}) and records 3..5 moving "a" to 2, 3, 4, written by the production writer. */
async function written(): Promise<{ paths: StatePaths; writer: DiskWriter; lines: string[] }> {
  const paths = statePaths(path.join(await tempDir(), 's.json'));
  const writer = new DiskWriter(paths);
  await writer.writeSnapshot(await serializeSnapshot(state(2, { a: 1 }), 2, false));
  await writer.resetJournal('');
  const lines: string[] = [];
  for (let g = 3; g <= 5; g++) {
    lines.push(encodeRecord(g, { seq: { a: g - 1 } }));
    await writer.append(lines.at(-1)!);
  }
  await writer.close();
  return { paths, writer, lines };
}

const refusal = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => expect.fail('recovery did not refuse'),
    (e: Error) => e.message,
  );

describe('store/file: recovery of snapshot plus journal', () => {
  it('loads two identical snapshots once, replays the journal, and keeps every file', async () => {
    const { paths } = await written();
    const got = await recoverState(paths, false, silentLogger());
    expect(got.source).to.equal('primary');
    expect(got.state.generation).to.equal(5);
    expect([...got.state.sequences]).to.deep.equal([['a', 4]]);
    // Sound snapshots and whole, equal journals: no rewrite at all, appends go on after record 5.
    expect(got.clean).to.equal(true);
    expect(got.rewriteJournal).to.equal(undefined);
    expect((await readdir(paths.dir)).sort()).to.deep.equal(['s.json', 's.json.journal', 's.json.journal.replica', 's.json.replica']);
  });

  it('takes each record from whichever journal copy holds it intact', async () => {
    const { paths, lines } = await written();
    // Primary: record 4 damaged (one bit, still JSON); replica: record 5 missing (cut).
    const text = lines.join('');
    await writeFile(paths.journal, text.replace('"a":3', '"a":2'));
    await writeFile(paths.journalReplica, lines.slice(0, 2).join(''));
    const { log, lines: logged } = captureLog();
    const got = await recoverState(paths, false, log);
    expect(got.state.sequences.get('a')).to.equal(4);
    const moved = logged.filter((l) => l.event === 'corrupt_copy');
    expect(moved.map((l) => l.path)).to.deep.equal([paths.journal]);
    expect(await readFile(moved[0]!.movedTo as string, 'utf8')).to.equal(text.replace('"a":3', '"a":2'));
  });

  it('drops a record torn at the end of both journals and says so', async () => {
    const { paths, lines } = await written();
    const cut = lines.join('').length - 7;
    await truncate(paths.journal, cut);
    await truncate(paths.journalReplica, cut);
    const { log, lines: logged } = captureLog();
    const got = await recoverState(paths, false, log);
    expect(got.state.sequences.get('a')).to.equal(3);
    // The journal copies are written again without the torn record, so no append is glued onto it.
    expect(got.rewriteJournal).to.equal(lines.slice(0, 2).join(''));
    expect(logged.filter((l) => l.event === 'torn_record').map((l) => l.path)).to.deep.equal([paths.journal, paths.journalReplica]);
  });

  it('refuses a record damaged in both journals with later records after it, naming the files and the ways out', async () => {
    const { paths, lines } = await written();
    const damaged = lines.join('').replace('"a":3', '"a":2');
    await writeFile(paths.journal, damaged);
    await writeFile(paths.journalReplica, damaged);
    const message = await refusal(recoverState(paths, false, silentLogger()));
    expect(message).to.include('journal record 4 is missing or damaged in both');
    for (const f of [paths.primary, paths.replica, paths.journal, paths.journalReplica]) expect(message).to.include(f);
    expect(message).to.include('--recover=salvage');
    expect(message).to.include('restore a backup');
    // Salvage keeps the highest value it can read anywhere (record 5 says 4).
    const salvaged = await recoverState(paths, true, silentLogger());
    expect(salvaged.source).to.equal('salvage');
    expect(salvaged.state.sequences.get('a')).to.equal(4);
  });

  it('refuses when both snapshots are gone while a journal exists: never a silent fresh start', async () => {
    const { paths } = await written();
    await rm(paths.primary);
    await rm(paths.replica);
    expect(await refusal(readState(paths))).to.include('no intact snapshot');
  });

  it('refuses a missing generation (a record lost from both copies)', async () => {
    const { paths, lines } = await written();
    const gap = lines[0]! + lines[2]!;
    await writeFile(paths.journal, gap);
    await writeFile(paths.journalReplica, gap);
    expect(await refusal(readState(paths))).to.include('journal record 4 is missing');
  });

  it('a snapshot newer than the journal (records already covered) is not replayed over', async () => {
    const { paths } = await written();
    const writer = new DiskWriter(paths);
    // A snapshot at generation 4 that already saw a newer value (6) than record 5 says (4): the max stays.
    await writer.writeSnapshot(await serializeSnapshot(state(4, { a: 6 }), 4, false));
    await writer.close();
    const got = await readState(paths);
    expect(got.sequences.get('a')).to.equal(6);
    expect(got.generation).to.equal(5);
  });
});
