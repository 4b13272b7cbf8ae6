// GET /metrics: every promised metric exists and moves by exactly what the requests did.
import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { fileApp, openFileStore, tempDir, testConfig, until } from '../support/helpers.js';
import { ControlledWriter } from '../support/app.js';

/** Samples of the Prometheus text: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

async function scrape(server: ReturnType<Awaited<ReturnType<typeof fileApp>>['app']['callback']>): Promise<Map<string, number>> {
  const res = await request(server).get('/metrics');
  expect(res.status).to.equal(200);
  expect(res.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
  return samples(res.text);
}

const SEQ = 'take_a_number_values_handed_out_total{kind="sequence"}';
const INT = 'take_a_number_values_handed_out_total{kind="int"}';
const FLOAT = 'take_a_number_values_handed_out_total{kind="float"}';
const LEFT_INT = 'take_a_number_random_values_left{pool="int"}';
const LEFT_FLOAT = 'take_a_number_random_values_left{pool="float"}';
const NEXT_200 = 'take_a_number_http_requests_total{route="/next/:sequenceId",method="GET",status="200"}';

describe('GET /metrics', () => {
  it('counts 3 × /next/a as 3 sequence values, 3 requests, 3 latencies and 3 commits of one request each', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    const before = await scrape(server);
    expect(before.get(SEQ) ?? 0).to.equal(0);
    for (let i = 0; i < 3; i++) expect((await request(server).get('/next/a')).status).to.equal(200);
    const after = await scrape(server);
    expect(after.get(SEQ)).to.equal(3);
    expect(after.get(NEXT_200)).to.equal(3);
    expect(after.get('take_a_number_http_request_duration_seconds_count{route="/next/:sequenceId"}')).to.equal(3);
    expect(after.get('take_a_number_http_request_duration_seconds_bucket{le="+Inf",route="/next/:sequenceId"}')).to.equal(3);
    expect(after.get('take_a_number_commit_batch_size_count')! - (before.get('take_a_number_commit_batch_size_count') ?? 0)).to.equal(3);
    expect(after.get('take_a_number_commit_batch_size_sum')! - (before.get('take_a_number_commit_batch_size_sum') ?? 0)).to.equal(3);
    expect(after.get('take_a_number_commit_duration_seconds_count')! - (before.get('take_a_number_commit_duration_seconds_count') ?? 0)).to.equal(3);
    await close();
  });

  it('reports each lease pool\'s leased, quarantined and free numbers at the time of the scrape', async () => {
    let now = Date.UTC(2026, 0, 5);
    const { app, close } = await fileApp({}, { now: () => now });
    const server = app.callback();
    const gauge = async (): Promise<number[]> => {
      const m = await scrape(server);
      return ['leased', 'quarantined', 'free'].map((state) => m.get(`take_a_number_lease_numbers{pool="w",state="${state}"}`)!);
    };
    await request(server).put('/lease-pools/w').send({ min: 0, max: 3, ttl: 10, quarantine: 20 }).expect(201);
    expect(await gauge()).to.deep.equal([0, 0, 4]);
    await request(server).post('/lease-pools/w/acquire').send({ holder: 'a' }).expect(201);
    const b = (await request(server).post('/lease-pools/w/acquire').send({ holder: 'b' }).expect(201)).body as { lease: string };
    const c = (await request(server).post('/lease-pools/w/acquire').send({ holder: 'c' }).expect(201)).body as { lease: string };
    await request(server).post(`/leases/${c.lease}/release`).expect(200);
    expect(await gauge()).to.deep.equal([2, 0, 2]);
    now += 5000;
    await request(server).post(`/leases/${b.lease}/renew`).send({}).expect(200);
    // a expired at 10 s (quarantined until 30 s); b renewed until 15 s.
    now += 6000;
    expect(await gauge()).to.deep.equal([1, 1, 2]);
    now += 20_000;
    expect(await gauge()).to.deep.equal([0, 1, 3]);
    await close();
  });

  it('counts /next/a?count=4 as 4 values in one request', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    await request(server).post('/next/a?count=4').expect(200);
    const m = await scrape(server);
    expect(m.get(SEQ)).to.equal(4);
    expect(m.get('take_a_number_http_requests_total{route="/next/:sequenceId",method="POST",status="200"}')).to.equal(1);
    await close();
  });

  it('counts /random?count=5 as 5 ints and drops values_left of the int pool by exactly 5', async () => {
    const { app, close } = await fileApp({ RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '1000', RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '1', RANDOM_FLOAT_DECIMALS: '2' });
    const server = app.callback();
    const before = await scrape(server);
    expect(before.get(LEFT_INT)).to.equal(1000);
    expect(before.get(LEFT_FLOAT)).to.equal(100);
    await request(server).get('/random?count=5').expect(200);
    await request(server).get('/random?type=float&count=2').expect(200);
    const after = await scrape(server);
    expect(after.get(INT)).to.equal(5);
    expect(after.get(FLOAT)).to.equal(2);
    expect(after.get(LEFT_INT)).to.equal(995);
    expect(after.get(LEFT_FLOAT)).to.equal(98);
    await close();
  });

  it('counts an idempotent replay as a replay, not as values handed out', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    await request(server).get('/next/a?count=2').set('Idempotency-Key', 'k1').expect(200);
    await request(server).get('/next/a?count=2').set('Idempotency-Key', 'k1').expect(200);
    await request(server).get('/random?count=3').set('Idempotency-Key', 'k2').expect(200);
    await request(server).get('/random?count=3').set('Idempotency-Key', 'k2').expect(200);
    const m = await scrape(server);
    expect(m.get(SEQ)).to.equal(2);
    expect(m.get(INT)).to.equal(3);
    expect(m.get('take_a_number_idempotent_replays_total{kind="sequence"}')).to.equal(1);
    expect(m.get('take_a_number_idempotent_replays_total{kind="int"}')).to.equal(1);
    await close();
  });

  it('labels errors with their status and unknown paths as one "unmatched" route', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    await request(server).get('/next/a?count=0').expect(400);
    await request(server).get('/no/such/path').expect(404);
    await request(server).get('/another/one').expect(404);
    const m = await scrape(server);
    expect(m.get('take_a_number_http_requests_total{route="/next/:sequenceId",method="GET",status="400"}')).to.equal(1);
    expect(m.get('take_a_number_http_requests_total{route="unmatched",method="GET",status="404"}')).to.equal(2);
    expect(m.get(SEQ) ?? 0).to.equal(0);
    await close();
  });

  it('counts failed commits, not the requests they refused: two failed commits of 1 and 4 requests count 2', async () => {
    const writer = new ControlledWriter();
    const { app, store, close } = await fileApp({}, { wrapWriter: writer.wrap });
    const server = app.callback();
    const before = (await scrape(server)).get('take_a_number_commit_failures_total') ?? 0;
    writer.hold();
    const first = request(server).get('/next/a').then((r) => r.status);
    await until('the first commit to reach the writer', () => writer.started === 1);
    const rest = Array.from({ length: 4 }, () => request(server).get('/next/a').then((r) => r.status));
    // All five have taken their value in memory: the four later ones wait for the next commit.
    await until('four requests to join the pending commit', async () => (await store.lastValue('a')) === 5);
    writer.failNext(2);
    writer.release();
    expect(await Promise.all([first, ...rest])).to.deep.equal([503, 503, 503, 503, 503]);
    expect((await scrape(server)).get('take_a_number_commit_failures_total')! - before).to.equal(2);
    expect((await request(server).get('/next/a')).status).to.equal(200);
    expect((await scrape(server)).get('take_a_number_commit_failures_total')! - before).to.equal(2);
    await close();
  });

  it('includes the process metrics when enabled', async () => {
    const file = `${await tempDir()}/s.json`;
    const store = await openFileStore(file);
    const app = createApp({ store, config: testConfig(), log: silentLogger(), metrics: new Metrics(store) });
    const m = await scrape(app.callback());
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds'])
      expect(m.has(name), name).to.equal(true);
    await store.close();
  });
});
