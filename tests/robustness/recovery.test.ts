// Recovery of the snapshot copies (README, Recovery), one test per damage: the damaged copy is moved aside byte-identical and logged at
// error level with its path, the intact copy wins, and values continue with no repeat. Both copies damaged
// → the start is refused with the files untouched; --recover=salvage then starts from what can be read.
import { expect } from 'chai';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runServerToExit, startServerProcess, tempDir } from '../support/helpers.js';
import { salvage } from '../../src/store/file/recovery/salvage.js';
import { serializeSnapshot } from '../../src/store/file/snapshot/format.js';
import { emptyState } from '../../src/store/file/state.js';
import { ERROR, SMALL_POOLS, onlyMatch, openInProcess, parseLogLines, snapshotDir, type InProcess } from '../support/robustness.js';

interface Acked {
  a: number;
  b: number;
  int: string[];
  float: string[];
}

const INT_DOMAIN = Array.from({ length: 100 }, (_, i) => String(i));
const FLOAT_DOMAIN = Array.from({ length: 100 }, (_, i) => `0.${String(i).padStart(2, '0')}`);

async function drawText(h: InProcess['http'], type: string, count: number): Promise<string[]> {
  const res = await h.get(`/random?type=${type}&count=${count}&format=text`);
  expect(res.status, res.text).to.equal(200);
  return res.text.trim().split('\n');
}

/** Hands out a few values on a fresh state file and closes the store. */
async function handOut(file: string): Promise<Acked> {
  const s = await openInProcess(file);
  for (let i = 1; i <= 3; i++) expect((await s.http.get('/next/a')).body.next_value).to.equal(i);
  expect((await s.http.post('/next/b?count=2')).body).to.deep.equal({ sequence_id: 'b', next_value: 1, last_value: 2 });
  const acked = { a: 3, b: 2, int: await drawText(s.http, 'int', 30), float: await drawText(s.http, 'float', 30) };
  await s.store.close();
  return acked;
}

/** After recovery: sequences continue past every acknowledged value and the pools hand out exactly the rest. */
async function expectContinues(s: InProcess, acked: Acked): Promise<void> {
  expect((await s.http.get('/next/a')).body).to.deep.equal({ sequence_id: 'a', next_value: acked.a + 1 });
  expect((await s.http.get('/next/b')).body).to.deep.equal({ sequence_id: 'b', next_value: acked.b + 1 });
  for (const [type, before, domain] of [['int', acked.int, INT_DOMAIN], ['float', acked.float, FLOAT_DOMAIN]] as const) {
    const rest = await drawText(s.http, type, 100 - before.length);
    // Every value of the pool exactly once: nothing drawn before the damage came out again.
    expect([...before, ...rest].sort()).to.deep.equal([...domain].sort());
    const over = await s.http.get(`/random?type=${type}`);
    expect(over.status).to.equal(503);
    expect(over.body.code).to.equal('random_exhausted');
  }
}

type Damage = { name: string; apply: (text: string) => Buffer | null };

