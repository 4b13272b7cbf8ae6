// What an operator sees at start: the start line, the warnings, and refusals that name the next step.
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { MAIN_JS, REPO_ROOT, runServerToExit, startServerProcess, tempDir } from '../support/helpers.js';
import { startChild, stopChild } from '../../bench/children.js';

const lines = (out: string): Array<Record<string, unknown>> =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('start: what the operator sees', function () {
  this.timeout(30_000);

  it('the start line names version, store, auth state and limits (never the token); a fresh state gets a WARN naming its path', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    const srv = await startServerProcess({ SEQUENCE_FILE: file, LOG_LEVEL: 'info', TOKEN: 'top-secret-token', MAX_CONNECTIONS: '321' });
    expect(await stopChild(srv)).to.equal(0);
    const log = lines(srv.stdout());
    const fresh = log.find((l) => l.event === 'fresh_state')!;
    expect(fresh).to.include({ level: 40, file, msg: `no state found, starting fresh; check your volume (state path ${file})` });
    const start = log.find((l) => l.event === 'listening')!;
    expect(start.version).to.equal('1.0.0');
    expect(start.store).to.deep.equal({ kind: 'file', path: file });
    expect(start.auth).to.deep.equal({ token: true, scoped_tokens: 0, metrics_token: false });
    expect(start.limits).to.deep.include({ max_connections: 321, headers_timeout_ms: 20000, request_timeout_ms: 30000, keep_alive_timeout_ms: 65000, shutdown_delay_ms: 0 });
    expect(start.msg).to.equal(`take-a-number 1.0.0 listening on ${srv.url} (file ${file}, authentication on)`);
    expect(srv.stdout() + srv.stderr()).to.not.include('top-secret-token');

    // A second start on the same state: no fresh WARN.
    const again = await startServerProcess({ SEQUENCE_FILE: file, LOG_LEVEL: 'info' });
    expect(await stopChild(again)).to.equal(0);
    expect(lines(again.stdout()).map((l) => l.event)).to.not.include('fresh_state');
  });

  it('the shipped sequences.json and its replica: an empty format-2 state, no pool keys, a valid checksum, equal bytes', async () => {
    const primary = await readFile(path.join(REPO_ROOT, 'sequences.json'));
    expect(await readFile(path.join(REPO_ROOT, 'sequences.json.replica'))).to.deep.equal(primary);
    const { checksum, ...rest } = JSON.parse(primary.toString('utf8')) as Record<string, unknown>;
    expect(rest).to.deep.equal({ format: 2, generation: 0, sequences: {}, pools: {}, idempotency: {} });
    const before = primary.subarray(0, primary.indexOf('  "checksum"'));
    expect(checksum).to.equal(`crc32:${crc32(before).toString(16).padStart(8, '0')}`);
  });

  it('a first start on the shipped state, on loopback as npm start runs it, logs no WARN and migrates nothing', async () => {
    const dir = await tempDir();
    for (const f of ['sequences.json', 'sequences.json.replica']) await copyFile(path.join(REPO_ROOT, f), path.join(dir, f));
    const file = path.join(dir, 'sequences.json');
    const srv = await startChild(MAIN_JS, ['--port', '0'], { SEQUENCE_FILE: file, LOG_LEVEL: 'info', TAKE_A_NUMBER_ANNOUNCE: '1', HOST: '127.0.0.1' });
    expect(srv.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await (await fetch(`${srv.url}/next/build`)).json())).to.deep.equal({ sequence_id: 'build', next_value: 1 });
    expect(await stopChild(srv)).to.equal(0);
    const log = lines(srv.stdout());
    expect(log.map((l) => l.event)).to.include('listening');
    expect(log.filter((l) => (l.level as number) >= 40).map((l) => l.msg)).to.deep.equal([]);
    expect(srv.stderr()).to.equal('');
    expect((await readdir(dir)).sort()).to.deep.equal(['sequences.json', 'sequences.json.journal', 'sequences.json.journal.replica', 'sequences.json.lock', 'sequences.json.replica']);
    // The first start made this clone's own int and float pools, each with a key of its own.
    const state = JSON.parse(await readFile(file, 'utf8')) as { pools: Record<string, { key: string }> };
    expect(Object.keys(state.pools).sort()).to.deep.equal(['float', 'int']);
    expect(state.pools.int!.key).to.match(/^[0-9a-f]{64}$/);
  });

  it('warns when it listens beyond loopback with no token, and masks a database password in the start line', async () => {
    const dir = await tempDir();
    const srv = await startChild(MAIN_JS, ['--port', '0', '--host', '0.0.0.0'], { SEQUENCE_FILE: path.join(dir, 's.json'), LOG_LEVEL: 'info', TAKE_A_NUMBER_ANNOUNCE: '1' });
    expect(await stopChild(srv)).to.equal(0);
    const warn = lines(srv.stdout()).find((l) => l.event === 'no_auth')!;
    expect(warn).to.include({ level: 40 });
    expect(warn.msg).to.match(/^listening on 0\.0\.0\.0 with no TOKEN, TOKEN_FILE or TOKENS_FILE/);
    expect(lines(srv.stdout()).find((l) => l.event === 'listening')!.auth).to.equal('off');

    const { maskSecrets } = await import('../../src/mask.js');
    expect(maskSecrets('postgres://app:hunter2@db:5432/tan?sslmode=require&password=x')).to.equal('postgres://app:***@db:5432/tan?sslmode=require&password=***');
  });

  it('LOG_FORMAT=pretty prints readable lines, not JSON', async () => {
    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    expect(await stopChild(srv)).to.equal(0);
    const out = srv.stdout();
    expect(out).to.match(/WARN.*no state found, starting fresh; check your volume/);
    expect(out).to.match(/INFO.*take-a-number 1\.0\.0 listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(lines(out)).to.deep.equal([]);
  });

  it('a port in use stops the start with a PORT/--port hint, before any state file is created', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const dir = await tempDir();
    try {
      const r = await runServerToExit({ SEQUENCE_FILE: path.join(dir, 'state', 'sequences.json') }, ['--port', String(port)]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(`take-a-number: port ${port} on 127.0.0.1 is already in use: stop what listens there, or choose another port with PORT=<n> or --port <n>\n`);
      expect(await readdir(dir)).to.deep.equal([]);
    } finally {
      blocker.close();
    }
  });

  it('an unwritable state directory stops the start at once with the uid and the chown / :U hint (runs the server as uid 1000: needs root, as CI is)', async () => {
    const dir = await tempDir();
    const data = path.join(dir, 'data');
    await mkdir(data);
    await chmod(dir, 0o755);
    await chmod(data, 0o755); // owned by root: uid 1000 cannot write it
    const started = Date.now();
    const child = spawn(process.execPath, [MAIN_JS, '--port', '0', '--host', '127.0.0.1'], {
      env: { ...process.env, SEQUENCE_FILE: path.join(data, 'sequences.json'), LOG_LEVEL: 'warn' },
      uid: 1000,
      gid: 1000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).to.equal(1);
    expect(stderr).to.equal(
      `take-a-number: cannot write the state directory ${data} (EACCES): the service runs as uid 1000; chown 1000:1000 the directory on the host, or mount it with :U (podman), or use a named volume\n`,
    );
    expect(Date.now() - started).to.be.below(2000);
  });
});
