// The commit step: what one commit writes, what it reports, its fault state and the health probe.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ServiceError } from '../../../../src/errors.js';
import type { CommitStats } from '../../../../src/store/store.js';
import { statePaths } from '../../../../src/store/file/paths.js';
import { readState } from '../../../../src/store/file/recovery/recover.js';
import { tempDir } from '../../../support/helpers.js';
import { engineAt, type OpenedEngine } from '../../../support/engine.js';

describe('store/file/commit: Committer', () => {
  let file: string;
  let e: OpenedEngine;
  let reported: CommitStats[];
  let failures: number;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
    e = await engineAt(file);
    reported = [];
    failures = 0;
    e.engine.committer.events = { onCommit: (s) => reported.push(s), onCommitFailure: () => failures++ };
  });
  afterEach(() => e.close());

  it('a commit with nothing gathered writes nothing, moves no generation and reports nothing', async () => {
    await e.engine.committer.commit();
    expect(e.writer.counts).to.deep.equal({ append: 0, writeSnapshot: 1, resetJournal: 1 });
    expect(e.engine.state.generation).to.equal(0);
    expect(reported).to.deep.equal([]);
  });

  it('writes the changes gathered before it as one record at the next generation, and reports the batch it covered', async () => {
    e.engine.pending.sequence('a', 3);
    e.engine.pending.sequence('b', 1);
    await Promise.all([e.engine.committer.commit(), e.engine.committer.commit(), e.engine.committer.commit()]);
    const lines = (await readFile(`${file}.journal`, 'utf8')).split('\n');
    expect(lines.map((l) => l.replace(/,"crc":"[0-9a-f]{8}"\}$/, '}'))).to.deep.equal(['{"g":1,"seq":{"a":3,"b":1}}', '']);
    expect(await readFile(`${file}.journal.replica`, 'utf8')).to.equal(lines.join('\n'));
    expect(e.engine.state.generation).to.equal(1);
    expect(reported.map((r) => r.batch)).to.deep.equal([3]);
    expect(reported[0]!.seconds).to.be.a('number');
  });

  it('a generation at the largest safe integer is never written again: the commit is refused with how to resolve it, and the journal holds no generation twice', async () => {
    e.engine.state.generation = Number.MAX_SAFE_INTEGER - 1;
    e.engine.pending.sequence('a', 1);
    await e.engine.committer.commit();
    e.engine.pending.sequence('a', 2);
    const refused = await e.engine.committer.commit().then(() => undefined, (err: ServiceError) => err);
    expect(refused?.code).to.equal('storage_unavailable');
    expect(refused?.message).to.include(`the state's generation is ${Number.MAX_SAFE_INTEGER}, the largest that can be counted exactly; restart the service`);
    expect(e.engine.state.generation).to.equal(Number.MAX_SAFE_INTEGER);
    const gs = (await readFile(`${file}.journal`, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { g: number }).g);
    expect(gs).to.deep.equal([Number.MAX_SAFE_INTEGER]);
  });

  it('a failed append fails its waiters with storage_unavailable, is reported once, and health probes with a whole checkpoint that heals it', async () => {
    e.writer.failNext('append');
    e.engine.pending.sequence('a', 1);
    const results = await Promise.allSettled([e.engine.committer.commit(), e.engine.committer.commit()]);
    for (const r of results) {
      const error = (r as PromiseRejectedResult).reason as ServiceError;
      expect(error).to.be.instanceOf(ServiceError);
      expect(error.code).to.equal('storage_unavailable');
      expect(error.message).to.equal('the state could not be written (EIO: injected I/O error); nothing was handed out');
    }
    expect(failures).to.equal(1);
    expect(e.engine.checkpointer.due).to.equal(true);
    expect(e.lines.filter((l) => l.event === 'storage_fault').map((l) => l.msg)).to.deep.equal([`cannot write the state ${file}: EIO: injected I/O error`]);
    // The probe is a real commit: nothing gathered, but the whole checkpoint it owes is written.
    expect(await e.engine.committer.health()).to.deep.equal({ ok: true });
    expect(e.writer.counts).to.deep.equal({ append: 1, writeSnapshot: 2, resetJournal: 2 });
    expect(e.engine.checkpointer.due).to.equal(false);
    expect(e.lines.filter((l) => l.event === 'storage_recovered')).to.have.length(1);
    const disk = await readState(statePaths(file));
    expect([disk.generation, Object.fromEntries(disk.sequences)]).to.deep.equal([2, { a: 1 }]);
    expect(await readFile(`${file}.journal`, 'utf8')).to.equal('');
  });

  it('health while the probe fails too says why, and writes nothing when nothing is known to be wrong', async () => {
    expect(await e.engine.committer.health()).to.deep.equal({ ok: true });
    expect(e.writer.counts.append + e.writer.counts.writeSnapshot).to.equal(1);
    e.writer.failNext('append');
    e.engine.pending.sequence('a', 1);
    await e.engine.committer.commit().catch(() => undefined);
    e.writer.failNext('writeSnapshot');
    expect(await e.engine.committer.health()).to.deep.equal({ ok: false, reason: 'EIO: injected I/O error' });
    expect(failures).to.equal(2);
    expect(e.lines.filter((l) => l.event === 'storage_fault')).to.have.length(1);
  });
});
