// The GitHub Action's entry point run as the runner runs it (INPUT_* variables, $GITHUB_OUTPUT, the run's
// ids) against a real server process with a token.
import http from 'node:http';
import path from 'node:path';
import { expect } from 'chai';
import { startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';
import { api, closedPort, lastValue, runAction, type ActionRun } from './support.js';

const TOKEN = 'tok-Secret-ci-4711';

describe('GitHub Action: the entry point against a real server', function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  const runs: ActionRun[] = [];
  const act = async (...args: Parameters<typeof runAction>): Promise<ActionRun> => {
    const r = await runAction(...args);
    runs.push(r);
    return r;
  };
  const base = (sequence: string, extra: Record<string, string> = {}): Record<string, string> => ({ url: srv.url, token: TOKEN, sequence, ...extra });

  before(async () => {
    srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), TOKEN });
  });
  after(async () => {
    expect(await stopChild(srv)).to.equal(0);
  });

  it('takes a number: exit 0, outputs in the runner\'s file format (heredoc blocks), the token masked first', async () => {
    const r = await act(base('build'));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.outputs).to.deep.equal({ number: '1', formatted: '1', result: '1' });
    expect(r.file).to.match(/^number<<ghadelimiter_[0-9a-f-]{36}\n1\nghadelimiter_[0-9a-f-]{36}\nformatted<<ghadelimiter_/);
    expect(r.stdout.split('\n')[0]).to.equal(`::add-mask::${TOKEN}`);
    expect(r.stdout).to.include('::notice title=take-a-number::took 1 from build');
    expect(r.stderr).to.equal('');
    expect(await lastValue(srv.url, 'build', TOKEN)).to.equal(1);
  });

  it('a re-run of the same run attempt gets the same number; a new attempt, another job or another step a new one', async () => {
    const ctx = { runId: '555', attempt: '1', job: 'release', step: 'number' };
    const first = await act(base('rerun'), ctx);
    const again = await act(base('rerun'), ctx);
    expect([first.outputs.number, again.outputs.number]).to.deep.equal(['1', '1']);
    expect((await act(base('rerun'), { ...ctx, attempt: '2' })).outputs.number).to.equal('2');
    expect((await act(base('rerun'), { ...ctx, job: 'deploy' })).outputs.number).to.equal('3');
    expect((await act(base('rerun'), { ...ctx, step: 'number_2' })).outputs.number).to.equal('4');
    expect((await act(base('rerun'), { ...ctx, attempt: '2' })).outputs.number).to.equal('2');
    expect(await lastValue(srv.url, 'rerun', TOKEN)).to.equal(4);
  });

  it('an explicit idempotency-key is the key: the same key, the same number, across runs', async () => {
    const a = await act(base('keyed', { 'idempotency-key': 'release-v1.2.3' }), { runId: '1' });
    const b = await act(base('keyed', { 'idempotency-key': 'release-v1.2.3' }), { runId: '2' });
    const c = await act(base('keyed', { 'idempotency-key': 'release-v1.2.4' }), { runId: '2' });
    expect([a.outputs.number, b.outputs.number, c.outputs.number]).to.deep.equal(['1', '1', '2']);
  });

  it('count and format text: number and last, result the values one per line', async () => {
    await act(base('counted'), { step: 'one' });
    const r = await act(base('counted', { count: '3', format: 'text' }), { step: 'three' });
    expect(r.code, r.stdout).to.equal(0);
    expect(r.outputs).to.deep.equal({ number: '2', last: '4', formatted: '2', result: '2\n3\n4' });
    expect(r.stdout).to.include('took 2 … 4 from counted');
  });

  it('format json: result is the answer as the service sent it', async () => {
    const r = await act(base('json', { count: '2', format: 'json' }));
    expect(JSON.parse(r.outputs.result!)).to.deep.equal({ sequence_id: 'json', next_value: 1, last_value: 2 });
    expect(r.outputs.number).to.equal('1');
  });

  it('a sequence with a format: formatted is the formatted id, result the formatted ids', async () => {
    const put = await api(srv.url, 'PUT', '/sequences/invoice', TOKEN, { format: 'INV-{n:04}' });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
    const r = await act(base('invoice', { count: '2' }));
    expect(r.code, r.stdout).to.equal(0);
    expect(r.outputs).to.deep.equal({ number: '1', last: '2', formatted: 'INV-0001', result: 'INV-0001\nINV-0002' });
  });

  it('"start at 1000": after PUT last_value 999 the action takes 1000', async () => {
    expect((await api(srv.url, 'PUT', '/sequences/from-1000', TOKEN, { last_value: 999 })).status).to.equal(200);
    expect((await act(base('from-1000'))).outputs.number).to.equal('1000');
  });

  it('a sequence id with spaces and non-ASCII letters is taken as it is (path-encoded, key hashed)', async () => {
    const r = await act(base('Bau Nr. ü'), { runId: '77' });
    expect(r.outputs.number, r.stdout).to.equal('1');
    expect((await act(base('Bau Nr. ü'), { runId: '77' })).outputs.number).to.equal('1');
    expect(await lastValue(srv.url, 'Bau Nr. ü', TOKEN)).to.equal(1);
  });

  it('a wrong URL fails with a message naming input url, after the retries, and writes no output', async () => {
    const port = await closedPort();
    const r = await act(base('build', { url: `http://127.0.0.1:${port}`, retries: '2' }));
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include(`::error title=take-a-number::input url: cannot reach http://127.0.0.1:${port}: ECONNREFUSED (gave up after 3 attempts)\n`);
    expect(r.file).to.equal('');
    const notUrl = await act(base('build', { url: 'numbers.example.com' }));
    expect(notUrl.stdout).to.include('::error title=take-a-number::input url: not a URL: numbers.example.com\n');
    const withCredentials = await act(base('build', { url: `http://user:${TOKEN}@127.0.0.1:${port}` }));
    expect(withCredentials.stdout).to.include('input url: has credentials in it: put the token in input token (a secret) instead');
  });

  it('a wrong or missing token fails with a message naming input token, the server\'s detail and the fix', async () => {
    const wrong = await act(base('build', { token: 'not-the-token' }));
    expect(wrong.code).to.equal(1);
    expect(wrong.stdout).to.include(
      '::error title=take-a-number::input token: the server answered 401 unauthorized: send Authorization: Bearer <token> (set input token to a token the server accepts, from a secret)\n',
    );
    const none = await act({ url: srv.url, sequence: 'build' });
    expect(none.code).to.equal(1);
    expect(none.stdout).to.include('::error title=take-a-number::input token: the server answered 401 unauthorized');
    expect(await lastValue(srv.url, 'build', TOKEN)).to.equal(1);
  });

  it('wrong inputs fail before any request, naming the input', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ mode: 'take' }, 'input mode: "take" is not one of next, reserve, confirm, void'],
      [{ format: 'xml' }, 'input format: "xml" is not one of text, json'],
      [{ sequence: '' }, 'input sequence: required with mode next: the id of the sequence to take a number from'],
      [{ count: 'three' }, 'input count: "three" is not a whole number'],
      [{ mode: 'reserve', count: '2' }, 'input count: mode reserve takes one number at a time: leave count out'],
      [{ mode: 'confirm' }, "input reservation: required with mode confirm: pass the reserve step's output, e.g. ${{ steps.number.outputs.reservation }}"],
      [{ mode: 'void', reservation: 'r1' }, 'input reason: required with mode void: why the number is not used (1-500 characters), e.g. "build failed"'],
      [{ 'idempotency-key': 'with space' }, 'input idempotency-key: must be 1-255 visible ASCII characters'],
      [{ retries: 'many' }, 'input retries: "many" is not a whole number from 0 to 99'],
      [{ url: '' }, 'input url: required: the take-a-number service, e.g. https://numbers.example.com'],
    ];
    for (const [inputs, message] of cases) {
      const r = await act(base('checked', inputs));
      expect(r.code, message).to.equal(1);
      expect(r.stdout, message).to.include(`::error title=take-a-number::${message}\n`);
      expect(r.file).to.equal('');
    }
    const count = await act(base('checked', { count: '0' }));
    expect(count.stdout).to.match(/::error title=take-a-number::input count: the server answered 400 invalid_count: /);
    expect((await api(srv.url, 'GET', '/sequences/checked', TOKEN)).status).to.equal(404);
  });

  it('a failure outside GitHub (no GITHUB_OUTPUT) says so', async () => {
    const r = await act(base('build'), {}, { GITHUB_OUTPUT: '' });
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('::error title=take-a-number::GITHUB_OUTPUT is not set: run this as a step of a GitHub Actions job (elsewhere, use ci/take-a-number.sh)');
  });

  it('the same step key for another request is refused, naming input idempotency-key', async () => {
    await act(base('reused'), { step: 'twice' });
    const r = await act(base('reused', { count: '2' }), { step: 'twice' });
    expect(r.stdout).to.include(
      '::error title=take-a-number::input idempotency-key: the server answered 422 idempotency_key_reused: the Idempotency-Key was first used for another request (next 1 reused)\n',
    );
  });

  it('a lost answer (connection reset after the server handed out the number) is retried with the same key: one number used', async () => {
    // A proxy that forwards each request and drops the first answer, as a network failure would.
    const keys: string[] = [];
    const target = new URL(srv.url);
    const proxy = http.createServer((req, res) => {
      keys.push(String(req.headers['idempotency-key']));
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        if (keys.length === 1) {
          answer.resume();
          answer.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as { port: number }).port;
      const r = await act(base('lossy', { url: `http://127.0.0.1:${port}` }));
      expect(r.code, r.stdout).to.equal(0);
      expect(r.outputs.number).to.equal('1');
      expect(keys).to.have.length(2);
      expect(keys[0]).to.equal(keys[1]);
      expect(keys[0]).to.equal('gh-9000001-1-build-number-next-lossy');
      expect(await lastValue(srv.url, 'lossy', TOKEN)).to.equal(1);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  it('a 503 with Retry-After is retried after the time it asks; a 4xx is not retried', async () => {
    const seen: number[] = [];
    let answered = 0;
    const flaky = http.createServer((req, res) => {
      seen.push(Date.now());
      answered++;
      req.resume();
      if (answered === 1) {
        res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Retry-After': '1' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'draining', code: 'shutting_down' }));
      } else if (answered === 2) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ sequence_id: 'x', next_value: 41 }));
      } else {
        res.writeHead(409, { 'Content-Type': 'application/problem+json' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Conflict', status: 409, detail: 'the sequence reached its max', code: 'sequence_exhausted' }));
      }
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(flaky.address() as { port: number }).port}`;
      const ok = await act(base('x', { url }));
      expect(ok.outputs.number, ok.stdout).to.equal('41');
      expect(seen).to.have.length(2);
      expect(seen[1]! - seen[0]!).to.be.at.least(950);
      const refused = await act(base('x', { url }));
      expect(refused.stdout).to.include('::error title=take-a-number::input sequence: the server answered 409 sequence_exhausted: the sequence reached its max\n');
      expect(seen).to.have.length(3);
    } finally {
      flaky.closeAllConnections();
      await new Promise<void>((resolve) => flaky.close(() => resolve()));
    }
  });

  it('the token is never printed: in no run of this suite, on stdout or stderr, except the add-mask line', () => {
    expect(runs.length).to.be.greaterThan(20);
    for (const r of runs) {
      const text = `${r.stdout}\n${r.stderr}\n${r.file}`;
      const withoutMask = text.split('\n').filter((l) => l !== `::add-mask::${TOKEN}` && l !== '::add-mask::not-the-token');
      expect(withoutMask.join('\n')).not.to.include(TOKEN);
      expect(withoutMask.join('\n')).not.to.include('not-the-token');
    }
  });
});
