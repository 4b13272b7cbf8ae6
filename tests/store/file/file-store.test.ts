// FileStore: persistence, restarts, random pools through the store, migration, directories, domains.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { ServiceError, StartupError } from '../../../src/errors.js';
import { RandomValues } from '../../../src/random/values.js';
import { resolveStatePaths } from '../../../src/store/file/paths.js';
import { readState as readStateFiles } from '../../../src/store/file/recovery/recover.js';
import { openFileStore, tempDir } from '../../support/helpers.js';
import { serveFile } from '../../support/app.js';

const SMALL_INT = { RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '3' };

async function readState(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

describe('store: FileStore', () => {
  let file: string;
  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
  });

  it('after a clean stop the snapshot alone holds the exact state: format 2, generation, sequences, both pools with key and drawn, checksum', async () => {
    const store = await openFileStore(file, SMALL_INT);
    expect(await store.next('foo', 1)).to.deep.equal({ first: 1, last: 1 });
    expect(await store.next('foo', 3)).to.deep.equal({ first: 2, last: 4 });
    expect(await store.advanceTo('bar', 10)).to.equal(10);
    await store.draw('int', 2);
    await store.close();
    const state = await readState(file);
    expect(Object.keys(state)).to.deep.equal(['format', 'generation', 'sequences', 'pools', 'idempotency', 'checksum']);
    expect(state.format).to.equal(2);
    // The start's checkpoint (0), then one record per commit.
    expect(state.generation).to.equal(4);
    expect(state.sequences).to.deep.equal({ foo: 4, bar: 10 });
    expect(state.checksum).to.match(/^crc32:[0-9a-f]{8}$/);
    const random = state.pools as Record<string, Record<string, unknown>>;
    expect(Object.keys(random)).to.deep.equal(['int', 'float']);
    expect(random.int).to.deep.include({ domain: { type: 'int', min: 1, max: 3 }, drawn: 2 });
    expect(random.float).to.deep.include({ domain: { type: 'float', min: 0, max: 10000, decimals: 4 }, drawn: 0 });
    expect(random.int!.key).to.match(/^[0-9a-f]{64}$/);
    expect(random.float!.key).to.match(/^[0-9a-f]{64}$/);
    expect(random.int!.key).to.not.equal(random.float!.key);
    expect(state.idempotency).to.deep.equal({});
    expect(await readFile(`${file}.replica`, 'utf8')).to.equal(await readFile(file, 'utf8'));
    expect(await readFile(`${file}.journal`, 'utf8')).to.equal('');
    expect(await readFile(`${file}.journal.replica`, 'utf8')).to.equal('');
  });

  it('appends one journal record per commit with absolute values, readable with tail; no snapshot rewrite', async () => {
    const store = await openFileStore(file, SMALL_INT);
    const snapshot = await readFile(file, 'utf8');
    await store.next('foo', 2);
    await store.next('foo', 1, { key: 'k1', fingerprint: 'next foo 1' });
    await store.draw('int', 1);
    const lines = (await readFile(`${file}.journal`, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map(({ crc, ...rest }) => (expect(crc).to.match(/^[0-9a-f]{8}$/), rest))).to.deep.equal([
      { g: 1, seq: { foo: 2 } },
      { g: 2, seq: { foo: 3 }, idem: { k1: { request: 'next foo 1', at: (JSON.parse(lines[1]!) as { idem: { k1: { at: number } } }).idem.k1.at, result: { kind: 'next', first: 3, last: 3 } } } },
      { g: 3, pools: { int: { drawn: 1 } } },
    ]);
    expect(await readFile(`${file}.journal.replica`, 'utf8')).to.equal(lines.join('\n') + '\n');
    expect(await readFile(file, 'utf8')).to.equal(snapshot);
    await store.close();
  });

  it('journals a named pool whole when it is created (definition and key), then only its position; replay and the snapshot give it back', async () => {
    const store = await openFileStore(file, SMALL_INT);
    // Braces, quotes and a backslash: JSON escaping inside a snapshot line and a journal record.
    const domain = { type: 'code', alphabet: '{}"\\ab', length: 2, prefix: '}{', check: true } as const;
    const [made, first] = await Promise.all([store.definePool('br.ace_s-1', domain), store.definePool('br.ace_s-1', domain)]);
    expect([made.created, first.created]).to.deep.equal([true, false]);
    await store.draw('br.ace_s-1', 3);
    const records = (await readFile(`${file}.journal`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map(({ crc: _crc, ...rest }) => rest)).to.deep.equal([
      { g: 1, pools: { 'br.ace_s-1': { domain, key: made.pool.key, drawn: 0 } } },
      { g: 2, pools: { 'br.ace_s-1': { drawn: 3 } } },
    ]);
    // What a start after kill -9 reads: the snapshot of the first start, then the replayed records.
    const replayed = await readStateFiles(resolveStatePaths(file));
    expect(replayed.pools.get('br.ace_s-1')).to.deep.equal({ domain, key: made.pool.key, drawn: 3 });
    const before = await store.pools();
    await store.close();
    const again = await openFileStore(file, SMALL_INT);
    expect(await again.pools()).to.deep.equal(before);
    expect(before.map((p) => p.name)).to.deep.equal(['br.ace_s-1', 'float', 'int']);
    expect((await again.draw('br.ace_s-1', 1)).start).to.equal(3);
    await again.close();
  });

  it('checkpoints when the journal passes its bound: a new snapshot, and a journal holding only later records', async () => {
    const store = await openFileStore(file, {}, { checkpointBytes: 200 });
    for (let i = 1; i <= 10; i++) await store.next('foo', 1);
    await store.settled();
    const state = await readState(file);
    expect((state.sequences as Record<string, number>).foo).to.be.at.least(4);
    const journal = (await readFile(`${file}.journal`, 'utf8')).split('\n').filter(Boolean);
    for (const l of journal) expect((JSON.parse(l) as { g: number }).g).to.be.greaterThan(state.generation as number);
    expect(journal.length).to.be.below(10);
    await store.close();
    const again = await openFileStore(file);
    expect(await again.next('foo', 1)).to.deep.equal({ first: 11, last: 11 });
    await again.close();
  });

  it('continues every sequence after a restart', async () => {
    const a = await openFileStore(file);
    await a.next('foo', 1);
    await a.next('foo', 1);
    await a.next('bar', 5);
    await a.close();
    const b = await openFileStore(file);
    expect(await b.next('foo', 1)).to.deep.equal({ first: 3, last: 3 });
    expect(await b.next('bar', 1)).to.deep.equal({ first: 6, last: 6 });
    expect(await b.sequencePage()).to.deep.equal([
      { id: 'bar', last: 6 },
      { id: 'foo', last: 3 },
    ]);
    await b.close();
  });

  it('keeps a pool key across restarts and draws the next indexes', async () => {
    const a = await openFileStore(file);
    const keyInt = (await a.pool('int')).key;
    const keyFloat = (await a.pool('float')).key;
    expect(await a.draw('int', 3)).to.deep.include({ pool: 'int', start: 0, count: 3, key: keyInt });
    await a.close();
    const b = await openFileStore(file);
    expect(await b.pool('int')).to.deep.include({ key: keyInt, drawn: 3 });
    expect(await b.pool('float')).to.deep.include({ key: keyFloat, drawn: 0 });
    expect(await b.draw('int', 1)).to.deep.include({ start: 3, count: 1, key: keyInt });
    await b.close();
  });

  it('exhausts a pool exactly after its last value: 3 draws, then random_exhausted with nothing moved', async () => {
    const store = await openFileStore(file, SMALL_INT);
    const values = new RandomValues();
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) tokens.push(...(await values.texts(await store.draw('int', 1))));
    expect(tokens.sort()).to.deep.equal(['1', '2', '3']);
    let error: unknown;
    try {
      await store.draw('int', 1);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ServiceError);
    expect((error as ServiceError).code).to.equal('random_exhausted');
    expect((error as ServiceError).extra).to.deep.equal({ drawn: 3, size: 3 });
    expect((await store.pool('int')).drawn).to.equal(3);
    await store.close();
  });

  it('continues both random pools over HTTP across a restart: no value repeats', async () => {
    const first = await serveFile(file);
    const ints1 = ((await request(first.url).get('/random?count=500')).body as { numbers: number[] }).numbers;
    const floats1 = (await request(first.url).get('/random?type=float&count=500&format=text')).text.trim().split('\n');
    await first.close();
    const second = await serveFile(file);
    const ints2 = ((await request(second.url).get('/random?count=500')).body as { numbers: number[] }).numbers;
    const floats2 = (await request(second.url).get('/random?type=float&count=500&format=text')).text.trim().split('\n');
    await second.close();
    expect(new Set([...ints1, ...ints2]).size).to.equal(1000);
    expect(new Set([...floats1, ...floats2]).size).to.equal(1000);
    const state = await readState(file);
    expect((state.pools as Record<string, { drawn: number }>).int!.drawn).to.equal(1000);
    expect((state.pools as Record<string, { drawn: number }>).float!.drawn).to.equal(1000);
  });

  it('draws a small pool to exhaustion across restarts, every value exactly once', async () => {
    const env = { RANDOM_INT_MIN: '-5', RANDOM_INT_MAX: '4', RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '0.6', RANDOM_FLOAT_DECIMALS: '1' };
    const ints: number[] = [];
    const floats: string[] = [];
    for (const [nInt, nFloat] of [
      [4, 1],
      [1, 2],
      [5, 3],
    ] as const) {
      const s = await serveFile(file, env);
      for (let i = 0; i < nInt; i++) ints.push(((await request(s.url).get('/random')).body as { number: number }).number);
      for (let i = 0; i < nFloat; i++) floats.push(/^\{"number":(.*)\}$/.exec((await request(s.url).get('/random?type=float')).text)![1]!);
      await s.close();
    }
    const last = await serveFile(file, env);
    expect((await request(last.url).get('/random')).status).to.equal(503);
    expect((await request(last.url).get('/random?type=float')).status).to.equal(503);
    await last.close();
    expect([...ints].sort((a, b) => a - b)).to.deep.equal([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
    expect([...floats].sort()).to.deep.equal(['0.0', '0.1', '0.2', '0.3', '0.4', '0.5']);
  });

  it('refuses to open when the configured domain differs from the stored pool, naming the setting', async () => {
    const a = await openFileStore(file, { RANDOM_INT_MAX: '100' });
    await a.close();
    for (const [env, setting] of [
      [{ RANDOM_INT_MAX: '200' }, 'RANDOM_INT_MAX'],
      [{ RANDOM_INT_MAX: '100', RANDOM_INT_MIN: '1' }, 'RANDOM_INT_MIN'],
      [{ RANDOM_INT_MAX: '100', RANDOM_FLOAT_DECIMALS: '3' }, 'RANDOM_FLOAT_DECIMALS'],
      [{ RANDOM_INT_MAX: '100', RANDOM_FLOAT_MAX: '5000' }, 'RANDOM_FLOAT_MAX'],
    ] as const) {
      let error: unknown;
      try {
        await openFileStore(file, env);
      } catch (e) {
        error = e;
      }
      expect(error, setting).to.be.instanceOf(StartupError);
      expect((error as Error).message).to.include(setting);
    }
    // the refusal released the lock and changed nothing: the original domain still opens
    const b = await openFileStore(file, { RANDOM_INT_MAX: '100' });
    expect((await b.pool('int')).domain).to.deep.equal({ type: 'int', min: 0, max: 100 });
    await b.close();
  });

  it('creates missing directories', async () => {
    const deep = path.join(path.dirname(file), 'a', 'b', 'c', 'state.json');
    const store = await openFileStore(deep);
    expect(await store.next('x', 1)).to.deep.equal({ first: 1, last: 1 });
    await store.close();
    expect((await readState(deep)).sequences).to.deep.equal({ x: 1 });
    expect((await readState(`${deep}.replica`)).sequences).to.deep.equal({ x: 1 });
  });

  it('migrates the legacy flat format and keeps the original beside it', async () => {
    const legacy = '{"foo": 3, "bar": 0, "__proto__": 7}';
    await writeFile(file, legacy);
    const s = await serveFile(file);
    expect((await request(s.url).get('/next/foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 4 });
    expect((await request(s.url).get('/next/bar')).body).to.deep.equal({ sequence_id: 'bar', next_value: 1 });
    expect((await request(s.url).get('/next/__proto__')).body).to.deep.equal({ sequence_id: '__proto__', next_value: 8 });
    await s.close();
    const names = await readdir(path.dirname(file));
    const kept = names.filter((n) => n.startsWith('sequences.json.legacy-'));
    expect(kept).to.have.length(1);
    expect(await readFile(path.join(path.dirname(file), kept[0]!), 'utf8')).to.equal(legacy);
    const state = await readState(file);
    expect(state.format).to.equal(2);
    expect(Object.entries(state.sequences as object)).to.deep.equal([
      ['foo', 4],
      ['bar', 1],
      ['__proto__', 8],
    ]);
  });

  it('a compact format-1 file (one line) with a duplicate id keeps the highest value, as the pretty-printed layout does', async () => {
    for (const text of [
      '{"format":1,"generation":0,"sequences":{"x":100,"x":3},"random":{},"idempotency":{}}',
      '{\n  "format": 1,\n  "generation": 0,\n  "sequences": {\n    "x": 100,\n    "x": 3\n  },\n  "random": {},\n  "idempotency": {}\n}\n',
      '{"x":100,"x":3}',
      '{"x":3,"x":100}',
    ]) {
      const f = path.join(await tempDir(), 'sequences.json');
      await writeFile(f, text);
      const store = await openFileStore(f);
      expect(await store.next('x', 1), text).to.deep.equal({ first: 101, last: 101 });
      await store.close();
    }
  });

  it('the legacy original is copied aside without following a link planted at its name: the target stays as it was', async () => {
    const dir = path.dirname(file);
    const victim = path.join(await tempDir(), 'victim.txt');
    await writeFile(victim, 'do not touch\n');
    const legacy = '{"foo": 3}';
    await writeFile(file, legacy);
    // A link for every millisecond stamp of the next seconds, where the copy's name will fall.
    const now = Date.now();
    const { symlink, lstat } = await import('node:fs/promises');
    const { fileStamp } = await import('../../../src/store/file/paths.js');
    for (let t = now; t < now + 3000; t++) await symlink(victim, `${file}.legacy-${fileStamp(new Date(t))}`);
    const store = await openFileStore(file);
    expect(await store.next('foo', 1)).to.deep.equal({ first: 4, last: 4 });
    await store.close();
    expect(await readFile(victim, 'utf8')).to.equal('do not touch\n');
    const kept: string[] = [];
    for (const n of await readdir(dir)) if (n.startsWith('sequences.json.legacy-') && (await lstat(path.join(dir, n))).isFile()) kept.push(n);
    expect(kept).to.have.length(1);
    expect(kept[0]).to.match(/-1$/);
    expect(await readFile(path.join(dir, kept[0]!), 'utf8')).to.equal(legacy);
  });

  it('a generation near 2^53 (an edited file, a very long life): the start writes the state whole and counts from 0 again; no generation is written twice', async () => {
    await writeFile(file, `{"format":1,"generation":${Number.MAX_SAFE_INTEGER - 1},"sequences":{"x":5},"random":{},"idempotency":{}}`);
    const store = await openFileStore(file);
    for (let i = 6; i <= 8; i++) expect(await store.next('x', 1)).to.deep.equal({ first: i, last: i });
    // As a crash would leave them: the snapshot at generation 0, the journal's records after it.
    const gs = (await readFile(`${file}.journal`, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { g: number }).g);
    expect(gs).to.deep.equal([1, 2, 3]);
    const onDisk = await readStateFiles(resolveStatePaths(file));
    expect([onDisk.generation, onDisk.sequences.get('x')]).to.deep.equal([3, 8]);
    await store.close();
    const again = await openFileStore(file);
    expect(await again.next('x', 1)).to.deep.equal({ first: 9, last: 9 });
    await again.close();
  });

  it('a deleted primary journal is noticed within the next commit, logged, and both copies made whole before that commit is answered', async () => {
    const { captureLog } = await import('../../support/robustness.js');
    const { FileStore } = await import('../../../src/store/file/file-store.js');
    const { testConfig } = await import('../../support/helpers.js');
    const { log, lines } = captureLog();
    const store = await FileStore.open({ config: testConfig({ SEQUENCE_FILE: file }), log });
    for (let i = 1; i <= 3; i++) await store.next('x', 1);
    await rm(`${file}.journal`);
    expect(await store.next('x', 1)).to.deep.equal({ first: 4, last: 4 });
    expect(lines.filter((l) => l.event === 'journal_replaced').map((l) => l.path)).to.deep.equal([`${file}.journal`]);
    // A power cut now (page cache lost): the snapshots alone, both whole and holding x = 4; the journal copies are there again.
    for (const copy of [file, `${file}.replica`]) expect((await readState(copy)).sequences).to.deep.equal({ x: 4 });
    expect(await readFile(`${file}.journal`, 'utf8')).to.equal('');
    expect(await readFile(`${file}.journal.replica`, 'utf8')).to.equal('');
    // Appends go on into the new journal.
    expect(await store.next('x', 1)).to.deep.equal({ first: 5, last: 5 });
    expect(JSON.parse((await readFile(`${file}.journal`, 'utf8')).trim()).seq).to.deep.equal({ x: 5 });
    await store.close();
  });

  it('refuses every call after close with storage_unavailable', async () => {
    const store = await openFileStore(file);
    await store.close();
    let error: unknown;
    try {
      await store.next('x', 1);
    } catch (e) {
      error = e;
    }
    expect((error as ServiceError).code).to.equal('storage_unavailable');
    expect(await store.health()).to.deep.equal({ ok: false, reason: 'shutting down' });
  });

  it('reports unhealthy as soon as its state directory is removed, with no request in between, and healthy once it is back', async () => {
    const dir = path.join(await tempDir(), 'state');
    const store = await openFileStore(path.join(dir, 'sequences.json'));
    expect(await store.next('a', 1)).to.deep.equal({ first: 1, last: 1 });
    expect(await store.health()).to.deep.equal({ ok: true });
    await rm(dir, { recursive: true });
    const unhealthy = await store.health();
    expect(unhealthy.ok).to.equal(false);
    expect(unhealthy.reason).to.match(/^ENOENT: /);
    await mkdir(dir);
    expect(await store.health()).to.deep.equal({ ok: true });
    expect(JSON.parse(await readFile(path.join(dir, 'sequences.json'), 'utf8')).sequences).to.deep.equal({ a: 1 });
    expect(await readdir(dir)).to.have.members(['sequences.json', 'sequences.json.replica', 'sequences.json.journal', 'sequences.json.journal.replica', 'sequences.json.lock']);
    expect(await store.next('a', 1)).to.deep.equal({ first: 2, last: 2 });
    await store.close();
  });
});
