// The ledger commands (reserve, confirm, void, gaps) and the client's ledger methods, against a real server process.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { TakeANumber } from '../../src/client/index.js';
import { REPO_ROOT, startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';

const CLI_JS = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');

function run(args: string[], url: string): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAKE_A_NUMBER_')));
  const child = spawn(process.execPath, [CLI_JS, ...args], { env: { ...clean, TAKE_A_NUMBER_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr })));
}

describe('cli and client: the ledger', () => {
  let srv: ServerProcess;
  before(async () => {
    srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json') });
    await fetch(`${srv.url}/sequences/inv`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ledger: true, format: 'INV-{n:03}' }) });
  });
  after(async () => {
    srv.child.kill('SIGTERM');
    await srv.exited;
  });

  it('reserve prints the number and the reservation; confirm and void print the number; gaps prints the report', async () => {
    const a = await run(['reserve', 'inv'], srv.url);
    expect(a.code, a.stderr).to.equal(0);
    const [first, r1] = a.stdout.trim().split(' ');
    expect(first).to.equal('INV-001');
    expect((await run(['confirm', r1!, '--ref', 'doc-1'], srv.url)).stdout).to.equal('INV-001\n');
    const [, r2] = (await run(['reserve', 'inv', '--ttl', '60'], srv.url)).stdout.trim().split(' ');
    expect((await run(['void', r2!, '--reason', 'cancelled'], srv.url)).stdout).to.equal('INV-002\n');
    const missingReason = await run(['void', r2!], srv.url);
    expect(missingReason.code).to.equal(2);
    const gaps = JSON.parse((await run(['gaps', 'inv'], srv.url)).stdout) as Record<string, unknown>;
    expect(gaps).to.deep.equal({ sequence_id: 'inv', period: null, first: 1, last: 2, final: false, confirmed: 1, reserved: [], voided: [{ number: 2, reason: 'cancelled' }], expired: [], missing: [] });
    const refused = await run(['confirm', 'r_AAAAAAAAAAAAAAAAAAAAAA'], srv.url);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/^take-a-number: 404 reservation_not_found: /);
  });

  it('the client reserves with one idempotency key, confirms, extends, voids and reads the gaps', async () => {
    const tan = new TakeANumber({ url: srv.url });
    const a = await tan.reserve('inv', { idempotencyKey: 'job-1', meta: { who: 'ci' } });
    expect(await tan.reserve('inv', { idempotencyKey: 'job-1', meta: { who: 'ci' } })).to.deep.equal(a);
    expect((await tan.extend(a.reservation, 120)).state).to.equal('reserved');
    expect((await tan.confirm(a.reservation, { ref: 'x' })).state).to.equal('confirmed');
    expect((await tan.reservation(a.reservation)).meta).to.deep.equal({ who: 'ci' });
    const b = await tan.reserve('inv');
    expect((await tan.void(b.reservation, 'test')).state).to.equal('voided');
    expect((await tan.gaps('inv')).missing).to.deep.equal([]);
  });
});
