// Sequences with settings in the file engine: the `series` section of journal records and of snapshot format 2, applied by
// period (not by value) live, at replay and in salvage.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { apply, PendingChanges } from '../../../src/store/file/apply.js';
import { decodeRecord, encodeRecord } from '../../../src/store/file/journal/record.js';
import { statePaths } from '../../../src/store/file/paths.js';
import { readState } from '../../../src/store/file/recovery/recover.js';
import { salvage } from '../../../src/store/file/recovery/salvage.js';
import { parseSnapshot } from '../../../src/store/file/snapshot/read.js';
import { serializeSnapshot } from '../../../src/store/file/snapshot/write.js';
import { emptyState, type State } from '../../../src/store/file/state.js';
import type { SeriesState } from '../../../src/series/sequence.js';
import { openFileStore, tempDir } from '../../support/helpers.js';

const settings = { format: 'INV-{YYYY}-{n:05}', reset: 'yearly' as const, time_zone: 'UTC', max: 99999 };
const series = (period: string, periods: Record<string, number> = {}): SeriesState => ({ settings, period, periods });
const at = (iso: string): number => Date.parse(iso);

function withSeries(id: string, last: number, s: SeriesState, plain: Record<string, number> = {}): State {
  const state = emptyState();
  for (const [k, v] of Object.entries(plain)) state.sequences.set(k, v);
  state.sequences.set(id, last);
  state.series.set(id, s);
  return state;
}

