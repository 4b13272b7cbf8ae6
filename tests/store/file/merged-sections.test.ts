// The sections of one record together: a new named pool, a draw from it, sequence settings and a formatted
// next with idempotency keys, all in one journal record, replayed after a crash (the files as kill -9 leaves them).
import { expect } from 'chai';
import { copyFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { statePaths } from '../../../src/store/file/paths.js';
import { openFileStore, tempDir } from '../../support/helpers.js';

/** The state files as they are now (the lock file left behind), copied to a new directory. */
async function crashCopy(file: string): Promise<string> {
  const to = path.join(await tempDir(), path.basename(file));
  const from = statePaths(file);
  const dest = statePaths(to);
  for (const k of ['primary', 'replica', 'journal', 'journalReplica'] as const) if (existsSync(from[k])) await copyFile(from[k], dest[k]);
  return to;
}

describe('store/file: a record with a new pool and a sequence with settings, replayed after a crash', () => {
  it('replays the pool, its draws, the formatted next and both idempotency answers, and goes on after them', async () => {
    const file = path.join(await tempDir(), 's.json');
    const now = Date.parse('2026-05-06T07:08:09Z');
    const store = await openFileStore(file, {}, { now: () => now });
    const settings = { format: 'T-{YYYY}-{n:04}', reset: 'yearly' as const, time_zone: 'UTC', max: 9999 };
    await store.configure('t', { settings });
    const code = { type: 'code', alphabet: '0123456789ABCDEF', length: 6, prefix: '', check: false } as const;
    const kn = { key: 'kn', fingerprint: 'next 3 t' };
    const kd = { key: 'kd', fingerprint: 'random v 4' };
    const [made, first, drawn] = await Promise.all([store.definePool('v', code), store.next('t', 3, kn), store.draw('v', 4, kd), store.next('p', 2)]);
    expect(made.created).to.equal(true);
    expect(first).to.deep.equal({ first: 1, last: 3, period: '2026', date: { year: 2026, month: 5, day: 6 }, format: settings.format });
    expect(drawn).to.deep.include({ pool: 'v', start: 0, count: 4, key: made.pool.key });
    const journal = (await readFile(`${file}.journal`, 'utf8')).trim().split('\n');
    const last = journal[journal.length - 1]!;
    // One record carries all four sections.
    for (const section of ['"seq":', '"pools":', '"idem":', '"series":']) expect(last).to.include(section);

    const copy = await crashCopy(file);
    const again = await openFileStore(copy, {}, { now: () => now });
    expect(await again.next('t', 3, kn)).to.deep.equal({ ...first, replayed: true });
    expect(await again.draw('v', 4, kd)).to.deep.equal({ ...drawn, replayed: true });
    expect(await again.pool('v')).to.deep.equal({ domain: made.pool.domain, key: made.pool.key, drawn: 4 });
    expect(await again.next('t', 1)).to.deep.include({ first: 4, last: 4, period: '2026' });
    expect(await again.next('p', 1)).to.deep.equal({ first: 3, last: 3 });
    expect((await again.draw('v', 1)).start).to.equal(4);
    await again.close();
    await store.close();
  });
});
