// Sequences with settings on PostgreSQL beside the batched commit: a sequence with settings served by three instances at
// once across the change of year (each with its own injected clock), idempotent retries of formatted
// answers, and plain ids still batched around it.
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Reservation, Store } from '../../src/store/store.js';
import { testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

const settings = { format: 'INV-{YYYY}-{n:05}', reset: 'yearly' as const, time_zone: 'Europe/Berlin', max: 99999 };

describePostgres('PostgreSQL: sequences with settings beside the batch', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  const stores: Store[] = [];
  // 2026-12-31 23:59:59 in Berlin is 22:59:59 UTC.
  let now = Date.parse('2026-12-31T22:59:59Z');
  const open = async (): Promise<Store> => {
    const s = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger(), now: () => now });
    stores.push(s);
    return s;
  };

  before(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await query(db.url, 'DROP TABLE IF EXISTS tan_leases, tan_lease_pools, tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
  });
  after(async () => {
    await db?.drop();
  });

  it('three instances, 200 concurrent requests across the change of year: dense 1..k and 1..m, no formatted id twice, plain ids unharmed', async () => {
    const [a, b, c] = [await open(), await open(), await open()];
    await a.configure('invoice', { settings });
    const answers: Reservation[] = [];
    const plain: Reservation[] = [];
    const all = Array.from({ length: 200 }, async (_, i) => {
      const s = [a, b, c][i % 3]!;
      const [r, p] = await Promise.all([s.next('invoice', 1), s.next('plain', 1)]);
      answers.push(r);
      plain.push(p);
      // The year changes while the other requests are in flight.
      if (answers.length === 50) now = Date.parse('2026-12-31T23:00:00Z');
    });
    await Promise.all(all);
    const byYear = new Map<string, number[]>();
    for (const r of answers) byYear.set(r.period!, [...(byYear.get(r.period!) ?? []), r.first]);
    const old = (byYear.get('2026') ?? []).sort((x, y) => x - y);
    const fresh = (byYear.get('2027') ?? []).sort((x, y) => x - y);
    expect(old.length + fresh.length).to.equal(200);
    expect(fresh.length).to.be.greaterThan(0);
    expect(old).to.deep.equal(Array.from({ length: old.length }, (_, i) => i + 1));
    expect(fresh).to.deep.equal(Array.from({ length: fresh.length }, (_, i) => i + 1));
    expect(new Set(answers.map((r) => `${r.period}-${r.first}`)).size).to.equal(200);
    expect(plain.map((p) => p.first).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(answers.every((r) => r.format === settings.format)).to.equal(true);
    const shown = await b.sequence('invoice');
    expect(shown!.state.last).to.equal(fresh.length);
    expect(shown!.state.series!.periods).to.deep.equal(old.length > 0 ? { '2026': old.length } : {});
    console.log(`      2026: ${old.length} values (dense), 2027: ${fresh.length} values (dense), 200 distinct formatted ids over 3 instances`);
  });

  it('an idempotent retry of a formatted answer, on another instance, gets the same values, period and date', async () => {
    now = Date.parse('2027-03-01T10:00:00Z');
    const [a, b] = [await open(), await open()];
    await a.configure('invoice', { settings });
    const first = await a.next('invoice', 2, { key: 'k1', fingerprint: 'next 2 invoice' });
    expect(first).to.deep.include({ first: 1, last: 2, period: '2027', format: settings.format, date: { year: 2027, month: 3, day: 1 } });
    const again = await b.next('invoice', 2, { key: 'k1', fingerprint: 'next 2 invoice' });
    expect(again).to.deep.equal({ ...first, replayed: true });
    expect(await b.next('invoice', 1)).to.deep.include({ first: 3, last: 3 });
  });
});
