// `take-a-number migrate` between a state file and PostgreSQL: nothing is re-issued after the move,
// a target that is ahead is refused unless --take-max, and a file in use is never written.
import { expect } from 'chai';
import path from 'node:path';
import { runMigrate, type MigrateIo } from '../../src/cli/migrate.js';
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { openFileStore, tempDir, testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

async function migrate(...args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  const io: MigrateIo = { stdout: (l) => out.stdout.push(l), stderr: (l) => out.stderr.push(l) };
  return { code: await runMigrate(args, io), ...out };
}

describePostgres('take-a-number migrate (file ⇄ PostgreSQL)', function () {
  this.timeout(20_000);
  let db: TestDatabase;
  const opened: Store[] = [];
  const pgStore = async (): Promise<Store> => {
    const s = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger() });
    opened.push(s);
    return s;
  };
  const fileStore = async (file: string): Promise<Store> => {
    const s = await openFileStore(file);
    opened.push(s);
    return s;
  };
  const close = (s: Store): Promise<void> => s.close();

  before(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    await query(db.url, 'DROP TABLE IF EXISTS tan_leases, tan_lease_pools, tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map(close));
  });
  after(async () => {
    await db?.drop();
  });

  it('refuses to move a state with a ledger into PostgreSQL (which keeps no ledgers yet), and copies nothing', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const store = await openFileStore(file);
    await store.configure('led', { settings: { ledger: true } });
    await store.reserve('led', { meta: null }, null);
    await store.next('plain', 3);
    await store.close();
    const r = await migrate('--from', file, '--to', db.url);
    expect(r.code).to.not.equal(0);
    expect(r.stderr.join('\n')).to.include('the state keeps ledger sequences, which the PostgreSQL store does not keep in this version; nothing was copied');
    // The whole import rolled back, the schema it would have created included.
    expect((await query(db.url, "SELECT to_regclass('tan_sequences') AS t"))[0]!.t).to.equal(null);
  });

  it('carries settings and periods both ways: a resetting sequence continues in its period after the move', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    let now = Date.parse('2026-12-31T12:00:00Z');
    const clock = { now: () => now };
    let store: Store = await openFileStore(file, {}, clock);
    opened.push(store);
    await store.configure('inv', { settings: { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'Europe/Berlin', max: 99999 } });
    await store.next('inv', 842);
    now = Date.parse('2027-01-02T12:00:00Z');
    await store.next('inv', 17);
    await store.next('plain', 5);
    await store.close();

    expect((await migrate('--from', file, '--to', db.url)).code).to.equal(0);
    store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger(), ...clock });
    opened.push(store);
    const moved = await store.sequence('inv');
    expect(moved!.state).to.deep.equal({ last: 17, series: { settings: { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'Europe/Berlin', max: 99999 }, period: '2027', periods: { '2026': 842 } } });
    expect(await store.next('inv', 1)).to.deep.equal({ first: 18, last: 18, period: '2027', date: { year: 2027, month: 1, day: 2 }, format: 'INV-{YYYY}-{n:05}' });
    expect(await store.sequence('plain')).to.deep.include({ state: { last: 5 } });
    await store.close();

    const back = path.join(await tempDir(), 'back.json');
    expect((await migrate('--from', db.url, '--to', back)).code).to.equal(0);
    store = await openFileStore(back, {}, clock);
    opened.push(store);
    expect((await store.sequence('inv'))!.state).to.deep.equal({ last: 18, series: { settings: { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'Europe/Berlin', max: 99999 }, period: '2027', periods: { '2026': 842 } } });
    expect(await store.next('inv', 1)).to.include({ first: 19, period: '2027' });
  });

  it('moves a file to PostgreSQL and back, keeping every value, pool position, key and idempotency key', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    let store = await fileStore(file);
    await store.next('a', 3);
    await store.advanceTo('b', 1000);
    await store.next('__proto__', 1);
    await store.draw('int', 7);
    await store.draw('float', 3);
    const k1 = { key: 'k1', fingerprint: 'next 2 c' };
    const k2 = { key: 'k2', fingerprint: 'random int 2' };
    expect(await store.next('c', 2, k1)).to.deep.equal({ first: 1, last: 2 });
    const drawn = await store.draw('int', 2, k2);
    const int = await store.pool('int');
    const float = await store.pool('float');
    await store.close();

    const there = await migrate('--from', file, '--to', db.url);
    expect(there.stderr).to.deep.equal([]);
    expect(there.code).to.equal(0);
    expect(there.stdout).to.have.length(1);
    expect(there.stdout[0]).to.match(/^migrated 4 sequences, 2 random pools and 2 idempotency keys from \S+sequences\.json to postgres:\/\/\S+ \(the target now holds 4 sequences\)$/);

    store = await pgStore();
    expect(await store.sequencePage()).to.deep.equal([
      { id: '__proto__', last: 1 },
      { id: 'a', last: 3 },
      { id: 'b', last: 1000 },
      { id: 'c', last: 2 },
    ]);
    expect(await store.pool('int')).to.deep.equal({ ...int, drawn: 9 });
    expect(await store.pool('float')).to.deep.equal({ ...float, drawn: 3 });
    expect(await store.next('c', 2, k1)).to.deep.equal({ first: 1, last: 2, replayed: true });
    expect(await store.draw('int', 2, k2)).to.deep.equal({ ...drawn, replayed: true });
    expect(await store.next('a', 1)).to.deep.equal({ first: 4, last: 4 });
    const next = await store.draw('int', 1);
    expect([next.start, next.key]).to.deep.equal([9, int.key]);
    await store.close();

    const back = path.join(await tempDir(), 'back.json');
    const home = await migrate('--from', db.url, '--to', back);
    expect([home.code, home.stderr]).to.deep.equal([0, []]);
    store = await fileStore(back);
    expect(await store.lastValue('a')).to.equal(4);
    expect(await store.pool('int')).to.deep.equal({ ...int, drawn: 10 });
    expect(await store.pool('float')).to.deep.equal({ ...float, drawn: 3 });
    expect(await store.next('c', 2, k1)).to.deep.equal({ first: 1, last: 2, replayed: true });
    expect(await store.next('b', 1)).to.deep.equal({ first: 1001, last: 1001 });
    expect((await store.draw('float', 1)).start).to.equal(3);
  });

  it('carries named pools (definition, key, position) and their idempotency keys both ways; refuses a clash', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    let store = await fileStore(file);
    const code = { type: 'code', alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', length: 8, prefix: 'V-', check: true } as const;
    const float = { type: 'float', min: -0.5, max: 0.25, decimals: 3 } as const;
    await store.definePool('vouchers', code);
    await store.definePool('f.x', float);
    await store.draw('vouchers', 4);
    const k = { key: 'kv', fingerprint: 'random vouchers 2' };
    const drawn = await store.draw('vouchers', 2, k);
    await store.draw('f.x', 5);
    const pools = await store.pools();
    await store.close();

    const there = await migrate('--from', file, '--to', db.url);
    expect([there.code, there.stderr]).to.deep.equal([0, []]);
    expect(there.stdout[0]).to.match(/ 4 random pools /);
    store = await pgStore();
    expect(await store.pools()).to.deep.equal(pools);
    expect(await store.draw('vouchers', 2, k)).to.deep.equal({ ...drawn, replayed: true });
    expect((await store.draw('vouchers', 1)).start).to.equal(6);
    expect((await store.definePool('f.x', float)).created).to.equal(false);
    await store.close();

    const back = path.join(await tempDir(), 'back.json');
    expect((await migrate('--from', db.url, '--to', back)).code).to.equal(0);
    store = await fileStore(back);
    expect(await store.pool('vouchers')).to.deep.equal({ domain: code, key: pools.find((p) => p.name === 'vouchers')!.key, drawn: 7 });
    expect((await store.pool('f.x')).drawn).to.equal(5);
    await store.close();

    // A target whose pool of the same name has another key and has drawn: combining them could repeat values.
    const other = path.join(await tempDir(), 'other.json');
    store = await fileStore(other);
    await store.definePool('vouchers', code);
    await store.draw('vouchers', 1);
    await store.close();
    const clash = await migrate('--from', other, '--to', db.url);
    expect(clash.code).to.equal(1);
    expect(clash.stderr[0]).to.match(/vouchers random pool has another key or range/);
  });

  it('replays a formatted next and a named-pool draw with their first answers after file → PostgreSQL → file', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const now = Date.parse('2026-03-04T12:00:00Z');
    const clock = { now: () => now };
    let store: Store = await openFileStore(file, {}, clock);
    opened.push(store);
    await store.configure('inv', { settings: { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'UTC', max: 99999 } });
    const kn = { key: 'kn', fingerprint: 'next 2 inv' };
    const kd = { key: 'kd', fingerprint: 'random vouchers 3' };
    const code = { type: 'code', alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', length: 8, prefix: 'V-', check: true } as const;
    // One batch: the new pool, a draw from it and a formatted next share one journal record.
    const [, first, drawn] = await Promise.all([store.definePool('vouchers', code), store.next('inv', 2, kn), store.draw('vouchers', 3, kd)]);
    expect(first).to.deep.equal({ first: 1, last: 2, period: '2026', date: { year: 2026, month: 3, day: 4 }, format: 'INV-{YYYY}-{n:05}' });
    expect(await store.next('inv', 2, kn)).to.deep.equal({ ...first, replayed: true });
    await store.close();

    expect((await migrate('--from', file, '--to', db.url)).code).to.equal(0);
    store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger(), ...clock });
    opened.push(store);
    expect(await store.next('inv', 2, kn)).to.deep.equal({ ...first, replayed: true });
    expect(await store.draw('vouchers', 3, kd)).to.deep.equal({ ...drawn, replayed: true });
    await store.close();

    const back = path.join(await tempDir(), 'back.json');
    expect((await migrate('--from', db.url, '--to', back)).code).to.equal(0);
    store = await openFileStore(back, {}, clock);
    opened.push(store);
    expect(await store.next('inv', 2, kn)).to.deep.equal({ ...first, replayed: true });
    expect(await store.draw('vouchers', 3, kd)).to.deep.equal({ ...drawn, replayed: true });
    expect(await store.next('inv', 1)).to.deep.include({ first: 3, last: 3, period: '2026' });
    expect((await store.draw('vouchers', 1)).start).to.equal(3);
  });

  it('an instance still running when the pools of a file replace its unused ones draws with the moved key, never its own old one', async () => {
    const running = await pgStore();
    const old = await running.pool('int');
    const file = path.join(await tempDir(), 'sequences.json');
    const store = await fileStore(file);
    await store.draw('int', 7);
    const kd = { key: 'kd', fingerprint: 'random int 3' };
    const keyed = await store.draw('int', 3, kd);
    const moved = await store.pool('int');
    await store.close();
    expect(moved.key).to.not.equal(old.key);

    expect((await migrate('--from', file, '--to', db.url)).code).to.equal(0);
    // The retry answers the moved pool's key, as the file did.
    expect(await running.draw('int', 3, kd)).to.deep.equal({ ...keyed, replayed: true });
    // Index 10 with the moved key: with the running instance's old key it could be any of the 10 values the file drew.
    const [one, two] = await Promise.all([running.draw('int', 1), running.draw('int', 2)]);
    expect([one.start, one.key, two.start, two.key]).to.deep.equal([10, moved.key, 11, moved.key]);
    expect(await running.draw('int', 1)).to.deep.include({ start: 13, key: moved.key });
  });

  it('refuses a target that is ahead unless --take-max, which keeps the larger value of each', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const source = await fileStore(file);
    await source.next('a', 5);
    await source.next('b', 2);
    await source.draw('int', 1);
    const key = (await source.pool('int')).key;
    await source.close();

    let target = await pgStore();
    await target.advanceTo('a', 9);
    await target.close();

    const refused = await migrate('--from', file, '--to', db.url);
    expect(refused.code).to.equal(1);
    expect(refused.stdout).to.deep.equal([]);
    expect(refused.stderr).to.deep.equal([
      'take-a-number migrate: the target is ahead of the source: sequence "a" is at 9 in the target but 5 in the source. ' +
        'Nothing was changed; use --take-max to keep the larger value of each.',
    ]);
    target = await pgStore();
    expect(await target.sequencePage()).to.deep.equal([{ id: 'a', last: 9 }]);
    expect((await target.pool('int')).key).to.not.equal(key);
    await target.close();

    const taken = await migrate('--from', file, '--to', db.url, '--take-max');
    expect([taken.code, taken.stderr]).to.deep.equal([0, []]);
    expect(taken.stdout[0]).to.match(/; kept the target's larger value in 1 place \(--take-max\)$/);
    target = await pgStore();
    expect(await target.sequencePage()).to.deep.equal([
      { id: 'a', last: 9 },
      { id: 'b', last: 2 },
    ]);
    // The target's pool had drawn nothing, so the source's pool (key and counter) replaced it.
    expect(await target.pool('int')).to.include({ key, drawn: 1 });
    await target.draw('int', 5);
    await target.close();

    const poolAhead = await migrate('--from', file, '--to', db.url);
    expect(poolAhead.code).to.equal(1);
    expect(poolAhead.stderr[0]).to.match(/the target is ahead of the source: sequence "a" is at 9 in the target but 5 in the source \(and 1 more\)/);
    expect((await migrate('--from', file, '--to', db.url, '--take-max')).code).to.equal(0);
    target = await pgStore();
    expect(await target.pool('int')).to.include({ key, drawn: 6 });
    await target.close();

    // Another file's pool has its own key and has drawn: no maximum can make the two pools safe.
    const other = path.join(await tempDir(), 'other.json');
    const otherStore = await fileStore(other);
    await otherStore.draw('int', 1);
    await otherStore.close();
    const clash = await migrate('--from', other, '--to', db.url, '--take-max');
    expect(clash.code).to.equal(1);
    expect(clash.stderr).to.deep.equal([
      "take-a-number migrate: the target's int random pool has another key or range and has already handed out 6 values; " +
        'the two pools cannot be combined without repeating values (not even with --take-max). Nothing was changed.',
    ]);
    target = await pgStore();
    expect(await target.pool('int')).to.include({ key, drawn: 6 });
  });

  it('refuses to write a state file that a running server holds', async () => {
    await (await pgStore()).next('x', 1);
    const file = path.join(await tempDir(), 'busy.json');
    const running = await fileStore(file);
    const busy = await migrate('--from', db.url, '--to', file);
    expect(busy.code).to.equal(1);
    expect(busy.stderr).to.have.length(1);
    expect(busy.stderr[0]).to.match(/^take-a-number migrate: another process is using \S+busy\.json/);
    expect(await running.lastValue('x')).to.equal(undefined);
  });
});
