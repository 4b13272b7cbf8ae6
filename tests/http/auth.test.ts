// TOKEN: bearer auth on every route but the probes and the (public by default) docs; 401 problems with WWW-Authenticate.
import { expect } from 'chai';
import request from 'supertest';
import { fileApp } from '../support/helpers.js';

const TOKEN = 's3cret-token';
const ROUTES: Array<[method: 'get' | 'post' | 'put', url: string]> = [
  ['get', '/next/a'],
  ['post', '/next/a'],
  ['get', '/random'],
  ['get', '/sequences'],
  ['get', '/sequences/a'],
  ['put', '/sequences/a'],
  ['get', '/metrics'],
  ['get', '/no/such/route'],
];

function expectUnauthorized(res: request.Response, what: string): void {
  expect(res.status, what).to.equal(401);
  expect(res.headers['www-authenticate'], what).to.equal('Bearer realm="take-a-number"');
  expect(res.headers['content-type'], what).to.equal('application/problem+json');
  expect(res.body, what).to.deep.equal({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'send Authorization: Bearer <token>', code: 'unauthorized' });
}

describe('TOKEN (bearer auth)', () => {
  it('is off when TOKEN is not set: every route answers without a header', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    await request(server).get('/next/a').expect(200, { sequence_id: 'a', next_value: 1 });
    await request(server).get('/metrics').expect(200);
    await request(server).get('/openapi.json').expect(200);
    const res = await request(server).get('/next/a').set('Authorization', 'Bearer anything');
    expect(res.status).to.equal(200);
    await close();
  });

  it('refuses a missing header on every route but the health checks, and moves nothing', async () => {
    const { app, store, close } = await fileApp({ TOKEN });
    const server = app.callback();
    for (const [method, url] of ROUTES) expectUnauthorized(await request(server)[method](url).send({ last_value: 5 }), `${method} ${url}`);
    await request(server).get('/healthz').expect(200, { status: 'ok' });
    await request(server).get('/health').expect(200, { status: 'ok' });
    await request(server).get('/livez').expect(200, { status: 'ok' });
    await request(server).get('/readyz').expect(200, { status: 'ok' });
    for (const url of ['/openapi.json', '/docs', '/docs/assets/initializer.js']) await request(server).get(url).expect(200);
    expect(await store.sequencePage()).to.deep.equal([]);
    expect((await store.pool('int')).drawn).to.equal(0);
    await close();
  });

  it('refuses wrong tokens and other schemes', async () => {
    const { app, close } = await fileApp({ TOKEN });
    const server = app.callback();
    for (const header of [`Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Bearer  ${TOKEN}`, 'Bearer ', TOKEN, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, `Token ${TOKEN}`])
      expectUnauthorized(await request(server).get('/next/a').set('Authorization', header), header);
    await close();
  });

  it('accepts the right token on every route (scheme name case-insensitive)', async () => {
    const { app, close } = await fileApp({ TOKEN });
    const server = app.callback();
    await request(server).get('/next/a').set('Authorization', `Bearer ${TOKEN}`).expect(200, { sequence_id: 'a', next_value: 1 });
    await request(server).get('/next/a').set('Authorization', `bearer ${TOKEN}`).expect(200, { sequence_id: 'a', next_value: 2 });
    const ok: Record<string, number> = { '/no/such/route': 404 };
    for (const [method, url] of ROUTES) {
      const res = await request(server)[method](url).set('Authorization', `Bearer ${TOKEN}`).send({ last_value: 5 });
      expect(res.status, `${method} ${url}`).to.equal(ok[url] ?? 200);
    }
    await close();
  });
});
