// --recover=salvage keeps the lease pools: every definition it can read, the highest fence read anywhere for
// each pool, the leases read as live, and every other number held for the ttl and quarantine (a grant may be
// in what could not be read): no number granted twice, no fence lowered.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { LeasePool } from '../../../src/leases/pool.js';
import { ServiceError } from '../../../src/errors.js';
import { encodeRecord } from '../../../src/store/file/journal/record.js';
import { salvage } from '../../../src/store/file/recovery/salvage.js';
import { SALVAGE_HOLDER } from '../../../src/store/file/recovery/salvage-leases.js';
import { serializeSnapshot } from '../../../src/store/file/snapshot/write.js';
import { emptyState } from '../../../src/store/file/state.js';
import { openFileStore, tempDir } from '../../support/helpers.js';

const T0 = Date.UTC(2026, 0, 5);
const DEF = { min: 0, max: 5, ttl: 30, quarantine: 30 };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ServiceError);
    return (e as ServiceError).code;
  }
  throw new Error('expected a refusal');
}

describe('store/file: salvage of lease pools', () => {
  it('reads a damaged pool line piece by piece, takes the highest fence of snapshots and journal, holds every number not read as live, and names a pool it cannot define', async () => {
    const state = emptyState();
    const w = new LeasePool(DEF);
    const id = (offset: number, fence: number): string => `w~${offset}~${fence}~AAAAAAAAAAAAAAAAAAAAAA`;
    w.acquire('a', 30, { host: 'x{}' }, T0, id);
    const b = w.acquire('b', 30, undefined, T0, id);
    w.acquire('c', 30, undefined, T0, id);
    if ('slot' in b) w.release(1, b.slot);
    state.leases.set('w', w);
    state.leases.set('lost', new LeasePool(DEF, 9));
    const text = Buffer.concat(await serializeSnapshot(state, 4, false)).toString();
    // The pool's own fence unreadable, the line cut inside the slot of number 2; the other pool's definition gone.
    const damaged = text
      .replace('"fence":3,"slots"', '"fence":x,"slots"')
      .replace(/("2":\{"lease":"w~2~3~A+","holder":"c")[^\n]*/, '$1')
      .replace(/"lost": \{"definition":\{[^}]*\}/, '"lost": {"definition":{"min":0,');
    // A later grant in the journal: number 4 with fence 5 (the record of fence 4 was lost).
    const journal = encodeRecord(5, { leases: { w: { fence: 5, slots: { '4': { lease: id(4, 5), holder: 'e', fence: 5, expiresAt: T0 + 1000, ttl: 30 } } } } });
    const { state: got, notes } = salvage([damaged], [`${journal}\n`]);

    expect([...got.leases.keys()]).to.deep.equal(['w']);
    const pool = got.leases.get('w')!;
    expect(pool.definition).to.deep.equal(DEF);
    expect(pool.fence).to.equal(5);
    const slots = [...pool.slots].sort((x, y) => x[0] - y[0]).map(([n, s]) => [n, s.holder, s.fence, s.ended ?? null]);
    expect(slots).to.deep.equal([
      [0, 'a', 1, null],
      // Released in the snapshot, but a later grant of it may be in what was lost.
      [1, SALVAGE_HOLDER, 2, null],
      [2, SALVAGE_HOLDER, 0, null],
      [3, SALVAGE_HOLDER, 0, null],
      [4, 'e', 5, null],
      [5, SALVAGE_HOLDER, 0, null],
    ]);
    expect(pool.slots.get(0)!.meta).to.deep.equal({ host: 'x{}' });
    expect(notes).to.include.members([
      'lease pool "lost" could not be read and is left out (highest fence read: 9): defining it again starts its fences at 1, which resources that saw its fences refuse',
      'lease pool "w" salvaged with fence 5 and 2 leases read as live; its 4 other numbers are held for its ttl and quarantine, since a lease granted in what could not be read may still be live',
    ]);
    // Revived at the start: every number counts as leased for the ttl, then quarantined, then free.
    pool.revive(T0 + 3_600_000);
    expect(pool.counts(T0 + 3_600_000)).to.deep.include({ leased: 6, free: 0 });
    expect(pool.counts(T0 + 3_600_000 + 30_000)).to.deep.include({ leased: 0, quarantined: 6, free: 0 });
    expect(pool.counts(T0 + 3_600_000 + 60_000)).to.deep.include({ leased: 0, quarantined: 0, free: 6 });
  });

  it('a start with --recover=salvage from two damaged copies: the live holders renew, nobody else gets a number for the ttl and quarantine, then the next grant has a higher fence', async () => {
    const file = path.join(await tempDir(), 's.json');
    let now = T0;
    let store = await openFileStore(file, {}, { now: () => now });
    await store.defineLeasePool('w', { min: 0, max: 3, ttl: 10, quarantine: 5 });
    const a = await store.acquireLease('w', { holder: 'a' });
    const b = await store.acquireLease('w', { holder: 'b' });
    const c = await store.acquireLease('w', { holder: 'c' });
    await store.releaseLease(c.lease);
    await store.close();
    const text = await readFile(file, 'utf8');
    // The primary cut inside the slot of number 2, the replica unreadable: only a salvage starts.
    await writeFile(file, text.slice(0, text.indexOf('"2":{"lease"') + 14));
    await writeFile(`${file}.replica`, 'garbage');
    let refused = '';
    await openFileStore(file, {}, { now: () => now }).catch((e: Error) => (refused = e.message));
    expect(refused).to.include('--recover=salvage');

    now += 3_600_000;
    const startedAt = now;
    store = await openFileStore(file, { RECOVER: 'salvage' }, { now: () => now });
    try {
      expect(await store.leasePool('w')).to.deep.include({ fence: 3, leased: 4, free: 0 });
      expect((await store.renewLease(a.lease)).fence).to.equal(1);
      expect((await store.renewLease(b.lease)).fence).to.equal(2);
      expect(await code(store.acquireLease('w', { holder: 'd' }))).to.equal('leases_exhausted');
      now = startedAt + 9000;
      await store.renewLease(a.lease);
      await store.renewLease(b.lease);
      now = startedAt + 14_999;
      expect(await code(store.acquireLease('w', { holder: 'd' }))).to.equal('leases_exhausted');
      now = startedAt + 15_000;
      const d = await store.acquireLease('w', { holder: 'd' });
      expect([d.number, d.fence]).to.deep.equal([2, 4]);
    } finally {
      await store.close();
    }
  });
});
