// The fence: "is the disk ahead", the lock taken again, another owner or a newer state on disk fencing this
// process for good, and the lock watch.
import { closeSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { DEFAULT_SETTINGS } from '../../../../src/series/settings.js';
import { diskAhead, FENCED } from '../../../../src/store/file/ownership/fence.js';
import { tryLock } from '../../../../src/store/file/ownership/owner.js';
import { serializeSnapshot } from '../../../../src/store/file/snapshot/write.js';
import { emptyState, type State } from '../../../../src/store/file/state.js';
import { ServiceError } from '../../../../src/errors.js';
import { openFileStore, tempDir, until } from '../../../support/helpers.js';
import { engineAt, GatedWriter, type OpenedEngine } from '../../../support/engine.js';

const KEY = 'a'.repeat(64);
const pool = (drawn: number, key = KEY) => ({ domain: { type: 'int' as const, min: 1, max: 9 }, key, drawn });
const stateWith = (s: Partial<State>): State => ({ ...emptyState(), ...s });
const daily = (period: string, last: number) => ({ last, series: { settings: { ...DEFAULT_SETTINGS, reset: 'daily' as const }, period, periods: {} } });

describe('store/file/ownership: diskAhead', () => {
  it('is true exactly when the disk holds a value memory lacks', () => {
    const mine = stateWith({ sequences: new Map([['a', 5]]), pools: new Map([['p', pool(3)]]) });
    expect(diskAhead(mine, stateWith({ sequences: new Map([['a', 5]]), pools: new Map([['p', pool(3)]]) }))).to.equal(false);
    expect(diskAhead(mine, stateWith({ sequences: new Map([['a', 4]]), pools: new Map([['p', pool(1)]]) }))).to.equal(false);
    expect(diskAhead(mine, stateWith({ sequences: new Map([['a', 6]]) }))).to.equal(true);
    expect(diskAhead(mine, stateWith({ sequences: new Map([['b', 0]]) }))).to.equal(true);
    expect(diskAhead(mine, stateWith({ pools: new Map([['p', pool(4)]]) }))).to.equal(true);
    expect(diskAhead(mine, stateWith({ pools: new Map([['p', pool(3, 'b'.repeat(64))]]) }))).to.equal(true);
    expect(diskAhead(mine, stateWith({ pools: new Map([['q', pool(0)]]) }))).to.equal(true);
  });

  it('compares a sequence with settings by its period first: a later period is ahead even with a lower value', () => {
    const d = (period: string, last: number): State => {
      const s = daily(period, last);
      return stateWith({ sequences: new Map([['a', s.last]]), series: new Map([['a', s.series]]) });
    };
    expect(diskAhead(d('2026-01-02', 9), d('2026-01-03', 1))).to.equal(true);
    expect(diskAhead(d('2026-01-03', 1), d('2026-01-02', 9))).to.equal(false);
    expect(diskAhead(d('2026-01-02', 3), d('2026-01-02', 4))).to.equal(true);
  });
});

describe('store/file/ownership: Fence', () => {
  let file: string;
  let e: OpenedEngine;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
    e = await engineAt(file);
  });
  afterEach(() => e.close());

  it('holds the lock: check() lets writes go on and takes nothing again', async () => {
    expect(e.engine.fence.writable).to.equal(true);
    expect(await e.engine.fence.check()).to.equal(false);
    expect(e.lines.filter((l) => l.event?.startsWith('lock_'))).to.deep.equal([]);
  });

  it('a removed lock is reported by the watch, taken again by the next check (which asks for a whole checkpoint), and logged once each', async () => {
    await unlink(`${file}.lock`);
    await until('the watch to report the lost lock', () => e.lines.some((l) => l.event === 'lock_compromised'));
    expect(e.engine.fence.writable).to.equal(false);
    expect(await e.engine.fence.check()).to.equal(true);
    expect(await e.engine.fence.check()).to.equal(false);
    expect(e.engine.fence.writable).to.equal(true);
    expect(e.lines.filter((l) => l.event?.startsWith('lock_')).map((l) => [l.event, l.level])).to.deep.equal([
      ['lock_compromised', 50],
      ['lock_retaken', 40],
    ]);
  });

  it('another process holding the new lock fences this one for good: every later check fails, logged once at fatal', async () => {
    await unlink(`${file}.lock`);
    const other = tryLock(`${file}.lock`);
    if (!('fd' in other)) throw new Error('the test could not take the new lock');
    const first = await e.engine.fence.check().then(
      () => expect.fail('the check passed'),
      (err: NodeJS.ErrnoException) => err,
    );
    expect(first.code).to.equal(FENCED);
    expect(first.message).to.equal(`another process holds ${file}.lock; this one stops writing: restart this process once the other has stopped`);
    closeSync(other.fd);
    const again = await e.engine.fence.check().catch((err: NodeJS.ErrnoException) => err);
    expect((again as NodeJS.ErrnoException).code).to.equal(FENCED);
    expect(e.engine.fence.writable).to.equal(false);
    expect(e.lines.filter((l) => l.event === 'lock_fenced').map((l) => l.level)).to.deep.equal([60]);
  });

  it('a state written on disk while the lock was free, ahead of memory, fences this process', async () => {
    await unlink(`${file}.lock`);
    const ahead = stateWith({ generation: 7, sequences: new Map([['a', 10]]), pools: e.engine.state.pools });
    const chunks = await serializeSnapshot(ahead, 7, false);
    for (const f of [file, `${file}.replica`]) await writeFile(f, Buffer.concat(chunks));
    const err = (await e.engine.fence.check().catch((x: unknown) => x)) as NodeJS.ErrnoException;
    expect(err.code).to.equal(FENCED);
    expect(err.message).to.equal(`another process wrote ${file} while this one had lost its lock; restart this process to load it`);
  });

  it('a state on disk that memory is at or ahead of: the lock is taken again and the generation moves up to the disk', async () => {
    await unlink(`${file}.lock`);
    const behind = stateWith({ generation: 9, pools: e.engine.state.pools });
    for (const f of [file, `${file}.replica`]) await writeFile(f, Buffer.concat(await serializeSnapshot(behind, 9, false)));
    expect(await e.engine.fence.check()).to.equal(true);
    expect(e.engine.state.generation).to.equal(9);
  });
});

