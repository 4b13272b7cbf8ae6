// TOKEN_FILE, TOKENS_FILE and METRICS_TOKEN: a table of token x route -> 200, 401 or 403, and a SIGHUP reload.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { fileApp, startServerProcess, tempDir, until } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const TOKENS = {
  tokens: [
    { name: 'ci', sha256: sha('ci-secret'), scopes: ['take:build-*', 'read'] },
    { name: 'reader', token: 'reader-secret', scopes: ['read'] },
    { name: 'admin', sha256: sha('admin-secret'), scopes: ['admin:build-*', 'take:int'] },
  ],
};

type Who = 'none' | 'wrong' | 'TOKEN' | 'ci' | 'reader' | 'admin' | 'metrics';
const BEARER: Record<Who, string | undefined> = {
  none: undefined,
  wrong: 'nope',
  TOKEN: 'main-secret',
  ci: 'ci-secret',
  reader: 'reader-secret',
  admin: 'admin-secret',
  metrics: 'scrape-secret',
};

// route -> expected status for each caller. 200 covers every 2xx the route gives on success.
const TABLE: Array<[method: 'get' | 'post' | 'put', url: string, expected: Record<Who, number>]> = [
  ['post', '/next/build-web', { none: 401, wrong: 401, TOKEN: 200, ci: 200, reader: 403, admin: 403, metrics: 403 }],
  ['get', '/next/deploy', { none: 401, wrong: 401, TOKEN: 200, ci: 403, reader: 403, admin: 403, metrics: 403 }],
  ['get', '/random', { none: 401, wrong: 401, TOKEN: 200, ci: 403, reader: 403, admin: 200, metrics: 403 }],
  ['get', '/random?type=float', { none: 401, wrong: 401, TOKEN: 200, ci: 403, reader: 403, admin: 403, metrics: 403 }],
  ['get', '/sequences', { none: 401, wrong: 401, TOKEN: 200, ci: 200, reader: 200, admin: 403, metrics: 403 }],
  ['get', '/sequences/build-web', { none: 401, wrong: 401, TOKEN: 200, ci: 200, reader: 200, admin: 403, metrics: 403 }],
  ['put', '/sequences/build-web', { none: 401, wrong: 401, TOKEN: 200, ci: 403, reader: 403, admin: 200, metrics: 403 }],
  ['put', '/sequences/invoice', { none: 401, wrong: 401, TOKEN: 200, ci: 403, reader: 403, admin: 403, metrics: 403 }],
  ['get', '/metrics', { none: 401, wrong: 401, TOKEN: 200, ci: 200, reader: 200, admin: 403, metrics: 200 }],
  ['get', '/healthz', { none: 200, wrong: 200, TOKEN: 200, ci: 200, reader: 200, admin: 200, metrics: 200 }],
  ['get', '/livez', { none: 200, wrong: 200, TOKEN: 200, ci: 200, reader: 200, admin: 200, metrics: 200 }],
  ['get', '/readyz', { none: 200, wrong: 200, TOKEN: 200, ci: 200, reader: 200, admin: 200, metrics: 200 }],
  ['get', '/docs', { none: 200, wrong: 200, TOKEN: 200, ci: 200, reader: 200, admin: 200, metrics: 200 }],
  ['get', '/openapi.json', { none: 200, wrong: 200, TOKEN: 200, ci: 200, reader: 200, admin: 200, metrics: 200 }],
];

async function secrets(): Promise<Record<string, string>> {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'token'), `${BEARER.TOKEN}\n`);
  await writeFile(path.join(dir, 'tokens.json'), JSON.stringify(TOKENS));
  return { TOKEN_FILE: path.join(dir, 'token'), TOKENS_FILE: path.join(dir, 'tokens.json'), METRICS_TOKEN: BEARER.metrics! };
}

