// Group commit: one write in flight, at most one pending, every waiter resolved by the write that covers it.
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { ServiceError } from '../../../../src/errors.js';
import { GroupCommit } from '../../../../src/store/file/commit/group-commit.js';
import type { StateWriter } from '../../../../src/store/file/commit/writer.js';
import { tempDir } from '../../../support/helpers.js';
import { until } from '../../../support/helpers.js';
import { ControlledWriter, serveFile, yieldToEventLoop, type Served } from '../../../support/app.js';

/** A write function whose writes each wait for a hand-made release. */
function heldWrites() {
  const started: { batch: number; release: () => void; fail: (e: Error) => void }[] = [];
  const write = (batch: number) =>
    new Promise<void>((resolve, reject) => {
      started.push({ batch, release: resolve, fail: reject });
    });
  return { started, write };
}

function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => (done = true));
  // avoid unhandled-rejection noise; the test awaits promise itself
  promise.catch(() => undefined);
  return { settled: () => done, promise };
}

describe('store: GroupCommit', () => {
  it('covers every caller of the same tick with one write', async () => {
    const { started, write } = heldWrites();
    const gc = new GroupCommit(write);
    const waiters = Array.from({ length: 100 }, () => track(gc.commit()));
    await yieldToEventLoop();
    expect(started.map((w) => w.batch)).to.deep.equal([100]);
    expect(waiters.some((w) => w.settled())).to.equal(false);
    started[0]!.release();
    await Promise.all(waiters.map((w) => w.promise));
    expect(started).to.have.length(1);
  });

  it('keeps one write in flight and one pending; callers during a write join the next one', async () => {
    const { started, write } = heldWrites();
    const gc = new GroupCommit(write);
    const a = track(gc.commit());
    await yieldToEventLoop();
    expect(started.map((w) => w.batch)).to.deep.equal([1]);

    const b = track(gc.commit());
    const c = track(gc.commit());
    await yieldToEventLoop();
    // b and c wait for a write that starts after theirs: not the one in flight
    expect(started).to.have.length(1);

    started[0]!.release();
    await a.promise;
    await yieldToEventLoop();
    expect(b.settled() || c.settled()).to.equal(false);
    expect(started.map((w) => w.batch)).to.deep.equal([1, 2]);

    const d = track(gc.commit());
    await yieldToEventLoop();
    expect(started).to.have.length(2);
    started[1]!.release();
    await Promise.all([b.promise, c.promise]);
    await yieldToEventLoop();
    expect(d.settled()).to.equal(false);
    expect(started.map((w) => w.batch)).to.deep.equal([1, 2, 1]);
    started[2]!.release();
    await d.promise;
  });

  it('fails every waiter of a failed write, and the next commit writes again', async () => {
    const { started, write } = heldWrites();
    const gc = new GroupCommit(write);
    const waiters = Array.from({ length: 5 }, () => gc.commit());
    await yieldToEventLoop();
    started[0]!.fail(new Error('disk on fire'));
    const results = await Promise.allSettled(waiters);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    const later = gc.commit();
    await yieldToEventLoop();
    expect(started).to.have.length(2);
    started[1]!.release();
    await later;
  });

  it('idle() waits for the write in flight and the pending one', async () => {
    const { started, write } = heldWrites();
    const gc = new GroupCommit(write);
    void gc.commit();
    await yieldToEventLoop();
    void gc.commit();
    const idle = track(gc.idle());
    await yieldToEventLoop();
    started[0]!.release();
    await yieldToEventLoop();
    expect(idle.settled()).to.equal(false);
    started[1]!.release();
    await idle.promise;
    expect(started).to.have.length(2);
  });
});

