// ci/take-a-number.sh run directly, as another CI would run it, against a real server.
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';
import { api, RECIPE, runAction, runProcess, type Run } from './support.js';

const TOKEN = 'sh-Token-ci-2323';

describe('shell recipe: ci/take-a-number.sh', function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  const runs: Run[] = [];
  const recipe = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    const r = await runProcess('sh', [RECIPE, ...args], { TAKE_A_NUMBER_URL: srv.url, TAKE_A_NUMBER_TOKEN: TOKEN, ...env });
    runs.push(r);
    return r;
  };

  before(async () => {
    srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), TOKEN });
  });
  after(async () => {
    expect(await stopChild(srv)).to.equal(0);
  });

  it('prints the values one per line (formatted ids where the sequence has a format), or the JSON answer', async () => {
    expect(await recipe(['--key', 'k1', 'sh-build'])).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    expect(await recipe(['--key', 'k1', 'sh-build'])).to.deep.equal({ code: 0, stdout: '1\n', stderr: '' });
    expect(await recipe(['--count', '3', 'sh-build'])).to.deep.equal({ code: 0, stdout: '2\n3\n4\n', stderr: '' });
    expect((await recipe(['--format', 'json', '--count', '2', 'sh-build'])).stdout).to.equal('{"sequence_id":"sh-build","next_value":5,"last_value":6}\n');
    expect((await api(srv.url, 'PUT', '/sequences/sh-inv', TOKEN, { format: 'R-{n:03}', last_value: 41 })).status).to.equal(200);
    const dotenv = path.join(await tempDir(), 'n.env');
    expect((await recipe(['--count', '2', '--dotenv', dotenv, 'sh-inv'])).stdout).to.equal('R-042\nR-043\n');
    expect(await readFile(dotenv, 'utf8')).to.equal('TAN_NUMBER=42\nTAN_LAST=43\nTAN_FORMATTED=R-042\n');
    expect((await recipe(['Bau Nr. ü'])).stdout).to.equal('1\n');
  });

  it('with GitHub\'s environment it derives the action\'s key: a script step and the action step of one job and step id share the number', async () => {
    const gh = { GITHUB_RUN_ID: '31337', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'build', GITHUB_ACTION: 'number' };
    const viaScript = await recipe(['sh-shared'], gh);
    const viaAction = await runAction({ url: srv.url, token: TOKEN, sequence: 'sh-shared' }, { runId: '31337', attempt: '2', job: 'build', step: 'number' });
    expect([viaScript.stdout, viaAction.outputs.number]).to.deep.equal(['1\n', '1']);
    expect((await recipe(['sh-shared'], { ...gh, GITHUB_RUN_ATTEMPT: '3' })).stdout).to.equal('2\n');
    // Without a CI's ids and without --key: a new number per call.
    expect((await recipe(['sh-shared'])).stdout).to.equal('3\n');
  });

  it('wrong usage exits 2 naming the input; a refusal exits 1 with the server\'s detail', async () => {
    expect(await recipe(['--mode', 'take', 'x'])).to.deep.equal({ code: 2, stdout: '', stderr: 'take-a-number: input mode (--mode): "take" is not one of next, reserve, confirm, void\n' });
    expect(await recipe([])).to.deep.equal({ code: 2, stdout: '', stderr: 'take-a-number: input sequence (the SEQUENCE argument): required with mode next: the id of the sequence to take a number from\n' });
    expect((await recipe(['--mode', 'void', 'r1'])).stderr).to.equal('take-a-number: input reason (--reason): required with mode void: why the number is not used (1-500 characters)\n');
    expect((await recipe(['x'], { TAKE_A_NUMBER_URL: '' })).stderr).to.equal('take-a-number: input url (TAKE_A_NUMBER_URL): required: the take-a-number service, e.g. https://numbers.example.com\n');
    const zero = await recipe(['--count', '0', 'sh-build']);
    expect(zero.code).to.equal(1);
    expect(zero.stderr).to.match(/^take-a-number: input count \(--count\): the server answered 400 invalid_count: /);
    const noToken = await recipe(['sh-build'], { TAKE_A_NUMBER_TOKEN: '' });
    expect(noToken.code).to.equal(1);
    expect(noToken.stderr).to.match(/^take-a-number: input token \(TAKE_A_NUMBER_TOKEN\): the server answered 401 unauthorized: /);
  });

  it('never prints the token', () => {
    for (const r of runs) expect(`${r.stdout}${r.stderr}`).not.to.include(TOKEN);
  });
});
