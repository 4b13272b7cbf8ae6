// Over HTTP: formatted sequences, their settings, paged GET /sequences, and ids people cannot tell apart.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { tempDir } from '../support/helpers.js';
import { expectProblem, serveFile, serveFileApp, type Served } from '../support/app.js';

const T = (iso: string): number => Date.parse(iso);

describe('http: formatted sequences and series', () => {
  let s: Served;
  let now = T('2026-11-30T12:00:00Z');
  beforeEach(async () => {
    now = T('2026-11-30T12:00:00Z');
    s = await serveFileApp({}, { now: () => now });
  });
  afterEach(async () => {
    await s.close();
  });
  const put = (id: string, body: unknown) => request(s.url).put(`/sequences/${id}`).send(body as object);

  it('hands out formatted ids, one, a run, and as text, and shows settings and periods', async () => {
    const set = await put('invoice', { format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'Europe/Berlin', last_value: 16 });
    expect(set.status).to.equal(200);
    expect(set.body).to.deep.equal({ sequence_id: 'invoice', last_value: 16, format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'Europe/Berlin', max: Number.MAX_SAFE_INTEGER, period: '2026', periods: { '2026': 16 } });
    const one = await request(s.url).post('/next/invoice');
    expect(one.text).to.equal('{"sequence_id":"invoice","next_value":17,"period":"2026","formatted":"INV-2026-00017"}');
    const run = await request(s.url).post('/next/invoice?count=3');
    expect(run.body).to.deep.equal({ sequence_id: 'invoice', next_value: 18, last_value: 20, period: '2026', formatted: ['INV-2026-00018', 'INV-2026-00019', 'INV-2026-00020'] });
    const text = await request(s.url).post('/next/invoice?count=2&format=text');
    expect(text.headers['content-type']).to.match(/^text\/plain/);
    expect(text.text).to.equal('INV-2026-00021\nINV-2026-00022\n');
    // A replayed request prints the same ids, in the period it was first answered in.
    now = T('2026-12-31T22:30:00Z');
    const first = await request(s.url).post('/next/invoice').set('Idempotency-Key', 'k1');
    expect(first.body.formatted).to.equal('INV-2026-00023');
    now = T('2026-12-31T23:00:00Z');
    const again = await request(s.url).post('/next/invoice').set('Idempotency-Key', 'k1');
    expect(again.body).to.deep.equal(first.body);
    expect((await request(s.url).post('/next/invoice')).body).to.deep.equal({ sequence_id: 'invoice', next_value: 1, period: '2027', formatted: 'INV-2027-00001' });
    const got = await request(s.url).get('/sequences/invoice');
    expect(got.body).to.deep.equal({ sequence_id: 'invoice', last_value: 1, format: 'INV-{YYYY}-{n:05}', reset: 'yearly', time_zone: 'Europe/Berlin', max: Number.MAX_SAFE_INTEGER, period: '2027', periods: { '2026': 23, '2027': 1 } });
  });

  it('answers the documented problems for bad settings, fixed settings and an exhausted max', async () => {
    expectProblem(await put('a', { format: 'A-{n}', reset: 'yearly' }), 400, 'invalid_settings');
    expectProblem(await put('a', { format: 'A-{x}' }), 400, 'invalid_settings');
    expectProblem(await put('a', { time_zone: 'Nowhere/Land' }), 400, 'invalid_settings');
    expectProblem(await put('a', { colour: 'red' }), 400, 'invalid_body');
    expect((await request(s.url).get('/sequences/a')).status).to.equal(404);
    expect((await put('a', { format: 'A{n:02}', max: 99 })).status).to.equal(200);
    await request(s.url).post('/next/a?count=99');
    expectProblem(await request(s.url).post('/next/a'), 409, 'sequence_exhausted', ['last_value', 'max']);
    expectProblem(await put('a', { format: 'A{n:03}' }), 409, 'settings_fixed', ['format']);
    expect((await put('a', { max: 999 })).body.max).to.equal(999);
    expect((await request(s.url).post('/next/a')).body.formatted).to.equal('A100');
  });

  it('pages GET /sequences: limit, after, next and prefix, every id once even while ids are added', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => `build-${String(i).padStart(3, '0')}`);
    for (const id of ids) await request(s.url).post(`/next/${id}`);
    expectProblem(await request(s.url).get('/sequences?limit=0'), 400, 'invalid_limit');
    expectProblem(await request(s.url).get('/sequences?limit=10001'), 400, 'invalid_limit');
    expectProblem(await request(s.url).get('/sequences?limit=1&limit=2'), 400, 'invalid_limit');
    expect((await request(s.url).get('/sequences?limit=10000')).body.sequences).to.have.length(250);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    const added: Array<{ id: string; cursor: string }> = [];
    for (;;) {
      const res = await request(s.url).get('/sequences').query({ limit: 40, ...(after === undefined ? {} : { after }) });
      expect(res.status).to.equal(200);
      seen.push(...(res.body.sequences as Array<{ sequence_id: string }>).map((e) => e.sequence_id));
      pages++;
      // Ids added while paging: one behind the cursor (not in this listing), one ahead of it (in it).
      const behind = `build-${String(pages).padStart(3, '0')}a`;
      const ahead = `build-${String(200 + pages).padStart(3, '0')}a`;
      for (const id of [behind, ahead]) await request(s.url).post(`/next/${id}`);
      added.push({ id: ahead, cursor: seen[seen.length - 1]! });
      if (res.body.next === undefined) break;
      expect(res.body.next).to.equal(seen[seen.length - 1]);
      after = res.body.next as string;
    }
    expect(new Set(seen).size).to.equal(seen.length);
    for (const id of ids) expect(seen).to.include(id);
    // Every id added ahead of the cursor before the page that would hold it was read is listed.
    for (const { id, cursor } of added) if (id > cursor) expect(seen, id).to.include(id);
    expect(added.filter(({ id, cursor }) => id > cursor).length).to.be.at.least(3);
    expect(pages).to.be.at.least(7);
    const prefixed = await request(s.url).get('/sequences?prefix=build-24&limit=3');
    expect(prefixed.body).to.deep.equal({
      sequences: ['build-240', 'build-241', 'build-242'].map((sequence_id) => ({ sequence_id, last_value: 1 })),
      next: 'build-242',
    });
    const rest = await request(s.url).get('/sequences?prefix=build-24&after=build-242');
    expect(rest.body.sequences.map((e: { sequence_id: string }) => e.sequence_id)).to.deep.equal(['build-243', 'build-244', 'build-245', 'build-246', 'build-247', 'build-248', 'build-249']);
    expect(rest.body).to.not.have.property('next');
  });
});

