// Three real server processes on one database: concurrent clients over all of them never get a value twice.
import { expect } from 'chai';
import { startServerProcess, until, type ServerProcess } from '../support/helpers.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/postgres-database.js';
import { getJson, oneTo, runConcurrently } from '../support/load.js';

describePostgres('PostgreSQL: three instances on one database', function () {
  this.timeout(30_000);
  let db: TestDatabase;
  const servers: ServerProcess[] = [];

  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await db?.drop();
  });

  it('hands out dense sequences and distinct random numbers across instances', async () => {
    // Started together: they race to create the schema and the pools, and must agree on one key per pool.
    servers.push(...(await Promise.all([1, 2, 3].map(() => startServerProcess({ DATABASE_URL: db.url })))));
    // Three hot ids and 150 ids that each get a few requests.
    const ids = ['alpha', 'beta', '__proto__', ...Array.from({ length: 150 }, (_, i) => `spread-${i}`)];
    const tasks: (() => Promise<{ kind: string; status: number; values: (number | string)[] }>)[] = [];
    for (let i = 0; i < 900; i++) {
      const server = servers[i % 3]!;
      const id = i % 2 === 0 ? ids[(i / 2) % 3]! : ids[3 + (((i - 1) / 2) % 150)]!;
      const count = (i % 4) + 1;
      tasks.push(async () => {
        const { status, body } = await getJson(`${server.url}/next/${encodeURIComponent(id)}?count=${count}`);
        const first = body.next_value as number;
        return { kind: id, status, values: Array.from({ length: count }, (_, k) => first + k) };
      });
    }
    for (let i = 0; i < 240; i++) {
      const server = servers[(i + 1) % 3]!;
      const type = i % 3 === 0 ? 'float' : 'int';
      tasks.push(async () => {
        const res = await fetch(`${server.url}/random?type=${type}&count=2&format=text`);
        return { kind: type, status: res.status, values: (await res.text()).trim().split('\n') };
      });
    }
    // Interleave sequence and random work so every instance sees both at once.
    const shuffled = tasks.map((t, i) => ({ t, k: (i * 7919) % tasks.length })).sort((a, b) => a.k - b.k).map((x) => x.t);
    const results = await runConcurrently(shuffled, 64);

    expect(results.filter((r) => r.status !== 200)).to.deep.equal([]);
    const expected = new Map<string, number>();
    for (const id of ids) {
      const values = results.filter((r) => r.kind === id).flatMap((r) => r.values as number[]);
      expected.set(id, values.length);
      expect(values.sort((a, b) => a - b), `sequence ${id}`).to.deep.equal(oneTo(values.length));
    }
    for (const type of ['int', 'float']) {
      const values = results.filter((r) => r.kind === type).flatMap((r) => r.values);
      expect(values.length).to.equal(type === 'int' ? 320 : 160);
      expect(new Set(values).size, `${type} values distinct`).to.equal(values.length);
    }
    const listed = await getJson(`${servers[2]!.url}/sequences`);
    expect(listed.body).to.deep.equal({
      sequences: [...ids].sort().map((id) => ({ sequence_id: id, last_value: expected.get(id) })),
    });

    // A retry with the same Idempotency-Key gets the first answer from whichever instance it reaches.
    const retries = await Promise.all(
      servers.map(async (s) => (await fetch(`${s.url}/next/alpha`, { headers: { 'Idempotency-Key': 'retry-1' } })).json()),
    );
    expect(retries).to.deep.equal(servers.map(() => ({ sequence_id: 'alpha', next_value: expected.get('alpha')! + 1 })));

    for (const s of servers) s.child.kill('SIGTERM');
    expect(await Promise.all(servers.map((s) => s.exited))).to.deep.equal([0, 0, 0]);
  });

  it('answers values or 503 while connections are killed mid-load, never a value twice, and recovers', async () => {
    const killed = await Promise.all([1, 2, 3].map(() => startServerProcess({ DATABASE_URL: db.url })));
    servers.push(...killed);
    const answers: { path: string; status: number; body: Record<string, unknown> }[] = [];
    let stop = false;
    const paths = (w: number, i: number): string =>
      [`/next/k-hot`, `/next/k-spread-${(w * 31 + i) % 40}`, '/random?count=2', '/random?type=float'][(w + i) % 4]!;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const path = paths(w, i);
        try {
          const res = await getJson(`${killed[(w + i) % 3]!.url}${path}`);
          answers.push({ path, ...res });
        } catch (e) {
          answers.push({ path, status: -1, body: { error: String(e) } });
        }
      }
    };
    const load = Promise.all(Array.from({ length: 24 }, (_, w) => worker(w)));
    try {
      await until('the load to make progress', () => answers.length >= 200, 15_000);
      // Kill every connection until a statement in flight was hit (a 503), then let the load go on.
      await until('a 503 from a killed connection', async () => {
        await db.terminateConnections();
        return answers.some((a) => a.status === 503);
      }, 15_000, 20);
      const seen = answers.length;
      await until('answers after the kills', () => answers.slice(seen).filter((a) => a.status === 200).length >= 200, 15_000);
    } finally {
      stop = true;
      await load;
    }

    const odd = answers.filter((a) => a.status !== 200 && !(a.status === 503 && a.body.code === 'storage_unavailable'));
    expect(odd).to.deep.equal([]);
    const byPath = new Map<string, (number | string)[]>();
    for (const a of answers.filter((x) => x.status === 200)) {
      const key = a.path.startsWith('/next/') ? a.path : a.path.includes('float') ? 'float' : 'int';
      const values = a.path.startsWith('/next/') ? [a.body.next_value as number] : ((a.body.numbers as number[] | undefined) ?? [a.body.number as number]);
      byPath.set(key, [...(byPath.get(key) ?? []), ...values]);
    }
    for (const [key, values] of byPath) expect(new Set(values).size, `${key}: no value twice`).to.equal(values.length);
    // Every sequence value answered is covered by the database: a later request gets a larger one.
    const hot = byPath.get('/next/k-hot') as number[];
    const after = await getJson(`${killed[0]!.url}/next/k-hot`);
    expect(after.status).to.equal(200);
    expect(after.body.next_value).to.be.greaterThan(Math.max(...hot));
    for (const s of killed) s.child.kill('SIGTERM');
    expect(await Promise.all(killed.map((s) => s.exited))).to.deep.equal([0, 0, 0]);
  });
});