describe('scoped tokens (TOKEN_FILE, TOKENS_FILE, METRICS_TOKEN)', () => {
  it('scopes named pools: PUT /pools/:name needs admin on the name, a draw take on it, listing and lookups read', async () => {
    const { app, store, close } = await fileApp(await secrets());
    const server = app.callback();
    const as = (who: Who, r: request.Test): request.Test => r.set('Authorization', `Bearer ${BEARER[who]}`);
    const def = { type: 'code', alphabet: 'ab', length: 2 };
    const statuses = [
      (await as('ci', request(server).put('/pools/build-codes').send(def))).status,
      (await as('admin', request(server).put('/pools/build-codes').send(def))).status,
      (await as('admin', request(server).put('/pools/other').send(def))).status,
      (await as('admin', request(server).post('/random/build-codes'))).status,
      (await as('ci', request(server).post('/random/build-codes'))).status,
      (await as('reader', request(server).get('/random/build-codes'))).status,
      (await as('reader', request(server).get('/pools'))).status,
      (await as('reader', request(server).get('/pools/build-codes'))).status,
      (await as('reader', request(server).get('/pools/build-codes/values/zz'))).status,
    ];
    expect(statuses).to.deep.equal([403, 201, 403, 403, 200, 403, 200, 200, 400]);
    // Only the allowed requests moved anything: one pool created, one code drawn.
    expect((await store.pools()).map((p) => [p.name, p.drawn])).to.deep.equal([['build-codes', 1], ['float', 0], ['int', 0]]);
    await close();
  });

  it('answers the table of token x route: 200, 401 without a known token, 403 forbidden without the scope; refusals move nothing', async () => {
    const { app, store, close } = await fileApp(await secrets());
    const server = app.callback();
    const failures: string[] = [];
    for (const [method, url, expected] of TABLE)
      for (const who of Object.keys(expected) as Who[]) {
        let req = request(server)[method](url);
        if (BEARER[who] !== undefined) req = req.set('Authorization', `Bearer ${BEARER[who]}`);
        if (method === 'put') req = req.send({ last_value: 1000 });
        const res = await req;
        const got = res.status === 201 ? 200 : res.status;
        if (got !== expected[who]) failures.push(`${who} ${method.toUpperCase()} ${url}: ${res.status} ${res.text.slice(0, 120)}`);
        if (res.status === 403) {
          expect(res.headers['content-type']).to.equal('application/problem+json');
          expect(res.body).to.include({ status: 403, code: 'forbidden', title: 'Forbidden' });
          expect(res.body.detail).to.match(/^the token "(ci|reader|admin|METRICS_TOKEN)" /);
        }
      }
    expect(failures).to.deep.equal([]);
    // Only the allowed requests moved anything: TOKEN and ci took build-web, TOKEN took deploy; the PUTs set 1000.
    expect(await store.sequencePage()).to.deep.equal([
      { id: 'build-web', last: 1000 },
      { id: 'deploy', last: 1 },
      { id: 'invoice', last: 1000 },
    ]);
    expect((await store.pool('int')).drawn).to.equal(2);
    expect((await store.pool('float')).drawn).to.equal(1);
    await close();
  });

  it('names the missing scope, and never echoes a token', async () => {
    const { app, close } = await fileApp(await secrets());
    const res = await request(app.callback()).post('/next/deploy').set('Authorization', 'Bearer ci-secret');
    expect(res.body).to.deep.equal({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'the token "ci" lacks the scope take:deploy', code: 'forbidden' });
    expect(res.text).to.not.include('ci-secret');
    await close();
  });

  it('PUBLIC_DOCS=false puts /docs and /openapi.json behind a token; METRICS_TOKEN alone guards only /metrics', async () => {
    const s = await secrets();
    const closed = await fileApp({ ...s, PUBLIC_DOCS: 'false' });
    for (const url of ['/docs', '/openapi.json', '/docs/assets/initializer.js']) {
      await request(closed.app.callback()).get(url).expect(401);
      await request(closed.app.callback()).get(url).set('Authorization', 'Bearer main-secret').expect(200);
    }
    await closed.close();
    const metricsOnly = await fileApp({ METRICS_TOKEN: 'scrape-secret' });
    await request(metricsOnly.app.callback()).get('/metrics').expect(401);
    await request(metricsOnly.app.callback()).get('/metrics').set('Authorization', 'Bearer scrape-secret').expect(200);
    await request(metricsOnly.app.callback()).get('/next/a').expect(200);
    await metricsOnly.close();
  });

  it('refuses a bad TOKENS_FILE with a message naming the entry and the fix', async () => {
    const dir = await tempDir();
    const bad = path.join(dir, 'bad.json');
    for (const [content, message] of [
      ['{"tokens":[{"name":"x","token":"t","scopes":["write"]}]}', 'scope "write" is not "read", "take:<glob>" or "admin:<glob>"'],
      ['{"tokens":[{"name":"x","sha256":"abc","scopes":["read"]}]}', '"sha256" must be 64 hex digits'],
      ['{"tokens":[{"name":"x","token":"t","sha256":"' + sha('t') + '","scopes":["read"]}]}', 'give exactly one of "sha256"'],
      ['[', 'is not valid JSON'],
    ] as const) {
      await writeFile(bad, content);
      let error: Error | undefined;
      try {
        await fileApp({ TOKENS_FILE: bad });
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message, content).to.include(message);
    }
  });

  it('reloads TOKENS_FILE on SIGHUP (a bad file keeps the tokens in force)', async function () {
    this.timeout(30_000);
    const dir = await tempDir();
    const file = path.join(dir, 'tokens.json');
    await writeFile(file, JSON.stringify({ tokens: [{ name: 'old', token: 'old-secret', scopes: ['take:*'] }] }));
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 's.json'), TOKENS_FILE: file, LOG_LEVEL: 'info' });
    const status = async (token: string): Promise<number> => (await fetch(`${srv.url}/next/a`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } })).status;
    expect(await status('old-secret')).to.equal(200);
    expect(await status('new-secret')).to.equal(401);
    await writeFile(file, JSON.stringify({ tokens: [{ name: 'new', sha256: sha('new-secret'), scopes: ['take:a'] }] }));
    srv.child.kill('SIGHUP');
    await until('the new token works', async () => (await status('new-secret')) === 200);
    expect(await status('old-secret')).to.equal(401);
    await writeFile(file, '{ not json');
    srv.child.kill('SIGHUP');
    await until('the failed reload is logged', () => srv.stdout().includes('tokens_reload_failed'));
    expect(await status('new-secret')).to.equal(200);
    expect(srv.stdout()).to.not.include('new-secret');
    expect(await stopChild(srv)).to.equal(0);
  });
});
