// Losing the database: requests get 503 storage_unavailable (never a crash, never a repeated value),
// /healthz reports it, and the store recovers by itself once the database answers again.
import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import type { Store } from '../../src/store/store.js';
import { startServerProcess, testConfig, type ServerProcess } from '../support/helpers.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/postgres-database.js';
import { until } from '../support/helpers.js';
import { getJson, type Answer } from '../support/load.js';
import { TcpProxy } from '../support/tcp-proxy.js';

describePostgres('PostgreSQL: losing the database', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  describe('connections killed mid-load (a server process)', () => {
    let srv: ServerProcess | undefined;
    after(async () => {
      if (srv && srv.child.exitCode === null && srv.child.signalCode === null) srv.child.kill('SIGKILL');
      await srv?.exited;
    });

    it('answers values or 503 storage_unavailable, never a duplicate, and recovers by itself', async () => {
      srv = await startServerProcess({ DATABASE_URL: db.url });
      const url = srv.url;
      const answers: (Answer & { path: string })[] = [];
      let stop = false;
      const worker = async (w: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          const path = (w + i) % 2 === 0 ? '/next/k' : '/random?count=2';
          try {
            answers.push({ path, ...(await getJson(`${url}${path}`)) });
          } catch (e) {
            answers.push({ path, status: -1, body: { error: String(e) } });
          }
        }
      };
      const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
      let killed = 0;
      try {
        for (let round = 0; round < 5; round++) {
          const seen = answers.length;
          await until('the load to make progress', () => answers.length >= seen + 40, 10_000);
          killed += await db.terminateConnections();
        }
        const seen = answers.length;
        await until('answers after the last kill', () => answers.length >= seen + 40, 10_000);
      } finally {
        stop = true;
        await load;
      }

      expect(killed).to.be.greaterThan(0);
      const odd = answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.body.code === 'storage_unavailable'));
      expect(odd).to.deep.equal([]);
      const values = answers.filter((a) => a.status === 200 && a.path === '/next/k').map((a) => a.body.next_value as number);
      expect(new Set(values).size).to.equal(values.length);
      const numbers = answers.filter((a) => a.status === 200 && a.path !== '/next/k').flatMap((a) => a.body.numbers as number[]);
      expect(new Set(numbers).size).to.equal(numbers.length);

      await until('/healthz to answer 200', async () => (await fetch(`${url}/healthz`)).status === 200, 10_000);
      const after = await getJson(`${url}/next/k`);
      expect(after.status).to.equal(200);
      expect(after.body.next_value).to.be.greaterThan(Math.max(0, ...values));
      expect(srv.child.exitCode).to.equal(null);
      srv.child.kill('SIGTERM');
      expect(await srv.exited).to.equal(0);
    });
  });

  describe('database unreachable (a proxy cut in front of it)', () => {
    let proxy: TcpProxy;
    let store: Store;
    before(async () => {
      proxy = await TcpProxy.start(db.url);
    });
    after(async () => {
      await store?.close();
      await proxy?.close();
    });

    it('reports unhealthy, answers 503 storage_unavailable, and resumes exactly where it stopped', async () => {
      const config = testConfig({ DATABASE_URL: proxy.via(db.url) });
      store = await PostgresStore.open({ config, log: silentLogger() });
      const app = createApp({ store, config, log: silentLogger(), metrics: new Metrics(store, false) }).callback();
      expect((await request(app).get('/next/cut')).body).to.deep.equal({ sequence_id: 'cut', next_value: 1 });

      proxy.down();
      const health = await store.health();
      expect(health.ok).to.equal(false);
      expect(health.reason).to.match(/^the database is unreachable \(/);
      const down = await request(app).get('/healthz');
      expect([down.status, down.body.code]).to.deep.equal([503, 'storage_unavailable']);
      for (const req of [request(app).get('/next/cut'), request(app).get('/random'), request(app).put('/sequences/cut').send({ last_value: 9 })]) {
        const res = await req;
        expect([res.status, res.body.code]).to.deep.equal([503, 'storage_unavailable']);
      }

      proxy.up();
      await until('/healthz to answer 200', async () => (await request(app).get('/healthz')).status === 200, 10_000);
      // The failed requests never reached the database: the sequence goes on densely.
      expect((await request(app).get('/next/cut')).body).to.deep.equal({ sequence_id: 'cut', next_value: 2 });
    });
  });
});
