// The Store contract, written once and run against every store (file and PostgreSQL).
import { expect } from 'chai';
import { pino, type Logger } from 'pino';
import { ServiceError } from '../../src/errors.js';
import { RandomValues } from '../../src/random/values.js';
import type { PoolDomain } from '../../src/random/domain.js';
import type { Store } from '../../src/store/store.js';

export interface StoreHarness {
  /** A fresh, empty place for state (a temp file, an empty database); called before each test. */
  fresh(): Promise<string>;
  /** Opens a store on `place` with settings given as environment variables. */
  open(place: string, env?: Record<string, string>, opts?: StoreOptions): Promise<Store>;
}

export interface StoreOptions {
  now?: () => number;
  log?: Logger;
}

/** A logger that keeps its warnings, parsed, for a test to count. */
function keptLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { log, lines };
}

const MAX = Number.MAX_SAFE_INTEGER;
const DAY = 24 * 60 * 60 * 1000;

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('expected a ServiceError, got an answer');
}

export function storeContract(harness: StoreHarness): void {
  let place: string;
  const opened: Store[] = [];
  const open = async (env: Record<string, string> = {}, opts: StoreOptions = {}): Promise<Store> => {
    const store = await harness.open(place, env, opts);
    opened.push(store);
    return store;
  };
  const reopen = async (store: Store, env: Record<string, string> = {}, opts: StoreOptions = {}): Promise<Store> => {
    await store.close();
    return open(env, opts);
  };

  beforeEach(async () => {
    place = await harness.fresh();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  describe('sequences', () => {
    it('start at 1, count on, and reserve consecutive runs', async () => {
      const store = await open();
      expect(await store.next('foo', 1)).to.deep.equal({ first: 1, last: 1 });
      expect(await store.next('foo', 1)).to.deep.equal({ first: 2, last: 2 });
      expect(await store.next('foo', 3)).to.deep.equal({ first: 3, last: 5 });
      expect(await store.lastValue('foo')).to.equal(5);
    });

    it('count every id on its own, case-sensitively', async () => {
      const store = await open();
      expect(await store.next('a', 1)).to.deep.equal({ first: 1, last: 1 });
      expect(await store.next('A', 1)).to.deep.equal({ first: 1, last: 1 });
      expect(await store.next('a', 1)).to.deep.equal({ first: 2, last: 2 });
      expect(await store.lastValue('A')).to.equal(1);
    });

    it('treat __proto__ and constructor as ordinary ids', async () => {
      const store = await open();
      expect(await store.lastValue('constructor')).to.equal(undefined);
      expect(await store.next('__proto__', 2)).to.deep.equal({ first: 1, last: 2 });
      expect(await store.next('constructor', 1)).to.deep.equal({ first: 1, last: 1 });
      expect(await store.lastValue('__proto__')).to.equal(2);
      expect(await store.sequencePage()).to.deep.equal([
        { id: '__proto__', last: 2 },
        { id: 'constructor', last: 1 },
      ]);
    });

    it('reach 2^53−1 exactly and then refuse without changing anything', async () => {
      const store = await open();
      expect(await store.advanceTo('big', MAX - 3)).to.equal(MAX - 3);
      expect(await store.next('big', 2)).to.deep.equal({ first: MAX - 2, last: MAX - 1 });
      const over = await refusal(store.next('big', 2));
      expect(over.code).to.equal('sequence_exhausted');
      expect(over.extra).to.deep.equal({ last_value: MAX - 1 });
      expect(await store.next('big', 1)).to.deep.equal({ first: MAX, last: MAX });
      const done = await refusal(store.next('big', 1));
      expect(done.code).to.equal('sequence_exhausted');
      expect(done.extra).to.deep.equal({ last_value: MAX });
      expect(await store.lastValue('big')).to.equal(MAX);
    });

    it('move forward with set and refuse to move back', async () => {
      const store = await open();
      expect(await store.advanceTo('build', 1000)).to.equal(1000);
      expect(await store.next('build', 1)).to.deep.equal({ first: 1001, last: 1001 });
      const behind = await refusal(store.advanceTo('build', 5));
      expect(behind.code).to.equal('value_behind');
      expect(behind.extra).to.deep.equal({ last_value: 1001 });
      expect(await store.advanceTo('build', 1001)).to.equal(1001);
      expect(await store.lastValue('build')).to.equal(1001);
      expect(await store.advanceTo('fresh', 0)).to.equal(0);
      expect(await store.next('fresh', 1)).to.deep.equal({ first: 1, last: 1 });
    });

    it('get an unknown id as undefined and list every id sorted by code point (UTF-8 byte order, as the C collation)', async () => {
      const store = await open();
      const ids = ['b', 'a', 'B', 'é', '😀', '\uffff', 'a b', 'Z'];
      for (const [i, id] of ids.entries()) await store.advanceTo(id, i + 1);
      expect(await store.lastValue('nope')).to.equal(undefined);
      expect(await store.sequencePage()).to.deep.equal([
        { id: 'B', last: 3 },
        { id: 'Z', last: 8 },
        { id: 'a', last: 2 },
        { id: 'a b', last: 7 },
        { id: 'b', last: 1 },
        { id: 'é', last: 4 },
        { id: '\uffff', last: 6 },
        { id: '😀', last: 5 },
      ]);
    });

    it('hand out exactly 1..200 to 200 concurrent requests', async () => {
      const store = await open();
      const firsts = (await Promise.all(Array.from({ length: 200 }, () => store.next('hot', 1)))).map((r) => r.first);
      expect(firsts.sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await store.lastValue('hot')).to.equal(200);
    });

    it('refuse new ids past MAX_SEQUENCES while known ids go on', async () => {
      const store = await open({ MAX_SEQUENCES: '2' });
      await store.next('one', 1);
      await store.advanceTo('two', 10);
      expect((await refusal(store.next('three', 1))).code).to.equal('too_many_sequences');
      expect((await refusal(store.advanceTo('three', 5))).code).to.equal('too_many_sequences');
      expect(await store.next('one', 1)).to.deep.equal({ first: 2, last: 2 });
      expect(await store.advanceTo('two', 11)).to.equal(11);
      expect(await store.lastValue('three')).to.equal(undefined);
      expect((await store.sequencePage()).map((s) => s.id)).to.deep.equal(['one', 'two']);
    });

    it('keep every value it answered when new ids race for the last slots', async () => {
      const store = await open({ MAX_SEQUENCES: '3' });
      await store.next('old', 1);
      const ids = Array.from({ length: 30 }, (_, i) => `new${String(i).padStart(2, '0')}`);
      const outcomes = await Promise.all(ids.map((id) => store.next(id, 1).then((r) => r.first, (e: ServiceError) => e.code)));
      const won = ids.filter((_, i) => outcomes[i] === 1);
      expect(outcomes.filter((o) => o !== 1 && o !== 'too_many_sequences')).to.deep.equal([]);
      // At least the two free slots are used; a store may let racing creations pass the limit, never lose one.
      expect(won.length).to.be.at.least(2);
      expect(await store.sequencePage()).to.deep.equal([...won, 'old'].map((id) => ({ id, last: 1 })));
    });
  });

  describe('random pools', () => {
    it('draw consecutive index runs with the pool key, giving distinct values', async () => {
      const store = await open();
      const a = await store.draw('int', 5);
      const b = await store.draw('int', 3);
      expect([a.start, a.count, b.start, b.count]).to.deep.equal([0, 5, 5, 3]);
      const pool = await store.pool('int');
      expect(pool.drawn).to.equal(8);
      expect(a.key).to.equal(pool.key).and.match(/^[0-9a-f]{64}$/);
      expect(a.domain).to.deep.equal({ type: 'int', min: 0, max: MAX });
      const values = new RandomValues();
      expect(new Set([...(await values.texts(a)), ...(await values.texts(b))]).size).to.equal(8);
      const f = await store.draw('float', 2);
      expect([f.start, f.count]).to.deep.equal([0, 2]);
      expect(f.domain).to.deep.equal({ type: 'float', min: 0, max: 10000, decimals: 4 });
    });

    it('hand out every value of a tiny domain once, then refuse with drawn and size', async () => {
      const store = await open({ RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '5', RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '1', RANDOM_FLOAT_DECIMALS: '1' });
      const values = new RandomValues();
      const first = await store.draw('int', 3);
      const over = await refusal(store.draw('int', 3));
      expect(over.code).to.equal('random_exhausted');
      expect(over.extra).to.deep.equal({ drawn: 3, size: 5 });
      const rest = await store.draw('int', 2);
      expect([...(await values.texts(first)), ...(await values.texts(rest))].sort()).to.deep.equal(['1', '2', '3', '4', '5']);
      expect((await refusal(store.draw('int', 1))).extra).to.deep.equal({ drawn: 5, size: 5 });
      const floats = (await values.texts(await store.draw('float', 10))).sort();
      expect(floats).to.deep.equal(['0.0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9']);
    });

    it('give 100 concurrent draws the indexes 0..99', async () => {
      const store = await open();
      const starts = (await Promise.all(Array.from({ length: 100 }, () => store.draw('int', 1)))).map((d) => d.start);
      expect(starts.sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    });

    it('refuse to open when a configured range differs from the stored one, naming the setting', async () => {
      await (await open()).close();
      for (const [env, setting] of [
        [{ RANDOM_INT_MAX: '1000' }, 'RANDOM_INT_MAX'],
        [{ RANDOM_INT_MIN: '7' }, 'RANDOM_INT_MIN'],
        [{ RANDOM_FLOAT_DECIMALS: '2' }, 'RANDOM_FLOAT_DECIMALS'],
      ] as const) {
        let message = '';
        await open(env).then(
          () => expect.fail(`opened with ${setting} changed`),
          (e: Error) => (message = `${e.name}: ${e.message}`),
        );
        expect(message).to.match(new RegExp(`^StartupError: the (int|float) random pool's range is fixed when it is created: ${setting} is`));
      }
      expect((await open()).constructor.name).to.match(/Store$/);
    });
  });

  describe('reopening', () => {
    it('continues every sequence and pool where it stopped, with the same keys', async () => {
      let store = await open();
      await store.next('a', 3);
      await store.advanceTo('b', 50);
      const int = await store.draw('int', 4);
      const float = await store.draw('float', 2);
      store = await reopen(store);
      expect(await store.next('a', 1)).to.deep.equal({ first: 4, last: 4 });
      expect(await store.lastValue('b')).to.equal(50);
      const int2 = await store.draw('int', 1);
      expect([int2.start, int2.key]).to.deep.equal([4, int.key]);
      const float2 = await store.draw('float', 1);
      expect([float2.start, float2.key]).to.deep.equal([2, float.key]);
    });
  });

  describe('idempotency keys', () => {
    it('give a retry the first answer and refuse the key for another request', async () => {
      let store = await open();
      const k = { key: 'k1', fingerprint: 'next 2 a' };
      expect(await store.next('a', 2, k)).to.deep.equal({ first: 1, last: 2 });
      expect(await store.next('a', 2, k)).to.deep.equal({ first: 1, last: 2, replayed: true });
      expect(await store.next('a', 1)).to.deep.equal({ first: 3, last: 3 });
      const d = { key: 'k2', fingerprint: 'random int 3' };
      const drawn = await store.draw('int', 3, d);
      expect(drawn.start).to.equal(0);
      expect(await store.draw('int', 3, d)).to.deep.equal({ ...drawn, replayed: true });
      const reused = await refusal(store.next('a', 1, { key: 'k1', fingerprint: 'next 1 a' }));
      expect(reused.code).to.equal('idempotency_key_reused');
      expect((await refusal(store.draw('int', 3, { key: 'k1', fingerprint: 'random int 3' }))).code).to.equal('idempotency_key_reused');
      store = await reopen(store);
      expect(await store.next('a', 2, k)).to.deep.equal({ first: 1, last: 2, replayed: true });
      expect(await store.draw('int', 3, d)).to.deep.equal({ ...drawn, replayed: true });
      expect(await store.lastValue('a')).to.equal(3);
      expect((await store.pool('int')).drawn).to.equal(3);
    });

    it('give 20 concurrent retries of one key one answer', async () => {
      const store = await open();
      const k = { key: 'same', fingerprint: 'next 1 c' };
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.next('c', 1, k)));
      expect(answers.map(({ first, last }) => ({ first, last }))).to.deep.equal(Array.from({ length: 20 }, () => ({ first: 1, last: 1 })));
      expect(answers.filter((a) => a.replayed !== true)).to.have.length(1);
      expect(await store.lastValue('c')).to.equal(1);
    });

    it('forget a key after 24 hours', async () => {
      let now = 1_000_000;
      const clock = { now: () => now };
      const store = await open({}, clock);
      const k = { key: 'k', fingerprint: 'next 1 a' };
      expect(await store.next('a', 1, k)).to.deep.equal({ first: 1, last: 1 });
      now += DAY - 1;
      expect(await store.next('a', 1, k)).to.deep.equal({ first: 1, last: 1, replayed: true });
      now += 1;
      expect(await store.next('a', 1, k)).to.deep.equal({ first: 2, last: 2 });
      expect(await store.next('b', 1, { key: 'k', fingerprint: 'next 1 b' }).catch((e: ServiceError) => e.code)).to.equal('idempotency_key_reused');
    });

    it('keep at most IDEMPOTENCY_MAX keys, dropping the oldest first', async () => {
      let now = 1_000_000;
      const store = await open({ IDEMPOTENCY_MAX: '2' }, { now: () => now });
      for (const key of ['k1', 'k2', 'k3']) {
        now += 1000;
        await store.next('a', 1, { key, fingerprint: 'next 1 a' });
      }
      expect(await store.next('b', 1, { key: 'k1', fingerprint: 'next 1 b' })).to.deep.equal({ first: 1, last: 1 });
      expect((await refusal(store.next('b', 1, { key: 'k3', fingerprint: 'next 1 b' }))).code).to.equal('idempotency_key_reused');
    });
  });

  describe('an idempotency fingerprint collision', () => {
    it('is internal_error in both kinds of request and hands out nothing (a key kept for a next, the same fingerprint on a draw)', async () => {
      const store = await open();
      const idem = { key: 'k-1', fingerprint: 'same' };
      expect(await store.next('a', 2, idem)).to.deep.equal({ first: 1, last: 2 });
      const drawn = (await store.pool('int')).drawn;
      const collision = await refusal(store.draw('int', 1, idem));
      expect(collision.code).to.equal('internal_error');
      expect(collision.message).to.equal('the Idempotency-Key "k-1" holds a stored answer of another kind; nothing was handed out; retry with a new Idempotency-Key');
      expect((await store.pool('int')).drawn).to.equal(drawn);
      const d = await store.draw('int', 1, { key: 'k-2', fingerprint: 'other' });
      expect((await refusal(store.next('a', 1, { key: 'k-2', fingerprint: 'other' }))).code).to.equal('internal_error');
      expect(await store.lastValue('a')).to.equal(2);
      expect((await store.draw('int', 1, { key: 'k-2', fingerprint: 'other' })).start).to.equal(d.start);
    });
  });

  describe('named pools', () => {
    const VOUCHERS: PoolDomain = { type: 'code', alphabet: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ', length: 8, prefix: 'V-', check: true };
    const TINY: PoolDomain = { type: 'code', alphabet: 'ab', length: 2, prefix: 'T', check: false };

    it('create a pool once with a new key; the same definition answers it again, another one is refused', async () => {
      const store = await open();
      const made = await store.definePool('vouchers', VOUCHERS);
      expect(made.created).to.equal(true);
      expect(made.pool).to.deep.include({ domain: VOUCHERS, drawn: 0 });
      expect(made.pool.key).to.match(/^[0-9a-f]{64}$/);
      expect(await store.definePool('vouchers', { ...VOUCHERS })).to.deep.equal({ created: false, pool: made.pool });
      const conflict = await refusal(store.definePool('vouchers', { ...VOUCHERS, length: 9 }));
      expect(conflict.code).to.equal('pool_conflict');
      expect(conflict.extra).to.deep.equal({ definition: VOUCHERS });
      expect((await refusal(store.definePool('vouchers', { type: 'int', min: 1, max: 5 }))).code).to.equal('pool_conflict');
      expect(await store.pool('vouchers')).to.deep.equal(made.pool);
    });

    it('treat int and float as the pools of RANDOM_*: their definition answers 200, another one 409', async () => {
      const store = await open({ RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '10' });
      const int = await store.pool('int');
      expect(await store.definePool('int', { type: 'int', min: 1, max: 10 })).to.deep.equal({ created: false, pool: int });
      expect((await refusal(store.definePool('int', { type: 'int', min: 1, max: 11 }))).code).to.equal('pool_conflict');
      expect((await refusal(store.definePool('float', { type: 'float', min: 0, max: 1, decimals: 2 }))).code).to.equal('pool_conflict');
    });

    it('list every pool sorted by name, int and float included; an unknown name is pool_not_found', async () => {
      const store = await open();
      for (const name of ['zeta', 'Alpha', 'mid.1', 'a_b']) await store.definePool(name, TINY);
      expect((await store.pools()).map((p) => p.name)).to.deep.equal(['Alpha', 'a_b', 'float', 'int', 'mid.1', 'zeta']);
      expect((await refusal(store.pool('nope'))).code).to.equal('pool_not_found');
      expect((await refusal(store.draw('nope', 1))).code).to.equal('pool_not_found');
    });

    it('draw a named pool exactly to its end, then refuse with drawn and size; other pools go on', async () => {
      const store = await open();
      const { pool } = await store.definePool('tiny', TINY);
      expect(await store.draw('tiny', 3)).to.deep.equal({ pool: 'tiny', start: 0, count: 3, domain: TINY, key: pool.key });
      const over = await refusal(store.draw('tiny', 2));
      expect(over.code).to.equal('random_exhausted');
      expect(over.extra).to.deep.equal({ drawn: 3, size: 4 });
      expect((await store.draw('tiny', 1)).start).to.equal(3);
      expect((await refusal(store.draw('tiny', 1))).extra).to.deep.equal({ drawn: 4, size: 4 });
      expect((await store.draw('int', 1)).start).to.equal(0);
    });

    it('refuse a new pool past MAX_POOLS (int and float not counted); existing pools still answer', async () => {
      const store = await open({ MAX_POOLS: '2' });
      await store.definePool('a', TINY);
      await store.definePool('b', TINY);
      const refused = await refusal(store.definePool('c', TINY));
      expect(refused.code).to.equal('too_many_pools');
      expect(await store.definePool('a', TINY)).to.have.property('created', false);
      expect((await store.pools()).map((p) => p.name)).to.deep.equal(['a', 'b', 'float', 'int']);
    });

    it('give 20 concurrent creations of one pool one key, one of them created', async () => {
      const store = await open();
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.definePool('race', TINY)));
      expect(answers.filter((a) => a.created)).to.have.length(1);
      expect(new Set(answers.map((a) => a.pool.key)).size).to.equal(1);
    });

    it('give a retried draw of a named pool its first answer (the same key on another pool is refused)', async () => {
      const store = await open();
      await store.definePool('tiny', TINY);
      const k = { key: 'k', fingerprint: 'random tiny 2' };
      const first = await store.draw('tiny', 2, k);
      expect(await store.draw('tiny', 2, k)).to.deep.equal({ ...first, replayed: true });
      expect((await refusal(store.draw('int', 2, { key: 'k', fingerprint: 'random int 2' }))).code).to.equal('idempotency_key_reused');
      expect((await store.pool('tiny')).drawn).to.equal(2);
      const reopened = await reopen(store);
      expect(await reopened.draw('tiny', 2, k)).to.deep.equal({ ...first, replayed: true });
    });

    it('keep every pool, its key and its position across a restart; a changed definition is still refused', async () => {
      const store = await open();
      const v = await store.definePool('vouchers', VOUCHERS);
      const t = await store.definePool('tiny', TINY);
      await store.draw('vouchers', 5);
      await store.draw('tiny', 1);
      const before = await store.pools();
      const reopened = await reopen(store);
      expect(await reopened.pools()).to.deep.equal(before);
      expect(await reopened.pool('vouchers')).to.deep.equal({ ...v.pool, drawn: 5 });
      expect((await reopened.draw('tiny', 1)).start).to.equal(1);
      expect((await reopened.pool('tiny')).key).to.equal(t.pool.key);
      expect((await refusal(reopened.definePool('tiny', { ...TINY, prefix: 'U' }))).code).to.equal('pool_conflict');
      });
    });

  // Settings, periods under an injected clock, paging, and ids stored before NFC.
  describe('series', () => {
    const T = (iso: string): number => Date.parse(iso);
    const INVOICE = { format: 'INV-{YYYY}-{n:05}', reset: 'yearly' as const, time_zone: 'Europe/Berlin' };

    it('count from 1 per period of the sequence time zone, keep earlier periods, and answer the period and date', async () => {
      let now = T('2026-12-31T22:59:58Z');
      const store = await open({}, { now: () => now });
      await store.configure('inv', { settings: INVOICE });
      expect(await store.next('inv', 2)).to.deep.equal({ first: 1, last: 2, period: '2026', date: { year: 2026, month: 12, day: 31 }, format: INVOICE.format });
      now = T('2026-12-31T23:00:00Z');
      expect(await store.next('inv', 1)).to.deep.equal({ first: 1, last: 1, period: '2027', date: { year: 2027, month: 1, day: 1 }, format: INVOICE.format });
      const seen = await store.sequence('inv');
      expect(seen!.state.series!.periods).to.deep.equal({ '2026': 2 });
      expect([seen!.state.last, seen!.period]).to.deep.equal([1, '2027']);
      // The plain value of the current period is what lastValue() and sequencePage() show.
      expect(await store.lastValue('inv')).to.equal(1);
    });

    it('log a clock behind the period once per sequence and period, however many requests it serves', async () => {
      let now = T('2027-01-01T00:00:05Z');
      const { log, lines } = keptLog();
      const store = await open({}, { now: () => now, log });
      await store.configure('inv', { settings: { ...INVOICE, time_zone: 'UTC' } });
      await store.configure('other', { settings: { ...INVOICE, time_zone: 'UTC' } });
      await store.next('inv', 1);
      await store.next('other', 1);
      now = T('2026-12-31T23:59:50Z');
      for (let i = 0; i < 3; i++) await store.next('inv', 1);
      await store.configure('inv', { last: 10 });
      await store.next('other', 1);
      now = T('2028-01-01T00:00:00Z');
      await store.next('inv', 1);
      now = T('2027-12-31T23:59:50Z');
      await store.next('inv', 1);
      const behind = lines.filter((l) => l.event === 'clock_behind_period').map((l) => [l.sequence_id, l.clock_period, l.period]);
      expect(behind).to.deep.equal([
        ['inv', '2026', '2027'],
        ['other', '2026', '2027'],
        ['inv', '2027', '2028'],
      ]);
    });

    it('stay in the latest period when the clock steps back, and continue there after a restart', async () => {
      let now = T('2027-01-01T00:00:05Z');
      let store = await open({}, { now: () => now });
      await store.configure('inv', { settings: { ...INVOICE, time_zone: 'UTC' } });
      await store.next('inv', 3);
      now = T('2026-12-31T23:59:50Z');
      expect(await store.next('inv', 1)).to.include({ first: 4, period: '2027' });
      store = await reopen(store, {}, { now: () => now });
      expect(await store.next('inv', 1)).to.include({ first: 5, period: '2027' });
      now = T('2028-01-01T00:00:00Z');
      expect(await store.next('inv', 1)).to.include({ first: 1, period: '2028' });
      store = await reopen(store, {}, { now: () => now });
      expect((await store.sequence('inv'))!.state.series!.periods).to.deep.equal({ '2027': 5 });
    });

    it('refuse past max, and refuse changes that could repeat a formatted id once values were handed out', async () => {
      const now = T('2026-03-01T12:00:00Z');
      const store = await open({}, { now: () => now });
      await store.configure('t', { settings: { format: 'T{n:02}', max: 99 } });
      await store.next('t', 98);
      expect((await refusal(store.next('t', 2))).code).to.equal('sequence_exhausted');
      expect(await store.next('t', 1)).to.include({ first: 99 });
      expect((await refusal(store.configure('t', { settings: { format: 'T{n:03}' } }))).code).to.equal('settings_fixed');
      expect((await store.configure('t', { settings: { max: 999 } })).state.series!.settings.max).to.equal(999);
      expect(await store.next('t', 1)).to.include({ first: 100 });
      expect((await refusal(store.configure('u', { settings: { format: 'U{n}', reset: 'daily' } }))).code).to.equal('invalid_settings');
      expect(await store.lastValue('u')).to.equal(undefined);
    });

    it('move a sequence with settings forward with advanceTo() inside its current period', async () => {
      let now = T('2026-01-01T00:00:00Z');
      const store = await open({}, { now: () => now });
      await store.configure('m', { settings: { format: 'M{YYYY}{MM}-{n}', reset: 'monthly' }, last: 40 });
      now = T('2026-02-01T00:00:00Z');
      expect(await store.advanceTo('m', 7)).to.equal(7);
      expect(await store.next('m', 1)).to.include({ first: 8, period: '2026-02' });
    });

    it('list pages in code point order, above an id and within a prefix', async () => {
      const store = await open();
      for (const id of ['build-2', 'build-10', 'build-1', 'deploy', 'build', 'buildz', 'b', 'build-\u{1f600}', 'build-\uffff']) await store.advanceTo(id, 1);
      const ids = async (page: { limit?: number; after?: string; prefix?: string }): Promise<string[]> => (await store.sequencePage(page)).map((s) => s.id);
      expect(await ids({ limit: 3 })).to.deep.equal(['b', 'build', 'build-1']);
      expect(await ids({ limit: 3, after: 'build-1' })).to.deep.equal(['build-10', 'build-2', 'build-\uffff']);
      expect(await ids({ after: 'build-\uffff' })).to.deep.equal(['build-\u{1f600}', 'buildz', 'deploy']);
      expect(await ids({ prefix: 'build-' })).to.deep.equal(['build-1', 'build-10', 'build-2', 'build-\uffff', 'build-\u{1f600}']);
      expect(await ids({ prefix: 'build-', after: 'build-2', limit: 1 })).to.deep.equal(['build-\uffff']);
      expect(await ids({ prefix: 'nothing' })).to.deep.equal([]);
      await store.advanceTo('build-0', 1);
      expect(await ids({ prefix: 'build-', limit: 2 })).to.deep.equal(['build-0', 'build-1']);
    });

    it('name the stored ids that differ from an NFC id only in their Unicode form', async () => {
      const store = await open();
      await store.advanceTo('caf\u0065\u0301', 3);
      await store.advanceTo('plain', 1);
      expect(await store.twins('caf\u00e9')).to.deep.equal(['caf\u0065\u0301']);
      expect(await store.twins('plain')).to.deep.equal([]);
      expect(await store.lastValue('caf\u00e9')).to.equal(undefined);
    });
  });
}
