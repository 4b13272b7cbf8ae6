// The CLI's HTTP client: retries transient failures with one idempotency key, never 4xx, one-line reasons.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { backoff, call, ClientError, type ClientOptions } from '../../src/client/http.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A stub server answering the n-th request with `answers[n]` (the last one repeats); 'hang' never answers. */
async function stub(answers: Array<[status: number, body: string] | 'hang'>) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const answer = answers[Math.min(seen.length, answers.length) - 1]!;
    if (answer === 'hang') return;
    const [status, body] = answer;
    res.writeHead(status, { 'Content-Type': body.startsWith('{') ? 'application/problem+json' : 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const problem = (status: number, code: string, detail: string): [number, string] => [status, JSON.stringify({ type: 'about:blank', title: 'x', status, detail, code })];

describe('CLI client', () => {
  const delays: number[] = [];
  const opts = (url: string, extra: Partial<ClientOptions> = {}): ClientOptions => ({
    url,
    retries: 3,
    timeoutMs: 2000,
    sleep: async (ms) => void delays.push(ms),
    ...extra,
  });
  beforeEach(() => (delays.length = 0));

  it('retries 503 and 500 with the same Idempotency-Key and backs off exponentially', async () => {
    const s = await stub([problem(503, 'storage_unavailable', 'disk full'), problem(500, 'internal_error', 'oops'), [200, '7\n']]);
    expect(await call('POST', '/next/build?format=text', opts(s.url, { token: 'tok' }))).to.equal('7\n');
    expect(s.seen).to.have.length(3);
    const keys = s.seen.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).to.match(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).to.equal(1);
    for (const r of s.seen) {
      expect(r).to.deep.include({ method: 'POST', url: '/next/build?format=text' });
      expect(r.headers.authorization).to.equal('Bearer tok');
      expect(r.headers.accept).to.equal('text/plain');
    }
    expect(delays).to.have.length(2);
    expect(delays[0]).to.be.within(100, 200);
    expect(delays[1]).to.be.within(200, 400);
    await s.close();
  });

  it('uses a new key per call, or the one it is given', async () => {
    const s = await stub([[200, '1\n']]);
    await call('GET', '/random', opts(s.url));
    await call('GET', '/random', opts(s.url));
    await call('GET', '/random', opts(s.url, { idempotencyKey: 'ci-job-9' }));
    const keys = s.seen.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).to.not.equal(keys[1]);
    expect(keys[2]).to.equal('ci-job-9');
    await s.close();
  });

  it('does not retry a 4xx and reports it in one line', async () => {
    const s = await stub([problem(409, 'sequence_exhausted', 'sequence "a" is at 9007199254740991')]);
    const err = await call('POST', '/next/a', opts(s.url)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ClientError);
    expect((err as Error).message).to.equal('409 sequence_exhausted: sequence "a" is at 9007199254740991');
    expect(s.seen).to.have.length(1);
    expect(delays).to.deep.equal([]);
    await s.close();
  });

  it('does not retry a 5xx that another attempt cannot fix (random_exhausted)', async () => {
    const s = await stub([problem(503, 'random_exhausted', 'the int pool has handed out 10 of its 10 values; 1 more do not fit')]);
    const err = (await call('GET', '/random', opts(s.url)).catch((e: unknown) => e)) as Error;
    expect(err.message).to.equal('503 random_exhausted: the int pool has handed out 10 of its 10 values; 1 more do not fit');
    expect(s.seen).to.have.length(1);
    await s.close();
  });

  it('gives up after --retries more attempts with the last reason', async () => {
    const s = await stub([[502, 'bad gateway page']]);
    const err = (await call('GET', '/random', opts(s.url, { retries: 2 })).catch((e: unknown) => e)) as Error;
    expect(err.message).to.equal('502 Bad Gateway (gave up after 3 attempts)');
    expect(s.seen).to.have.length(3);
    await s.close();
  });

  it('retries an attempt that times out', async () => {
    const s = await stub(['hang', [200, '3\n']]);
    expect(await call('GET', '/next/a', opts(s.url, { timeoutMs: 300 }))).to.equal('3\n');
    expect(s.seen).to.have.length(2);
    expect(s.seen[0]!.headers['idempotency-key']).to.equal(s.seen[1]!.headers['idempotency-key']);
    await s.close();
  });

  it('reports an unreachable server and a bad URL in one line', async () => {
    const s = await stub([[200, '']]);
    await s.close();
    const err = (await call('GET', '/next/a', opts(s.url, { retries: 1 })).catch((e: unknown) => e)) as Error;
    expect(err.message).to.equal(`cannot reach ${s.url}: ECONNREFUSED (gave up after 2 attempts)`);
    expect(((await call('GET', '/next/a', opts('localhost:5000')).catch((e: unknown) => e)) as Error).message).to.equal('not an http(s) URL: localhost:5000');
    expect(((await call('GET', '/next/a', opts('nope')).catch((e: unknown) => e)) as Error).message).to.equal('not a URL: nope');
  });

  it('backs off exponentially up to 5 s, with jitter in the upper half', () => {
    for (let i = 0; i < 50; i++) {
      expect(backoff(0)).to.be.within(100, 200);
      expect(backoff(3)).to.be.within(800, 1600);
      expect(backoff(20)).to.be.within(2500, 5000);
    }
  });
});