describe('store: FileStore group commit', () => {
  let s: Served | undefined;
  let writer: ControlledWriter;
  let file: string;

  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
    writer = new ControlledWriter();
  });
  afterEach(async () => {
    writer.release();
    await s?.close();
    s = undefined;
  });

  it('answers 100 concurrent requests with fewer real writes than requests (the exact count is the held-write test below)', async () => {
    s = await serveFile(file, {}, { wrapWriter: writer.wrap });
    const before = writer.writes;
    const batches: number[] = [];
    s.store.onCommit = ({ batch }) => batches.push(batch);
    const responses = await Promise.all(Array.from({ length: 100 }, () => request(s!.url).get('/next/x')));
    const values = responses.map((r) => (r.body as { next_value: number }).next_value).sort((a, b) => a - b);
    expect(values).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    const writes = writer.writes - before;
    expect(writes).to.be.below(100);
    expect(batches).to.have.length(writes);
    expect(batches.reduce((a, b) => a + b, 0)).to.equal(100);
  });

  it('with the first write held, 100 concurrent requests cost exactly two writes', async () => {
    s = await serveFile(file, {}, { wrapWriter: writer.wrap });
    const before = writer.writes;
    writer.hold();
    const pending = Array.from({ length: 100 }, () => request(s!.url).get('/next/x').then((r) => r));
    await until('all 100 requests to reach the store', async () => (await s!.store.lastValue('x')) === 100);
    expect(writer.started - before).to.equal(1);
    writer.release();
    const responses = await Promise.all(pending);
    expect(responses.every((r) => r.status === 200)).to.equal(true);
    expect(writer.writes - before).to.equal(2);
  });

  it('sends no reply before the write that covers it has resolved', async () => {
    s = await serveFile(file, {}, { wrapWriter: writer.wrap });
    writer.hold();
    let answered = 0;
    const pending = [
      ...Array.from({ length: 20 }, () => request(s!.url).get('/next/x')),
      ...Array.from({ length: 10 }, () => request(s!.url).get('/random?type=float')),
      request(s.url).put('/sequences/y').send({ last_value: 7 }),
      request(s.url).post('/next/z?count=3'),
    ].map((t) => t.then((r) => (answered++, r)));
    await until('every request to reach the store', async () => (await s!.store.lastValue('x')) === 20 && (await s!.store.pool('float')).drawn === 10 && (await s!.store.lastValue('z')) === 3 && (await s!.store.lastValue('y')) === 7);
    await yieldToEventLoop(20);
    expect(answered).to.equal(0);
    writer.release();
    const responses = await Promise.all(pending);
    expect(answered).to.equal(pending.length);
    expect(responses.map((r) => r.status)).to.deep.equal(new Array(pending.length).fill(200));
  });

  it('makes a request that arrives during a write wait for the next write, which holds its value', async () => {
    // Each write waits for its own release once `holding` is on; the texts show what each write covered.
    const writes: { text: string; release: () => void }[] = [];
    let holding = false;
    const perWrite = (disk: StateWriter): StateWriter => ({
      async append(line: string): Promise<void> {
        if (holding) await new Promise<void>((release) => writes.push({ text: line, release }));
        await disk.append(line);
      },
      writeSnapshot: (chunks) => disk.writeSnapshot(chunks),
      journalIntact: () => disk.journalIntact(),
      resetJournal: (lines) => disk.resetJournal(lines),
      close: () => disk.close(),
    });
    s = await serveFile(file, {}, { wrapWriter: perWrite });
    try {
      holding = true;
      let aDone = false;
      let bDone = false;
      const a = request(s.url).get('/next/x').then((r) => ((aDone = true), r));
      await until('the first write to start', () => writes.length === 1);
      const b = request(s.url).get('/next/x').then((r) => ((bDone = true), r));
      await until('the second request to reach the store', async () => (await s!.store.lastValue('x')) === 2);
      await yieldToEventLoop(20);
      expect([aDone, bDone]).to.deep.equal([false, false]);
      expect(writes[0]!.text).to.include('"seq":{"x":1}');
      writes[0]!.release();
      expect((await a).body).to.deep.equal({ sequence_id: 'x', next_value: 1 });
      await until('the second write to start', () => writes.length === 2);
      await yieldToEventLoop(20);
      expect(bDone).to.equal(false);
      expect(writes[1]!.text).to.include('"seq":{"x":2}');
      writes[1]!.release();
      expect((await b).body).to.deep.equal({ sequence_id: 'x', next_value: 2 });
    } finally {
      holding = false;
      for (const w of writes) w.release();
    }
  });

  it('fails every waiter of a failed write with storage_unavailable; the next commit succeeds', async () => {
    s = await serveFile(file, {}, { wrapWriter: writer.wrap });
    writer.failNext();
    const before = writer.started;
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => s!.store.next('x', 1)));
    // one batch, one failed write, five failed waiters
    expect(writer.started - before).to.equal(1);
    for (const r of results) {
      expect(r.status).to.equal('rejected');
      const e = (r as PromiseRejectedResult).reason as ServiceError;
      expect(e).to.be.instanceOf(ServiceError);
      expect(e.code).to.equal('storage_unavailable');
      expect(e.message).to.include('EIO');
    }
    expect(await s.store.health()).to.deep.equal({ ok: true });
    // a failed write may skip values, never repeat one
    expect(await s.store.next('x', 1)).to.deep.equal({ first: 6, last: 6 });
  });

  it('answers 503 storage_unavailable over HTTP while writes fail, and resumes by itself', async () => {
    s = await serveFile(file, {}, { wrapWriter: writer.wrap });
    writer.failNext(2);
    const res = await request(s.url).get('/next/x');
    expect(res.status).to.equal(503);
    expect(JSON.parse(res.text)).to.include({ code: 'storage_unavailable', status: 503 });
    // /healthz probes with a real write: this one fails too
    expect((await request(s.url).get('/healthz')).status).to.equal(503);
    expect((await request(s.url).get('/healthz')).status).to.equal(200);
    expect((await request(s.url).get('/next/x')).body).to.deep.equal({ sequence_id: 'x', next_value: 2 });
  });
});
