// GET /random: int and float pools, count, exact float text, plain text, exhaustion.
import { expect } from 'chai';
import request from 'supertest';
import { expectProblem, servedPerTest } from '../support/app.js';

const single = /^\{"number":(-?\d+(?:\.\d+)?)\}$/;
const many = /^\{"numbers":\[(.*)\]\}$/;

function tokensOf(text: string): string[] {
  const one = single.exec(text);
  if (one) return [one[1]!];
  const m = many.exec(text);
  if (!m) throw new Error(`not a random answer: ${text}`);
  return m[1] === '' ? [] : m[1]!.split(',');
}

describe('http: /random', () => {
  describe('with the default domains', () => {
    const s = servedPerTest();

    const ints: [string, string][] = [
      ['no type', '/random'],
      ['type=int', '/random?type=int'],
      ['type=INT', '/random?type=INT'],
      ['type=Int', '/random?type=Int'],
    ];
    for (const [name, path] of ints)
      it(`draws an int for ${name}`, async () => {
        const res = await request(s.url).get(path);
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.match(/^application\/json/);
        expect(res.text).to.match(/^\{"number":\d+\}$/);
        const n = (res.body as { number: number }).number;
        expect(Number.isSafeInteger(n) && n >= 0).to.equal(true);
        expect((await s.store.pool('int')).drawn).to.equal(1);
        expect((await s.store.pool('float')).drawn).to.equal(0);
      });

    for (const type of ['float', 'FLOAT', 'Float'])
      it(`draws a float with exactly 4 fraction digits in the JSON text for type=${type}`, async () => {
        const res = await request(s.url).get(`/random?type=${type}`);
        expect(res.status).to.equal(200);
        const m = /^\{"number":(\d+)\.(\d{4})\}$/.exec(res.text);
        expect(m, res.text).to.not.equal(null);
        expect(Number(m![1])).to.be.lessThan(10000);
        expect((await s.store.pool('float')).drawn).to.equal(1);
        expect((await s.store.pool('int')).drawn).to.equal(0);
      });

    it('always writes 4 fraction digits, over 2000 float draws', async () => {
      const res = await request(s.url).get('/random?type=float&count=2000');
      const tokens = tokensOf(res.text);
      expect(tokens).to.have.length(2000);
      for (const t of tokens) expect(t).to.match(/^\d{1,4}\.\d{4}$/);
      expect(new Set(tokens).size).to.equal(2000);
    });

    it('answers ?count=N with N distinct numbers', async () => {
      const res = await request(s.url).get('/random?count=50');
      expect(res.status).to.equal(200);
      const numbers = (res.body as { numbers: number[] }).numbers;
      expect(numbers).to.have.length(50);
      expect(new Set(numbers).size).to.equal(50);
      expect((await s.store.pool('int')).drawn).to.equal(50);
    });

    it('answers ?count=1 with a list of one', async () => {
      const res = await request(s.url).get('/random?type=float&count=1');
      expect(res.text).to.match(/^\{"numbers":\[\d+\.\d{4}\]\}$/);
    });

    const badTypes = ['integer', 'double', '', 'i', 'int,float'];
    for (const t of badTypes)
      it(`refuses type=${JSON.stringify(t)} with 400 invalid_type and draws nothing`, async () => {
        expectProblem(await request(s.url).get(`/random?type=${t}`), 400, 'invalid_type');
        expect((await s.store.pool('int')).drawn).to.equal(0);
        expect((await s.store.pool('float')).drawn).to.equal(0);
      });

    it('refuses a repeated type with 400 invalid_type', async () => {
      expectProblem(await request(s.url).get('/random?type=int&type=float'), 400, 'invalid_type');
      expectProblem(await request(s.url).get('/random?type=int&type=int'), 400, 'invalid_type');
    });

    for (const q of ['0', '10001', 'abc', '1.5', '-3', ''])
      it(`refuses count=${JSON.stringify(q)} with 400 invalid_count and draws nothing`, async () => {
        expectProblem(await request(s.url).get(`/random?count=${q}`), 400, 'invalid_count');
        expectProblem(await request(s.url).get(`/random?type=float&count=${q}`), 400, 'invalid_count');
        expect((await s.store.pool('int')).drawn).to.equal(0);
        expect((await s.store.pool('float')).drawn).to.equal(0);
      });

    it('refuses a repeated count with 400 invalid_count', async () => {
      expectProblem(await request(s.url).get('/random?count=2&count=3'), 400, 'invalid_count');
      expect((await s.store.pool('int')).drawn).to.equal(0);
    });

    it('refuses HEAD with 405 Allow: GET and draws nothing', async () => {
      const res = await request(s.url).head('/random?type=float');
      expect(res.status).to.equal(405);
      expect(res.headers.allow).to.equal('GET');
      expect((await s.store.pool('int')).drawn).to.equal(0);
      expect((await s.store.pool('float')).drawn).to.equal(0);
    });

    it('answers bare values for ?format=text and Accept: text/plain', async () => {
      const one = await request(s.url).get('/random?format=text');
      expect(one.headers['content-type']).to.match(/^text\/plain/);
      expect(one.text).to.match(/^\d+\n$/);
      const floats = await request(s.url).get('/random?type=float&count=3').set('Accept', 'text/plain');
      expect(floats.headers['content-type']).to.match(/^text\/plain/);
      expect(floats.text).to.match(/^\d+\.\d{4}\n\d+\.\d{4}\n\d+\.\d{4}\n$/);
      const float = await request(s.url).get('/random?type=float&format=text');
      expect(float.text).to.match(/^\d+\.\d{4}\n$/);
    });
  });

  describe('a float pool of three values [2, 2.0003) with 4 decimals', () => {
    const s = servedPerTest({ RANDOM_FLOAT_MIN: '2', RANDOM_FLOAT_MAX: '2.0003', RANDOM_FLOAT_DECIMALS: '4' });

    it('hands out 2.0000, 2.0001 and 2.0002 exactly once each, written with 4 decimals, then 503 random_exhausted', async () => {
      const tokens: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await request(s.url).get('/random?type=float');
        expect(res.status).to.equal(200);
        tokens.push(...tokensOf(res.text));
      }
      expect([...tokens].sort()).to.deep.equal(['2.0000', '2.0001', '2.0002']);
      const body = expectProblem(await request(s.url).get('/random?type=float'), 503, 'random_exhausted', ['drawn', 'size']);
      expect(body.drawn).to.equal(3);
      expect(body.size).to.equal(3);
      expect(body.detail).to.include('3');
      expect((await s.store.pool('float')).drawn).to.equal(3);
      // the int pool is separate and unaffected
      expect((await request(s.url).get('/random')).status).to.equal(200);
    });

    it('writes 2.0000 with its zeros in text form too', async () => {
      const res = await request(s.url).get('/random?type=float&count=3&format=text');
      expect(res.text.split('\n').sort()).to.deep.equal(['', '2.0000', '2.0001', '2.0002']);
    });
  });

  describe('an int pool of three values [1, 3]', () => {
    const s = servedPerTest({ RANDOM_INT_MIN: '1', RANDOM_INT_MAX: '3' });

    it('refuses a count larger than what is left with 503, drawing nothing', async () => {
      const first = expectProblem(await request(s.url).get('/random?count=4'), 503, 'random_exhausted', ['drawn', 'size']);
      expect(first).to.include({ drawn: 0, size: 3 });
      expect((await s.store.pool('int')).drawn).to.equal(0);
      const a = (await request(s.url).get('/random')).body as { number: number };
      const second = expectProblem(await request(s.url).get('/random?count=3'), 503, 'random_exhausted', ['drawn', 'size']);
      expect(second).to.include({ drawn: 1, size: 3 });
      expect((await s.store.pool('int')).drawn).to.equal(1);
      const rest = (await request(s.url).get('/random?count=2')).body as { numbers: number[] };
      expect([a.number, ...rest.numbers].sort()).to.deep.equal([1, 2, 3]);
      const last = expectProblem(await request(s.url).get('/random'), 503, 'random_exhausted', ['drawn', 'size']);
      expect(last).to.include({ drawn: 3, size: 3 });
    });
  });

  describe('a negative float range [-1, 1) with 1 decimal', () => {
    const s = servedPerTest({ RANDOM_FLOAT_MIN: '-1', RANDOM_FLOAT_MAX: '1', RANDOM_FLOAT_DECIMALS: '1' });

    it('hands out every value from -1.0 to 0.9 exactly once, then 503', async () => {
      const res = await request(s.url).get('/random?type=float&count=20');
      const tokens = tokensOf(res.text);
      const expected = Array.from({ length: 20 }, (_, i) => ((i - 10) / 10).toFixed(1));
      expect([...tokens].sort()).to.deep.equal([...expected].sort());
      expect(tokens).to.include('-0.5').and.include('0.0').and.include('-1.0');
      expectProblem(await request(s.url).get('/random?type=float'), 503, 'random_exhausted', ['drawn', 'size']);
    });
  });
});
