// GET/POST /next/:sequenceId: counting, ?count, HEAD, plain text, and what an id may be.
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import request from 'supertest';
import { stateOnDisk } from '../support/helpers.js';
import { expectProblem, servedPerTest } from '../support/app.js';

describe('http: /next/:sequenceId', () => {
  const s = servedPerTest();

  const next = (id: string, query = '') => request(s.url).get(`/next/${id}${query}`);

  it('starts a new sequence at 1 and counts 1, 2, 3 with no gaps', async () => {
    for (const expected of [1, 2, 3]) {
      const res = await next('foo');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.body).to.deep.equal({ sequence_id: 'foo', next_value: expected });
    }
  });

  it('tells caches not to store an allocating answer (a replayed one would be a value handed out twice)', async () => {
    for (const res of [
      await next('foo'),
      await request(s.url).post('/next/foo'),
      await next('foo', '?count=3&format=text'),
      await request(s.url).get('/random'),
      await request(s.url).get('/random?type=float&count=2').set('Accept', 'text/plain'),
    ]) {
      expect(res.status).to.equal(200);
      expect(res.headers['cache-control']).to.equal('no-store');
    }
    // Reading a sequence hands nothing out: no such header there.
    expect((await request(s.url).get('/sequences/foo')).headers['cache-control']).to.equal(undefined);
  });

  it('answers POST like GET, on the same counter', async () => {
    expect((await request(s.url).post('/next/foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 1 });
    expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 2 });
    expect((await request(s.url).post('/next/foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 3 });
  });

  it('counts every name on its own', async () => {
    await next('a');
    await next('a');
    expect((await next('b')).body).to.deep.equal({ sequence_id: 'b', next_value: 1 });
    expect((await next('a')).body).to.deep.equal({ sequence_id: 'a', next_value: 3 });
    expect((await next('b')).body).to.deep.equal({ sequence_id: 'b', next_value: 2 });
  });

  it('persists every value in the journal before answering, both copies', async () => {
    await next('foo');
    await next('foo');
    await next('bar');
    const state = await stateOnDisk(s.file);
    // a checkpoint at start-up (generation 0), one record per request
    expect(state.generation).to.equal(3);
    expect(state.sequences).to.deep.equal({ foo: 2, bar: 1 });
    const journal = await readFile(`${s.file}.journal`, 'utf8');
    expect(journal.trim().split('\n')).to.have.length(3);
    expect(await readFile(`${s.file}.journal.replica`, 'utf8')).to.equal(journal);
  });

  it('handles large values exactly: PUT 999999998, then 999999999 and 1000000000', async () => {
    await request(s.url).put('/sequences/big').send({ last_value: 999999998 }).expect(200);
    expect((await next('big')).body).to.deep.equal({ sequence_id: 'big', next_value: 999999999 });
    expect((await next('big')).body).to.deep.equal({ sequence_id: 'big', next_value: 1000000000 });
    expect((await stateOnDisk(s.file)).sequences).to.deep.equal({ big: 1000000000 });
  });

  describe('?count=N', () => {
    it('reserves N consecutive values', async () => {
      await next('foo');
      expect((await next('foo', '?count=3')).body).to.deep.equal({ sequence_id: 'foo', next_value: 2, last_value: 4 });
      expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 5 });
    });

    it('with N=1 still names last_value', async () => {
      expect((await next('foo', '?count=1')).body).to.deep.equal({ sequence_id: 'foo', next_value: 1, last_value: 1 });
    });

    it('accepts N=10000, the maximum', async () => {
      expect((await next('foo', '?count=10000')).body).to.deep.equal({ sequence_id: 'foo', next_value: 1, last_value: 10000 });
      expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 10001 });
    });

    it('works with POST', async () => {
      expect((await request(s.url).post('/next/foo?count=2')).body).to.deep.equal({ sequence_id: 'foo', next_value: 1, last_value: 2 });
    });

    const bad: [string, string][] = [
      ['zero', '?count=0'],
      ['above the maximum', '?count=10001'],
      ['far above the maximum', '?count=99999999999999999999'],
      ['not a number', '?count=abc'],
      ['a fraction', '?count=1.5'],
      ['negative', '?count=-1'],
      ['empty', '?count='],
      ['exponent', '?count=1e3'],
      ['hex', '?count=0x10'],
      ['plus sign', '?count=%2B5'],
      ['padded', '?count=%205'],
      ['repeated', '?count=1&count=2'],
      ['repeated, same value', '?count=3&count=3'],
    ];
    for (const [name, query] of bad)
      it(`refuses a count that is ${name} (${query}) with 400 invalid_count and moves nothing`, async () => {
        await next('foo');
        expectProblem(await next('foo', query), 400, 'invalid_count');
        expectProblem(await request(s.url).post(`/next/foo${query}`), 400, 'invalid_count');
        expect((await request(s.url).get('/sequences/foo')).body).to.deep.equal({ sequence_id: 'foo', last_value: 1 });
      });
  });

  describe('HEAD', () => {
    it('is refused with 405 and Allow, and never moves the counter', async () => {
      await next('x');
      const res = await request(s.url).head('/next/x');
      expect(res.status).to.equal(405);
      expect(res.headers.allow).to.equal('GET, POST');
      await request(s.url).head('/next/x?count=5');
      expect((await request(s.url).get('/sequences/x')).body).to.deep.equal({ sequence_id: 'x', last_value: 1 });
      expect((await next('x')).body).to.deep.equal({ sequence_id: 'x', next_value: 2 });
    });

    it('does not create a sequence that was never used', async () => {
      expect((await request(s.url).head('/next/fresh')).status).to.equal(405);
      expectProblem(await request(s.url).get('/sequences/fresh'), 404, 'sequence_not_found');
      expect((await request(s.url).get('/sequences')).body).to.deep.equal({ sequences: [] });
    });
  });

  describe('plain text', () => {
    const cases: [string, (r: request.Test) => request.Test, string][] = [
      ['?format=text', (r) => r.query({ format: 'text' }), '1\n'],
      ['?format=TEXT', (r) => r.query({ format: 'TEXT' }), '1\n'],
      ['Accept: text/plain', (r) => r.set('Accept', 'text/plain'), '1\n'],
      ['?format=text&count=3', (r) => r.query({ format: 'text', count: '3' }), '1\n2\n3\n'],
      ['Accept: text/plain with count=3', (r) => r.set('Accept', 'text/plain').query({ count: '3' }), '1\n2\n3\n'],
    ];
    for (const [name, tweak, text] of cases)
      it(`answers the bare value(s) for ${name}`, async () => {
        const res = await tweak(request(s.url).get('/next/t'));
        expect(res.status).to.equal(200);
        expect(res.headers['content-type']).to.match(/^text\/plain/);
        expect(res.text).to.equal(text);
      });

    it('answers JSON for Accept: application/json, */* and ?format=json', async () => {
      expect((await request(s.url).get('/next/t').set('Accept', 'application/json')).body).to.deep.equal({ sequence_id: 't', next_value: 1 });
      expect((await request(s.url).get('/next/t').set('Accept', '*/*')).body).to.deep.equal({ sequence_id: 't', next_value: 2 });
      expect((await request(s.url).get('/next/t?format=json').set('Accept', 'text/plain')).body).to.deep.equal({ sequence_id: 't', next_value: 3 });
    });

    it('refuses an unknown format with 400 invalid_format and moves nothing', async () => {
      expectProblem(await next('t', '?format=xml'), 400, 'invalid_format');
      expectProblem(await request(s.url).get('/sequences/t'), 404, 'sequence_not_found');
    });
  });

  describe('sequence ids', () => {
    const ordinary: [string, string][] = [
      ['__proto__', '__proto__'],
      ['constructor', 'constructor'],
      ['toString', 'toString'],
      ['hasOwnProperty', 'hasOwnProperty'],
      ['valueOf', 'valueOf'],
      ['test@sequence', 'test@sequence'],
      ['caf%C3%A9', 'café'],
      ['%E6%95%B0', '数'],
      ['%F0%9F%98%80', '😀'],
      ['a%20b', 'a b'],
      ['a+b', 'a+b'],
      ['100%25', '100%'],
      ['a.b-c_d~e', 'a.b-c_d~e'],
      ['x'.repeat(255), 'x'.repeat(255)],
      ['%F0%9F%98%80'.repeat(255), '😀'.repeat(255)],
    ];
    for (const [raw, id] of ordinary)
      it(`takes ${raw.length > 40 ? `${raw.slice(0, 12)}… (${[...id].length} characters)` : raw} as the id ${JSON.stringify(id.slice(0, 20))}`, async () => {
        expect((await next(raw)).body).to.deep.equal({ sequence_id: id, next_value: 1 });
        expect((await next(raw)).body).to.deep.equal({ sequence_id: id, next_value: 2 });
        expect((await request(s.url).get(`/sequences/${raw}`)).body).to.deep.equal({ sequence_id: id, last_value: 2 });
        expect((await request(s.url).get('/sequences')).body).to.deep.equal({ sequences: [{ sequence_id: id, last_value: 2 }] });
      });

    it('counts __proto__, constructor, toString and hasOwnProperty independently and lists them', async () => {
      const ids = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
      for (const [i, id] of ids.entries()) for (let k = 0; k <= i; k++) await next(id);
      expect((await request(s.url).get('/sequences')).body).to.deep.equal({
        sequences: [
          { sequence_id: '__proto__', last_value: 1 },
          { sequence_id: 'constructor', last_value: 2 },
          { sequence_id: 'hasOwnProperty', last_value: 4 },
          { sequence_id: 'toString', last_value: 3 },
        ],
      });
      const state = await stateOnDisk(s.file);
      expect(Object.getPrototypeOf(state.sequences)).to.equal(Object.prototype);
      expect(Object.entries(state.sequences)).to.deep.equal([
        ['__proto__', 1],
        ['constructor', 2],
        ['toString', 3],
        ['hasOwnProperty', 4],
      ]);
    });

    it('is case-sensitive: Foo and foo are two sequences', async () => {
      await next('foo');
      await next('foo');
      expect((await next('Foo')).body).to.deep.equal({ sequence_id: 'Foo', next_value: 1 });
      expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 3 });
    });

    it('treats an encoded and a plain spelling of the same id as one sequence', async () => {
      await next('abc');
      expect((await next('%61bc')).body).to.deep.equal({ sequence_id: 'abc', next_value: 2 });
    });

    const invalid: [string, string][] = [
      ['an encoded slash', 'a%2Fb'],
      ['only an encoded slash', '%2F'],
      ['a NUL', 'a%00b'],
      ['a newline', 'a%0Ab'],
      ['a tab', 'a%09'],
      ['DEL', '%7F'],
      ['a C1 control character', '%C2%85'],
      ['256 characters', 'x'.repeat(256)],
      ['256 astral characters', '%F0%9F%98%80'.repeat(256)],
      ['bad percent-encoding', '%E0%A4%A'],
      ['a lone surrogate', '%ED%A0%80'],
      ['a bare percent sign', '100%'],
    ];
    for (const [name, raw] of invalid)
      it(`refuses an id with ${name} with 400 invalid_sequence_id and creates nothing`, async () => {
        expectProblem(await next(raw), 400, 'invalid_sequence_id');
        expectProblem(await request(s.url).post(`/next/${raw}`), 400, 'invalid_sequence_id');
        expect((await request(s.url).get('/sequences')).body).to.deep.equal({ sequences: [] });
      });
  });

  describe('paths that are not a sequence', () => {
    for (const path of ['/next/foo/', '/next/', '/next', '/next/foo/bar', '/next//foo'])
      it(`answers ${path} with 404 not_found`, async () => {
        expectProblem(await request(s.url).get(path), 404, 'not_found');
        expect((await request(s.url).get('/sequences')).body).to.deep.equal({ sequences: [] });
      });
  });
});
