// Idempotency-Key on /next and /random: a retry returns the first answer, across restarts, for 24 h, for a bounded number of keys.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { openFileStore, tempDir, testConfig } from '../support/helpers.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** An app on the state file `file`, with an injectable clock; reopen() simulates a restart on the same file. */
async function appOn(file: string, env: Record<string, string> = {}, clock = { now: 1_000_000 }) {
  const store = await openFileStore(file, env, { now: () => clock.now });
  const app = createApp({ store, config: testConfig({ SEQUENCE_FILE: file, ...env }), log: silentLogger() });
  return { server: app.callback(), store, clock, file };
}

const fresh = async (env: Record<string, string> = {}) => appOn(path.join(await tempDir(), 'sequences.json'), env);

describe('Idempotency-Key', () => {
  it('returns the same value for a retried /next, and the next request gets the next value', async () => {
    const { server, store } = await fresh();
    const first = await request(server).post('/next/a').set('Idempotency-Key', 'job-1').expect(200);
    const retry = await request(server).post('/next/a').set('Idempotency-Key', 'job-1').expect(200);
    expect(first.body).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    expect(retry.body).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    expect((await request(server).post('/next/a').expect(200)).body).to.deep.equal({ sequence_id: 'a', next_value: 2 });
    await store.close();
  });

  it('returns the same range for a retried /next?count=3, also as text', async () => {
    const { server, store } = await fresh();
    await request(server).get('/next/a?count=3').set('Idempotency-Key', 'k').expect(200, { sequence_id: 'a', next_value: 1, last_value: 3 });
    await request(server).get('/next/a?count=3').set('Idempotency-Key', 'k').expect(200, { sequence_id: 'a', next_value: 1, last_value: 3 });
    expect((await request(server).get('/next/a?count=3&format=text').set('Idempotency-Key', 'k').expect(200)).text).to.equal('1\n2\n3\n');
    await request(server).get('/next/a').expect(200, { sequence_id: 'a', next_value: 4 });
    await store.close();
  });

  it('returns the same numbers for retried /random int and float draws with count', async () => {
    const { server, store } = await fresh({ RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '1', RANDOM_FLOAT_DECIMALS: '3' });
    const ints = await request(server).get('/random?count=4').set('Idempotency-Key', 'i').expect(200);
    expect(ints.body.numbers).to.have.length(4);
    expect((await request(server).get('/random?count=4').set('Idempotency-Key', 'i').expect(200)).text).to.equal(ints.text);
    const floats = await request(server).get('/random?type=float&count=3').set('Idempotency-Key', 'f').expect(200);
    expect(floats.text).to.match(/^\{"numbers":\[0\.\d{3},0\.\d{3},0\.\d{3}\]\}$/);
    expect((await request(server).get('/random?type=FLOAT&count=3').set('Idempotency-Key', 'f').expect(200)).text).to.equal(floats.text);
    const one = await request(server).get('/random?type=float').set('Idempotency-Key', 'f1').expect(200);
    expect((await request(server).get('/random?type=float').set('Idempotency-Key', 'f1').expect(200)).text).to.equal(one.text);
    expect((await store.pool('int')).drawn).to.equal(4);
    expect((await store.pool('float')).drawn).to.equal(4);
    await store.close();
  });

  it('returns the same values after a restart on the same state file', async () => {
    const file = path.join(await tempDir(), 'sequences.json');
    const a = await appOn(file);
    await request(a.server).post('/next/build?count=2').set('Idempotency-Key', 'ci-42').expect(200, { sequence_id: 'build', next_value: 1, last_value: 2 });
    const ints = await request(a.server).get('/random?count=3').set('Idempotency-Key', 'ci-43').expect(200);
    await a.store.close();
    const b = await appOn(file);
    await request(b.server).post('/next/build?count=2').set('Idempotency-Key', 'ci-42').expect(200, { sequence_id: 'build', next_value: 1, last_value: 2 });
    expect((await request(b.server).get('/random?count=3').set('Idempotency-Key', 'ci-43').expect(200)).text).to.equal(ints.text);
    await request(b.server).post('/next/build').expect(200, { sequence_id: 'build', next_value: 3 });
    expect((await b.store.pool('int')).drawn).to.equal(3);
    await b.store.close();
  });

  it('answers concurrent requests with the same key with the same value', async () => {
    const { server, store } = await fresh();
    const answers = await Promise.all(Array.from({ length: 5 }, () => request(server).post('/next/a').set('Idempotency-Key', 'same')));
    for (const res of answers) expect(res.body).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    expect(await store.lastValue('a')).to.equal(1);
    await store.close();
  });

  it('refuses the same key with a different request with 422 idempotency_key_reused, changing nothing', async () => {
    const { server, store } = await fresh();
    await request(server).post('/next/a').set('Idempotency-Key', 'k').expect(200);
    for (const url of ['/next/b', '/next/a?count=2', '/random', '/random?type=float']) {
      const res = await request(server).get(url).set('Idempotency-Key', 'k');
      expect(res.status, url).to.equal(422);
      expect(res.headers['content-type'], url).to.equal('application/problem+json');
      expect(res.body, url).to.deep.include({ type: 'about:blank', title: 'Unprocessable Entity', status: 422, code: 'idempotency_key_reused' });
      expect(res.body.detail, url).to.be.a('string');
    }
    await request(server).get('/random').set('Idempotency-Key', 'r').expect(200);
    await request(server).get('/random?type=float').set('Idempotency-Key', 'r').expect(422);
    expect(await store.lastValue('b')).to.equal(undefined);
    expect(await store.lastValue('a')).to.equal(1);
    expect((await store.pool('int')).drawn).to.equal(1);
    expect((await store.pool('float')).drawn).to.equal(0);
    await store.close();
  });

  it('forgets a key after 24 hours, and drops expired keys from the state file', async () => {
    const { server, store, clock, file } = await fresh();
    await request(server).post('/next/a').set('Idempotency-Key', 'k').expect(200, { sequence_id: 'a', next_value: 1 });
    clock.now += DAY_MS - 1;
    await request(server).post('/next/a').set('Idempotency-Key', 'k').expect(200, { sequence_id: 'a', next_value: 1 });
    clock.now += 1;
    await request(server).post('/next/a').set('Idempotency-Key', 'k').expect(200, { sequence_id: 'a', next_value: 2 });
    await request(server).post('/next/x').set('Idempotency-Key', 'old').expect(200);
    clock.now += DAY_MS;
    await request(server).post('/next/y').set('Idempotency-Key', 'new').expect(200);
    // The checkpoint at stop writes what memory holds: expired keys are gone.
    await store.close();
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')).idempotency)).to.deep.equal(['new']);
  });

  it('keeps at most IDEMPOTENCY_MAX keys, dropping the oldest first', async () => {
    const { server, store } = await fresh({ IDEMPOTENCY_MAX: '2' });
    for (const [key, value] of [['k1', 1], ['k2', 2], ['k3', 3]] as const)
      await request(server).post('/next/a').set('Idempotency-Key', key).expect(200, { sequence_id: 'a', next_value: value });
    await request(server).post('/next/a').set('Idempotency-Key', 'k3').expect(200, { sequence_id: 'a', next_value: 3 });
    await request(server).post('/next/a').set('Idempotency-Key', 'k2').expect(200, { sequence_id: 'a', next_value: 2 });
    await request(server).post('/next/a').set('Idempotency-Key', 'k1').expect(200, { sequence_id: 'a', next_value: 4 });
    await store.close();
  });

  it('answers 400 invalid_idempotency_key for keys that are too long or not visible ASCII, changing nothing', async () => {
    const { server, store } = await fresh();
    await request(server).post('/next/a').set('Idempotency-Key', 'x'.repeat(255)).expect(200);
    for (const key of ['x'.repeat(256), 'a b', 'caf\u00e9', 'tab\there']) {
      for (const url of ['/next/a', '/random']) {
        const res = await request(server).get(url).set('Idempotency-Key', key);
        expect(res.status, `${url} ${JSON.stringify(key)}`).to.equal(400);
        expect(res.body).to.deep.include({ type: 'about:blank', title: 'Bad Request', status: 400, code: 'invalid_idempotency_key' });
      }
    }
    expect(await store.lastValue('a')).to.equal(1);
    expect((await store.pool('int')).drawn).to.equal(0);
    await store.close();
  });
});
