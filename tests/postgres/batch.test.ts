// Group commit of the PostgreSQL store: the statements it sends are counted by a wrapper around the driver's
// Client.query; concurrent requests share one statement, split their ranges densely in arrival order, and a
// request that must be refused gets its refusal while the others of its batch are served.
import { expect } from 'chai';
import pg from 'pg';
import { ServiceError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';
import { oneTo } from '../support/load.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** Every statement sent through node-postgres in this process while counting is on, by its SQL text. */
const sent: string[] = [];
let counting = false;
const original = pg.Client.prototype.query;

function countStatements(): void {
  (pg.Client.prototype as { query: unknown }).query = function (this: pg.Client, ...args: unknown[]) {
    if (counting) {
      const q = args[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
}

/** Runs `work` and returns its result with the statements it sent (opening and closing stores excluded). */
async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  sent.length = 0;
  counting = true;
  try {
    const result = await work();
    return { result, statements: [...sent] };
  } finally {
    counting = false;
  }
}

const outcome = <T>(p: Promise<T>): Promise<T | string> => p.catch((e: ServiceError) => e.code);

describePostgres('PostgreSQL: group commit per instance', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let store: Store | undefined;
  const open = async (env: Record<string, string> = {}): Promise<Store> => {
    await query(db.url, 'DROP TABLE IF EXISTS tan_leases, tan_lease_pools, tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
    store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url, ...env }), log: silentLogger() });
    return store;
  };

  before(async () => {
    db = await createTestDatabase();
    countStatements();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  after(async () => {
    (pg.Client.prototype as { query: unknown }).query = original;
    await db?.drop();
  });

  it('serves 500 concurrent requests over 10 sequences and both pools with one statement, dense and distinct', async () => {
    const s = await open();
    const ids = Array.from({ length: 10 }, (_, i) => `id${i}`);
    const { result, statements } = await counted(() =>
      Promise.all([
        Promise.all(Array.from({ length: 400 }, (_, i) => s.next(ids[i % 10]!, (i % 3) + 1))),
        Promise.all(Array.from({ length: 100 }, (_, i) => s.draw(i % 2 === 0 ? 'int' : 'float', 2))),
      ]),
    );
    expect(statements).to.have.length(1);
    const [reservations, draws] = result;
    for (const [k, id] of ids.entries()) {
      const mine = reservations.filter((_, i) => i % 10 === k);
      // Split in arrival order: each request's run starts where the one before it ended.
      expect(mine.map((r) => r.first)).to.deep.equal(mine.map((_, j) => 1 + mine.slice(0, j).reduce((n, r) => n + r.last - r.first + 1, 0)));
      const values = mine.flatMap((r) => Array.from({ length: r.last - r.first + 1 }, (_, j) => r.first + j));
      expect(values, id).to.deep.equal(oneTo(values.length));
      expect(await s.lastValue(id)).to.equal(values.length);
    }
    for (const kind of ['int', 'float'] as const) {
      const starts = draws.filter((d) => d.pool === kind).map((d) => d.start);
      expect(starts, kind).to.deep.equal(Array.from({ length: 50 }, (_, i) => 2 * i));
      expect((await s.pool(kind)).drawn).to.equal(100);
    }
  });

  it('costs a few statements, not one per request, for 1000 requests arriving while statements are in flight', async () => {
    const s = await open();
    const { result, statements } = await counted(async () => {
      const answers: Promise<{ first: number }>[] = [];
      // 20 waves, each issued as soon as the previous wave's first request has its answer.
      for (let wave = 0; wave < 20; wave++) {
        const batch = Array.from({ length: 50 }, () => s.next('hot', 1));
        answers.push(...batch);
        await batch[0];
      }
      return Promise.all(answers);
    });
    expect(result.map((r) => r.first).sort((a, b) => a - b)).to.deep.equal(oneTo(1000));
    // One statement per wave: a wave is issued in one tick, after the statement of the one before.
    expect(statements).to.have.length(20);
  });

  it('refuses within a batch only the requests that do not fit, in arrival order, and serves the rest', async () => {
    const s = await open({ MAX_SEQUENCES: '3', RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '5' });
    await s.advanceTo('big', MAX - 3);
    await s.next('old', 1);
    const answers = await Promise.all([
      outcome(s.next('big', 2)),
      outcome(s.next('big', 2)),
      outcome(s.next('big', 1)),
      outcome(s.next('old', 1)),
      outcome(s.next('new1', 1)),
      outcome(s.next('new2', 1)),
      outcome(s.next('new3', 1)),
      outcome(s.next('new2', 1)),
      outcome(s.draw('int', 3).then((d) => d.start)),
      outcome(s.draw('int', 3).then((d) => d.start)),
      outcome(s.draw('int', 2).then((d) => d.start)),
    ]);
    expect(answers).to.deep.equal([
      { first: MAX - 2, last: MAX - 1 },
      'sequence_exhausted',
      { first: MAX, last: MAX },
      { first: 2, last: 2 },
      { first: 1, last: 1 },
      'too_many_sequences',
      'too_many_sequences',
      'too_many_sequences',
      0,
      'random_exhausted',
      3,
    ]);
    expect(await s.sequencePage()).to.deep.equal([
      { id: 'big', last: MAX },
      { id: 'new1', last: 1 },
      { id: 'old', last: 2 },
    ]);
    expect((await s.pool('int')).drawn).to.equal(5);
  });

  it('settles idempotency keys in the batch: one answer per key, a replay for the rest, a refusal for another request', async () => {
    const s = await open();
    const k1 = { key: 'k1', fingerprint: 'next 1 a' };
    const { result, statements } = await counted(() =>
      Promise.all([
        outcome(s.next('a', 1, k1)),
        outcome(s.next('a', 1)),
        outcome(s.next('a', 1, k1)),
        outcome(s.next('a', 2, { key: 'k1', fingerprint: 'next 2 a' })),
        outcome(s.next('a', 2, { key: 'k2', fingerprint: 'next 2 a' })),
        outcome(s.draw('int', 2, { key: 'k3', fingerprint: 'random int 2' }).then((d) => [d.start, d.replayed])),
      ]),
    );
    expect(result).to.deep.equal([
      { first: 1, last: 1 },
      { first: 2, last: 2 },
      { first: 1, last: 1, replayed: true },
      'idempotency_key_reused',
      { first: 3, last: 4 },
      [0, undefined],
    ]);
    // BEGIN, claim the keys, the allocation, record the answers, COMMIT: one transaction for the batch.
    expect(statements).to.have.length(5);
    expect(await s.next('a', 2, { key: 'k2', fingerprint: 'next 2 a' })).to.deep.equal({ first: 3, last: 4, replayed: true });
    expect(await query(db.url, 'SELECT key, result FROM tan_idempotency ORDER BY key')).to.deep.equal([
      { key: 'k1', result: { kind: 'next', first: 1, last: 1 } },
      { key: 'k2', result: { kind: 'next', first: 3, last: 4 } },
      { key: 'k3', result: { kind: 'draw', pool: 'int', start: 0, count: 2 } },
    ]);
  });

  it('gives back the key of a refused request, so a later retry is served', async () => {
    const s = await open({ RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '3' });
    const k = { key: 'big', fingerprint: 'random int 4' };
    expect(await outcome(s.draw('int', 4, k))).to.equal('random_exhausted');
    expect(await query(db.url, 'SELECT key FROM tan_idempotency')).to.deep.equal([]);
    expect((await s.draw('int', 3, { key: 'ok', fingerprint: 'random int 3' })).start).to.equal(0);
  });

  it('fails a whole batch with storage_unavailable when its statement fails, and hands out nothing of it', async () => {
    const s = await open();
    await s.next('a', 1);
    // A trigger that fails the statement whenever it touches "boom": the database refuses the batch's work.
    await query(db.url, `CREATE FUNCTION tan_test_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.id = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`);
    await query(db.url, 'CREATE TRIGGER boom BEFORE INSERT OR UPDATE ON tan_sequences FOR EACH ROW EXECUTE FUNCTION tan_test_boom()');
    try {
      const plain = await Promise.all([outcome(s.next('a', 1)), outcome(s.next('boom', 1)), outcome(s.draw('int', 1))]);
      expect(plain).to.deep.equal(['storage_unavailable', 'storage_unavailable', 'storage_unavailable']);
      const keyed = await Promise.all([
        outcome(s.next('a', 1, { key: 'x1', fingerprint: 'next 1 a' })),
        outcome(s.next('boom', 1)),
        outcome(s.draw('int', 1, { key: 'x2', fingerprint: 'random int 1' })),
      ]);
      expect(keyed).to.deep.equal(['storage_unavailable', 'storage_unavailable', 'storage_unavailable']);
      expect(await s.lastValue('a')).to.equal(1);
      expect((await s.pool('int')).drawn).to.equal(0);
      expect(await query(db.url, 'SELECT key FROM tan_idempotency')).to.deep.equal([]);
    } finally {
      await query(db.url, 'DROP TRIGGER boom ON tan_sequences');
      await query(db.url, 'DROP FUNCTION tan_test_boom()');
    }
    // The next batch goes on where the failed one left everything.
    expect(await s.next('a', 1, { key: 'x1', fingerprint: 'next 1 a' })).to.deep.equal({ first: 2, last: 2 });
    expect((await s.draw('int', 1)).start).to.equal(0);
  });
  it('draws named pools in the batch (one UPDATE per pool per statement), and finds a pool another instance created later', async () => {
    const a = await open();
    const b = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger() });
    try {
      // Created through a after b opened (b's cache holds int and float only).
      const code = { type: 'code', alphabet: 'abcdefgh', length: 3, prefix: 'L-', check: false } as const;
      const made = await a.definePool('late', code);
      expect(made.created).to.equal(true);
      const { result, statements } = await counted(() =>
        Promise.all([
          outcome(b.draw('late', 3).then((d) => [d.pool, d.start, d.key === made.pool.key])),
          outcome(b.draw('int', 1).then((d) => [d.pool, d.start])),
          outcome(b.draw('nowhere', 1).then((d) => d.start)),
          outcome(b.draw('late', 2).then((d) => [d.pool, d.start, d.key === made.pool.key])),
        ]),
      );
      expect(result).to.deep.equal([['late', 0, true], ['int', 0], 'pool_not_found', ['late', 3, true]]);
      // The miss is one lookup, then one statement for the whole batch.
      expect(statements).to.have.length(2);
      expect(statements[0]).to.match(/^SELECT kind, domain, key FROM tan_pools WHERE kind = ANY/);
      expect((await a.pool('late')).drawn).to.equal(5);
      // A retry reaching the other instance gets the first answer, a pool b now knows.
      const first = await a.draw('late', 4, { key: 'k-late', fingerprint: 'random late 4' });
      const again = await b.draw('late', 4, { key: 'k-late', fingerprint: 'random late 4' });
      expect([again.start, again.count, again.key, again.replayed]).to.deep.equal([first.start, 4, first.key, true]);
      // A pool created by another instance is also found through a replay before any draw of it.
      await b.definePool('later', { type: 'int', min: 1, max: 9 });
      const fromB = await b.draw('later', 2, { key: 'k-later', fingerprint: 'random later 2' });
      const onA = await a.draw('later', 2, { key: 'k-later', fingerprint: 'random later 2' });
      expect([onA.pool, onA.start, onA.key, onA.replayed]).to.deep.equal(['later', fromB.start, fromB.key, true]);
      expect(await outcome(a.draw('later', 8))).to.equal('random_exhausted');
      expect((await a.draw('later', 7)).start).to.equal(2);
    } finally {
      await b.close();
    }
  });

  it('upgrades a version-1 database (int and float only) through schema steps 2 and 3 and keeps its pools', async () => {
    await query(db.url, 'DROP TABLE IF EXISTS tan_leases, tan_lease_pools, tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
    // Version 1 as it shipped: the kind column checked to int and float.
    await query(db.url, `CREATE TABLE tan_schema (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
      INSERT INTO tan_schema (version) VALUES (1);
      CREATE TABLE tan_sequences (id text COLLATE "C" PRIMARY KEY, value bigint NOT NULL CHECK (value BETWEEN 0 AND 9007199254740991));
      CREATE TABLE tan_pools (kind text PRIMARY KEY CHECK (kind IN ('int', 'float')), domain jsonb NOT NULL, size bigint NOT NULL CHECK (size >= 1),
        key text NOT NULL CHECK (key ~ '^[0-9a-f]{64}$'), drawn bigint NOT NULL CHECK (drawn >= 0), CHECK (drawn <= size));
      CREATE TABLE tan_idempotency (key text COLLATE "C" PRIMARY KEY, fingerprint text NOT NULL, at bigint NOT NULL, result jsonb);
      INSERT INTO tan_pools VALUES ('int', '{"type":"int","min":0,"max":9007199254740991}', 9007199254740992, '${'ab'.repeat(32)}', 7)`);
    store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger() });
    expect(await query(db.url, 'SELECT version FROM tan_schema')).to.deep.equal([{ version: 5 }]);
    expect(await query(db.url, `SELECT to_regclass('tan_series')::text AS t`)).to.deep.equal([{ t: 'tan_series' }]);
    expect(await store.pool('int')).to.deep.equal({ domain: { type: 'int', min: 0, max: MAX }, key: 'ab'.repeat(32), drawn: 7 });
    expect((await store.definePool('v.1_x-Y', { type: 'int', min: 1, max: 2 })).created).to.equal(true);
    expect((await store.draw('v.1_x-Y', 2)).start).to.equal(0);
    // The new constraint holds for rows written by anything else.
    const bad = await query(db.url, `INSERT INTO tan_pools VALUES ('no/slash', '{"type":"int","min":1,"max":2}', 2, '${'ab'.repeat(32)}', 0)`).then(
      () => 'inserted',
      (e: Error) => e.message,
    );
    expect(bad).to.equal('new row for relation "tan_pools" violates check constraint "tan_pools_name_check"');
  });
});
