// kill -9 the server with ten live leases whose renewals were only in memory, and start it again only after
// every expiry it had answered plus the quarantine has passed: the old numbers still go to nobody else for a
// whole ttl after the restart, and the old holders' renewals succeed with their fences.
import path from 'node:path';
import { expect } from 'chai';
import { startServerProcess, tempDir, until, type ServerProcess } from '../support/helpers.js';

const TTL_S = 3;
const QUARANTINE_S = 1;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
}

async function post(url: string, body: unknown): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
}

describe('robustness: kill -9 with live leases', function () {
  this.timeout(60_000);
  const started: ServerProcess[] = [];
  after(async () => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await Promise.all(started.map((s) => s.exited));
  });

  it('after a restart no number of the ten goes to another holder for at least one ttl, and the old holders renew with their fences', async () => {
    const file = path.join(await tempDir(), 's.json');
    let srv = await startServerProcess({ SEQUENCE_FILE: file });
    started.push(srv);
    const put = await fetch(`${srv.url}/lease-pools/workers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ min: 0, max: 11, ttl: TTL_S, quarantine: QUARANTINE_S }) });
    expect(put.status).to.equal(201);
    const old: { holder: string; number: number; fence: number; lease: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const a = await post(`${srv.url}/lease-pools/workers/acquire`, { holder: `old-${i}` });
      expect(a.status).to.equal(201);
      old.push({ holder: `old-${i}`, number: a.body.number as number, fence: a.body.fence as number, lease: a.body.lease as string });
    }
    expect(old.map((o) => [o.number, o.fence])).to.deep.equal(Array.from({ length: 10 }, (_, i) => [i, i + 1]));
    // Renewals change memory only: the expiries answered now are later than any the state file holds.
    let lastExpiry = 0;
    for (const o of old) {
      const r = await post(`${srv.url}/leases/${o.lease}/renew`, { ttl: TTL_S });
      expect([r.status, r.body.fence]).to.deep.equal([200, o.fence]);
      lastExpiry = Math.max(lastExpiry, Date.parse(r.body.expires_at as string));
    }
    srv.child.kill('SIGKILL');
    expect(await srv.exited).to.equal('SIGKILL');

    // Without the restart rule every number would be free by now: each answered expiry and its quarantine are past.
    await until('every answered expiry plus the quarantine to pass', () => Date.now() > lastExpiry + QUARANTINE_S * 1000 + 50, 15_000);
    const restartedAt = Date.now();
    srv = await startServerProcess({ SEQUENCE_FILE: file });
    started.push(srv);

    // Other holders get the two numbers nobody held, then nothing.
    const n1 = await post(`${srv.url}/lease-pools/workers/acquire`, { holder: 'new-0' });
    const n2 = await post(`${srv.url}/lease-pools/workers/acquire`, { holder: 'new-1' });
    expect([n1.status, n1.body.number, n1.body.fence, n2.status, n2.body.number, n2.body.fence]).to.deep.equal([201, 10, 11, 201, 11, 12]);
    const listed = (await (await fetch(`${srv.url}/lease-pools/workers/leases`)).json()) as { leases: { number: number; holder: string; fence: number; expires_at: string }[] };
    for (const l of listed.leases.filter((x) => x.number < 10)) expect(Date.parse(l.expires_at), `lease ${l.number} revived until at least the restart plus its ttl`).to.be.at.least(restartedAt + TTL_S * 1000);
    expect(listed.leases.map((l) => [l.number, l.holder, l.fence])).to.deep.equal([...old.map((o) => [o.number, o.holder, o.fence]), [10, 'new-0', 11], [11, 'new-1', 12]]);

    // The first half renews at once, the second half halfway through the ttl; meanwhile, for a whole ttl
    // after the restart, every new holder is refused with a retry time and the fence does not move.
    for (const o of old.slice(0, 5)) {
      const r = await post(`${srv.url}/leases/${o.lease}/renew`, {});
      expect([r.status, r.body.number, r.body.fence]).to.deep.equal([200, o.number, o.fence]);
    }
    let attempts = 0;
    let secondHalfRenewed = false;
    while (Date.now() <= restartedAt + TTL_S * 1000 + 100) {
      const r = await post(`${srv.url}/lease-pools/workers/acquire`, { holder: `new-${2 + attempts++}` });
      expect([r.status, r.body.code], JSON.stringify(r.body)).to.deep.equal([409, 'leases_exhausted']);
      expect(Number(r.retryAfter)).to.be.within(1, TTL_S + QUARANTINE_S);
      if (!secondHalfRenewed && Date.now() >= restartedAt + (TTL_S * 1000) / 2) {
        for (const o of old.slice(5)) {
          const renewed = await post(`${srv.url}/leases/${o.lease}/renew`, {});
          expect([renewed.status, renewed.body.number, renewed.body.fence]).to.deep.equal([200, o.number, o.fence]);
        }
        secondHalfRenewed = true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(secondHalfRenewed).to.equal(true);
    expect(attempts).to.be.above(5);
    const pool = (await (await fetch(`${srv.url}/lease-pools/workers`)).json()) as Record<string, unknown>;
    expect(pool).to.deep.include({ fence: 12, free: 0 });
    srv.child.kill('SIGTERM');
    expect(await srv.exited).to.equal(0);
  });
});