describe('store/file/ownership: ownership confirmed after the write', () => {
  it('a write stalled while the lock file is deleted and a second server starts: the owner commit answers 503, only the second answers x = 4', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const writer = new GatedWriter();
    const first = await openFileStore(file, {}, { wrapWriter: writer.wrap });
    for (let i = 1; i <= 3; i++) expect(await first.next('x', 1)).to.deep.equal({ first: i, last: i });
    writer.hold('append');
    const held = first.next('x', 1).then(
      (r) => r,
      (e: ServiceError) => e,
    );
    await until('the owner commit is stalled in its write', () => writer.waiting('append'));
    // People delete "stale" locks: a second server then takes a new lock file and goes on from the disk.
    await unlink(`${file}.lock`);
    const second = await openFileStore(file);
    expect(await second.next('x', 1)).to.deep.equal({ first: 4, last: 4 });
    writer.release('append');
    const answer = await held;
    expect(answer).to.be.instanceOf(ServiceError);
    expect((answer as ServiceError).code).to.equal('storage_unavailable');
    expect((answer as ServiceError).message).to.include('was removed or replaced while this commit was written');
    // The first is fenced from then on: the disk is ahead of it (another process wrote x = 4 there).
    const after = await first.next('x', 1).then(
      () => 'answered',
      (e: ServiceError) => e.code,
    );
    expect(after).to.equal('storage_unavailable');
    expect(await second.next('x', 1)).to.deep.equal({ first: 5, last: 5 });
    await second.close();
    await first.close().catch(() => undefined);
  });
});
