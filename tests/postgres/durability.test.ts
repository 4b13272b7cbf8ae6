// A database whose default is synchronous_commit=off would acknowledge commits before they are on disk:
// the store turns it on for its own sessions and says so.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/postgres-database.js';

describePostgres('PostgreSQL: durability settings', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  it('turns synchronous_commit on for its sessions when the database default is off', async () => {
    const { query } = await import('../support/postgres-database.js');
    await query(db.url, `ALTER DATABASE ${db.name} SET synchronous_commit = off`);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: pino({ level: 'info' }, sink) });
    try {
      expect(lines.filter((l) => l.event === 'db_synchronous_commit').map((l) => l.msg)).to.deep.equal([
        'the database default is synchronous_commit=off; take-a-number turns it on for its own sessions',
      ]);
      expect(await store.next('x', 1)).to.deep.equal({ first: 1, last: 1 });
    } finally {
      await store.close();
    }
  });
});
