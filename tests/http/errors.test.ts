// Problem documents, unknown paths, wrong methods, health.
import { expect } from 'chai';
import request from 'supertest';
import { expectProblem, servedPerTest } from '../support/app.js';

describe('http: errors and health', () => {
  const s = servedPerTest();

  it('writes a problem document with exactly type, title, status, detail and code', async () => {
    const res = await request(s.url).get('/next/foo?count=0');
    expect(res.headers['content-type']).to.equal('application/problem+json');
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(Object.keys(body)).to.deep.equal(['type', 'title', 'status', 'detail', 'code']);
    expect(body).to.deep.equal({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      detail: 'count must be a whole number from 1 to 10000, got "0"',
      code: 'invalid_count',
    });
  });

  const unknown = ['/', '/nope', '/next', '/random/', '/random/int/', '/random/a/b', '/pools/', '/pools/a/values/', '/sequences/', '/sequences/a/b', '/healthz/', '/NEXT/foo', '/Random'];
  for (const path of unknown)
    it(`answers GET ${path} with 404 not_found`, async () => {
      expectProblem(await request(s.url).get(path), 404, 'not_found');
    });

  it('routes case-sensitively: HEAD /NEXT/x and /Random are unknown and move nothing', async () => {
    expect((await request(s.url).head('/NEXT/x')).status).to.equal(404);
    expect((await request(s.url).head('/Random')).status).to.equal(404);
    expectProblem(await request(s.url).get('/sequences/x'), 404, 'sequence_not_found');
    expect((await s.store.pool('int')).drawn).to.equal(0);
  });

  it('answers an unknown path with any method with 404', async () => {
    expectProblem(await request(s.url).post('/nope'), 404, 'not_found');
    expectProblem(await request(s.url).delete('/nope'), 404, 'not_found');
  });

  const wrong: [string, string, string][] = [
    ['DELETE', '/next/foo', 'GET, POST'],
    ['PUT', '/next/foo', 'GET, POST'],
    ['PATCH', '/next/foo', 'GET, POST'],
    ['POST', '/random', 'GET'],
    ['DELETE', '/random', 'GET'],
    ['POST', '/sequences', 'HEAD, GET'],
    ['DELETE', '/sequences/foo', 'HEAD, GET, PUT'],
    ['POST', '/sequences/foo', 'HEAD, GET, PUT'],
    ['POST', '/healthz', 'HEAD, GET'],
    ['DELETE', '/health', 'HEAD, GET'],
  ];
  for (const [method, path, allow] of wrong)
    it(`answers ${method} ${path} with 405 method_not_allowed and Allow: ${allow}`, async () => {
      const res = await request(s.url)[method.toLowerCase() as 'delete' | 'put' | 'patch' | 'post'](path);
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).to.equal(allow);
    });

  const options: [string, string][] = [
    ['/next/foo', 'GET, POST'],
    ['/random', 'GET'],
    ['/sequences', 'HEAD, GET'],
    ['/sequences/foo', 'HEAD, GET, PUT'],
  ];
  for (const [path, allow] of options)
    it(`answers OPTIONS ${path} with Allow: ${allow} and moves nothing`, async () => {
      const res = await request(s.url).options(path);
      expect(res.status).to.equal(200);
      expect(res.headers.allow).to.equal(allow);
      expectProblem(await request(s.url).get('/sequences/foo'), 404, 'sequence_not_found');
      expect((await s.store.pool('int')).drawn).to.equal(0);
    });

  it('answers an unusual method (PROPFIND) with 405 and Allow', async () => {
    const res = await request(s.url).propfind('/next/foo');
    expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.allow).to.equal('GET, POST');
  });

  it('moves no counter on a wrong method', async () => {
    await request(s.url).delete('/next/foo');
    await request(s.url).put('/next/foo');
    await request(s.url).post('/random');
    expectProblem(await request(s.url).get('/sequences/foo'), 404, 'sequence_not_found');
    expect((await s.store.pool('int')).drawn).to.equal(0);
  });

  for (const path of ['/healthz', '/health'])
    it(`answers GET ${path} with 200 {"status":"ok"}`, async () => {
      const res = await request(s.url).get(path);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.text).to.equal('{"status":"ok"}');
    });

  it('answers HEAD on read-only routes (they move nothing)', async () => {
    expect((await request(s.url).head('/healthz')).status).to.equal(200);
    expect((await request(s.url).head('/sequences')).status).to.equal(200);
  });
});