const DAMAGES: Damage[] = [
  { name: 'garbage bytes', apply: () => Buffer.from([0x00, 0xff, 0x13, 0x37, 0x7b, 0x22, 0xfe, 0x0a]) },
  { name: 'invalid UTF-8 inside a sequence id (would decode to another id)', apply: (t) => Buffer.concat([Buffer.from(t.slice(0, t.indexOf('"a"') + 1)), Buffer.from([0xff]), Buffer.from(t.slice(t.indexOf('"a"') + 2))]) },
  { name: 'truncated', apply: (t) => Buffer.from(t.slice(0, Math.floor(t.length / 2))) },
  { name: 'empty', apply: () => Buffer.alloc(0) },
  { name: 'deleted', apply: () => null },
  { name: 'valid JSON of the wrong shape (an array)', apply: (t) => Buffer.from(`[${t}]`) },
  { name: 'valid JSON of the wrong shape (no pools member)', apply: (t) => Buffer.from(JSON.stringify({ ...JSON.parse(t), pools: undefined })) },
  { name: 'one bit flipped in a value, still valid JSON (3 -> 2)', apply: (t) => Buffer.from(t.replace('"a": 3', '"a": 2')) },
  { name: 'wrong types (a value as a string)', apply: (t) => Buffer.from(t.replace('"a": 3', '"a": "3"')) },
  { name: 'wrong types (generation as a string)', apply: (t) => Buffer.from(t.replace(/"generation": (\d+)/, '"generation": "$1"')) },
  { name: 'a fractional value', apply: (t) => Buffer.from(t.replace('"a": 3', '"a": 3.5')) },
  { name: 'a negative value', apply: (t) => Buffer.from(t.replace('"a": 3', '"a": -3')) },
  { name: 'an unsafe value (2^53 + 1)', apply: (t) => Buffer.from(t.replace('"a": 3', '"a": 9007199254740993')) },
  { name: 'an unsafe generation (1e300)', apply: (t) => Buffer.from(t.replace(/"generation": (\d+)/, '"generation": 1e300')) },
  { name: 'a pool drawn past its range', apply: (t) => Buffer.from(t.replace('"drawn":30', '"drawn":101')) },
];

