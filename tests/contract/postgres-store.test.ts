// The store contract against the PostgreSQL store, on a database of its own.
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';
import { leaseContract } from './lease-contract.js';
import { storeContract } from './store-contract.js';

describePostgres('store contract: PostgreSQL store', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  storeContract({
    // Dropping the tables gives the next store an empty database, as a new database would.
    fresh: async () => {
      await query(db.url, 'DROP TABLE IF EXISTS tan_leases, tan_lease_pools, tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
      return db.url;
    },
    open: (url, env = {}, opts = {}) => PostgresStore.open({ config: testConfig({ DATABASE_URL: url, ...env }), log: opts.log ?? silentLogger(), ...(opts.now ? { now: opts.now } : {}) }),
  });
  describe('leases', () => {
    leaseContract({
      // Dropping the tables gives the next store an empty database, as a new database would.
      fresh: async () => {
        await query(db.url, 'DROP TABLE IF EXISTS tan_leases, tan_lease_pools, tan_series, tan_sequences, tan_pools, tan_idempotency, tan_schema');
        return db.url;
      },
      open: (url, env = {}, opts = {}) => PostgresStore.open({ config: testConfig({ DATABASE_URL: url, ...env }), log: opts.log ?? silentLogger(), ...(opts.now ? { now: opts.now } : {}) }),
    });
  });
});
