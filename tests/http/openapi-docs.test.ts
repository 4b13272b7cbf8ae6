// GET /openapi.json lists exactly the router's routes and is structurally valid; /docs serves Swagger UI locally.
import { expect } from 'chai';
import request from 'supertest';
import { buildRouter } from '../../src/http/router.js';
import { Metrics } from '../../src/metrics.js';
import { RandomValues } from '../../src/random/values.js';
import { fileApp } from '../support/helpers.js';

type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows a local "#/components/..." reference; fails the test if it points nowhere. */
function resolve(doc: Json, node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  expect(node.$ref, 'only local references').to.match(/^#\/components\//);
  const target = node.$ref.slice(2).split('/').reduce((o: Json | undefined, k: string) => o?.[k], doc);
  expect(target, `${node.$ref} resolves`).to.be.an('object');
  return target as Json;
}

/** Every $ref anywhere in the document. */
function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  return out;
}

/** A focused structural check of OpenAPI 3.1 (no validator package is installed). */
function checkStructure(doc: Json): void {
  expect(doc.openapi).to.match(/^3\.1\.\d+$/);
  expect(doc.info).to.be.an('object');
  expect(doc.info.title).to.be.a('string').and.not.equal('');
  expect(doc.info.version).to.be.a('string').and.not.equal('');
  expect(doc.paths).to.be.an('object');
  for (const r of refs(doc)) resolve(doc, { $ref: r });
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    expect(path).to.match(/^\//);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const ops = Object.keys(item).filter((k) => METHODS.includes(k));
    expect(ops, `${path} has operations`).to.not.be.empty;
    for (const method of ops) {
      const op = item[method] as Json;
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.operationId, `${where} operationId`).to.be.a('string');
      expect(op.responses, `${where} responses`).to.be.an('object');
      const codes = Object.keys(op.responses);
      expect(codes, `${where} has responses`).to.not.be.empty;
      expect(codes.some((c) => /^2\d\d$/.test(c)), `${where} has a 2xx response`).to.equal(true);
      for (const code of codes) {
        expect(code, where).to.match(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(resolve(doc, op.responses[code]).description, `${where} ${code} description`).to.be.a('string');
      }
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Json) => resolve(doc, p));
      for (const p of params) {
        expect(['query', 'header', 'path', 'cookie'], `${where} ${p.name}`).to.include(p.in);
        expect(p.schema, `${where} ${p.name} schema`).to.be.an('object');
        if (p.in === 'path') expect(p.required, `${where} path parameter ${p.name} is required`).to.equal(true);
      }
      const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
      expect(pathParams.sort(), `${where} path parameters`).to.deep.equal([...templated].sort());
      for (const [code, res] of Object.entries(op.responses as Json)) {
        if (!/^[45]/.test(code)) continue;
        const content = resolve(doc, res as Json).content as Json | undefined;
        if (content) expect(content['application/problem+json']?.schema, `${where} ${code} uses the problem schema`).to.deep.equal({ $ref: '#/components/schemas/Problem' });
      }
    }
  }
}

describe('GET /openapi.json', () => {
  it('lists exactly the routes and methods of the router', async () => {
    const { app, store, close } = await fileApp();
    const doc = (await request(app.callback()).get('/openapi.json').expect(200).expect('Content-Type', /application\/json/)).body as Json;
    const router = buildRouter({ store, metrics: new Metrics(store, false), lifecycle: { draining: false }, random: new RandomValues(), openapi: '{}' });
    const fromRouter = new Set<string>();
    for (const layer of router.stack)
      for (const m of layer.methods) if (m !== 'HEAD') fromRouter.add(`${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
    const fromDoc = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Json))
      for (const m of Object.keys(item)) if (METHODS.includes(m)) fromDoc.add(`${m.toUpperCase()} ${path}`);
    expect([...fromDoc].sort()).to.deep.equal([...fromRouter].sort());
    expect(fromRouter.size).to.equal(36);
    await close();
  });

  it('is a structurally valid OpenAPI 3.1 document with the problem schema', async () => {
    const { app, close } = await fileApp();
    const doc = (await request(app.callback()).get('/openapi.json').expect(200)).body as Json;
    checkStructure(doc);
    expect(doc.components.schemas.Problem.required).to.deep.equal(['type', 'title', 'status', 'detail', 'code']);
    expect(doc.components.schemas.Problem.properties.code.enum).to.include.members(['invalid_count', 'idempotency_key_reused', 'unauthorized']);
    const next = doc.paths['/next/{sequenceId}'].get;
    expect(next.parameters.map((p: Json) => p.$ref)).to.deep.equal(['#/components/parameters/count', '#/components/parameters/format', '#/components/parameters/idempotencyKey']);
    expect(Object.keys(next.responses)).to.deep.equal(['200', '400', '401', '403', '409', '422', '503', '507']);
    expect(doc.security).to.equal(undefined);
    await close();
  });

  it('declares the bearer token when TOKEN is set, and not on the health checks', async () => {
    const { app, close } = await fileApp({ TOKEN: 't' });
    const doc = (await request(app.callback()).get('/openapi.json').set('Authorization', 'Bearer t').expect(200)).body as Json;
    checkStructure(doc);
    expect(doc.security).to.deep.equal([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).to.include({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/healthz'].get.security).to.deep.equal([]);
    await close();
  });
});

describe('GET /docs', () => {
  it('returns HTML that loads Swagger UI from local assets, each answering 200 with its content type', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    const page = await request(server).get('/docs').expect(200).expect('Content-Type', 'text/html; charset=utf-8');
    expect(page.text).to.match(/^<!DOCTYPE html>/);
    expect(page.text).to.contain('<div id="swagger-ui"></div>');
    const urls = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls).to.deep.equal([
      '/docs/assets/swagger-ui.css',
      '/docs/assets/index.css',
      '/docs/assets/favicon-32x32.png',
      '/docs/assets/favicon-16x16.png',
      '/docs/assets/swagger-ui-bundle.js',
      '/docs/assets/swagger-ui-standalone-preset.js',
      '/docs/assets/initializer.js',
    ]);
    const types: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', png: 'image/png' };
    for (const url of urls) {
      const res = await request(server).get(url).buffer(true);
      expect(res.status, url).to.equal(200);
      expect(res.headers['content-type'], url).to.equal(types[url.split('.').pop()!]);
      expect(Number(res.headers['content-length']), url).to.be.greaterThan(0);
    }
    const bundle = await request(server).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    expect(bundle.text).to.contain('SwaggerUIBundle');
    const init = await request(server).get('/docs/assets/initializer.js').expect(200);
    expect(init.text).to.contain("url: '/openapi.json'");
    await close();
  });

  it('answers 404 problems for files that are not assets, including path tricks', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    for (const url of ['/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/__proto__', '/docs/assets/swagger-ui-bundle.js.map']) {
      const res = await request(server).get(url);
      expect(res.status, url).to.equal(404);
      expect(res.body.code, url).to.equal('not_found');
    }
    await close();
  });
});
