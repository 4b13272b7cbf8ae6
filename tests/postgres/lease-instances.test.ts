// Three real server processes on one database share a lease pool: 1,024 concurrent acquires spread over
// them get 1,024 distinct numbers and fences, and the 1,025th is refused with Retry-After.
import { expect } from 'chai';
import { startServerProcess, type ServerProcess } from '../support/helpers.js';
import { runConcurrently } from '../support/load.js';
import { createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

describePostgres('PostgreSQL: one lease pool over three instances', function () {
  this.timeout(120_000);
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

  it('1,024 concurrent acquires over three instances: 1,024 distinct numbers and fences; the 1,025th is 409 leases_exhausted with Retry-After', async () => {
    servers.push(...(await Promise.all([1, 2, 3].map(() => startServerProcess({ DATABASE_URL: db.url })))));
    // Every instance defines the same pool at once: one creates it, the others answer the same one.
    const defined = await Promise.all(
      servers.map((s) => fetch(`${s.url}/lease-pools/workers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ min: 0, max: 1023, ttl: 60, quarantine: 60 }) })),
    );
    expect(defined.map((r) => r.status).sort()).to.deep.equal([200, 200, 201]);
    const acquire = async (i: number): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> => {
      const res = await fetch(`${servers[i % 3]!.url}/lease-pools/workers/acquire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ holder: `w-${i}` }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
    };
    const answers = await runConcurrently(Array.from({ length: 1024 }, (_, i) => () => acquire(i)), 256);
    expect(answers.filter((a) => a.status !== 201)).to.deep.equal([]);
    const numbers = answers.map((a) => a.body.number as number).sort((a, b) => a - b);
    expect(numbers).to.deep.equal(Array.from({ length: 1024 }, (_, i) => i));
    expect(new Set(answers.map((a) => a.body.fence)).size).to.equal(1024);
    expect(Math.max(...answers.map((a) => a.body.fence as number))).to.equal(1024);
    // Each instance granted a share.
    for (const s of [0, 1, 2]) expect(answers.filter((_, i) => i % 3 === s).length).to.be.above(300);

    const late = await acquire(1024);
    expect([late.status, late.body.code]).to.deep.equal([409, 'leases_exhausted']);
    // Seconds until the earliest expiry plus quarantine: at most 60 + 60.
    expect(Number(late.retryAfter)).to.be.within(100, 120);
    const rows = await query<{ n: string; holders: string }>(db.url, 'SELECT count(DISTINCT number) AS n, count(DISTINCT holder) AS holders FROM tan_leases WHERE pool = $1 AND ended IS NULL', ['workers']);
    expect(rows[0]).to.deep.equal({ n: '1024', holders: '1024' });
    for (const s of servers) s.child.kill('SIGTERM');
    expect(await Promise.all(servers.map((s) => s.exited))).to.deep.equal([0, 0, 0]);
  });
});
