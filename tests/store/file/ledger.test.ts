// The file engine's ledger: the ledger file written at checkpoints and read back at start, the journal's
// ledger section replayed, damage refused with the file and line named, a torn tail kept aside, kill -9
// between a record's fdatasync and its answer, concurrency, and a yearly series across the change of year.
import { expect } from 'chai';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import type { StateWriter } from '../../../src/store/file/commit/writer.js';
import { FileStore } from '../../../src/store/file/file-store.js';
import { readStateWithLedger } from '../../../src/store/file/recovery/recover.js';
import { statePaths } from '../../../src/store/file/paths.js';
import { createApp } from '../../../src/http/app.js';
import { testConfig, tempDir, until } from '../../support/helpers.js';
import { captureLog, openInProcess } from '../../support/robustness.js';

const T = (iso: string): number => Date.parse(iso);
const noSweep = { ledgerSweepMs: 3_600_000 };

/** A writer that, once armed, lets an append reach the disk and then never answers (a process frozen after its fdatasync). */
class FreezeAfterAppend {
  armed = false;
  reached = false;
  readonly wrap = (disk: StateWriter): StateWriter => ({
    append: async (line) => {
      await disk.append(line);
      if (this.armed) {
        this.reached = true;
        await new Promise(() => undefined);
      }
    },
    writeSnapshot: (c) => disk.writeSnapshot(c),
    resetJournal: (l) => disk.resetJournal(l),
    close: () => disk.close(),
  });
}

/** What a restart after kill -9 finds: the state directory's files as they are now (the page cache is kept), in a new directory. */
async function afterKill(file: string): Promise<string> {
  const dir = await tempDir();
  for (const name of await readdir(path.dirname(file))) if (!name.endsWith('.lock')) await cp(path.join(path.dirname(file), name), path.join(dir, name));
  return path.join(dir, path.basename(file));
}

