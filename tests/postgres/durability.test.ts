// A database whose default is synchronous_commit below on (off, local, remote_write) would acknowledge commits
// before they are on disk or on the standby: the store runs its own sessions at on (remote_apply kept) and says so.
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { runServerToExit, testConfig } from '../support/helpers.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

/** What the store's own sessions run with (read through its connection pool). */
async function sessionSetting(store: Store, name: string): Promise<string> {
  const pool = (store as unknown as { session: { pool: pg.Pool } }).session.pool;
  const { rows } = await pool.query<{ v: string }>(`SELECT current_setting('${name}') AS v`);
  return rows[0]!.v;
}

function logTo(lines: Record<string, unknown>[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
}

describePostgres('PostgreSQL: durability settings', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  for (const [dbDefault, sessions] of [
    ['off', 'on'],
    ['local', 'on'],
    ['remote_write', 'on'],
    ['on', 'on'],
    ['remote_apply', 'remote_apply'],
  ] as const)
    it(`runs its sessions at synchronous_commit=${sessions} when the database default is ${dbDefault}`, async () => {
      await query(db.url, `ALTER DATABASE ${db.name} SET synchronous_commit = ${dbDefault}`);
      expect((await query<{ v: string }>(db.url, `SELECT current_setting('synchronous_commit') AS v`))[0]!.v).to.equal(dbDefault);
      const lines: Record<string, unknown>[] = [];
      const store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: pino({ level: 'info' }, logTo(lines)) });
      try {
        expect(await sessionSetting(store, 'synchronous_commit')).to.equal(sessions);
        expect(lines.filter((l) => l.event === 'db_synchronous_commit').map((l) => l.msg)).to.deep.equal(
          dbDefault === sessions ? [] : [`the database default is synchronous_commit=${dbDefault}; take-a-number runs its own sessions at ${sessions}`],
        );
        expect(await store.next('x', 1)).to.include({ last: await store.lastValue('x') });
      } finally {
        await store.close();
        await query(db.url, `ALTER DATABASE ${db.name} RESET synchronous_commit`);
      }
    });

  it('DATABASE_REQUIRE_SYNC=true refuses to start where synchronous_standby_names is empty, naming the setting', async () => {
    expect((await query<{ v: string }>(db.url, `SELECT current_setting('synchronous_standby_names') AS v`))[0]!.v).to.equal('');
    const r = await runServerToExit({ DATABASE_URL: db.url, DATABASE_REQUIRE_SYNC: 'true' });
    expect(r.code).to.not.equal(0);
    expect(r.stderr + r.stdout).to.contain("DATABASE_REQUIRE_SYNC=true but the database's synchronous_standby_names is empty");
  });

  it('reports the synchronous standbys on /healthz (none here)', async () => {
    const store = await PostgresStore.open({ config: testConfig({ DATABASE_URL: db.url }), log: pino({ level: 'silent' }) });
    try {
      expect(await store.health()).to.deep.equal({ ok: true, synchronousStandbys: 0 });
    } finally {
      await store.close();
    }
  });
});
