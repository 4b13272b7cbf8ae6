// The lease contract, written once and run against both stores (each harness gives a fresh place per test).
import { expect } from 'chai';
import { ServiceError } from '../../src/errors.js';
import type { Store } from '../../src/store/store.js';
import type { StoreHarness } from './store-contract.js';

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (e) {
    expect(e).to.be.instanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('expected a ServiceError, got an answer');
}

export function leaseContract(harness: StoreHarness): void {
  let place: string;
  const opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await harness.open(place);
    opened.push(s);
    return s;
  };
  beforeEach(async () => {
    place = await harness.fresh();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('1,024 concurrent acquires on a pool of 1,024 get 1,024 distinct numbers and fences; the 1,025th is leases_exhausted with a retry time', async function () {
    this.timeout(120_000);
    const store = await open();
    await store.defineLeasePool('slots', { min: 0, max: 1023, ttl: 30, quarantine: 60 });
    const grants = await Promise.all(Array.from({ length: 1024 }, (_, i) => store.acquireLease('slots', { holder: `h${i}` })));
    expect(new Set(grants.map((g) => g.number)).size).to.equal(1024);
    expect(new Set(grants.map((g) => g.fence)).size).to.equal(1024);
    expect(Math.min(...grants.map((g) => g.number))).to.equal(0);
    expect(Math.max(...grants.map((g) => g.fence))).to.equal(1024);
    const e = await refusal(store.acquireLease('slots', { holder: 'late' }));
    expect(e.code).to.equal('leases_exhausted');
    // Seconds until the earliest expiry plus quarantine (30 + 60 after the first grant).
    expect(e.extra.retry_after).to.be.within(1, 90);
    expect(await store.leasePool('slots')).to.deep.include({ size: 1024, leased: 1024, quarantined: 0, free: 0, fence: 1024 });
  });

  it('grants the lowest free number, the same holder its live lease again, a released number at once, fences only rising', async () => {
    const store = await open();
    expect((await store.defineLeasePool('w', { min: 5, max: 9, ttl: 30, quarantine: 30 })).created).to.equal(true);
    expect((await store.defineLeasePool('w', { min: 5, max: 9, ttl: 30, quarantine: 30 })).created).to.equal(false);
    expect((await refusal(store.defineLeasePool('w', { min: 5, max: 10, ttl: 30, quarantine: 30 }))).code).to.equal('pool_conflict');
    expect((await refusal(store.defineLeasePool('int', { min: 0, max: 1, ttl: 30, quarantine: 30 }))).code).to.equal('pool_conflict');
    expect((await refusal(store.definePool('w', { type: 'int', min: 1, max: 9 }))).code).to.equal('pool_conflict');
    const a = await store.acquireLease('w', { holder: 'a', meta: { host: 'x' } });
    const b = await store.acquireLease('w', { holder: 'b' });
    expect([a.number, a.fence, b.number, b.fence]).to.deep.equal([5, 1, 6, 2]);
    const again = await store.acquireLease('w', { holder: 'a' });
    expect([again.number, again.fence, again.lease]).to.deep.equal([5, 1, a.lease]);
    const renewed = await store.renewLease(a.lease, 60);
    expect(renewed.fence).to.equal(1);
    expect(renewed.expiresAt).to.be.above(a.expiresAt);
    expect(await store.releaseLease(a.lease)).to.deep.equal({ pool: 'w', number: 5, released: true });
    expect(await store.releaseLease(a.lease)).to.deep.equal({ pool: 'w', number: 5, released: false });
    const lost = await refusal(store.renewLease(a.lease));
    expect([lost.code, lost.extra.reason]).to.deep.equal(['lease_lost', 'released']);
    const c = await store.acquireLease('w', { holder: 'c' });
    expect([c.number, c.fence]).to.deep.equal([5, 3]);
    expect((await refusal(store.renewLease('w~5~1~AAAAAAAAAAAAAAAAAAAAAA'))).code).to.equal('lease_lost');
    expect((await refusal(store.renewLease('w~7~9~AAAAAAAAAAAAAAAAAAAAAA'))).code).to.equal('lease_not_found');
    expect((await refusal(store.renewLease('nonsense'))).code).to.equal('lease_not_found');
    expect((await refusal(store.acquireLease('none', { holder: 'a' }))).code).to.equal('pool_not_found');
    expect((await store.leases('w')).map((l) => [l.number, l.holder, l.fence])).to.deep.equal([[5, 'c', 3], [6, 'b', 2]]);
    expect((await store.leasePools()).map((p) => [p.name, p.leased, p.free, p.fence])).to.deep.equal([['w', 2, 3, 3]]);
  });

  it('answers a retried acquire with the same Idempotency-Key with the same number and fence, and refuses the key for another holder', async () => {
    const store = await open();
    await store.defineLeasePool('w', { min: 0, max: 9, ttl: 30, quarantine: 30 });
    const idem = { key: 'k1', fingerprint: 'lease w "a"' };
    const first = await store.acquireLease('w', { holder: 'a' }, idem);
    const retry = await store.acquireLease('w', { holder: 'a' }, idem);
    expect([retry.number, retry.fence, retry.lease]).to.deep.equal([first.number, first.fence, first.lease]);
    expect((await refusal(store.acquireLease('w', { holder: 'b' }, { key: 'k1', fingerprint: 'lease w "b"' }))).code).to.equal('idempotency_key_reused');
  });

  it('keeps lease pools, their leases and fences across a restart', async () => {
    let store = await open();
    await store.defineLeasePool('w', { min: 0, max: 9, ttl: 30, quarantine: 30 });
    const a = await store.acquireLease('w', { holder: 'a' });
    const b = await store.acquireLease('w', { holder: 'b' });
    await store.releaseLease(b.lease);
    await store.close();
    opened.splice(0);
    store = await open();
    expect((await store.renewLease(a.lease)).fence).to.equal(1);
    expect((await refusal(store.renewLease(b.lease))).extra.reason).to.equal('released');
    const c = await store.acquireLease('w', { holder: 'c' });
    expect([c.number, c.fence]).to.deep.equal([1, 3]);
  });
}
