// Request ids (X-Request-Id in and out) and the request log: a debug line per request, an error line per 5xx.
import { expect } from 'chai';
import { pino } from 'pino';
import request from 'supertest';
import { ServiceError } from '../../src/errors.js';
import { createApp } from '../../src/http/app.js';
import type { Store } from '../../src/store/store.js';
import { openFileStore, tempDir, testConfig } from '../support/helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** An app whose log lines are collected as parsed objects; `fail` makes /next throw. */
async function loggedApp(level: string, fail?: Error) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const real = await openFileStore(`${await tempDir()}/s.json`);
  const store: Store = {
    next: (id, count, idem) => (fail ? Promise.reject(fail) : real.next(id, count, idem)),
    draw: (kind, count, idem) => real.draw(kind, count, idem),
    pool: (kind) => real.pool(kind),
    pools: () => real.pools(),
    definePool: (name, domain) => real.definePool(name, domain),
    lastValue: (id) => real.lastValue(id),
    sequencePage: (page) => real.sequencePage(page),
    advanceTo: (id, last) => real.advanceTo(id, last),
    sequence: (id) => real.sequence(id),
    configure: (id, input) => real.configure(id, input),
    twins: (nfc) => real.twins(nfc),
    reserve: (id, input, by, idem) => real.reserve(id, input, by, idem),
    reservation: (r) => real.reservation(r),
    reservationSequence: (r) => real.reservationSequence(r),
    confirm: (r, input, by) => real.confirm(r, input, by),
    voidReservation: (r, reason, by) => real.voidReservation(r, reason, by),
    extend: (r, ttl) => real.extend(r, ttl),
    ledgerPage: (id, q) => real.ledgerPage(id, q),
    ledgerHistory: (id) => real.ledgerHistory(id),
    gaps: (id, period) => real.gaps(id, period),
    defineLeasePool: (name, d) => real.defineLeasePool(name, d),
    acquireLease: (pool, r, idem) => real.acquireLease(pool, r, idem),
    renewLease: (lease, ttl) => real.renewLease(lease, ttl),
    releaseLease: (lease) => real.releaseLease(lease),
    leasePools: () => real.leasePools(),
    leasePool: (name) => real.leasePool(name),
    leases: (pool) => real.leases(pool),
    health: () => real.health(),
    close: () => real.close(),
  };
  const app = createApp({ store, config: testConfig(), log });
  return { server: app.callback(), lines, close: () => real.close() };
}

describe('request ids and the request log', () => {
  it('echoes a usable X-Request-Id and generates a UUID otherwise', async () => {
    const { server, close } = await loggedApp('silent');
    expect((await request(server).get('/healthz').set('X-Request-Id', 'ci-job-42.attempt:1')).headers['x-request-id']).to.equal('ci-job-42.attempt:1');
    expect((await request(server).get('/healthz')).headers['x-request-id']).to.match(UUID);
    expect((await request(server).get('/no/route')).headers['x-request-id']).to.match(UUID);
    await close();
  });

  it('removes unsafe characters, cuts to 128 characters, and replaces an id with nothing usable', async () => {
    const { server, close } = await loggedApp('silent');
    expect((await request(server).get('/healthz').set('X-Request-Id', 'a"b c<d>e;f\\g\'h$(i)')).headers['x-request-id']).to.equal('abcdefghi');
    expect((await request(server).get('/healthz').set('X-Request-Id', 'x'.repeat(500))).headers['x-request-id']).to.equal('x'.repeat(128));
    expect((await request(server).get('/healthz').set('X-Request-Id', '"" <> ;;')).headers['x-request-id']).to.match(UUID);
    await close();
  });

  it('logs one debug line per request with the request id, method, path and status', async () => {
    const { server, lines, close } = await loggedApp('debug');
    lines.length = 0;
    await request(server).get('/next/a').set('X-Request-Id', 'r1').expect(200);
    await request(server).get('/next/a?count=0').set('X-Request-Id', 'r2').expect(400);
    const requestLines = lines.filter((l) => l.msg === 'request');
    expect(requestLines.map(({ level, req_id, method, path, status }) => ({ level, req_id, method, path, status }))).to.deep.equal([
      { level: 20, req_id: 'r1', method: 'GET', path: '/next/a', status: 200 },
      { level: 20, req_id: 'r2', method: 'GET', path: '/next/a', status: 400 },
    ]);
    expect(requestLines[0]!.ms).to.be.a('number');
    await close();
  });

  it('logs nothing for 2xx and 4xx at the default info level', async () => {
    const { server, lines, close } = await loggedApp('info');
    lines.length = 0;
    await request(server).get('/next/a').expect(200);
    await request(server).get('/next/a?count=0').expect(400);
    await request(server).get('/nope').expect(404);
    expect(lines).to.deep.equal([]);
    await close();
  });

  it('logs an unexpected error once at error level, with the request id and the error', async () => {
    const { server, lines, close } = await loggedApp('info', new Error('disk on fire'));
    lines.length = 0;
    const res = await request(server).get('/next/a').set('X-Request-Id', 'boom-1');
    expect(res.status).to.equal(500);
    expect(res.body.code).to.equal('internal_error');
    expect(res.headers['x-request-id']).to.equal('boom-1');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.deep.include({ level: 50, req_id: 'boom-1', method: 'GET', path: '/next/a', status: 500, msg: 'unexpected error' });
    expect((lines[0]!.err as { message: string }).message).to.equal('disk on fire');
    await close();
  });

  it('logs a 503 once per request only at debug: the store reports the fault itself, so a full disk does not flood the log', async () => {
    const { server, lines, close } = await loggedApp('info', new ServiceError('storage_unavailable', 'no space left'));
    lines.length = 0;
    await request(server).get('/next/a').set('X-Request-Id', 'full-1').expect(503);
    await request(server).get('/next/a').set('X-Request-Id', 'full-2').expect(503);
    expect(lines.filter((l) => l.req_id !== undefined)).to.have.length(0);
    await close();
  });
});
