// The route table is the one source: OpenAPI lists exactly its routes, the HEAD guard and the access check follow its flags.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { openApiDocument, openApiPath } from '../../src/http/openapi.js';
import { PUBLIC, READ, type Route } from '../../src/http/route.js';
import { RouteIndex } from '../../src/http/router.js';
import { ROUTES } from '../../src/http/routes.js';
import { fileApp, tempDir } from '../support/helpers.js';

const SAMPLE: Record<string, string> = { sequenceId: 'route-table', name: 'int', value: '1', asset: 'initializer.js', consoleFile: 'app.js' };

/** A request path for a route: each parameter replaced by a value that exists. */
const sample = (route: Route): string => route.path.replace(/:(\w+)/g, (_, name: string) => SAMPLE[name] ?? `<no sample for ${name}>`);

const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('the route table', () => {
  it('and the OpenAPI paths name the same methods and paths, both ways', () => {
    const fromTable = ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${openApiPath(r.path)}`)).sort();
    const paths = openApiDocument({ auth: true }).paths as Record<string, Record<string, unknown>>;
    const fromDoc = Object.entries(paths)
      .flatMap(([p, item]) => Object.keys(item).filter((k) => OPENAPI_METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(fromDoc).to.deep.equal(fromTable);
    expect(new Set(fromTable).size, 'no method and path declared twice').to.equal(fromTable.length);
  });

  it('refuses HEAD with 405 exactly on the routes marked allocating, and OPTIONS never lists HEAD there', async () => {
    const { app, store, close } = await fileApp();
    const server = app.callback();
    for (const route of ROUTES.filter((r) => r.methods.includes('GET'))) {
      const url = sample(route);
      const head = await request(server).head(url);
      if (route.allocates) {
        expect(head.status, `HEAD ${url}`).to.equal(405);
        expect(head.headers.allow, `HEAD ${url}`).to.equal(route.methods.join(', '));
        const options = await request(server).options(url);
        expect(options.headers.allow, `OPTIONS ${url}`).to.equal(route.methods.join(', '));
      } else expect(head.status, `HEAD ${url}`).to.not.equal(405);
    }
    // No HEAD moved anything.
    expect(await store.sequencePage()).to.deep.equal([]);
    expect((await store.pool('int')).drawn).to.equal(0);
    await close();
  });

  it('takes the HEAD guard from the flag: a new allocating route is refused HEAD without any other line', () => {
    const handler = (): void => undefined;
    const made: Route[] = [
      { methods: ['GET', 'POST'], path: '/tickets/:name/take', handler, allocates: true, access: READ, doc: {} },
      { methods: ['GET'], path: '/tickets/:name', handler, allocates: false, access: PUBLIC, doc: {} },
    ];
    const index = new RouteIndex(made);
    expect(index.match('/tickets/a/take', 'HEAD').allocatingAllow).to.equal('GET, POST');
    expect(index.match('/tickets/a/take', 'HEAD').route).to.equal(made[0]);
    expect(index.match('/tickets/a', 'HEAD').allocatingAllow).to.equal(undefined);
    expect(index.match('/tickets/a/', 'HEAD').onPath, 'strict: a trailing slash is another path').to.deep.equal([]);
    expect(index.match('/TICKETS/a', 'GET').onPath, 'sensitive: case matters').to.deep.equal([]);
  });

  it('asks each route for the access its entry names: public always open, the rest 401 without a token, 403 without the scope', async () => {
    const dir = await tempDir();
    const tokensFile = path.join(dir, 'tokens.json');
    const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
    await writeFile(tokensFile, JSON.stringify({ tokens: [{ name: 'nobody', sha256: sha('nobody-secret'), scopes: ['take:none-of-these', 'admin:none-of-these'] }] }));
    const { app, store, close } = await fileApp({ TOKEN: 'main-secret', TOKENS_FILE: tokensFile });
    const server = app.callback();
    const wrong: string[] = [];
    for (const route of ROUTES)
      for (const method of route.methods) {
        const url = sample(route);
        const send = (r: request.Test): request.Test => (method === 'PUT' ? r.send(url.startsWith('/pools') ? { type: 'int', min: 1, max: 6 } : { last_value: 0 }) : r);
        const bare = (await send(request(server)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : 'put'](url))).status;
        const scoped = (await send(request(server)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : 'put'](url).set('Authorization', 'Bearer nobody-secret'))).status;
        const open = route.access.kind === 'public' || route.access.kind === 'docs';
        const expected = open ? [200, 200] : [401, 403];
        if (bare !== expected[0] || scoped !== expected[1]) wrong.push(`${method} ${url}: ${bare} ${scoped}, expected ${expected.join(' ')}`);
      }
    expect(wrong).to.deep.equal([]);
    expect(await store.sequencePage()).to.deep.equal([]);
    await close();
  });
});
