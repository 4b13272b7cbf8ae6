// The real process: start-up refusals (exit codes and messages), the lock, SIGTERM.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { SETTINGS } from '../src/config.js';
import { MAIN_JS, openFileStore, runServerToExit, startServerProcess, tempDir, type ServerProcess } from './support/helpers.js';

/** Runs main.js with only environment settings (runServerToExit always passes --port 0, which wins over PORT). */
async function runWithEnv(env: Record<string, string>): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN_JS], { env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | string>((resolve) => child.once('exit', (c, sig) => resolve(c ?? sig ?? -1)));
  return { code, stdout, stderr };
}

describe('main: start-up', () => {
  let file: string;
  const started: ServerProcess[] = [];
  beforeEach(async () => {
    file = path.join(await tempDir(), 'sequences.json');
  });
  afterEach(async () => {
    // stop only the processes this test started
    for (const p of started.splice(0))
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
  });

  it('--help lists every setting with its environment variable and default, exit 0, starting nothing', async () => {
    const run = await runServerToExit({ SEQUENCE_FILE: file }, ['--help']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.not.include('LISTENING');
    for (const s of SETTINGS) expect(run.stdout).to.match(new RegExp(`--${s.flag}\\s+${s.env}\\s`));
    expect(run.stdout).to.include('(default 1000000)');
    await readFile(file).then(
      () => expect.fail('--help created the state file'),
      (e: NodeJS.ErrnoException) => expect(e.code).to.equal('ENOENT'),
    );
  });

  it('refuses a changed random domain for an existing state file with exit 1, naming RANDOM_INT_MAX', async () => {
    const store = await openFileStore(file, { RANDOM_INT_MAX: '1000' });
    await store.next('kept', 1);
    await store.close();
    const before = await readFile(file, 'utf8');
    const run = await runServerToExit({ SEQUENCE_FILE: file, RANDOM_INT_MAX: '2000' });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('RANDOM_INT_MAX');
    expect(run.stdout).to.not.include('LISTENING');
    expect(await readFile(file, 'utf8')).to.equal(before);
  });

  const badConfig: [string, Record<string, string>, string[], string][] = [
    ['--port abc', {}, ['--port', 'abc'], 'PORT'],
    ['RANDOM_FLOAT_DECIMALS=99', { RANDOM_FLOAT_DECIMALS: '99' }, [], 'RANDOM_FLOAT_DECIMALS'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, [], 'LOG_LEVEL'],
  ];
  for (const [name, env, args, setting] of badConfig)
    it(`stops on ${name} with exit 2 and one line naming ${setting}`, async () => {
      const run = await runServerToExit({ SEQUENCE_FILE: file, ...env }, args);
      expect(run.code).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr.endsWith('\n')).to.equal(true);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines, run.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^take-a-number: /);
      expect(lines[0]).to.include(setting);
    });

  for (const [name, env, setting] of [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['MAX_SEQUENCES=0', { MAX_SEQUENCES: '0' }, 'MAX_SEQUENCES'],
  ] as const)
    it(`stops on the environment setting ${name} with exit 2 and one line naming ${setting}`, async () => {
      const run = await runWithEnv({ SEQUENCE_FILE: file, ...env });
      expect(run.code).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.match(new RegExp(`^take-a-number: ${setting} \\(--[a-z-]+\\) [^\\n]+\\n$`));
    });

  it('refuses a second process on the same file (lock); the first stops on SIGTERM with exit 0', async () => {
    const first = await startServerProcess({ SEQUENCE_FILE: file });
    started.push(first);
    const res = await fetch(`${first.url}/next/x`);
    expect(await res.json()).to.deep.equal({ sequence_id: 'x', next_value: 1 });
    const second = await runServerToExit({ SEQUENCE_FILE: file });
    expect(second.code).to.equal(1);
    expect(second.stderr).to.match(/lock/);
    expect(second.stdout).to.not.include('LISTENING');
    // the first one is unaffected
    expect(await (await fetch(`${first.url}/next/x`)).json()).to.deep.equal({ sequence_id: 'x', next_value: 2 });
    first.child.kill('SIGTERM');
    expect(await first.exited).to.equal(0);
    expect((JSON.parse(await readFile(file, 'utf8')) as { sequences: unknown }).sequences).to.deep.equal({ x: 2 });
  });

  it('creates missing directories and serves from them', async () => {
    const deep = path.join(path.dirname(file), 'x', 'y', 'z', 'state.json');
    const srv = await startServerProcess({ SEQUENCE_FILE: deep });
    started.push(srv);
    expect(await (await fetch(`${srv.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    srv.child.kill('SIGTERM');
    expect(await srv.exited).to.equal(0);
    expect((JSON.parse(await readFile(deep, 'utf8')) as { sequences: unknown }).sequences).to.deep.equal({ a: 1 });
  });
});
