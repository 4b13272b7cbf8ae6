// Group commit of the PostgreSQL store: the statements it sends are counted by a wrapper around the driver's
// Client.query; concurrent requests share one statement, split their ranges densely in arrival order, and a
// request that must be refused gets its refusal while the others of its batch are served.
import { expect } from 'chai';
import pg from 'pg';
import { ServiceError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from '../helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from './database.js';
import { oneTo } from './load.js';

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
    await query(db.url, 'DROP TABLE IF EXISTS tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
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
      expect(await s.get(id)).to.equal(values.length);
    }
    for (const kind of ['int', 'float'] as const) {
      const starts = draws.filter((d) => d.kind === kind).map((d) => d.start);
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
    await s.set('big', MAX - 3);
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
    expect(await s.list()).to.deep.equal([
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
      expect(await s.get('a')).to.equal(1);
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
});
