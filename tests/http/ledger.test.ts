// Over HTTP: ledger sequences, reservations and their fates, the ledger listing and the gap report.
import { expect } from 'chai';
import request from 'supertest';
import { hashOf, GENESIS } from '../../src/ledger/record.js';
import { expectProblem, serveFile, serveFileApp, type Served } from '../support/app.js';

const T = (iso: string): number => Date.parse(iso);

describe('http: ledger sequences', () => {
  let s: Served;
  let now = T('2026-03-01T10:00:00Z');
  beforeEach(async () => {
    now = T('2026-03-01T10:00:00Z');
    s = await serveFileApp({}, { now: () => now, ledgerSweepMs: 3_600_000 });
  });
  afterEach(async () => {
    await s.close();
  });
  const put = (id: string, body: unknown) => request(s.url).put(`/sequences/${id}`).send(body as object);
  const reserve = (id: string, body?: unknown) => (body === undefined ? request(s.url).post(`/reserve/${id}`) : request(s.url).post(`/reserve/${id}`).send(body as object));
  const act = (r: string, what: string, body?: unknown) => request(s.url).post(`/reservations/${r}/${what}`).send((body ?? {}) as object);

  it('reserve 5, confirm 1, 2 and 4, void 3, let 5 expire: the gap report lists each fate, missing is empty, the next reserve answers 6', async () => {
    const set = await put('inv', { ledger: true, reservation_ttl: 60 });
    expect(set.status).to.equal(200);
    expect(set.body).to.deep.equal({ sequence_id: 'inv', last_value: 0, reset: 'never', time_zone: 'UTC', max: Number.MAX_SAFE_INTEGER, ledger: true, reservation_ttl: 60, ledger_from: 1 });
    const r: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await reserve('inv');
      expect(res.status).to.equal(201);
      expect(Object.keys(res.body)).to.deep.equal(['sequence_id', 'number', 'reservation', 'state', 'expires_at']);
      expect(res.body).to.include({ sequence_id: 'inv', number: i, state: 'reserved', expires_at: '2026-03-01T10:01:00.000Z' });
      expect(res.body.reservation).to.match(/^r_[A-Za-z0-9_-]{22}$/);
      r.push(res.body.reservation as string);
    }
    for (const i of [0, 1, 3]) expect((await act(r[i]!, 'confirm', { ref: `doc-${i + 1}` })).body).to.include({ state: 'confirmed', late: false, ref: `doc-${i + 1}` });
    const voided = await act(r[2]!, 'void', { reason: 'printer jammed' });
    expect(voided.status).to.equal(200);
    expect(voided.body).to.include({ state: 'voided', reason: 'printer jammed', voided_at: '2026-03-01T10:00:00.000Z' });
    now += 61_000;
    const gaps = await request(s.url).get('/sequences/inv/gaps');
    expect(gaps.status).to.equal(200);
    expect(gaps.body).to.deep.equal({ sequence_id: 'inv', period: null, first: 1, last: 5, final: false, confirmed: 3, reserved: [], voided: [{ number: 3, reason: 'printer jammed' }], expired: [5], missing: [] });
    expect((await request(s.url).get(`/reservations/${r[4]}`)).body.state).to.equal('expired');
    expect((await reserve('inv')).body.number).to.equal(6);
  });

  it('confirm is idempotent, another ref is 409 already_confirmed, a late confirm says late, void of a confirmed number is 409', async () => {
    await put('c', { ledger: true });
    const a = (await reserve('c', { ttl: 10, meta: { customer: 'ACME' } })).body.reservation as string;
    const first = await act(a, 'confirm', { ref: 'INV-1' });
    expect(first.status).to.equal(200);
    expect(first.body.meta).to.deep.equal({ customer: 'ACME' });
    const again = await act(a, 'confirm', { ref: 'INV-1' });
    expect(again.body).to.deep.equal(first.body);
    expectProblem(await act(a, 'confirm', { ref: 'INV-2' }), 409, 'already_confirmed', ['number', 'ref']);
    expectProblem(await act(a, 'void', { reason: 'x' }), 409, 'already_confirmed', ['number', 'ref']);
    const b = (await reserve('c', { ttl: 10 })).body.reservation as string;
    now += 11_000;
    const late = await act(b, 'confirm');
    expect(late.body).to.include({ state: 'confirmed', late: true });
    const v = (await reserve('c')).body.reservation as string;
    expect((await act(v, 'void', { reason: 'typo' })).status).to.equal(200);
    expect((await act(v, 'void', { reason: 'other' })).body.reason).to.equal('typo');
    expectProblem(await act(v, 'confirm'), 409, 'reservation_closed', ['state']);
  });

  it('extend moves expires_at; bad bodies are 400 and change nothing', async () => {
    await put('e', { ledger: true, reservation_ttl: 30 });
    const a = (await reserve('e')).body.reservation as string;
    const ext = await act(a, 'extend', { ttl: 3600 });
    expect(ext.body.expires_at).to.equal('2026-03-01T11:00:00.000Z');
    expectProblem(await act(a, 'extend', { ttl: 0 }), 400, 'invalid_body');
    expectProblem(await act(a, 'void', {}), 400, 'invalid_body');
    expectProblem(await act(a, 'void', { reason: 'x'.repeat(501) }), 400, 'invalid_body');
    expectProblem(await reserve('e', { meta: { big: 'x'.repeat(4100) } }), 400, 'invalid_meta');
    expectProblem(await reserve('e', { meta: [1] }), 400, 'invalid_meta');
    expectProblem(await request(s.url).get('/reservations/r_AAAAAAAAAAAAAAAAAAAAAA'), 404, 'reservation_not_found');
    expectProblem(await reserve('plain'), 409, 'ledger_required');
    expect((await request(s.url).get('/sequences/e')).body.last_value).to.equal(1);
    expectProblem(await put('e', { ledger: false }), 409, 'settings_fixed', ['ledger']);
  });

  it('an Idempotency-Key retry of a reserve gets the same reservation and number', async () => {
    await put('k', { ledger: true });
    const a = await reserve('k').set('Idempotency-Key', 'job-1');
    const b = await reserve('k').set('Idempotency-Key', 'job-1');
    expect(b.status).to.equal(201);
    expect(b.body).to.deep.equal(a.body);
    expect((await reserve('k')).body.number).to.equal(2);
  });

  it('/next on a ledger sequence confirms at once with meta; PUT last_value forward records the skipped numbers as one voided range', async () => {
    await put('n', { ledger: true, format: 'N-{n:03}' });
    const next = await request(s.url).post('/next/n').send({ meta: { build: 7 } });
    expect(next.body).to.deep.equal({ sequence_id: 'n', next_value: 1, formatted: 'N-001' });
    expect((await put('n', { last_value: 1000 })).body.last_value).to.equal(1000);
    const page = await request(s.url).get('/sequences/n/ledger');
    expect(page.body.entries.map((e: { number: number; through?: number; state: string; reason: string | null; meta: unknown }) => [e.number, e.through, e.state, e.reason, e.meta])).to.deep.equal([
      [1, undefined, 'confirmed', null, { build: 7 }],
      [2, 1000, 'voided', 'skipped by PUT last_value', null],
    ]);
    const gaps = await request(s.url).get('/sequences/n/gaps');
    expect(gaps.body).to.include({ first: 1, last: 1000, confirmed: 1 });
    expect(gaps.body.voided).to.deep.equal([{ number: 2, through: 1000, reason: 'skipped by PUT last_value' }]);
    expect(gaps.body.missing).to.deep.equal([]);
    expect((await reserve('n')).body).to.include({ number: 1001, formatted: 'N-1001' });
  });

  it('turning the ledger on later starts it at the next value; the listing pages, filters, and streams csv and jsonl', async () => {
    await request(s.url).post('/next/late?count=4');
    const on = await put('late', { ledger: true });
    expect(on.body).to.include({ ledger: true, ledger_from: 5 });
    for (let i = 0; i < 5; i++) await reserve('late');
    const page = await request(s.url).get('/sequences/late/ledger?limit=2');
    expect(page.body.entries.map((e: { number: number }) => e.number)).to.deep.equal([5, 6]);
    expect(page.body.next).to.equal(6);
    const rest = await request(s.url).get('/sequences/late/ledger?limit=2&after=6');
    expect(rest.body.entries.map((e: { number: number }) => e.number)).to.deep.equal([7, 8]);
    expect((await request(s.url).get('/sequences/late/ledger?from=8&to=9')).body.entries.map((e: { number: number }) => e.number)).to.deep.equal([8, 9]);
    const csv = await request(s.url).get('/sequences/late/ledger?format=csv');
    expect(csv.headers['content-type']).to.match(/^text\/csv/);
    const rows = csv.text.trimEnd().split('\n');
    expect(rows[0]).to.equal('sequence_id,number,through,period,formatted,state,reservation,reserved_at,expires_at,confirmed_at,voided_at,reason,ref,meta,late,by,event,hash');
    expect(rows).to.have.length(6);
    const jsonl = await request(s.url).get('/sequences/late/ledger?format=jsonl&state=reserved');
    expect(jsonl.text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { number: number }).number)).to.deep.equal([5, 6, 7, 8, 9]);
    const gaps = await request(s.url).get('/sequences/late/gaps');
    expect(gaps.body).to.include({ first: 5, last: 9 });
    expect(gaps.body.reserved).to.deep.equal([5, 6, 7, 8, 9]);
  });

  it('the events of a sequence chain by SHA-256 over the previous hash and the canonical JSON, across a restart', async () => {
    await put('h', { ledger: true });
    const a = (await reserve('h', { meta: { z: 1, a: [2, { y: 3, b: 4 }] } })).body.reservation as string;
    await act(a, 'confirm', { ref: 'x' });
    await s.close();
    s = await serveFile(s.file, {}, { now: () => now });
    await reserve('h');
    const events = (await request(s.url).get('/sequences/h/ledger?events=true')).body.entries as Record<string, unknown>[];
    expect(events.map((e) => [e.number, e.state, e.event])).to.deep.equal([
      [1, 'reserved', 1],
      [1, 'confirmed', 2],
      [2, 'reserved', 3],
    ]);
    let prev = GENESIS;
    for (const e of events) {
      const { hash, ...body } = e;
      expect(hashOf(prev, body as never)).to.equal(hash);
      prev = hash as string;
    }
  });
});
