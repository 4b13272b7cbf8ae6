// Checkpoints: the whole one, the background one with its carry, the epoch that stops an older switch, and
// the stop's checkpoint.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { statePaths } from '../../../../src/store/file/paths.js';
import { readState } from '../../../../src/store/file/recovery/recover.js';
import { tempDir, until } from '../../../support/helpers.js';
import { engineAt, type OpenedEngine } from '../../../support/engine.js';

const generations = async (journal: string): Promise<number[]> =>
  (await readFile(journal, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { g: number }).g);

const snapshotOf = async (file: string): Promise<{ generation: number; sequences: Record<string, number> }> => {
  const o = JSON.parse(await readFile(file, 'utf8')) as { generation: number; sequences: Record<string, number> };
  return { generation: o.generation, sequences: o.sequences };
};

describe('store/file/checkpoint: Checkpointer', () => {
  let file: string;
  let e: OpenedEngine | undefined;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
  });
  afterEach(async () => {
    await e?.close();
    e = undefined;
  });

  const change = async (id: string, value: number): Promise<void> => {
    e!.engine.pending.sequence(id, value);
    await e!.engine.committer.commit();
  };

  it('a whole checkpoint writes both snapshots at the current generation, then empties both journals', async () => {
    e = await engineAt(file);
    await change('a', 5);
    expect(await generations(`${file}.journal`)).to.deep.equal([1]);
    e.engine.checkpointer.requireWhole();
    expect(e.engine.checkpointer.due).to.equal(true);
    await e.engine.checkpointer.writeWhole();
    expect(e.engine.checkpointer.due).to.equal(false);
    expect(await snapshotOf(file)).to.deep.equal({ generation: 1, sequences: { a: 5 } });
    expect(await readFile(`${file}.replica`, 'utf8')).to.equal(await readFile(file, 'utf8'));
    expect([await readFile(`${file}.journal`, 'utf8'), await readFile(`${file}.journal.replica`, 'utf8')]).to.deep.equal(['', '']);
  });

  it('below its bound the journal only grows; past it a background checkpoint keeps the records appended meanwhile', async () => {
    e = await engineAt(file, { checkpointBytes: 1 });
    e.writer.hold('writeSnapshot');
    await change('a', 1);
    await until('the background checkpoint to reach its snapshot write', () => e!.writer.waiting('writeSnapshot'));
    await change('a', 2);
    e.writer.release('writeSnapshot');
    await e.engine.checkpointer.settled();
    // The snapshot covers generation 1; the new journal holds exactly the record appended while it was written.
    expect(await snapshotOf(file)).to.deep.equal({ generation: 1, sequences: { a: 1 } });
    expect(await generations(`${file}.journal`)).to.deep.equal([2]);
    expect(await generations(`${file}.journal.replica`)).to.deep.equal([2]);
    expect(Object.fromEntries((await readState(statePaths(file))).sequences)).to.deep.equal({ a: 2 });

    await e.close();
    e = await engineAt(file, { checkpointBytes: 1_000_000 });
    await change('a', 3);
    await e.engine.checkpointer.settled();
    expect(e.writer.counts.writeSnapshot).to.equal(0);
    expect(await generations(`${file}.journal`)).to.deep.equal([2, 3]);
  });

  it('a whole checkpoint written while a background one waits wins: the journal is not switched to the older carry', async () => {
    e = await engineAt(file, { checkpointBytes: 1 });
    e.writer.hold('writeSnapshot');
    await change('a', 1);
    await until('the background checkpoint to reach its snapshot write', () => e!.writer.waiting('writeSnapshot'));
    await change('a', 2);
    e.engine.checkpointer.requireWhole();
    e.engine.pending.sequence('a', 3);
    const third = e.engine.committer.commit();
    await until('the third commit to take its generation', () => e!.engine.state.generation === 3);
    e.writer.release('writeSnapshot');
    await third;
    await e.engine.checkpointer.settled();
    expect(await snapshotOf(file)).to.deep.equal({ generation: 3, sequences: { a: 3 } });
    expect([await readFile(`${file}.journal`, 'utf8'), await readFile(`${file}.journal.replica`, 'utf8')]).to.deep.equal(['', '']);
  });

  it('a failed background checkpoint is logged once and the journal keeps every record', async () => {
    e = await engineAt(file, { checkpointBytes: 1 });
    e.writer.failNext('writeSnapshot');
    await change('a', 1);
    await e.engine.checkpointer.settled();
    const failed = e.lines.filter((l) => l.event === 'checkpoint_failed');
    expect(failed.map((l) => l.msg)).to.deep.equal([`cannot write a checkpoint of ${file} (EIO: injected I/O error); answering from the journal and retrying`]);
    expect(await generations(`${file}.journal`)).to.deep.equal([1]);
    expect(Object.fromEntries((await readState(statePaths(file))).sequences)).to.deep.equal({ a: 1 });
  });

  it('the stop writes a whole checkpoint; if it cannot, it says so and the journal still holds the state', async () => {
    e = await engineAt(file);
    await change('a', 1);
    await e.engine.checkpointer.atStop();
    expect(await snapshotOf(file)).to.deep.equal({ generation: 1, sequences: { a: 1 } });
    await e.close();

    e = await engineAt(file);
    await change('a', 2);
    e.writer.failNext('writeSnapshot');
    await e.engine.checkpointer.atStop();
    expect(e.lines.filter((l) => l.event === 'checkpoint_failed').map((l) => l.msg)).to.deep.equal(['no checkpoint at stop (EIO: injected I/O error); the journal holds the state']);
    expect(await generations(`${file}.journal`)).to.deep.equal([2]);
    expect(Object.fromEntries((await readState(statePaths(file))).sequences)).to.deep.equal({ a: 2 });
  });
});
