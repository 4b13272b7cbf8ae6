// The edge: every answer a problem document (Node's own 400 and 431 too), 503 with Retry-After and no server
// paths, empty Idempotency-Key refused, HEAD /next/ unknown, probes through a drain.
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { ServiceError } from '../../src/errors.js';
import { createApp } from '../../src/http/app.js';
import { withoutPaths } from '../../src/http/problem.js';
import { silentLogger } from '../../src/logger.js';
import { openFileStore, startServerProcess, tempDir, testConfig } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

/** Sends raw bytes and returns the whole answer once the server closes the connection. */
function raw(url: string, bytes: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

const parse = (answer: string): { head: string; body: unknown } => {
  const [head, body] = answer.split('\r\n\r\n');
  return { head: head!, body: JSON.parse(body!) };
};

describe('the edge', () => {
  it("answers Node's own refusals as problem documents: 400 for bytes that are not HTTP, 431 for headers past 16 KiB", async function () {
    this.timeout(20_000);
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json') });
    try {
      const bad = parse(await raw(srv.url, 'NOT HTTP AT ALL\r\n\r\n'));
      expect(bad.head).to.match(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(bad.head).to.include('Content-Type: application/problem+json');
      expect(bad.body).to.deep.equal({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'the request is not valid HTTP/1.1', code: 'bad_request' });
      const big = parse(await raw(srv.url, `GET /next/a HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      expect(big.head).to.match(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      expect(big.body).to.deep.equal({
        type: 'about:blank',
        title: 'Request Header Fields Too Large',
        status: 431,
        detail: 'the request headers are larger than the server accepts (16 KiB)',
        code: 'headers_too_large',
      });
      // Neither moved a counter.
      expect(await (await fetch(`${srv.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    } finally {
      await stopChild(srv);
    }
  });

  it('refuses an empty Idempotency-Key with 400 and moves nothing; HEAD /next/ is 404, HEAD /next/a 405', async () => {
    const store = await openFileStore(path.join(await tempDir(), 's.json'));
    const app = createApp({ store, config: testConfig(), log: silentLogger() }).callback();
    const res = await request(app).post('/next/a').set('Idempotency-Key', '');
    expect(res.status).to.equal(400);
    expect(res.body).to.include({ code: 'invalid_idempotency_key' });
    expect(await store.lastValue('a')).to.equal(undefined);
    const head = await request(app).head('/next/');
    expect(head.status).to.equal(404);
    expect(head.headers['content-type']).to.equal('application/problem+json');
    expect((await request(app).head('/next/a')).status).to.equal(405);
    await store.close();
  });

  it('503s carry Retry-After and a detail without server paths', async () => {
    const store = await openFileStore(path.join(await tempDir(), 's.json'));
    store.next = () => Promise.reject(new ServiceError('storage_unavailable', "the state could not be written (EACCES: permission denied, open '/data/sequences.json.tmp'); nothing was handed out"));
    const app = createApp({ store, config: testConfig(), log: silentLogger() }).callback();
    const res = await request(app).get('/next/a');
    expect(res.status).to.equal(503);
    expect(res.headers['retry-after']).to.equal('5');
    expect(res.body.detail).to.equal("the state could not be written (EACCES: permission denied, open '<path>'); nothing was handed out");
    expect(withoutPaths('ENOSPC: no space left on device, write /var/lib/x (fd 3)')).to.equal('ENOSPC: no space left on device, write <path> (fd 3)');
    expect(withoutPaths('sequence "a" is at 3')).to.equal('sequence "a" is at 3');
    // The fencing detail keeps its sentence: the ";" and ":" after a path are not the path's.
    expect(withoutPaths('another process holds /tmp/s/sequences.json.lock; this one stops writing: restart this process once the other has stopped')).to.equal(
      'another process holds <path>; this one stops writing: restart this process once the other has stopped',
    );
    expect(withoutPaths('cannot read /a/b: gone')).to.equal('cannot read <path>: gone');
    await store.close();
  });

  it('/livez is 200 while the process runs; /readyz is 200 until draining, then 503 shutting_down with Retry-After', async () => {
    const store = await openFileStore(path.join(await tempDir(), 's.json'));
    const lifecycle = { draining: false };
    const app = createApp({ store, config: testConfig(), log: silentLogger(), lifecycle }).callback();
    await request(app).get('/livez').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200, { status: 'ok' });
    lifecycle.draining = true;
    const res = await request(app).get('/readyz');
    expect(res.status).to.equal(503);
    expect(res.headers['retry-after']).to.equal('5');
    expect(res.body).to.include({ code: 'shutting_down', status_text: 'draining' });
    await request(app).get('/livez').expect(200, { status: 'ok' });
    await request(app).get('/next/a').expect(200, { sequence_id: 'a', next_value: 1 });
    await store.close();
  });
});