describe('store/file: sequences with settings in the journal and the snapshot', () => {
  it('a crash after the change of year replays the new period from the journal, and a clean stop writes it in the snapshot', async () => {
    const file = path.join(await tempDir(), 's.json');
    let now = at('2026-12-31T23:59:59Z');
    const store = await openFileStore(file, {}, { now: () => now });
    await store.configure('invoice', { settings });
    await store.next('plain', 4);
    expect(await store.next('invoice', 3)).to.deep.include({ first: 1, last: 3, period: '2026', format: settings.format });
    now = at('2027-01-01T00:00:00Z');
    expect(await store.next('invoice', 2)).to.deep.include({ first: 1, last: 2, period: '2027' });
    // As after kill -9: what the files say while the process still holds them.
    const crashed = await readState(statePaths(file));
    expect(crashed.sequences.get('invoice')).to.equal(2);
    expect(crashed.sequences.get('plain')).to.equal(4);
    expect(crashed.series.get('invoice')).to.deep.equal(series('2027', { '2026': 3 }));
    const journal = await readFile(`${file}.journal`, 'utf8');
    expect(journal).to.include('"series":{"invoice":{"last":2,"format":"INV-{YYYY}-{n:05}","reset":"yearly","time_zone":"UTC","max":99999,"period":"2027","periods":{"2026":3}}}');
    await store.close();
    const snapshot = await readFile(file);
    expect(snapshot.toString()).to.include('\n  "series": {\n    "invoice": {"last":2,');
    // Read by the byte-level reader of format 2 (its checksum holds), series section included.
    const parsed = parseSnapshot(snapshot);
    expect(parsed.format).to.equal(2);
    expect([...parsed.state.sequences]).to.deep.equal([
      ['invoice', 2],
      ['plain', 4],
    ]);
    expect(parsed.state.series.get('invoice')).to.deep.equal(series('2027', { '2026': 3 }));
    const again = await openFileStore(file, {}, { now: () => now });
    expect(await again.next('invoice', 1)).to.deep.include({ first: 3, last: 3, period: '2027' });
    expect(await again.sequencePage()).to.deep.equal([
      { id: 'invoice', last: 3 },
      { id: 'plain', last: 4 },
    ]);
    await again.close();
  });

  it('a state without settings writes no series section (its snapshot text is unchanged)', async () => {
    const state = emptyState();
    state.sequences.set('a', 1);
    const text = Buffer.concat(await serializeSnapshot(state, 1, false)).toString();
    expect(text).to.not.include('"series"');
  });

  it('a snapshot entry carries its own value: a value caught in an earlier period never pairs with a later period', async () => {
    // The sliced "sequences" section saw 800 in 2026; the series section, written later, the new year.
    const state = withSeries('invoice', 800, series('2026'));
    const chunks = await serializeSnapshot(state, 5, false);
    const text = Buffer.concat(chunks).toString().replace('{"last":800,', '{"last":1,').replace('"period":"2026","periods":{}', '"period":"2027","periods":{"2026":800}');
    const { crc32 } = await import('node:zlib');
    const at = text.lastIndexOf('\n  "checksum"');
    const fixed = `${text.slice(0, at + 1)}  "checksum": "crc32:${crc32(text.slice(0, at + 1)).toString(16).padStart(8, '0')}"\n}\n`;
    const parsed = parseSnapshot(Buffer.from(fixed));
    expect(parsed.state.sequences.get('invoice')).to.equal(1);
    expect(parsed.state.series.get('invoice')).to.deep.equal(series('2027', { '2026': 800 }));
  });

  it('replay never moves a sequence back: an older period, a lower value or a plain value leave it as it is', () => {
    const state = withSeries('invoice', 2, series('2027', { '2026': 800 }));
    apply(state, decodeRecord(encodeRecord(6, { series: { invoice: { last: 900, series: series('2026') } } }).trimEnd()));
    apply(state, decodeRecord(encodeRecord(7, { seq: { invoice: 950 } }).trimEnd()));
    apply(state, decodeRecord(encodeRecord(8, { series: { invoice: { last: 1, series: series('2027', { '2026': 800 }) } } }).trimEnd()));
    expect(state.sequences.get('invoice')).to.equal(2);
    expect(state.series.get('invoice')).to.deep.equal(series('2027', { '2026': 800 }));
    apply(state, decodeRecord(encodeRecord(9, { series: { invoice: { last: 1, series: series('2028', { '2026': 800, '2027': 2 }) } } }).trimEnd()));
    expect(state.sequences.get('invoice')).to.equal(1);
    expect(state.series.get('invoice')!.period).to.equal('2028');
  });

  it('a batch carries each id in one section: a plain value after settings goes into the settings entry', () => {
    const state = emptyState();
    const pending = new PendingChanges(state);
    pending.sequence('a', 5);
    pending.series('a', { last: 5, series: { settings: { reset: 'never', time_zone: 'UTC', max: 100 }, periods: {} } });
    pending.sequence('b', 1);
    const changes = pending.take();
    expect(changes.seq).to.deep.equal({ b: 1 });
    expect(changes.series).to.deep.equal({ a: { last: 5, series: { settings: { reset: 'never', time_zone: 'UTC', max: 100 }, periods: {} } } });
    const replayed = emptyState();
    apply(replayed, decodeRecord(encodeRecord(1, changes).trimEnd()));
    expect([...replayed.sequences]).to.deep.equal([
      ['b', 1],
      ['a', 5],
    ]);
  });

  it('salvage keeps the latest period of each sequence with settings, with its own value, from snapshots and journal lines', async () => {
    const newer = withSeries('inv', 5, series('2027', { '2026': 800 }), { b: 2 });
    const older = withSeries('inv', 800, series('2026'), { b: 1 });
    const text = async (s: State, g: number): Promise<string> => Buffer.concat(await serializeSnapshot(s, g, false)).toString();
    // Both copies cut short after their series section; a journal line of an even later value in 2027.
    const cut = (t: string): string => t.slice(0, t.indexOf('"idempotency"') + 5);
    const journal = encodeRecord(10, { series: { inv: { last: 7, series: series('2027', { '2026': 800 }) } }, seq: { b: 3 } });
    const { state } = salvage([cut(await text(newer, 9)), cut(await text(older, 8))], [journal]);
    expect(state.sequences.get('inv')).to.equal(7);
    expect(state.sequences.get('b')).to.equal(3);
    expect(state.series.get('inv')).to.deep.equal(series('2027', { '2026': 800 }));
    const onlyOlder = salvage([cut(await text(older, 8))], []);
    expect(onlyOlder.state.sequences.get('inv')).to.equal(800);
    expect(onlyOlder.state.series.get('inv')).to.deep.equal(series('2026'));
  });
});
