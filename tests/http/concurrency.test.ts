// Many requests at once: sequences stay dense and unique, random draws never repeat.
import { expect } from 'chai';
import request from 'supertest';
import { servedPerTest } from '../support/app.js';

describe('http: concurrency', () => {
  const s = servedPerTest();

  it('gives 200 concurrent /next/x requests exactly 1..200', async () => {
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? request(s.url).get('/next/x') : request(s.url).post('/next/x'))));
    expect(responses.map((r) => r.status)).to.deep.equal(new Array(200).fill(200));
    const values = responses.map((r) => (r.body as { next_value: number }).next_value).sort((a, b) => a - b);
    expect(values).to.deep.equal(Array.from({ length: 200 }, (_, i) => i + 1));
    expect((await request(s.url).get('/sequences/x')).body).to.deep.equal({ sequence_id: 'x', last_value: 200 });
  });

  it('gives concurrent counted reservations disjoint runs that tile 1..N', async () => {
    const counts = Array.from({ length: 50 }, (_, i) => (i % 7) + 1);
    const responses = await Promise.all(counts.map((c) => request(s.url).get(`/next/y?count=${c}`)));
    const runs = responses.map((r) => r.body as { next_value: number; last_value: number }).sort((a, b) => a.next_value - b.next_value);
    let expected = 1;
    for (const [i, run] of runs.entries()) {
      expect(run.next_value, `run ${i}`).to.equal(expected);
      expected = run.last_value + 1;
    }
    expect(expected - 1).to.equal(counts.reduce((a, b) => a + b, 0));
  });

  it('gives 1000 concurrent random draws (ints and floats) all distinct values', async () => {
    const responses = await Promise.all(Array.from({ length: 1000 }, (_, i) => request(s.url).get(i % 2 ? '/random?type=float' : '/random?type=int')));
    expect(responses.map((r) => r.status)).to.deep.equal(new Array(1000).fill(200));
    const ints = responses.filter((_, i) => i % 2 === 0).map((r) => /^\{"number":(\d+)\}$/.exec(r.text)![1]!);
    const floats = responses.filter((_, i) => i % 2 === 1).map((r) => /^\{"number":(\d+\.\d{4})\}$/.exec(r.text)![1]!);
    expect(new Set(ints).size).to.equal(500);
    expect(new Set(floats).size).to.equal(500);
    expect((await s.store.pool('int')).drawn).to.equal(500);
    expect((await s.store.pool('float')).drawn).to.equal(500);
  });
});
