// GET /sequences, GET and PUT /sequences/:sequenceId, and the 2^53−1 limit.
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import request from 'supertest';
import { stateOnDisk } from '../support/helpers.js';
import { expectProblem, servedPerTest } from '../support/app.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('http: /sequences', () => {
  const s = servedPerTest();

  const next = (id: string, query = '') => request(s.url).get(`/next/${id}${query}`);
  const put = (id: string, body: unknown) => request(s.url).put(`/sequences/${id}`).send(body as object);
  const stateSequences = async (): Promise<Record<string, number>> =>
    (await stateOnDisk(s.file)).sequences;

  describe('GET /sequences', () => {
    it('lists nothing on a fresh start', async () => {
      const res = await request(s.url).get('/sequences');
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.text).to.equal('{"sequences":[]}');
    });

    it('lists every sequence sorted by id in code point order, whatever the creation order', async () => {
      for (const id of ['b', 'caf%C3%A9', 'a', 'B', '__proto__', 'a', 'b', 'b']) await next(id);
      expect((await request(s.url).get('/sequences')).body).to.deep.equal({
        sequences: [
          { sequence_id: 'B', last_value: 1 },
          { sequence_id: '__proto__', last_value: 1 },
          { sequence_id: 'a', last_value: 2 },
          { sequence_id: 'b', last_value: 3 },
          { sequence_id: 'café', last_value: 1 },
        ],
      });
    });
  });

  describe('GET /sequences/:id', () => {
    it('answers 404 sequence_not_found for a sequence never used', async () => {
      const body = expectProblem(await request(s.url).get('/sequences/never'), 404, 'sequence_not_found');
      expect(body.detail).to.include('never');
    });

    it('shows the last value without moving it', async () => {
      await next('foo');
      await next('foo');
      expect((await request(s.url).get('/sequences/foo')).body).to.deep.equal({ sequence_id: 'foo', last_value: 2 });
      expect((await request(s.url).get('/sequences/foo')).body).to.deep.equal({ sequence_id: 'foo', last_value: 2 });
      expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 3 });
    });

    it('decodes its id like /next does, and refuses a bad one', async () => {
      await next('caf%C3%A9');
      expect((await request(s.url).get('/sequences/caf%C3%A9')).body).to.deep.equal({ sequence_id: 'café', last_value: 1 });
      expectProblem(await request(s.url).get('/sequences/a%2Fb'), 400, 'invalid_sequence_id');
      expectProblem(await request(s.url).get('/sequences/foo/'), 404, 'not_found');
    });
  });

  describe('PUT /sequences/:id', () => {
    it('moves a sequence forward so the next value is N+1', async () => {
      await next('build');
      const res = await put('build', { last_value: 1000 });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ sequence_id: 'build', last_value: 1000 });
      expect(await stateSequences()).to.deep.equal({ build: 1000 });
      expect((await next('build')).body).to.deep.equal({ sequence_id: 'build', next_value: 1001 });
    });

    it('creates a sequence that was never used', async () => {
      expect((await put('fresh', { last_value: 41 })).body).to.deep.equal({ sequence_id: 'fresh', last_value: 41 });
      expect((await next('fresh')).body).to.deep.equal({ sequence_id: 'fresh', next_value: 42 });
    });

    it('accepts 0 for a new sequence, which then starts at 1', async () => {
      expect((await put('zero', { last_value: 0 })).body).to.deep.equal({ sequence_id: 'zero', last_value: 0 });
      expect((await request(s.url).get('/sequences/zero')).body).to.deep.equal({ sequence_id: 'zero', last_value: 0 });
      expect((await next('zero')).body).to.deep.equal({ sequence_id: 'zero', next_value: 1 });
    });

    it('accepts the current value (no change)', async () => {
      await next('foo', '?count=5');
      expect((await put('foo', { last_value: 5 })).body).to.deep.equal({ sequence_id: 'foo', last_value: 5 });
      expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 6 });
    });

    it('refuses to move backwards with 409 value_behind, naming the current value, and changes nothing', async () => {
      await put('foo', { last_value: 10 });
      const body = expectProblem(await put('foo', { last_value: 9 }), 409, 'value_behind', ['last_value']);
      expect(body.last_value).to.equal(10);
      expectProblem(await put('foo', { last_value: 0 }), 409, 'value_behind', ['last_value']);
      expect(await stateSequences()).to.deep.equal({ foo: 10 });
      expect((await next('foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 11 });
    });

    const badBodies: [string, () => request.Test, number, string][] = [
      ['invalid JSON', () => request(s.url).put('/sequences/foo').set('Content-Type', 'application/json').send('{"last_value":'), 400, 'invalid_body'],
      ['an empty JSON body', () => request(s.url).put('/sequences/foo').set('Content-Type', 'application/json').send(''), 400, 'invalid_body'],
      ['no body at all', () => request(s.url).put('/sequences/foo'), 400, 'invalid_body'],
      ['a text/plain body', () => request(s.url).put('/sequences/foo').set('Content-Type', 'text/plain').send('{"last_value":5}'), 415, 'unsupported_media_type'],
      ['a form body', () => request(s.url).put('/sequences/foo').type('form').send({ last_value: 5 }), 415, 'unsupported_media_type'],
      ['a JSON array', () => put('foo', [5]), 400, 'invalid_body'],
      ['a JSON string', () => request(s.url).put('/sequences/foo').set('Content-Type', 'application/json').send('"5"'), 400, 'invalid_body'],
      ['a JSON number', () => request(s.url).put('/sequences/foo').set('Content-Type', 'application/json').send('5'), 400, 'invalid_body'],
      ['an object without last_value', () => put('foo', { value: 5 }), 400, 'invalid_body'],
      ['last_value negative', () => put('foo', { last_value: -1 }), 400, 'invalid_value'],
      ['last_value a fraction', () => put('foo', { last_value: 1.5 }), 400, 'invalid_value'],
      ['last_value a string', () => put('foo', { last_value: '5' }), 400, 'invalid_value'],
      ['last_value null', () => put('foo', { last_value: null }), 400, 'invalid_value'],
      ['last_value a boolean', () => put('foo', { last_value: true }), 400, 'invalid_value'],
      ['last_value 2^53', () => request(s.url).put('/sequences/foo').set('Content-Type', 'application/json').send('{"last_value":9007199254740992}'), 400, 'invalid_value'],
      ['last_value 1e400', () => request(s.url).put('/sequences/foo').set('Content-Type', 'application/json').send('{"last_value":1e400}'), 400, 'invalid_value'],
      ['a body over 4 KiB', () => put('foo', { last_value: 5, pad: 'x'.repeat(5000) }), 413, 'payload_too_large'],
    ];
    for (const [name, send, status, code] of badBodies)
      it(`refuses ${name} with ${status} ${code} and changes nothing`, async () => {
        await put('foo', { last_value: 3 });
        expectProblem(await send(), status, code);
        expect((await request(s.url).get('/sequences/foo')).body).to.deep.equal({ sequence_id: 'foo', last_value: 3 });
        expect(await stateSequences()).to.deep.equal({ foo: 3 });
      });

    it('refuses a bad body for a new sequence without creating it', async () => {
      expectProblem(await put('nothing', { last_value: -5 }), 400, 'invalid_value');
      expectProblem(await request(s.url).get('/sequences/nothing'), 404, 'sequence_not_found');
    });

    it('refuses a bad id with 400 invalid_sequence_id', async () => {
      expectProblem(await put('a%2Fb', { last_value: 5 }), 400, 'invalid_sequence_id');
      expect((await request(s.url).get('/sequences')).body).to.deep.equal({ sequences: [] });
    });
  });

  describe('the 2^53−1 limit', () => {
    it('hands out MAX_SAFE_INTEGER exactly, then 409 sequence_exhausted with nothing changed', async () => {
      expect((await put('edge', { last_value: MAX - 1 })).body).to.deep.equal({ sequence_id: 'edge', last_value: MAX - 1 });
      const last = await next('edge');
      expect(last.text).to.equal(`{"sequence_id":"edge","next_value":${MAX}}`);
      expect(last.body.next_value).to.equal(9007199254740991);
      const body = expectProblem(await next('edge'), 409, 'sequence_exhausted', ['last_value']);
      expect(body.last_value).to.equal(MAX);
      expectProblem(await request(s.url).post('/next/edge'), 409, 'sequence_exhausted', ['last_value']);
      expect((await request(s.url).get('/sequences/edge')).text).to.equal(`{"sequence_id":"edge","last_value":${MAX}}`);
      expect(await readFile(`${s.file}.journal`, 'utf8')).to.include(`"edge":${MAX}}`);
    });

    it('refuses a count that would pass it with 409, moving nothing; the count that fits exactly works', async () => {
      await put('edge', { last_value: MAX - 5 });
      expectProblem(await next('edge', '?count=6'), 409, 'sequence_exhausted', ['last_value']);
      expectProblem(await next('edge', '?count=10000'), 409, 'sequence_exhausted', ['last_value']);
      expect((await request(s.url).get('/sequences/edge')).body).to.deep.equal({ sequence_id: 'edge', last_value: MAX - 5 });
      expect(await stateSequences()).to.deep.equal({ edge: MAX - 5 });
      expect((await next('edge', '?count=5')).text).to.equal(`{"sequence_id":"edge","next_value":${MAX - 4},"last_value":${MAX}}`);
    });

    it('accepts PUT of MAX_SAFE_INTEGER itself, after which next is exhausted', async () => {
      expect((await put('top', { last_value: MAX })).body).to.deep.equal({ sequence_id: 'top', last_value: MAX });
      expectProblem(await next('top'), 409, 'sequence_exhausted', ['last_value']);
      expect(await stateSequences()).to.deep.equal({ top: MAX });
    });
  });
});

