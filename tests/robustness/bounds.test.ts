// Bounds against abuse, each with its documented error, and none of them changes the state file.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stateOnDisk, tempDir } from '../support/helpers.js';
import { openInProcess, type InProcess } from '../support/robustness.js';

type Res = { status: number; body: Record<string, unknown>; headers: Record<string, string> };

function expectProblem(res: Res, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ type: 'about:blank', status, code });
  expect(res.body.detail).to.be.a('string').and.not.equal('');
  expect(res.body.title).to.be.a('string').and.not.equal('');
}

describe('robustness: bounds against abuse', () => {
  let s: InProcess;
  let file: string;
  let before: string;

  async function setUp(env: Record<string, string> = {}): Promise<void> {
    file = path.join(await tempDir(), 'sequences.json');
    s = await openInProcess(file, env);
    expect((await s.http.get('/next/a')).body.next_value).to.equal(1);
    before = await stateFiles(file);
  }

  /** Snapshot and journal as bytes. */
  const stateFiles = async (f: string): Promise<string> => (await readFile(f, 'utf8')) + (await readFile(`${f}.journal`, 'utf8'));

  /** Snapshot and journal are byte-identical (nothing appended, nothing rewritten) and the counters did not move. */
  async function expectUnchanged(): Promise<void> {
    expect(await stateFiles(file)).to.equal(before);
    expect((await s.http.get('/sequences/a')).body.last_value).to.equal(1);
  }

  afterEach(async () => {
    await s?.store.close();
  });

  it('sequence id length: 255 characters (even astral) are fine, 256 → 400 invalid_sequence_id, empty → 404', async () => {
    await setUp();
    expectProblem(await s.http.get(`/next/${'x'.repeat(256)}`), 400, 'invalid_sequence_id');
    expectProblem(await s.http.post(`/next/${encodeURIComponent('😀'.repeat(256))}`), 400, 'invalid_sequence_id');
    expectProblem(await s.http.get(`/sequences/${'x'.repeat(256)}`), 400, 'invalid_sequence_id');
    expectProblem(await s.http.put(`/sequences/${'x'.repeat(256)}`).send({ last_value: 5 }), 400, 'invalid_sequence_id');
    expectProblem(await s.http.get('/next/a%2Fb'), 400, 'invalid_sequence_id');
    expectProblem(await s.http.get('/next/a%00'), 400, 'invalid_sequence_id');
    expectProblem(await s.http.get('/next/%E0%A4%A'), 400, 'invalid_sequence_id');
    expectProblem(await s.http.get('/next/%ED%A0%80'), 400, 'invalid_sequence_id');
    expectProblem(await s.http.get('/next/'), 404, 'not_found');
    expectProblem(await s.http.get('/next/a/'), 404, 'not_found');
    const head = await s.http.head('/next/a');
    expect(head.status).to.equal(405);
    expect(head.headers.allow).to.equal('GET, POST');
    await expectUnchanged();
    expect((await s.http.get(`/next/${'x'.repeat(255)}`)).body.next_value).to.equal(1);
    expect((await s.http.get(`/next/${encodeURIComponent('😀'.repeat(255))}`)).body.next_value).to.equal(1);
  });

  for (const bad of ['0', '10001', '-1', '1e3', '1.0', '+5', ' 5', '', 'abc', '0x10', '99999999999999999999999999999999'])
    it(`count=${JSON.stringify(bad)} → 400 invalid_count on /next and /random, nothing moves`, async () => {
      await setUp();
      expectProblem(await s.http.get(`/next/a?count=${encodeURIComponent(bad)}`), 400, 'invalid_count');
      expectProblem(await s.http.post(`/next/b?count=${encodeURIComponent(bad)}`), 400, 'invalid_count');
      expectProblem(await s.http.get(`/random?count=${encodeURIComponent(bad)}`), 400, 'invalid_count');
      expectProblem(await s.http.get(`/random?type=float&count=${encodeURIComponent(bad)}`), 400, 'invalid_count');
      await expectUnchanged();
      const pool = await s.store.pool('int');
      expect(pool.drawn).to.equal(0);
    });

  it('count given twice → 400 invalid_count; 10000 is the largest accepted', async () => {
    await setUp();
    expectProblem(await s.http.get('/next/a?count=1&count=2'), 400, 'invalid_count');
    expectProblem(await s.http.get('/random?type=int&type=float'), 400, 'invalid_type');
    expectProblem(await s.http.get('/random?type=double'), 400, 'invalid_type');
    await expectUnchanged();
    expect((await s.http.get('/next/a?count=10000')).body).to.deep.equal({ sequence_id: 'a', next_value: 2, last_value: 10001 });
  });

  it('PUT body: over 4 KiB → 413 payload_too_large; malformed JSON, not an object, bad last_value → 400; a text/plain body → 415; nothing moves', async () => {
    await setUp();
    const big = JSON.stringify({ last_value: 5, pad: 'x'.repeat(5000) });
    expectProblem(await s.http.put('/sequences/a').set('content-type', 'application/json').send(big), 413, 'payload_too_large');
    expectProblem(await s.http.put('/sequences/a').set('content-type', 'application/json').send(JSON.stringify({ last_value: 5, pad: 'x'.repeat(1024 * 1024) })), 413, 'payload_too_large');
    expectProblem(await s.http.put('/sequences/a').set('content-type', 'application/json').send('{"last_value": 5'), 400, 'invalid_body');
    expectProblem(await s.http.put('/sequences/a').set('content-type', 'application/json').send('[5]'), 400, 'invalid_body');
    expectProblem(await s.http.put('/sequences/a').set('content-type', 'text/plain').send('{"last_value": 5}'), 415, 'unsupported_media_type');
    for (const v of ['-1', '1.5', '"5"', 'null', '9007199254740992', '1e400'])
      expectProblem(await s.http.put('/sequences/a').set('content-type', 'application/json').send(`{"last_value": ${v}}`), 400, 'invalid_value');
    expectProblem(await s.http.put('/sequences/a').send({ last_value: 0 }), 409, 'value_behind');
    await expectUnchanged();
    expect((await s.http.put('/sequences/a').send({ last_value: 1000 })).body).to.deep.equal({ sequence_id: 'a', last_value: 1000 });
  });

  it('MAX_SEQUENCES: one more id → 507 too_many_sequences on /next and PUT; existing ids go on', async () => {
    await setUp({ MAX_SEQUENCES: '3' });
    expect((await s.http.get('/next/b')).status).to.equal(200);
    expect((await s.http.get('/next/c')).status).to.equal(200);
    before = await stateFiles(file);
    expectProblem(await s.http.get('/next/d'), 507, 'too_many_sequences');
    expectProblem(await s.http.put('/sequences/d').send({ last_value: 5 }), 507, 'too_many_sequences');
    expectProblem(await s.http.get('/next/d?count=3'), 507, 'too_many_sequences');
    await expectUnchanged();
    expect((await s.http.get('/sequences/d')).status).to.equal(404);
    expect((await s.http.get('/next/c')).body.next_value).to.equal(2);
  });

  it('many idempotency keys stay bounded by IDEMPOTENCY_MAX (oldest dropped); bad keys → 400; replays repeat, reuse → 422', async () => {
    await setUp({ IDEMPOTENCY_MAX: '5' });
    const first = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      const r = await s.http.get('/next/k').set('Idempotency-Key', `key-${i}`);
      first.set(`key-${i}`, r.body.next_value as number);
    }
    expect((await stateOnDisk(file)).sequences.k).to.equal(50);
    // The newest keys replay their first answer; the replay hands out nothing.
    expect((await s.http.get('/next/k').set('Idempotency-Key', 'key-49')).body.next_value).to.equal(first.get('key-49'));
    expectProblem(await s.http.get('/next/other').set('Idempotency-Key', 'key-49'), 422, 'idempotency_key_reused');
    expectProblem(await s.http.get('/random').set('Idempotency-Key', 'key-48'), 422, 'idempotency_key_reused');
    expectProblem(await s.http.get('/next/k').set('Idempotency-Key', 'x'.repeat(256)), 400, 'invalid_idempotency_key');
    expectProblem(await s.http.get('/next/k').set('Idempotency-Key', 'has space'), 400, 'invalid_idempotency_key');
    expect((await stateOnDisk(file)).sequences.k).to.equal(50);
    // The oldest key was dropped: it now counts as a new request.
    expect((await s.http.get('/next/k').set('Idempotency-Key', 'key-0')).body.next_value).to.equal(51);
    // The snapshot written at stop holds only the newest IDEMPOTENCY_MAX keys, oldest first.
    await s.store.close();
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')).idempotency)).to.deep.equal(['key-46', 'key-47', 'key-48', 'key-49', 'key-0']);
  });
});
