// The durability order counted through an injected fs (beside the strace test in tests/robustness, so it is
// proven where strace is missing): each answer comes after its record's fdatasync, one per commit; a
// checkpoint's snapshot copies go temp → fsync → rename, the directory is fsynced, and only then is the
// journal cut.
import path from 'node:path';
import { expect } from 'chai';
import { openFileStore, tempDir } from '../../support/helpers.js';
import { recordingFs, type RecordingFs } from '../../support/recording-fs.js';

const J = 'sequences.json.journal';
const JR = 'sequences.json.journal.replica';

/** The calls of replacing one file durably: a fresh temp file, its data, fsync, close, rename over it. */
const replaced = (file: string): string[] => [`open ${file}.tmp`, `write ${file}.tmp`, `sync ${file}.tmp`, `close ${file}.tmp`, `rename ${file}.tmp ${file}`];
const dirSynced = ['open .', 'sync .', 'close .'];
/** A whole checkpoint: both snapshot copies, the directory, then both journal copies, the directory, the journal reopened. */
const checkpoint = (journalOpen: boolean): string[] => [
  ...replaced('sequences.json'),
  ...replaced('sequences.json.replica'),
  ...dirSynced,
  ...(journalOpen ? [`close ${J}`, `close ${JR}`] : []),
  ...replaced(J),
  ...replaced(JR),
  ...dirSynced,
  `open ${J}`,
  `open ${JR}`,
];

describe('store/file: durability order counted through an injected fs', () => {
  let rec: RecordingFs;
  let file: string;
  beforeEach(async () => {
    const dir = await tempDir();
    file = path.join(dir, 'sequences.json');
    rec = recordingFs(dir);
  });

  it('a fresh start writes a whole checkpoint: snapshot copies durable, the directory fsynced, then the journal cut', async () => {
    const store = await openFileStore(file, {}, { fs: rec.fs });
    try {
      expect(rec.take()).to.deep.equal(checkpoint(false));
    } finally {
      await store.close();
    }
  });

  it('N commits one after another: N fdatasyncs of the primary journal, none of the replica, each before its answer', async () => {
    const store = await openFileStore(file, {}, { fs: rec.fs });
    try {
      rec.take();
      for (let i = 1; i <= 5; i++) {
        await store.next('a', 1);
        rec.mark(`answer ${i}`);
      }
      const calls = rec.take();
      const one = (i: number): string[] => [`write ${J}`, `write ${JR}`, `fdatasync ${J}`, `answer ${i}`];
      expect(calls).to.deep.equal([1, 2, 3, 4, 5].flatMap(one));
      expect(calls.filter((c) => c === `fdatasync ${J}`)).to.have.length(5);
      expect(calls.filter((c) => c.startsWith('fdatasync ') && c !== `fdatasync ${J}`)).to.deep.equal([]);
      expect(calls.filter((c) => c.startsWith('rename'))).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });

  it('ten requests of one tick share one record and one fdatasync, and every answer waits for it', async () => {
    const store = await openFileStore(file, {}, { fs: rec.fs });
    try {
      rec.take();
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.next(`id${i}`, 1).then(() => rec.mark('answer'))));
      expect(rec.take()).to.deep.equal([`write ${J}`, `write ${JR}`, `fdatasync ${J}`, ...new Array(10).fill('answer')]);
    } finally {
      await store.close();
    }
  });

  it('the stop writes a whole checkpoint in the same order, then closes the journal', async () => {
    const store = await openFileStore(file, {}, { fs: rec.fs });
    await store.next('a', 1);
    rec.take();
    await store.close();
    const calls = rec.take();
    expect(calls).to.deep.equal([...checkpoint(true), `close ${J}`, `close ${JR}`]);
    // The rule, read from the calls: the journal is cut only after both snapshot renames and a directory fsync after them.
    const at = (c: string, from = 0): number => calls.indexOf(c, from);
    const renamed = Math.max(at('rename sequences.json.tmp sequences.json'), at('rename sequences.json.replica.tmp sequences.json.replica'));
    expect(at('sync sequences.json.tmp')).to.be.below(at('rename sequences.json.tmp sequences.json'));
    expect(at('sync sequences.json.replica.tmp')).to.be.below(at('rename sequences.json.replica.tmp sequences.json.replica'));
    expect(at('sync .', renamed)).to.be.above(renamed);
    expect(at(`rename ${J}.tmp ${J}`)).to.be.above(at('sync .', renamed));
  });

  it('a background checkpoint: the snapshot is durable and the directory fsynced before the journal is switched', async () => {
    const store = await openFileStore(file, {}, { fs: rec.fs, checkpointBytes: 1 });
    try {
      rec.take();
      await store.next('a', 1);
      rec.mark('answer');
      await store.settled();
      expect(rec.take().filter((c) => c !== 'answer')).to.deep.equal([`write ${J}`, `write ${JR}`, `fdatasync ${J}`, ...checkpoint(true)]);
    } finally {
      await store.close();
    }
  });
});
