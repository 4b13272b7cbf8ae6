// Schema creation at start: concurrent starts agree on one schema and one key per pool; a newer schema is refused.
import { expect } from 'chai';
import { silentLogger } from '../../src/logger.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

describePostgres('PostgreSQL: schema at start', () => {
  let db: TestDatabase;
  const opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: silentLogger() });
    opened.push(s);
    return s;
  };
  before(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  after(async () => {
    await db?.drop();
  });

  it('lets eight stores start at once on an empty database and agree on every pool key', async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, open));
    for (const kind of ['int', 'float'] as const) {
      const keys = new Set(await Promise.all(stores.map(async (s) => (await s.pool(kind)).key)));
      expect(keys.size, kind).to.equal(1);
    }
    expect(await query(db.url, 'SELECT version FROM tan_schema')).to.deep.equal([{ version: 5 }]);
  });

  it('refuses a database whose schema is newer than this version understands', async () => {
    await query(db.url, 'UPDATE tan_schema SET version = 99');
    const message = await open().then(
      () => 'opened',
      (e: Error) => `${e.name}: ${e.message}`,
    );
    expect(message).to.equal('StartupError: DATABASE_URL: the database schema is version 99, newer than this take-a-number understands (5); upgrade take-a-number');
  });
});