describe('store/file: the ledger on disk', () => {
  it('closed records go to the ledger file at a checkpoint, the snapshot names the chain heads, and a restart reads them back', async () => {
    const file = path.join(await tempDir(), 's.json');
    const a = await openInProcess(file, {}, noSweep);
    await a.http.put('/sequences/x').send({ ledger: true });
    const r1 = (await a.http.post('/reserve/x')).body.reservation as string;
    await a.http.post(`/reservations/${r1}/confirm`).send({ ref: 'one' });
    await a.http.post('/reserve/x');
    // Before any checkpoint the events are in the journal only; a reader replays them.
    const mid = await readStateWithLedger(statePaths(file));
    expect(mid.state.ledger.records('x', null).map((r) => [r.number, r.state])).to.deep.equal([
      [1, 'confirmed'],
      [2, 'reserved'],
    ]);
    await a.store.close();
    const lines = (await readFile(`${file}.ledger`, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { event: number; state: string }).state)).to.deep.equal(['reserved', 'confirmed', 'reserved']);
    expect(lines[0]).to.match(/^\{"sequence_id":"x","number":1,"period":null,.*,"event":1,"hash":"[0-9a-f]{64}","crc":"[0-9a-f]{8}"\}$/);
    const snapshot = await readFile(file, 'utf8');
    expect(snapshot).to.match(/\n {2}"ledger": \{\n {4}"x": \{"event":3,"hash":"[0-9a-f]{64}"\}\n {2}\},\n/);
    expect(await readFile(`${file}.journal`, 'utf8')).to.equal('');
    const b = await openInProcess(file, {}, noSweep);
    expect((await b.http.get(`/reservations/${r1}`)).body).to.include({ state: 'confirmed', ref: 'one', event: 2 });
    expect((await b.http.post('/reserve/x')).body.number).to.equal(3);
    await b.store.close();
  });

  it('a background checkpoint appends the ledger while commits go on; nothing is written twice', async () => {
    const file = path.join(await tempDir(), 's.json');
    const a = await openInProcess(file, {}, { ...noSweep, checkpointBytes: 2000 });
    await a.http.put('/sequences/bg').send({ ledger: true });
    await Promise.all(Array.from({ length: 60 }, () => a.http.post('/next/bg')));
    await a.store.settled();
    await a.store.close();
    const events = (await readFile(`${file}.ledger`, 'utf8')).trimEnd().split('\n').map((l) => (JSON.parse(l) as { event: number }).event);
    expect(events).to.deep.equal(Array.from({ length: 60 }, (_, i) => i + 1));
    const b = await openInProcess(file, {}, noSweep);
    expect((await b.http.get('/sequences/bg/gaps')).body).to.include({ first: 1, last: 60, confirmed: 60 });
    await b.store.close();
  });

  it('one byte changed in a closed ledger record: the start refuses, naming the file and the line', async () => {
    const file = path.join(await tempDir(), 's.json');
    const a = await openInProcess(file, {}, noSweep);
    await a.http.put('/sequences/x').send({ ledger: true });
    for (let i = 0; i < 3; i++) await a.http.post('/next/x');
    await a.store.close();
    const text = await readFile(`${file}.ledger`, 'utf8');
    const second = text.indexOf('\n') + 1;
    const at = text.indexOf('"number":2', second) + '"number":'.length;
    await writeFile(`${file}.ledger`, `${text.slice(0, at)}7${text.slice(at + 1)}`);
    const { log } = captureLog();
    let refusal: Error | undefined;
    await FileStore.open({ config: testConfig({ SEQUENCE_FILE: file }), log }).then(
      (s) => s.close(),
      (e: Error) => (refusal = e),
    );
    expect(refusal?.message).to.include(`the ledger file ${file}.ledger is damaged at line 2 (checksum mismatch)`);
    expect(refusal?.message).to.include('--recover=salvage');
    // Nothing was changed.
    expect(await readFile(`${file}.ledger`, 'utf8')).to.equal(`${text.slice(0, at)}7${text.slice(at + 1)}`);
  });

  it('a changed record with a recomputed checksum still breaks the hash chain: refused, naming the line', async () => {
    const file = path.join(await tempDir(), 's.json');
    const a = await openInProcess(file, {}, noSweep);
    await a.http.put('/sequences/x').send({ ledger: true });
    for (let i = 0; i < 2; i++) await a.http.post('/next/x');
    await a.store.close();
    const { encodeLedgerLine, decodeLedgerLine } = await import('../../../src/store/file/ledger/line.js');
    const lines = (await readFile(`${file}.ledger`, 'utf8')).trimEnd().split('\n');
    const forged = { ...decodeLedgerLine(lines[0]!), meta: { changed: true } };
    await writeFile(`${file}.ledger`, encodeLedgerLine(forged) + `${lines[1]}\n`);
    const error = await FileStore.open({ config: testConfig({ SEQUENCE_FILE: file }), log: captureLog().log }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.include(`the ledger file ${file}.ledger line 1 (event 1 of "x", number 1) does not follow its hash chain: it was changed`);
  });

  it('a last line cut short (a flush a crash interrupted) is kept aside and cut; its events come back from the journal', async () => {
    const file = path.join(await tempDir(), 's.json');
    const a = await openInProcess(file, {}, noSweep);
    await a.http.put('/sequences/x').send({ ledger: true });
    await a.http.post('/next/x');
    await a.store.close();
    const whole = await readFile(`${file}.ledger`, 'utf8');
    await writeFile(`${file}.ledger`, `${whole}{"sequence_id":"x","numb`);
    const b = await openInProcess(file, {}, noSweep);
    expect(b.lines.some((l) => l.event === 'torn_record' && String(l.msg).includes(`${file}.ledger`))).to.equal(true);
    expect(await readFile(`${file}.ledger`, 'utf8')).to.equal(whole);
    expect((await readdir(path.dirname(file))).filter((n) => n.startsWith('s.json.ledger.torn-'))).to.have.length(1);
    expect((await b.http.post('/next/x')).body.next_value).to.equal(2);
    await b.store.close();
  });

  it('kill -9 after a reserve is durable and before its answer: the retry with the same Idempotency-Key gets the same reservation and number', async () => {
    const file = path.join(await tempDir(), 's.json');
    const freeze = new FreezeAfterAppend();
    const a = await openInProcess(file, {}, { ...noSweep, wrapWriter: freeze.wrap });
    await a.http.put('/sequences/k').send({ ledger: true });
    await a.http.post('/reserve/k');
    freeze.armed = true;
    let answered = false;
    void a.http.post('/reserve/k').set('Idempotency-Key', 'job-7').then(() => (answered = true));
    await until('the reserve\'s record on disk', () => freeze.reached);
    const restarted = await afterKill(file);
    expect(answered).to.equal(false);
    const b = await openInProcess(restarted, {}, noSweep);
    const retry = await b.http.post('/reserve/k').set('Idempotency-Key', 'job-7');
    expect(retry.status).to.equal(201);
    expect(retry.body.number).to.equal(2);
    const records = (await b.http.get('/sequences/k/ledger')).body.entries as { number: number; reservation: string }[];
    expect(records.map((r) => r.number)).to.deep.equal([1, 2]);
    expect(retry.body.reservation).to.equal(records[1]!.reservation);
    expect((await b.http.post('/reserve/k')).body.number).to.equal(3);
    await b.store.close();
  });

  it('kill -9 during a confirm (durable, not answered): after the restart the retry answers 200 and the record is confirmed once', async () => {
    const file = path.join(await tempDir(), 's.json');
    const freeze = new FreezeAfterAppend();
    const a = await openInProcess(file, {}, { ...noSweep, wrapWriter: freeze.wrap });
    await a.http.put('/sequences/c').send({ ledger: true });
    const r = (await a.http.post('/reserve/c')).body.reservation as string;
    freeze.armed = true;
    void a.http.post(`/reservations/${r}/confirm`).send({ ref: 'INV-9' }).then(() => undefined);
    await until('the confirm\'s record on disk', () => freeze.reached);
    const b = await openInProcess(await afterKill(file), {}, noSweep);
    const retry = await b.http.post(`/reservations/${r}/confirm`).send({ ref: 'INV-9' });
    expect(retry.status).to.equal(200);
    expect(retry.body).to.include({ state: 'confirmed', ref: 'INV-9', event: 2 });
    const events = (await b.http.get('/sequences/c/ledger?events=true')).body.entries as { state: string }[];
    expect(events.map((e) => e.state)).to.deep.equal(['reserved', 'confirmed']);
    await b.store.close();
  });

  it('200 concurrent reserves: exactly 1…200, one record each, and so after a restart', async () => {
    const file = path.join(await tempDir(), 's.json');
    const a = await openInProcess(file, {}, noSweep);
    await a.http.put('/sequences/many').send({ ledger: true });
    const answers = await Promise.all(Array.from({ length: 200 }, () => a.http.post('/reserve/many')));
    expect(answers.every((r) => r.status === 201)).to.equal(true);
    expect(answers.map((r) => r.body.number as number).sort((x, y) => x - y)).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(new Set(answers.map((r) => r.body.reservation)).size).to.equal(200);
    await a.store.close();
    const b = await openInProcess(file, {}, noSweep);
    const listed = (await b.http.get('/sequences/many/ledger?format=jsonl')).text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { number: number }).number);
    expect(listed).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await b.http.get('/sequences/many/gaps')).body.missing).to.deep.equal([]);
    await b.store.close();
  });

  it('a yearly ledger series across the change of year: 2026 is final, 2027 starts at 1', async () => {
    const file = path.join(await tempDir(), 's.json');
    let now = T('2026-12-31T23:59:00Z');
    const config = testConfig({ SEQUENCE_FILE: file });
    const store = await FileStore.open({ config, log: captureLog().log, now: () => now, ...noSweep });
    const http = request(createApp({ store, config, log: captureLog().log }).callback());
    await http.put('/sequences/inv').send({ ledger: true, format: 'INV-{YYYY}-{n:04}', reset: 'yearly', reservation_ttl: 30 });
    const a = (await http.post('/reserve/inv')).body;
    expect(a).to.include({ number: 1, period: '2026', formatted: 'INV-2026-0001' });
    await http.post('/next/inv');
    const open = (await http.post('/reserve/inv')).body.reservation as string;
    await http.post(`/reservations/${a.reservation}/confirm`);
    now = T('2027-01-01T00:00:10Z');
    const next = (await http.post('/reserve/inv')).body;
    expect(next).to.include({ number: 1, period: '2027', formatted: 'INV-2027-0001' });
    const y2026 = (await http.get('/sequences/inv/gaps?period=2026')).body;
    expect(y2026).to.deep.equal({ sequence_id: 'inv', period: '2026', first: 1, last: 3, final: true, confirmed: 2, reserved: [], voided: [], expired: [3], missing: [] });
    expect((await http.get(`/reservations/${open}`)).body.state).to.equal('expired');
    const y2027 = (await http.get('/sequences/inv/gaps')).body;
    expect(y2027).to.include({ period: '2027', first: 1, last: 1, final: false });
    expect(y2027.reserved).to.deep.equal([1]);
    await store.close();
  });
});
