// Every answer says X-Content-Type-Options: nosniff (values, problems, the docs, Node's own refusals); /docs
// carries a Content-Security-Policy that allows only its own assets.
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { fileApp, startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

describe('http: security headers', () => {
  it('nosniff on every answer: 200, 404, 400, 405, text values, the docs and their assets', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    for (const r of [
      request(server).post('/next/a'),
      request(server).get('/next/a?format=text'),
      request(server).get('/nowhere'),
      request(server).get('/next/a?count=0'),
      request(server).delete('/next/a'),
      request(server).get('/docs'),
      request(server).get('/docs/assets/initializer.js'),
      request(server).get('/openapi.json'),
      request(server).get('/healthz'),
    ]) {
      const res = await r;
      expect(res.headers['x-content-type-options'], `${res.status} ${res.headers['content-type']}`).to.equal('nosniff');
    }
    const docs = await request(server).get('/docs');
    expect(docs.headers['content-security-policy']).to.match(/^default-src 'none'; script-src 'self'; style-src 'self' 'sha256-[^']+'; img-src 'self' data:; font-src 'self'; connect-src 'self'; /);
    await close();
  });

  it("nosniff on Node's own refusals too (bytes that are not HTTP)", async function () {
    this.timeout(30_000);
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json') });
    try {
      const { port } = new URL(srv.url);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        const s = net.connect(Number(port), '127.0.0.1', () => s.write('NOT HTTP\r\n\r\n'));
        s.on('data', (d: Buffer) => (text += d.toString()));
        s.on('close', () => resolve(text));
      });
      expect(answer).to.match(/^HTTP\/1\.1 400 /);
      expect(answer).to.include('\r\nX-Content-Type-Options: nosniff\r\n');
    } finally {
      expect(await stopChild(srv)).to.equal(0);
    }
  });
});