describe('http: ids people cannot tell apart', () => {
  const NFC = 'caf%C3%A9';
  const NFD = 'cafe%CC%81';
  let s: Served | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('stores new ids in NFC, so both forms name one sequence, and refuses format characters', async () => {
    s = await serveFileApp();
    expect((await request(s.url).post(`/next/${NFD}`)).body).to.deep.equal({ sequence_id: 'café', next_value: 1 });
    expect((await request(s.url).post(`/next/${NFC}`)).body).to.deep.equal({ sequence_id: 'café', next_value: 2 });
    expect((await request(s.url).get(`/sequences/${NFD}`)).body).to.deep.equal({ sequence_id: 'café', last_value: 2 });
    for (const cf of ['%E2%80%8B', '%E2%80%AE', '%E2%81%A6', '%C2%AD', '%EF%BB%BF', '%E2%80%8D'])
      expectProblem(await request(s.url).post(`/next/inv${cf}oice`), 400, 'invalid_sequence_id');
    expect((await request(s.url).get('/sequences')).body.sequences).to.deep.equal([{ sequence_id: 'café', last_value: 2 }]);
  });

  it('keeps ids stored before the rule reachable and never merges two stored ids', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const legacy = { 'cafe\u0301': 5, 'caf\u00e9x': 1, 'caf\u00e9xy\u0301': 2, 'cafe\u0301x': 3, 'in\u200bvoice': 7, 'a\u0301': 1, 'a\u0301\u0301': 1 };
    // 'caf\u00e9x' (NFC) and 'cafe\u0301x' (NFD) are one id to a reader; two stored twins of one NFC form: a\u0301\u0301 alone is NFD, a\u0301 too.
    await writeFile(file, JSON.stringify({ format: 1, generation: 1, sequences: legacy, random: {}, idempotency: {} }));
    s = await serveFile(file);
    // The only stored form of "café" is NFD: both forms reach it.
    expect((await request(s.url).post(`/next/${NFD}`)).body).to.deep.equal({ sequence_id: 'cafe\u0301', next_value: 6 });
    expect((await request(s.url).post(`/next/${NFC}`)).body).to.deep.equal({ sequence_id: 'cafe\u0301', next_value: 7 });
    // Both forms of "cafex" are stored: each exact form reaches its own, nothing is merged.
    expect((await request(s.url).post('/next/caf%C3%A9x')).body).to.deep.equal({ sequence_id: 'caf\u00e9x', next_value: 2 });
    expect((await request(s.url).post('/next/cafe%CC%81x')).body).to.deep.equal({ sequence_id: 'cafe\u0301x', next_value: 4 });
    // A stored id with a format character is still served by its exact form.
    expect((await request(s.url).post('/next/in%E2%80%8Bvoice')).body).to.deep.equal({ sequence_id: 'in\u200bvoice', next_value: 8 });
    expectProblem(await request(s.url).post('/next/in%E2%80%8Cvoice'), 400, 'invalid_sequence_id');
    // "á" was stored once as a + accent; a new NFC request reaches it; a form with two accents is its own stored id.
    expect((await request(s.url).post('/next/%C3%A1')).body).to.deep.equal({ sequence_id: 'a\u0301', next_value: 2 });
    expect((await request(s.url).get('/sequences?prefix=caf')).body.sequences).to.have.length(4);
  });

  it('refuses an id that would have to choose between two stored forms', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    // Two non-NFC stored forms of "ṩ" (s + dot below + dot above, in either order), and no NFC one.
    await writeFile(file, JSON.stringify({ format: 1, generation: 1, sequences: { 's\u0323\u0307': 1, '\u1e61\u0323': 2 }, random: {}, idempotency: {} }));
    s = await serveFile(file);
    const res = await request(s.url).post('/next/%E1%B9%A9');
    expectProblem(res, 409, 'ambiguous_sequence_id', ['sequence_ids']);
    expect(res.body.sequence_ids).to.deep.equal(['s\u0323\u0307', '\u1e61\u0323']);
    expect((await request(s.url).post('/next/s%CC%A3%CC%87')).body.next_value).to.equal(2);
  });
});
