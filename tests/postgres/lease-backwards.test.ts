// The going-backwards check on lease pools, on a real database: once a grant with fence f was answered, a pool
// row whose fence is lowered behind the service's back refuses grants (database_went_backwards, nothing
// granted, the log names the SQL that moves it forward); after that SQL, grants go on above f.
import { expect } from 'chai';
import { ServiceError } from '../../src/errors.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { testConfig } from '../support/helpers.js';
import { captureLog } from '../support/robustness.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

describePostgres('PostgreSQL: a lease pool whose fence went backwards', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('refuses grants from that pool with database_went_backwards, grants nothing, and grants again above the answered fence once moved forward', async () => {
    const { log, lines } = captureLog();
    const store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log });
    try {
      await store.defineLeasePool('w', { min: 0, max: 9, ttl: 30, quarantine: 30 });
      await store.defineLeasePool('other', { min: 0, max: 9, ttl: 30, quarantine: 30 });
      expect((await store.acquireLease('w', { holder: 'a' })).fence).to.equal(1);
      expect((await store.acquireLease('w', { holder: 'b' })).fence).to.equal(2);
      expect((await store.acquireLease('other', { holder: 'a' })).fence).to.equal(1);
      // What a failover to a standby without the last commits looks like: the fence and the grant of b gone.
      await query(db.url, `UPDATE tan_lease_pools SET fence = 1 WHERE name = 'w'`);
      await query(db.url, `DELETE FROM tan_leases WHERE pool = 'w' AND holder = 'b'`);

      let refused: unknown;
      await store.acquireLease('w', { holder: 'c' }).catch((e: unknown) => (refused = e));
      expect(refused).to.be.instanceOf(ServiceError);
      const e = refused as ServiceError;
      expect(e.code).to.equal('database_went_backwards');
      expect(e.extra).to.deep.equal({ holds: 1, answered: 2 });
      const forward = `UPDATE tan_lease_pools SET fence = 2 WHERE name = 'w' AND fence < 2;`;
      expect(e.message).to.include(forward);
      const logged = lines.filter((l) => l.event === 'database_went_backwards');
      expect(logged.map((l) => [l.kind, l.name, l.holds, l.answered])).to.deep.equal([['lease_pool', 'w', 1, 2]]);
      expect(logged[0]!.msg).to.include(forward);
      // Nothing was granted, and the row was not moved by the refusal; the same holder is refused too.
      expect(await query(db.url, `SELECT fence FROM tan_lease_pools WHERE name = 'w'`)).to.deep.equal([{ fence: '1' }]);
      expect(await query(db.url, `SELECT holder FROM tan_leases WHERE pool = 'w' ORDER BY number`)).to.deep.equal([{ holder: 'a' }]);
      expect(((await store.acquireLease('w', { holder: 'a' }).catch((x: ServiceError) => x)) as ServiceError).code).to.equal('database_went_backwards');
      // Another pool is not affected.
      expect((await store.acquireLease('other', { holder: 'b' })).fence).to.equal(2);

      await query(db.url, forward);
      const c = await store.acquireLease('w', { holder: 'c' });
      expect([c.number, c.fence]).to.deep.equal([1, 3]);
      expect(lines.filter((l) => l.event === 'database_moved_forward').map((l) => [l.kind, l.name, l.holds])).to.deep.equal([['lease_pool', 'w', 2]]);
    } finally {
      await store.close();
    }
  });
});
