// The commit bound on the PostgreSQL batch queue: a flush carries at most MAX_COMMIT_VALUES random values;
// the requests behind wait for the next flushes in arrival order, and sequences keep their dense split.
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/postgres-database.js';
import { oneTo } from '../support/load.js';

describePostgres('PostgreSQL: the commit bound', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  let store: Store | undefined;

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  it('100 concurrent draws of 10,000 with a next after each: 17 flushes of at most 65,536 values, all in arrival order', async () => {
    store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger() });
    const batches: number[] = [];
    store.onCommit = ({ batch }) => batches.push(batch);
    const draws = [];
    const nexts = [];
    for (let i = 0; i < 100; i++) {
      draws.push(store.draw('float', 10_000));
      nexts.push(store.next('seq', 1));
    }
    const [d, n] = await Promise.all([Promise.all(draws), Promise.all(nexts)]);
    // 6 draws (60,000 values) and the 6 nexts between them per flush: a 7th draw would pass 65,536.
    expect(batches).to.deep.equal([...Array.from({ length: 16 }, () => 12), 8]);
    expect(d.map((x) => x.start)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i * 10_000));
    expect(n.map((r) => r.first)).to.deep.equal(oneTo(100));
    expect((await store.pool('float')).drawn).to.equal(1_000_000);
  });
});
