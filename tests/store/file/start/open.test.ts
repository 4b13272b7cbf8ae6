// The start sequence: a fresh state, a clean one, a torn journal, a missing copy, a failed first
// checkpoint, a missing directory; what each writes and logs before the first request.
import { appendFile, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { StartupError } from '../../../../src/errors.js';
import { GatedWriter, engineAt } from '../../../support/engine.js';
import { tempDir } from '../../../support/helpers.js';

describe('store/file/start: openEngine', () => {
  let file: string;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
  });

  it('removes its own leftover temp files (<name>.tmp-<12 hex>) at start, each logged, and nothing of another pattern', async () => {
    const first = await engineAt(file);
    await first.close();
    const { readdir, writeFile } = await import('node:fs/promises');
    const dir = path.dirname(file);
    const ours = [`${file}.tmp-0123456789ab`, `${file}.replica.tmp-abcdefabcdef`, `${file}.journal.tmp-000000000000`, `${file}.journal.replica.tmp-ffffffffffff`];
    const others = [`${file}.tmp-0123456789AB`, `${file}.tmp-123`, `${file}.tmp-0123456789abc`, path.join(dir, 'other.json.tmp-0123456789ab'), `${file}.lock.tmp-0123456789ab`];
    for (const f of [...ours, ...others]) await writeFile(f, 'x');
    const e = await engineAt(file);
    try {
      expect(e.lines.filter((l) => l.event === 'temp_removed').map((l) => l.path)).to.have.members(ours);
      const left = await readdir(dir);
      for (const f of ours) expect(left).to.not.include(path.basename(f));
      for (const f of others) expect(left).to.include(path.basename(f));
    } finally {
      await e.close();
    }
  });

  it('a fresh state: a whole checkpoint, "state loaded", then the fresh-state warning naming the path; the lock is held', async () => {
    const e = await engineAt(file);
    try {
      expect(e.writer.counts).to.deep.equal({ append: 0, writeSnapshot: 1, resetJournal: 1 });
      expect(e.lines.map((l) => [l.event, l.level])).to.deep.equal([
        ['state_loaded', 30],
        ['fresh_state', 40],
      ]);
      expect(e.lines[0]).to.include({ file, source: 'fresh', generation: 0, sequences: 0 });
      expect(e.lines[1]).to.include({ file, msg: `no state found, starting fresh; check your volume (state path ${file})` });
      const second = await engineAt(file).then(
        () => expect.fail('a second engine opened the same state'),
        (err: Error) => err,
      );
      expect(second).to.be.instanceOf(StartupError);
      expect(second.message).to.equal(`another process is using ${file} (it holds ${file}.lock); stop it first, one process per state file`);
    } finally {
      await e.close();
    }
  });

  it('a clean state: nothing written, no fresh-state warning', async () => {
    await (await engineAt(file)).close();
    const before = await readFile(file);
    const e = await engineAt(file);
    await e.close();
    expect(e.writer.counts).to.deep.equal({ append: 0, writeSnapshot: 0, resetJournal: 0 });
    expect(e.lines.map((l) => l.event)).to.deep.equal(['state_loaded']);
    expect(e.lines[0]).to.include({ source: 'primary' });
    expect((await readFile(file)).equals(before)).to.equal(true);
  });

  it('a torn journal tail: only the journal copies are written again, with the intact records', async () => {
    const first = await engineAt(file);
    first.engine.pending.sequence('a', 1);
    await first.engine.committer.commit();
    await first.close();
    const intact = await readFile(`${file}.journal`, 'utf8');
    for (const j of [`${file}.journal`, `${file}.journal.replica`]) await appendFile(j, '{"g":2,"seq":{"a":');
    const e = await engineAt(file);
    await e.close();
    expect(e.writer.counts).to.deep.equal({ append: 0, writeSnapshot: 0, resetJournal: 1 });
    expect([await readFile(`${file}.journal`, 'utf8'), await readFile(`${file}.journal.replica`, 'utf8')]).to.deep.equal([intact, intact]);
    expect(e.lines.map((l) => l.event)).to.deep.equal(['torn_record', 'torn_record', 'journal_replayed', 'state_loaded']);
  });

  it('a missing replica: healed by a whole checkpoint before the first request', async () => {
    await (await engineAt(file)).close();
    await unlink(`${file}.replica`);
    const e = await engineAt(file);
    await e.close();
    expect(e.writer.counts).to.deep.equal({ append: 0, writeSnapshot: 1, resetJournal: 1 });
    expect(await readFile(`${file}.replica`, 'utf8')).to.equal(await readFile(file, 'utf8'));
  });

  it('a first checkpoint that fails refuses the start, naming the file, and lets the lock go', async () => {
    const failing = new GatedWriter();
    failing.failNext('writeSnapshot');
    const err = await engineAt(file, {}, failing).then(
      () => expect.fail('the start went on'),
      (x: Error) => x,
    );
    expect(err).to.be.instanceOf(StartupError);
    expect(err.message).to.equal(`cannot write the state file ${file}: EIO: injected I/O error`);
    await (await engineAt(file)).close();
  });

  it('creates a missing state directory, parents included', async () => {
    const deep = path.join(path.dirname(file), 'a', 'b', 'sequences.json');
    await (await engineAt(deep)).close();
    expect((await stat(path.dirname(deep))).isDirectory()).to.equal(true);
    expect((await stat(deep)).isFile()).to.equal(true);
  });
});
