// Lease pools in the file store under a controlled clock, through HTTP: expiry, quarantine, a higher fence
// after it, the 1,025th acquire's Retry-After, and what a restart keeps.
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { serveFile } from '../../support/app.js';
import { tempDir } from '../../support/helpers.js';

describe('file store: lease pools under a controlled clock', () => {
  it('does not grant an expired number before expires_at + quarantine, then grants it with a higher fence', async () => {
    let now = Date.UTC(2026, 0, 5);
    const s = await serveFile(path.join(await tempDir(), 's.json'), {}, { now: () => now });
    try {
      await request(s.url).put('/lease-pools/w').send({ min: 0, max: 0, ttl: 10, quarantine: 20 }).expect(201);
      const a = (await request(s.url).post('/lease-pools/w/acquire').send({ holder: 'a' }).expect(201)).body as { fence: number; lease: string; expires_at: string };
      expect(a.expires_at).to.equal('2026-01-05T00:00:10.000Z');
      now += 29_999;
      const refused = await request(s.url).post('/lease-pools/w/acquire').send({ holder: 'b' }).expect(409);
      expect([refused.body.code, refused.headers['retry-after']]).to.deep.equal(['leases_exhausted', '1']);
      expect((await request(s.url).get('/lease-pools/w').expect(200)).body).to.deep.include({ leased: 0, quarantined: 1, free: 0, fence: 1 });
      expect((await request(s.url).post(`/leases/${a.lease}/renew`).send({}).expect(410)).body.reason).to.equal('expired');
      now += 1;
      const b = (await request(s.url).post('/lease-pools/w/acquire').send({ holder: 'b' }).expect(201)).body as { number: number; fence: number };
      expect([b.number, b.fence]).to.deep.equal([0, 2]);
    } finally {
      await s.close();
    }
  });

  it('keeps the grants, fences and releases in the journal and snapshot: a restart neither lowers a fence nor frees a held number', async () => {
    const file = path.join(await tempDir(), 's.json');
    let now = Date.UTC(2026, 0, 5);
    let s = await serveFile(file, {}, { now: () => now });
    await request(s.url).put('/lease-pools/w').send({ min: 0, max: 2, ttl: 10, quarantine: 0 }).expect(201);
    const a = (await request(s.url).post('/lease-pools/w/acquire').send({ holder: 'a' }).expect(201)).body as { lease: string };
    const b = (await request(s.url).post('/lease-pools/w/acquire').send({ holder: 'b' }).expect(201)).body as { lease: string };
    await request(s.url).post(`/leases/${b.lease}/release`).expect(200);
    await s.close();
    // Long after every expiry: the lease not ended counts as live again for its ttl.
    now += 3_600_000;
    s = await serveFile(file, {}, { now: () => now });
    try {
      expect((await request(s.url).get('/lease-pools/w/leases').expect(200)).body.leases).to.deep.equal([{ number: 0, lease: a.lease, holder: 'a', fence: 1, expires_at: '2026-01-05T01:00:10.000Z' }]);
      expect((await request(s.url).post(`/leases/${a.lease}/renew`).send({ ttl: 20 }).expect(200)).body.fence).to.equal(1);
      const c = (await request(s.url).post('/lease-pools/w/acquire').send({ holder: 'c' }).expect(201)).body as { number: number; fence: number };
      expect([c.number, c.fence]).to.deep.equal([1, 3]);
    } finally {
      await s.close();
    }
  });
});
