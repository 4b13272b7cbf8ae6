// The lease pool model: lowest free number, same holder, quarantine, ends, revival, and the bitset at 65,536.
import { expect } from 'chai';
import { parseLeaseDefinition } from '../../src/leases/definition.js';
import { LeasePool } from '../../src/leases/pool.js';

const id = (offset: number, fence: number): string => `p~${offset}~${fence}~x`;

describe('lease pool model', () => {
  it('grants the lowest free number, the holder its own again, and a higher fence at every grant', () => {
    const p = new LeasePool({ min: 10, max: 13, ttl: 30, quarantine: 60 });
    const numbers = ['a', 'b', 'c'].map((h) => p.acquire(h, 30, undefined, 0, id));
    expect(numbers.map((g) => ('number' in g ? [g.number, g.slot.fence] : g))).to.deep.equal([[10, 1], [11, 2], [12, 3]]);
    const again = p.acquire('b', 30, undefined, 1000, id);
    expect('number' in again && [again.number, again.slot.fence, again.fresh]).to.deep.equal([11, 2, false]);
    p.release(0, p.slots.get(0)!);
    const d = p.acquire('d', 30, undefined, 1000, id);
    expect('number' in d && [d.number, d.slot.fence]).to.deep.equal([10, 4]);
  });

  it('keeps an expired number out until expiry plus quarantine, gives it back to its own holder meanwhile, then to anyone', () => {
    const p = new LeasePool({ min: 0, max: 0, ttl: 10, quarantine: 20 });
    p.acquire('a', 10, undefined, 0, id);
    expect(p.acquire('b', 10, undefined, 29_999, id)).to.deep.equal({ retryAfterMs: 1000 });
    expect(p.counts(15_000)).to.deep.equal({ size: 1, leased: 0, quarantined: 1, free: 0 });
    const own = p.acquire('a', 10, undefined, 15_000, id);
    expect('number' in own && [own.number, own.slot.fence, own.fresh]).to.deep.equal([0, 2, true]);
    // Expiry 25 s, quarantine ends at 45 s.
    expect(p.acquire('b', 10, undefined, 44_999, id)).to.deep.equal({ retryAfterMs: 1000 });
    const b = p.acquire('b', 10, undefined, 45_000, id);
    expect('number' in b && [b.number, b.slot.fence]).to.deep.equal([0, 3]);
    expect(p.slots.get(0)!.holder).to.equal('b');
  });

  it('says how long until the earliest quarantine ends', () => {
    const p = new LeasePool({ min: 0, max: 1, ttl: 10, quarantine: 5 });
    p.acquire('a', 10, undefined, 0, id);
    p.acquire('b', 20, undefined, 0, id);
    expect(p.acquire('c', 10, undefined, 3_000, id)).to.deep.equal({ retryAfterMs: 12_000 });
  });

  it('revives every lease not ended at a restart for its ttl, and the ends it found by time stay ended', () => {
    const p = new LeasePool({ min: 0, max: 2, ttl: 10, quarantine: 0 });
    p.acquire('a', 10, undefined, 0, id);
    p.acquire('b', 10, undefined, 0, id);
    p.acquire('c', 10, undefined, 0, id);
    p.release(2, p.slots.get(2)!);
    p.sweep(10_000);
    expect(p.slots.get(0)!.ended).to.equal('expired');
    const q = new LeasePool(p.definition, p.fence);
    q.put(0, { lease: 'a', holder: 'a', fence: 1, expiresAt: 10_000, ttl: 10 });
    q.put(1, { lease: 'b', holder: 'b', fence: 2, expiresAt: 10_000, ttl: 10 });
    q.revive(100_000);
    expect(q.slots.get(1)!.expiresAt).to.equal(110_000);
    expect(q.counts(100_000)).to.deep.equal({ size: 3, leased: 2, quarantined: 0, free: 1 });
  });

  it('finds the lowest free number of 65,536 by its bitset, highest number included', () => {
    const p = new LeasePool({ min: 0, max: 65_535, ttl: 10, quarantine: 0 });
    for (let i = 0; i < 65_536; i++) {
      const g = p.acquire(`h${i}`, 10, undefined, 0, id);
      if (!('number' in g) || g.number !== i) throw new Error(`grant ${i}: ${JSON.stringify(g)}`);
    }
    expect(p.acquire('x', 10, undefined, 0, id)).to.have.property('retryAfterMs');
    p.release(40_000, p.slots.get(40_000)!);
    p.release(65_535, p.slots.get(65_535)!);
    const g = p.acquire('x', 10, undefined, 0, id);
    expect('number' in g && g.number).to.equal(40_000);
    expect(p.fence).to.equal(65_537);
  });

  it('refuses definitions that cannot work', () => {
    expect(parseLeaseDefinition({ min: 0, max: 65_536, ttl: 1 })).to.deep.equal({ problem: 'a lease pool holds at most 65536 numbers; this one would hold 65537' });
    expect(parseLeaseDefinition({ min: 5, max: 4, ttl: 1 })).to.deep.equal({ problem: 'min is above max' });
    expect(parseLeaseDefinition({ min: 0, max: 1, ttl: 0 })).to.deep.equal({ problem: 'ttl must be a whole number of seconds from 1 to 86400' });
    expect(parseLeaseDefinition({ min: 0, max: 1, ttl: 5 })).to.deep.equal({ definition: { min: 0, max: 1, ttl: 5, quarantine: 5 } });
  });
});
