// recoverState with two byte-identical copies (the usual case): the second is not parsed again, and the
// outcome is the same as reading each on its own.
import { expect } from 'chai';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../../src/logger.js';
import { statePaths } from '../../src/store/paths.js';
import { recoverState } from '../../src/store/recovery.js';
import { serialize, type State } from '../../src/store/state.js';
import { tempDir } from '../helpers.js';

describe('store: recoverState with identical copies', () => {
  it('loads the state once from two identical valid copies, from the primary, and keeps both files', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    const state: State = { generation: 7, sequences: new Map([['a', 3], ['b', 9]]), random: {}, series: new Map(), idempotency: new Map() };
    await writeFile(paths.primary, serialize(state));
    await writeFile(paths.replica, serialize(state));
    const got = await recoverState(paths, false, silentLogger());
    expect(got.source).to.equal('primary');
    expect(got.state.generation).to.equal(7);
    expect([...got.state.sequences]).to.deep.equal([['a', 3], ['b', 9]]);
    expect((await readdir(paths.dir)).sort()).to.deep.equal(['s.json', 's.json.replica']);
  });

  it('refuses two identical damaged copies, naming each with its reason, and moves both aside under salvage', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    await writeFile(paths.primary, '{"format":1,"generation":');
    await writeFile(paths.replica, '{"format":1,"generation":');
    const err = await recoverState(paths, false, silentLogger()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.include(`${paths.primary} (not valid JSON`);
    expect(err?.message).to.include(`${paths.replica} (not valid JSON`);
    const salvaged = await recoverState(paths, true, silentLogger());
    expect(salvaged.source).to.equal('salvage');
    const names = await readdir(paths.dir);
    expect(names.filter((n) => n.startsWith('s.json.corrupt-'))).to.have.length(1);
    expect(names.filter((n) => n.startsWith('s.json.replica.corrupt-'))).to.have.length(1);
  });
});

describe('store: salvage keeps the settings of sequences with series', () => {
  it('reads the surviving series lines of damaged copies, the latest period winning, and no series member as a sequence', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    const series = (period: string, periods: Record<string, number>) => ({ settings: { format: 'I-{YYYY}-{n}', reset: 'yearly' as const, time_zone: 'UTC', max: 99999 }, period, periods });
    const newer: State = { generation: 9, sequences: new Map([['inv', 5], ['b', 2]]), random: {}, series: new Map([['inv', series('2027', { '2026': 800 })]]), idempotency: new Map() };
    const older: State = { ...newer, generation: 8, sequences: new Map([['inv', 800], ['b', 1]]), series: new Map([['inv', series('2026', {})]]) };
    // Both copies lose their end (and the newer its "random" section): what is left is read line by line.
    const cut = (text: string): string => text.slice(0, text.indexOf('"idempotency"') + 5);
    const damaged = cut(serialize(newer)).replace('\n  "random": {},', '');
    expect(damaged).to.not.include('"random"');
    await writeFile(paths.primary, damaged);
    await writeFile(paths.replica, cut(serialize(older)));
    const { state } = await recoverState(paths, true, silentLogger());
    expect([...state.sequences].sort()).to.deep.equal([['b', 2], ['inv', 800]]);
    expect(state.series.get('inv')).to.deep.equal(series('2027', { '2026': 800 }));
  });
});