describe('http: MAX_SEQUENCES', () => {
  const s = servedPerTest({ MAX_SEQUENCES: '2' });

  it('answers a third new id with 507 too_many_sequences; existing ids keep working', async () => {
    expect((await request(s.url).get('/next/a')).body).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    expect((await request(s.url).get('/next/b')).body).to.deep.equal({ sequence_id: 'b', next_value: 1 });
    expectProblem(await request(s.url).get('/next/c'), 507, 'too_many_sequences');
    expectProblem(await request(s.url).put('/sequences/c').send({ last_value: 5 }), 507, 'too_many_sequences');
    expect((await request(s.url).get('/next/a')).body).to.deep.equal({ sequence_id: 'a', next_value: 2 });
    expect((await request(s.url).get('/next/b?count=2')).body).to.deep.equal({ sequence_id: 'b', next_value: 2, last_value: 3 });
    expect((await request(s.url).put('/sequences/a').send({ last_value: 10 })).body).to.deep.equal({ sequence_id: 'a', last_value: 10 });
    expectProblem(await request(s.url).get('/sequences/c'), 404, 'sequence_not_found');
    expect((await request(s.url).get('/sequences')).body).to.deep.equal({
      sequences: [
        { sequence_id: 'a', last_value: 10 },
        { sequence_id: 'b', last_value: 3 },
      ],
    });
  });
});