describe('robustness: recovery of the snapshot copies', () => {
  for (const which of ['primary', 'replica'] as const)
    for (const damage of DAMAGES)
      it(`${which} ${damage.name}: the other copy wins, the damaged bytes are kept aside, values continue`, async () => {
        const dir = await tempDir();
        const file = path.join(dir, 'sequences.json');
        const acked = await handOut(file);
        const target = which === 'primary' ? file : `${file}.replica`;
        const original = await readFile(target, 'utf8');
        const bytes = damage.apply(original);
        if (bytes === null) await rm(target);
        else {
          expect(bytes.toString('base64')).to.not.equal(Buffer.from(original).toString('base64'));
          await writeFile(target, bytes);
        }

        const s = await openInProcess(file);
        try {
          if (bytes !== null) {
            const kept = await onlyMatch(dir, new RegExp(`^${path.basename(target).replace(/\./g, '\\.')}\\.corrupt-\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z$`));
            expect((await readFile(kept)).equals(bytes), 'moved-aside copy is byte-identical').to.equal(true);
            const logged = s.lines.filter((l) => l.event === 'corrupt_copy');
            expect(logged).to.have.length(1);
            expect(logged[0]!.level).to.equal(ERROR);
            expect(logged[0]!.path).to.equal(target);
            expect(logged[0]!.movedTo).to.equal(kept);
          } else {
            expect(s.lines.filter((l) => l.event === 'corrupt_copy')).to.deep.equal([]);
            expect(s.lines.some((l) => l.event === 'stale_copy' && l.path === target && l.status === 'missing')).to.equal(true);
          }
          const loaded = s.lines.find((l) => l.event === 'state_loaded');
          expect(loaded?.source).to.equal(which === 'primary' ? 'replica' : 'primary');
          // The good copy was rewritten to both places.
          expect(await readFile(file, 'utf8')).to.equal(await readFile(`${file}.replica`, 'utf8'));
          await expectContinues(s, acked);
        } finally {
          await s.store.close();
        }
      });

  for (const older of ['primary', 'replica'] as const)
    it(`both copies valid but different (older generation in the ${older}): the higher generation wins`, async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'sequences.json');
      const s1 = await openInProcess(file);
      await s1.http.get('/next/a');
      const stale = await readFile(file, 'utf8');
      for (let i = 2; i <= 5; i++) expect((await s1.http.get('/next/a')).body.next_value).to.equal(i);
      await s1.store.close();
      await writeFile(older === 'primary' ? file : `${file}.replica`, stale);

      const s2 = await openInProcess(file);
      try {
        expect(s2.lines.find((l) => l.event === 'state_loaded')?.source).to.equal(older === 'primary' ? 'replica' : 'primary');
        expect((await s2.http.get('/next/a')).body.next_value).to.equal(6);
        expect(await readdir(dir)).to.not.satisfy((names: string[]) => names.some((n) => n.includes('corrupt')));
      } finally {
        await s2.store.close();
      }
    });

  it('an ordinary restart after a clean stop logs nothing above info (no "replica is older" when the copies are equal) and rewrites nothing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    await handOut(file);
    const before = await snapshotDir(dir);
    const s = await openInProcess(file);
    try {
      expect(s.lines.filter((l) => l.level > 30).map((l) => l.msg)).to.deep.equal([]);
      expect(s.lines.find((l) => l.event === 'state_loaded')?.source).to.equal('primary');
      expect(await snapshotDir(dir)).to.deep.equal(before);
    } finally {
      await s.store.close();
    }
  });

  it('migrates the legacy flat format and keeps the original beside it', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    const legacy = '{"build": 41, "invoice": 7, "__proto__": 2}\n';
    await writeFile(file, legacy);
    const s = await openInProcess(file);
    try {
      const kept = await onlyMatch(dir, /^sequences\.json\.legacy-/);
      expect(await readFile(kept, 'utf8')).to.equal(legacy);
      expect(s.lines.some((l) => l.event === 'migrate' && l.keptAs === kept)).to.equal(true);
      const now = JSON.parse(await readFile(file, 'utf8'));
      expect(now.format).to.equal(2);
      expect(now.sequences).to.deep.equal(JSON.parse(legacy));
      expect((await s.http.get('/next/build')).body.next_value).to.equal(42);
      expect((await s.http.get('/next/__proto__')).body.next_value).to.equal(3);
    } finally {
      await s.store.close();
    }
  });

  it('both copies damaged: refuses to start, names the kept files and the way out, touches nothing; --recover=salvage then starts from what can be read', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    const acked = await handOut(file);
    const text = await readFile(file, 'utf8');
    // Primary cut inside the idempotency part (sequences and pools readable), replica cut after "a".
    await writeFile(file, text.slice(0, text.indexOf('"idempotency"') + 5));
    await writeFile(`${file}.replica`, text.slice(0, text.indexOf('"b"') + 2));
    const before = await snapshotDir(dir);

    const env = { SEQUENCE_FILE: file, ...SMALL_POOLS, LOG_LEVEL: 'info' };
    const refused = await runServerToExit(env);
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.not.include('LISTENING');
    expect(refused.stderr).to.include(`no intact snapshot: ${file} is damaged (`);
    expect(refused.stderr).to.include(`${file}.replica is damaged (`);
    expect(refused.stderr).to.include('restore a backup of them');
    expect(refused.stderr).to.include('--recover=salvage');
    expect(await snapshotDir(dir)).to.deep.equal(before);
    expect(await readdir(dir)).to.have.members([...before.keys()]);

    const srv = await startServerProcess(env, ['--recover=salvage']);
    try {
      const get = async (p: string) => (await fetch(srv.url + p)).json() as Promise<Record<string, unknown>>;
      expect(await get('/next/a')).to.deep.equal({ sequence_id: 'a', next_value: acked.a + 1 });
      expect(await get('/next/b')).to.deep.equal({ sequence_id: 'b', next_value: acked.b + 1 });
      const ints = (await (await fetch(`${srv.url}/random?count=70&format=text`)).text()).trim().split('\n');
      expect([...acked.int, ...ints].sort()).to.deep.equal([...INT_DOMAIN].sort());
    } finally {
      srv.child.kill('SIGTERM');
      expect(await srv.exited).to.equal(0);
    }
    const logs = parseLogLines(srv.stdout());
    const moved = logs.filter((l) => l.event === 'corrupt_copy');
    expect(moved.map((l) => l.path)).to.have.members([file, `${file}.replica`]);
    expect(moved.every((l) => l.level === ERROR)).to.equal(true);
    for (const l of moved) expect((await readFile(l.movedTo as string)).toString('base64')).to.equal(before.get(path.basename(l.path as string)));
    const salvage = logs.filter((l) => l.event === 'salvage');
    expect(salvage.length).to.be.greaterThan(0);
    expect(salvage[0]!.sequences).to.equal(2);
    expect(logs.find((l) => l.event === 'state_loaded')?.source).to.equal('salvage');
  });

  it('--recover=salvage logs the pools and sequences it could not read', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    await handOut(file);
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.indexOf('"b"') + 2));
    await writeFile(`${file}.replica`, 'garbage');
    const srv = await startServerProcess({ SEQUENCE_FILE: file, ...SMALL_POOLS }, ['--recover=salvage']);
    try {
      expect(await (await fetch(`${srv.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: 4 });
      expect(await (await fetch(`${srv.url}/next/b`)).json()).to.deep.equal({ sequence_id: 'b', next_value: 1 });
    } finally {
      srv.child.kill('SIGTERM');
      expect(await srv.exited).to.equal(0);
    }
    const salvage = parseLogLines(srv.stdout()).filter((l) => l.event === 'salvage');
    expect(salvage[0]!.sequences).to.equal(1);
    expect(salvage.map((l) => l.msg)).to.include.members([
      'random pool "int" could not be read and starts afresh with a new key: values it drew before may be drawn again',
      'random pool "float" could not be read and starts afresh with a new key: values it drew before may be drawn again',
    ]);
  });

  it('salvage reads every sequence of a cut copy, also those after one named "pools"', async () => {
    const state = emptyState();
    for (const [id, v] of [['a', 3], ['pools', 9], ['z', 5], ['"quoted"', 2]] as const) state.sequences.set(id, v);
    const text = Buffer.concat(await serializeSnapshot(state, 7, false)).toString();
    const { state: got } = salvage([text.slice(0, text.indexOf('"pools": {'))], []);
    expect([...got.sequences]).to.deep.equal([['a', 3], ['pools', 9], ['z', 5], ['"quoted"', 2]]);
    // One past the highest generation read: the salvaged state is newer than anything on disk.
    expect(got.generation).to.equal(8);
  });

  it('salvage of a flat legacy file with an id named "format" keeps it; duplicate ids keep their highest value', () => {
    const { state: got } = salvage(['{"format": 12, "build": 4, "build": 2, "x": 1, "x": 9'], []);
    expect([...got.sequences].sort()).to.deep.equal([['build', 4], ['format', 12], ['x', 9]]);
  });

  it('a flat legacy file with an id named "format" and duplicate ids loads with the highest value of each', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    await writeFile(file, '{"format": 12, "build": 4, "build": 2}\n');
    const s = await openInProcess(file);
    try {
      expect((await s.http.get('/next/format')).body.next_value).to.equal(13);
      expect((await s.http.get('/next/build')).body.next_value).to.equal(5);
    } finally {
      await s.store.close();
    }
  });

  it('salvage keeps every intact named pool (the highest position of the copies), reads an alphabet with braces, and names the one it could not read', async () => {
    const pool = (drawn: number, key = 'ab'.repeat(32)) => ({ domain: { type: 'code', alphabet: 'x{}y', length: 3, prefix: 'P}', check: false } as const, key, drawn });
    const text = async (s: ReturnType<typeof emptyState>): Promise<string> => Buffer.concat(await serializeSnapshot(s, 4, false)).toString();
    const state = emptyState();
    state.pools.set('int', { domain: { type: 'int', min: 0, max: 9 }, key: 'cd'.repeat(32), drawn: 2 });
    state.pools.set('codes', pool(3));
    state.pools.set('zz', pool(1, 'ef'.repeat(32)));
    const older = await text(state);
    state.pools.set('codes', pool(5));
    const newer = (await text(state)).replace(/"zz": \{[^\n]*\}/, '"zz": {"domain":{"type":"code","alphabet":"xy","length":3,"pref');
    const { state: got, notes } = salvage([newer, older.replace(/"zz": \{[^\n]*\}/, '"zz": {"broken": true}')], []);
    expect([...got.pools.keys()].sort()).to.deep.equal(['codes', 'int']);
    expect(got.pools.get('codes')).to.deep.equal(pool(5));
    expect(notes).to.deep.equal([
      'random pool "float" could not be read and starts afresh with a new key: values it drew before may be drawn again',
      'random pool "zz" could not be read and is left out: defining it again would give it a new key, and values it drew before could be drawn again',
    ]);
  });
});
