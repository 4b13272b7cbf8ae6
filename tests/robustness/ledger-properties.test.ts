// Property-based: random schedules of reserve, confirm, void, extend, /next, PUT last_value, clock jumps and
// restarts (a clean stop, or a kill after which the state directory is read as it was) on a ledger sequence.
// No number is ever handed out twice, every answered number has its record, and `missing` is always empty.
import { expect } from 'chai';
import fc from 'fast-check';
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../support/helpers.js';
import { openInProcess, type InProcess } from '../support/robustness.js';

type Op =
  | { kind: 'reserve'; ttl: number }
  | { kind: 'next'; count: number }
  | { kind: 'confirm' | 'void' | 'extend'; pick: number }
  | { kind: 'skip'; by: number }
  | { kind: 'clock'; seconds: number }
  | { kind: 'restart' | 'kill' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 120 }).map((ttl) => ({ kind: 'reserve' as const, ttl })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).map((count) => ({ kind: 'next' as const, count })) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('confirm' as const, 'void' as const, 'extend' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((by) => ({ kind: 'skip' as const, by })) },
  { weight: 2, arbitrary: fc.integer({ min: -30, max: 200 }).map((seconds) => ({ kind: 'clock' as const, seconds })) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'restart' as const }, { kind: 'kill' as const }) },
);

describe('robustness: ledger schedules (property-based)', function () {
  this.timeout(120_000);

  it('never hands a number out twice, and every number has its record, through restarts, kills and clock jumps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        let file = path.join(await tempDir(), 's.json');
        let now = Date.parse('2026-06-01T00:00:00Z');
        const open = (f: string): Promise<InProcess> => openInProcess(f, {}, { now: () => now, ledgerSweepMs: 3_600_000 });
        let s = await open(file);
        const frozen: InProcess[] = [];
        await s.http.put('/sequences/l').send({ ledger: true }).expect(200);
        const handed: number[] = [];
        const reservations: string[] = [];
        for (const op of ops) {
          if (op.kind === 'reserve') {
            const res = await s.http.post('/reserve/l').send({ ttl: op.ttl }).expect(201);
            handed.push(res.body.number as number);
            reservations.push(res.body.reservation as string);
          } else if (op.kind === 'next') {
            const res = await s.http.post(`/next/l?count=${op.count}`).expect(200);
            for (let n = res.body.next_value as number; n <= ((res.body.last_value as number | undefined) ?? res.body.next_value); n++) handed.push(n);
          } else if (op.kind === 'confirm' || op.kind === 'void' || op.kind === 'extend') {
            if (reservations.length === 0) continue;
            const r = reservations[op.pick % reservations.length]!;
            const body = op.kind === 'void' ? { reason: 'property' } : op.kind === 'extend' ? { ttl: 60 } : {};
            const res = await s.http.post(`/reservations/${r}/${op.kind}`).send(body);
            expect([200, 409], JSON.stringify(res.body)).to.include(res.status);
          } else if (op.kind === 'skip') {
            const last = (await s.http.get('/sequences/l')).body.last_value as number;
            await s.http.put('/sequences/l').send({ last_value: last + op.by }).expect(200);
          } else if (op.kind === 'clock') now += op.seconds * 1000;
          else if (op.kind === 'restart') {
            await s.store.close();
            s = await open(file);
          } else {
            // A kill: the files as they are now, read by a new process; the old one is never heard from again.
            const dir = await tempDir();
            for (const name of await readdir(path.dirname(file))) if (!name.endsWith('.lock')) await cp(path.join(path.dirname(file), name), path.join(dir, name));
            frozen.push(s);
            file = path.join(dir, path.basename(file));
            s = await open(file);
          }
        }
        expect(new Set(handed).size, 'a number handed out twice').to.equal(handed.length);
        const gaps = (await s.http.get('/sequences/l/gaps').expect(200)).body as { first: number | null; last: number | null; missing: number[] };
        expect(gaps.missing).to.deep.equal([]);
        const records = ((await s.http.get('/sequences/l/ledger?format=jsonl')).text.trim() || '')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { number: number; through?: number });
        const covered = new Set<number>();
        for (const r of records) for (let n = r.number; n <= (r.through ?? r.number); n++) covered.add(n);
        for (const n of handed) expect(covered.has(n), `number ${n} has no record`).to.equal(true);
        await s.store.close();
        for (const f of frozen) await f.store.close().catch(() => undefined);
      }),
      { numRuns: 25 },
    );
  });
});
