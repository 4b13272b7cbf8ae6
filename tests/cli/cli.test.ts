// The take-a-number command end to end, against real server processes.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { SETTINGS } from '../../src/config.js';
import { REPO_ROOT, startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';

const CLI_JS = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');

interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process; `done` resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string> = {}): { done: Promise<Run> } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAKE_A_NUMBER_')));
  const child = spawn(process.execPath, [CLI_JS, ...args], { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { done: new Promise((resolve) => child.once('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }))) };
}
const run = (args: string[], env: Record<string, string> = {}): Promise<Run> => cli(args, env).done;

async function lastValue(srv: ServerProcess, id: string, token?: string): Promise<number> {
  const res = await fetch(`${srv.url}/sequences/${id}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  return ((await res.json()) as { last_value: number }).last_value;
}

async function stop(srv: ServerProcess): Promise<void> {
  srv.child.kill('SIGTERM');
  expect(await srv.exited).to.equal(0);
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('take-a-number CLI', function () {
  this.timeout(30_000);
  let srv: ServerProcess;
  const FLOATS = { RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '0.05', RANDOM_FLOAT_DECIMALS: '2' };

  before(async () => {
    srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), ...FLOATS });
  });
  after(async () => stop(srv));

  it('next <id> prints the bare value and exits 0', async () => {
    expect(await run(['next', 'build', '--url', srv.url])).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
  });

  it('next <id> --count 3 prints three values, one per line', async () => {
    expect(await run(['next', 'build', '--count', '3', '--url', srv.url])).to.deep.equal({ code: 0, stdout: '2\n3\n4\n', stderr: '' });
  });

  it('next <id> prints the formatted ids of a formatted sequence', async () => {
    const res = await fetch(`${srv.url}/sequences/invoice`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ format: 'INV-{n:05}{check}', last_value: 16 }) });
    expect(res.status).to.equal(200);
    expect(await run(['next', 'invoice', '--url', srv.url])).to.deep.equal({ code: 0, stdout: 'INV-000174\n', stderr: '' });
    expect(await run(['next', 'invoice', '--count', '2', '--url', srv.url])).to.deep.equal({ code: 0, stdout: 'INV-000182\nINV-000190\n', stderr: '' });
  });

  it('takes the server from TAKE_A_NUMBER_URL and encodes the id', async () => {
    expect(await run(['next', 'release/v1 ü'], { TAKE_A_NUMBER_URL: srv.url })).to.deep.equal({ code: 1, stdout: '', stderr: 'take-a-number: 400 invalid_sequence_id: the sequence id contains a control character or "/"\n' });
    expect(await run(['next', 'release v1 ü'], { TAKE_A_NUMBER_URL: `${srv.url}/` })).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    expect(await lastValue(srv, encodeURIComponent('release v1 ü'))).to.equal(1);
  });

  it('random --type float prints floats with exactly their decimals', async () => {
    const r = await run(['random', '--type', 'float', '--count', '5', '--url', srv.url]);
    expect(r.code).to.equal(0);
    expect(r.stderr).to.equal('');
    // The whole pool is 0.00 … 0.04: five draws are all of it, each written with two decimals.
    expect(r.stdout.split('\n').filter(Boolean).sort()).to.deep.equal(['0.00', '0.01', '0.02', '0.03', '0.04']);
    expect(r.stdout.endsWith('\n')).to.equal(true);
  });

  // Runs after the float test above, which drew the whole five-value float pool.
  it('checks its own arguments (exit 2, nothing sent)', async () => {
    expect(await run(['next', 'untouched', '--count', '0', '--url', srv.url])).to.deep.equal({
      code: 2,
      stdout: '',
      stderr: "take-a-number: option '--count <n>' argument '0' is invalid. expected a whole number from 1 to 10000\n(add --help for usage)\n",
    });
    expect((await run(['random', '--type', 'big', '--url', srv.url])).code).to.equal(2);
    expect(await lastValue(srv, 'untouched')).to.equal(undefined);
  });

  it('exits 1 with one line on stderr for a 4xx, without retrying it', async () => {
    await fetch(`${srv.url}/sequences/full`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ last_value: Number.MAX_SAFE_INTEGER }) });
    expect(await run(['next', 'full', '--url', srv.url])).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: `take-a-number: 409 sequence_exhausted: sequence "full" is at ${Number.MAX_SAFE_INTEGER}; 1 more would pass ${Number.MAX_SAFE_INTEGER}, the largest exact integer\n`,
    });
    expect(await run(['random', '--type', 'float', '--url', srv.url])).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: 'take-a-number: 503 random_exhausted: the float pool has handed out 5 of its 5 values; 1 more do not fit\n',
    });
  });

  it('random --pool <name> prints bare codes of a named pool, one per line, every code once', async () => {
    const put = await fetch(`${srv.url}/pools/tickets`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'code', alphabet: 'AB', length: 2, prefix: 'T-' }),
    });
    expect(put.status).to.equal(201);
    const one = await run(['random', '--pool', 'tickets', '--url', srv.url]);
    expect(one.code).to.equal(0);
    expect(one.stdout).to.match(/^T-[AB]{2}\n$/);
    const rest = await run(['random', '--pool', 'tickets', '--count', '3', '--url', srv.url]);
    expect(rest.code).to.equal(0);
    expect([one.stdout, rest.stdout].join('').split('\n').filter(Boolean).sort()).to.deep.equal(['T-AA', 'T-AB', 'T-BA', 'T-BB']);
    expect(await run(['random', '--pool', 'tickets', '--url', srv.url])).to.deep.equal({
      code: 1,
      stdout: '',
      stderr: 'take-a-number: 503 random_exhausted: the tickets pool has handed out 4 of its 4 values; 1 more do not fit\n',
    });
    expect(await run(['random', '--pool', 'nope', '--url', srv.url])).to.deep.equal({ code: 1, stdout: '', stderr: 'take-a-number: 404 pool_not_found: there is no pool \"nope\"; create it with PUT /pools/nope\n' });
    const both = await run(['random', '--pool', 'tickets', '--type', 'float', '--url', srv.url]);
    expect(both.code).to.equal(2);
    expect(both.stderr.split('\n')[0]).to.equal("take-a-number: option '--pool <name>' cannot be used with option '--type <type>'");
  });

  it('exits 2 with a usage message for a bad command line', async () => {
    const r = await run(['next', '--url', srv.url]);
    expect(r.code).to.equal(2);
    expect(r.stderr.split('\n')[0]).to.equal("take-a-number: missing required argument 'id'");
    expect((await run(['next', 'a', '--retries', 'many'])).stderr.split('\n')[0]).to.equal("take-a-number: option '--retries <n>' argument 'many' is invalid. expected a whole number from 0 to 100");
    expect((await run(['frobnicate'])).code).to.equal(2);
  });
});

describe('take-a-number CLI with TOKEN', function () {
  this.timeout(30_000);

  it('sends the token from --token or TAKE_A_NUMBER_TOKEN, and fails in one line without it', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), TOKEN: 'sekrit' });
    const refused = "take-a-number: 401 unauthorized: send Authorization: Bearer <token>; set TAKE_A_NUMBER_TOKEN (or --token) to the server's TOKEN\n";
    expect(await run(['next', 'a', '--url', srv.url])).to.deep.equal({ code: 1, stdout: '', stderr: refused });
    expect(await run(['next', 'a', '--url', srv.url, '--token', 'wrong'])).to.deep.equal({ code: 1, stdout: '', stderr: refused });
    expect(await run(['next', 'a', '--url', srv.url, '--token', 'sekrit'])).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    expect(await run(['next', 'a', '--url', srv.url], { TAKE_A_NUMBER_TOKEN: 'sekrit' })).to.deep.equal({ code: 0, stdout: '2\n', stderr: '' });
    expect(await lastValue(srv, 'a', 'sekrit')).to.equal(2);
    await stop(srv);
  });
});

describe('take-a-number CLI retries', function () {
  this.timeout(30_000);

  it('retries through a connection that is cut after the server answered, and the value is used once', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json') });
    const upstream = new URL(srv.url);
    let connections = 0;
    // A proxy that forwards the first request but cuts the connection when the answer comes back.
    const proxy = net.createServer((client) => {
      const n = ++connections;
      const server = net.connect(Number(upstream.port), upstream.hostname);
      client.on('error', () => undefined);
      server.on('error', () => undefined);
      client.pipe(server);
      if (n === 1)
        server.once('data', () => {
          client.resetAndDestroy();
          server.destroy();
        });
      else server.pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
    expect(await run(['next', 'build', '--url', url])).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    expect(connections).to.equal(2);
    expect(await lastValue(srv, 'build')).to.equal(1);
    expect(await run(['next', 'build', '--url', url])).to.deep.equal({ code: 0, stdout: '2\n', stderr: '' });
    proxy.close();
    await stop(srv);
  });

  it('waits for a server that is not listening yet, and the value is used once', async () => {
    const port = await freePort();
    let resets = 0;
    let firstReset: () => void = () => undefined;
    const reset = new Promise<void>((resolve) => (firstReset = resolve));
    // Until the server starts, the port resets every connection (and then refuses them).
    const dropper = net.createServer((socket) => {
      resets++;
      socket.resetAndDestroy();
      firstReset();
    });
    await new Promise<void>((resolve) => dropper.listen(port, '127.0.0.1', resolve));
    const client = cli(['next', 'build', '--url', `http://127.0.0.1:${port}`, '--retries', '10']);
    await reset;
    await new Promise<void>((resolve) => dropper.close(() => resolve()));
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json') }, ['--port', String(port)]);
    expect(await client.done).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    expect(resets).to.be.at.least(1);
    expect(await lastValue(srv, 'build')).to.equal(1);
    await stop(srv);
  });
});

describe('take-a-number serve', function () {
  this.timeout(30_000);

  it('--help lists every setting', async () => {
    const r = await run(['serve', '--help']);
    expect(r.code).to.equal(0);
    for (const { flag } of SETTINGS) expect(r.stdout, flag).to.contain(`--${flag} <value>`);
    expect(r.stdout).to.contain('[env SEQUENCE_FILE]');
  });

  it('runs the server with the flags given, and stops on SIGTERM', async () => {
    const file = path.join(await tempDir(), 'via-cli.json');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAKE_A_NUMBER_')));
    const child = spawn(process.execPath, [CLI_JS, 'serve', '--port', '0', '--host', '127.0.0.1', '--sequence-file', file, '--log-level', 'warn'], {
      env: { ...clean, TAKE_A_NUMBER_ANNOUNCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | string>((resolve) => child.once('exit', (c, s) => resolve(c ?? s ?? -1)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then((c) => reject(new Error(`exited ${c}`)));
    });
    expect(await run(['next', 'x', '--url', url])).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
  });

  it('stops with exit 2 and one line naming a bad setting', async () => {
    expect(await run(['serve', '--port', '99999'])).to.deep.equal({ code: 2, stdout: '', stderr: 'take-a-number: PORT (--port) must be between 0 and 65535, got 99999\n' });
  });
});
