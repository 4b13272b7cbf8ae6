// GET /metrics on ledger sequences: the numbers reserved, expired and voided per sequence, exact after each change and after a restart.
import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { FileStore } from '../../src/store/file/file-store.js';
import { fileApp, testConfig } from '../support/helpers.js';

/** The ledger gauge's samples: `sequence/state` → value. */
async function ledgerGauge(server: Parameters<typeof request>[0]): Promise<Record<string, number>> {
  const res = await request(server).get('/metrics');
  expect(res.status).to.equal(200);
  const out: Record<string, number> = {};
  for (const line of res.text.split('\n')) {
    const m = /^take_a_number_ledger_numbers\{sequence="([^"]+)",state="([^"]+)"\} (\d+)$/.exec(line);
    if (m) out[`${m[1]}/${m[2]}`] = Number(m[3]);
  }
  return out;
}

const gauge = (seq: string, reserved: number, expired: number, voided: number): Record<string, number> => ({
  [`${seq}/reserved`]: reserved,
  [`${seq}/expired`]: expired,
  [`${seq}/voided`]: voided,
});

describe('GET /metrics: ledger sequences', () => {
  it('reserve 5, confirm 1 and 2, void 3, let 4 and 5 expire, skip 3 numbers by PUT: reserved, expired and voided move by exactly that', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    const { app, file, close } = await fileApp({}, { now: () => now, ledgerSweepMs: 3_600_000 });
    const server = app.callback();
    expect(await ledgerGauge(server)).to.deep.equal({});
    await request(server).put('/sequences/inv').send({ ledger: true, reservation_ttl: 60 }).expect(200);
    await request(server).put('/sequences/plain').send({ last_value: 3 }).expect(200);
    expect(await ledgerGauge(server)).to.deep.equal(gauge('inv', 0, 0, 0));
    const r: string[] = [];
    for (let i = 0; i < 5; i++) r.push((await request(server).post('/reserve/inv').expect(201)).body.reservation as string);
    expect(await ledgerGauge(server)).to.deep.equal(gauge('inv', 5, 0, 0));
    await request(server).post(`/reservations/${r[0]}/confirm`).send({}).expect(200);
    await request(server).post(`/reservations/${r[1]}/confirm`).send({}).expect(200);
    await request(server).post(`/reservations/${r[2]}/void`).send({ reason: 'printer jammed' }).expect(200);
    await request(server).post(`/reservations/${r[2]}/void`).send({ reason: 'printer jammed' }).expect(200);
    expect(await ledgerGauge(server)).to.deep.equal(gauge('inv', 2, 0, 1));
    now += 61_000;
    // Past their time, 4 and 5 stay open until a read or the sweep records their expiry.
    expect(await ledgerGauge(server)).to.deep.equal(gauge('inv', 2, 0, 1));
    expect((await request(server).get('/sequences/inv/gaps').expect(200)).body.expired).to.deep.equal([4, 5]);
    expect(await ledgerGauge(server)).to.deep.equal(gauge('inv', 0, 2, 1));
    await request(server).put('/sequences/inv').send({ last_value: 8 }).expect(200);
    await request(server).post('/next/inv').expect(200);
    expect(await ledgerGauge(server)).to.deep.equal(gauge('inv', 0, 2, 4));
    await close();

    // Rebuilt from the files at start-up: the same figures.
    const store = await FileStore.open({ config: testConfig({ SEQUENCE_FILE: file }), log: silentLogger(), now: () => now, ledgerSweepMs: 3_600_000 });
    const again = createApp({ store, config: testConfig({ SEQUENCE_FILE: file }), log: silentLogger(), metrics: new Metrics(store, false) }).callback();
    expect(await ledgerGauge(again)).to.deep.equal(gauge('inv', 0, 2, 4));
    await store.close();
  });
});
