// The commit bound: one commit carries at most MAX_COMMIT_VALUES random values; later draws wait for the
// next commits in arrival order, a draw over the bound goes alone, and a refused draw hands its room on.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { ServiceError } from '../../src/errors.js';
import { MAX_COMMIT_VALUES, takeWithin } from '../../src/store/commit-bound.js';
import { CommitBudget } from '../../src/store/file/commit/budget.js';
import { openFileStore, tempDir } from '../support/helpers.js';

/** The `drawn` each journal record gave `pool`, in order (one record per commit). */
async function drawnPerCommit(file: string, pool: string): Promise<number[]> {
  const lines = (await readFile(`${file}.journal`, 'utf8')).trim().split('\n');
  return lines.map((l) => (JSON.parse(l) as { pools: Record<string, { drawn: number }> }).pools[pool]!.drawn);
}

describe('store: commit bound', () => {
  it('takeWithin takes the longest prefix within the bound, and always the head', () => {
    const q = [3, 4, 0, 2, 5];
    expect(takeWithin(q, (n) => n, 7)).to.deep.equal([3, 4, 0]);
    expect(q).to.deep.equal([2, 5]);
    const big = [9, 1];
    expect(takeWithin(big, (n) => n, 7)).to.deep.equal([9]);
    expect(takeWithin(big, (n) => n, 7)).to.deep.equal([1]);
    expect(takeWithin([], (n: number) => n, 7)).to.deep.equal([]);
    expect(MAX_COMMIT_VALUES).to.equal(65_536);
  });

  it('CommitBudget admits in arrival order, a round at a time; released room goes to the next waiter', async () => {
    const b = new CommitBudget(10);
    const order: string[] = [];
    expect(b.admit(6)).to.equal(0);
    const waiting = [b.admit(5), b.admit(1), b.admit(4)].map((p, i) => Promise.resolve(p).then((round) => order.push(`${'abc'[i]}@${round}`)));
    // Room for the 1 remains, but it may not pass the 5 that came before it.
    expect(waiting).to.have.length(3);
    await Promise.resolve();
    expect(order).to.deep.equal([]);
    b.next();
    await Promise.resolve();
    expect(order).to.deep.equal(['a@1', 'b@1', 'c@1']);
    // Round 1 is full (5 + 1 + 4): the next draw waits; room handed back from round 0 does not let it in.
    let late: number | undefined;
    const p = b.admit(1);
    expect(p).to.be.instanceOf(Promise);
    void Promise.resolve(p).then((round) => (late = round));
    b.release(5, 0);
    await Promise.resolve();
    expect(late).to.equal(undefined);
    b.release(5, 1);
    await Promise.resolve();
    expect(late).to.equal(1);
    await Promise.all(waiting);
  });

  describe('the file store', () => {
    let file: string;
    beforeEach(async () => {
      file = path.join(await tempDir(), 'sequences.json');
    });

    it('100 concurrent draws of 10,000: 17 commits of at most 65,536 values, positions in arrival order', async () => {
      const store = await openFileStore(file);
      const draws = await Promise.all(Array.from({ length: 100 }, () => store.draw('float', 10_000)));
      expect(draws.map((d) => d.start)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i * 10_000));
      // 6 draws (60,000 values) per commit: a 7th would pass 65,536.
      expect(await drawnPerCommit(file, 'float')).to.deep.equal([...Array.from({ length: 16 }, (_, i) => (i + 1) * 60_000), 1_000_000]);
      await store.close();
    });

    it('a draw over the bound goes alone; sequences are not held back by waiting draws', async () => {
      const store = await openFileStore(file);
      const [a, b, n, c] = await Promise.all([store.draw('float', 70_000), store.draw('float', 1), store.next('foo', 1), store.draw('float', 70_000)]);
      expect([a.start, b.start, c.start]).to.deep.equal([0, 70_000, 70_001]);
      expect(n).to.deep.equal({ first: 1, last: 1 });
      const records = (await readFile(`${file}.journal`, 'utf8')).trim().split('\n').map((l) => {
        const { crc: _crc, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });
      expect(records).to.deep.equal([
        { g: 1, seq: { foo: 1 }, pools: { float: { drawn: 70_000 } } },
        { g: 2, pools: { float: { drawn: 70_001 } } },
        { g: 3, pools: { float: { drawn: 140_001 } } },
      ]);
      await store.close();
    });

    it('a retry that waited behind the first request with its idempotency key replays it', async () => {
      const store = await openFileStore(file);
      const idem = { key: 'k1', fingerprint: 'draw float 10' };
      const [big, first, retry] = await Promise.all([store.draw('float', 65_536), store.draw('float', 10, idem), store.draw('float', 10, idem)]);
      expect([big.start, first.start, retry.start]).to.deep.equal([0, 65_536, 65_536]);
      expect([first.replayed, retry.replayed]).to.deep.equal([undefined, true]);
      expect(await drawnPerCommit(file, 'float')).to.deep.equal([65_536, 65_546]);
      await store.close();
    });

    it('a retry admitted alone in a later round than its first request replays and hands its room on: the draws behind it are served', async () => {
      const store = await openFileStore(file);
      const idem = { key: 'k2', fingerprint: 'draw float 65536' };
      // The first request fills round 1, its retry round 2 (alone): the retry replays and adds nothing to write,
      // so only its handed-on room lets the draw behind it (and every later draw) in.
      const [big, first, retry, after] = await Promise.all([
        store.draw('float', 65_536),
        store.draw('float', 65_536, idem),
        store.draw('float', 65_536, idem),
        store.draw('float', 1),
      ]);
      expect([big.start, first.start, retry.start, after.start]).to.deep.equal([0, 65_536, 65_536, 131_072]);
      expect([first.replayed, retry.replayed]).to.deep.equal([undefined, true]);
      expect((await store.draw('float', 1)).start).to.equal(131_073);
      expect(await drawnPerCommit(file, 'float')).to.deep.equal([65_536, 131_072, 131_073, 131_074]);
      await store.close();
    });

    it('a waiting draw that is refused hands its room on: the draws behind it are served, none waits forever', async () => {
      const store = await openFileStore(file);
      await store.definePool('small', { type: 'int', min: 1, max: 100_000 });
      const [a, b, c] = await Promise.all([
        store.draw('small', 60_000),
        store.draw('small', 60_000).catch((e: ServiceError) => e.code),
        store.draw('small', 30_000),
      ]);
      expect(a.start).to.equal(0);
      expect(b).to.equal('random_exhausted');
      expect(c.start).to.equal(60_000);
      expect((await drawnPerCommit(file, 'small')).slice(1)).to.deep.equal([60_000, 90_000]);
      await store.close();
    });
  });
});
