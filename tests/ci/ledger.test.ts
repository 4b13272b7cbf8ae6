// Reserve mode ("+1 only on success") against the ledger routes. Not run yet: the ledger lands on main in
// another change; rename this file to ledger.test.ts when it does (mocha runs *.test.js only).
import path from 'node:path';
import { expect } from 'chai';
import { startServerProcess, tempDir, type ServerProcess } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';
import { api, RECIPE, runAction, runProcess } from './support.js';

const TOKEN = 'ledger-Token-ci-77';

describe('CI: reserve, confirm and void on a ledger sequence', function () {
  this.timeout(60_000);
  let srv: ServerProcess;
  const base = (extra: Record<string, string>): Record<string, string> => ({ url: srv.url, token: TOKEN, ...extra });

  before(async () => {
    srv = await startServerProcess({ SEQUENCE_FILE: path.join(await tempDir(), 's.json'), TOKEN });
    const put = await api(srv.url, 'PUT', '/sequences/release', TOKEN, { ledger: true });
    expect(put.status, JSON.stringify(put.body)).to.equal(200);
  });
  after(async () => {
    expect(await stopChild(srv)).to.equal(0);
  });

  it('action: reserve, then confirm on success; reserve, then void on failure; the gap report accounts for both', async () => {
    const reserved = await runAction(base({ mode: 'reserve', sequence: 'release' }), { runId: '1', step: 'number' });
    expect(reserved.code, reserved.stdout).to.equal(0);
    expect(reserved.outputs.number).to.equal('1');
    expect(reserved.outputs.state).to.equal('reserved');
    expect(reserved.outputs.reservation).to.match(/^\S{16,}$/);
    // A re-run of the same attempt gets the same reservation.
    expect((await runAction(base({ mode: 'reserve', sequence: 'release' }), { runId: '1', step: 'number' })).outputs.reservation).to.equal(reserved.outputs.reservation);

    const confirmed = await runAction(base({ mode: 'confirm', reservation: reserved.outputs.reservation!, ref: 'abc123' }), { runId: '1', step: 'confirm' });
    expect(confirmed.code, confirmed.stdout).to.equal(0);
    expect(confirmed.outputs).to.include({ number: '1', state: 'confirmed', reservation: reserved.outputs.reservation });
    // Confirm again (a retried step): the same answer.
    expect((await runAction(base({ mode: 'confirm', reservation: reserved.outputs.reservation!, ref: 'abc123' }), { runId: '1', step: 'confirm' })).code).to.equal(0);

    const second = await runAction(base({ mode: 'reserve', sequence: 'release' }), { runId: '2', step: 'number' });
    expect(second.outputs.number).to.equal('2');
    const voided = await runAction(base({ mode: 'void', reservation: second.outputs.reservation!, reason: 'build failed' }), { runId: '2', step: 'void' });
    expect(voided.code, voided.stdout).to.equal(0);
    expect(voided.outputs).to.include({ number: '2', state: 'voided' });

    const gaps = await api(srv.url, 'GET', '/sequences/release/gaps', TOKEN);
    expect(gaps.body).to.include({ first: 1, last: 2 });
    expect(gaps.body.voided).to.deep.equal([{ number: 2, reason: 'build failed' }]);
    expect(gaps.body.missing).to.deep.equal([]);
    expect((await runAction(base({ mode: 'reserve', sequence: 'release' }), { runId: '3' })).outputs.number).to.equal('3');
  });

  it('action: refusals name the input (a sequence without the ledger, an unknown reservation, a confirmed one voided)', async () => {
    const noLedger = await runAction(base({ mode: 'reserve', sequence: 'plain' }));
    expect(noLedger.code).to.equal(1);
    expect(noLedger.stdout).to.match(/::error title=take-a-number::input sequence: the server answered 409 ledger_required: /);
    const unknown = await runAction(base({ mode: 'confirm', reservation: 'no-such-reservation' }));
    expect(unknown.stdout).to.match(/::error title=take-a-number::input reservation: the server answered 404 reservation_not_found: /);
    const r = await runAction(base({ mode: 'reserve', sequence: 'release' }), { runId: '4' });
    await runAction(base({ mode: 'confirm', reservation: r.outputs.reservation! }), { runId: '4', step: 'confirm' });
    const late = await runAction(base({ mode: 'void', reservation: r.outputs.reservation!, reason: 'changed my mind' }), { runId: '4', step: 'void' });
    expect(late.stdout).to.match(/::error title=take-a-number::input reservation: the server answered 409 already_confirmed: /);
  });

  it('shell recipe: reserve into a dotenv file, then confirm with the reservation from it', async () => {
    const env = { TAKE_A_NUMBER_URL: srv.url, TAKE_A_NUMBER_TOKEN: TOKEN, CI_JOB_ID: '8001' };
    const dotenv = path.join(await tempDir(), 'reserve.env');
    const reserve = await runProcess('sh', [RECIPE, '--mode', 'reserve', '--dotenv', dotenv, 'release'], env);
    expect(reserve.code, reserve.stderr).to.equal(0);
    const vars = Object.fromEntries((await import('node:fs')).readFileSync(dotenv, 'utf8').trimEnd().split('\n').map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));
    expect(vars.TAN_STATE).to.equal('reserved');
    expect(reserve.stdout).to.equal(`${vars.TAN_NUMBER}\n`);
    const confirm = await runProcess('sh', [RECIPE, '--mode', 'confirm', '--ref', 'v1.0', vars.TAN_RESERVATION!], { ...env, CI_JOB_ID: '8002' });
    expect(confirm).to.deep.include({ code: 0, stdout: `${vars.TAN_NUMBER}\n` });
    const record = await api(srv.url, 'GET', `/reservations/${encodeURIComponent(vars.TAN_RESERVATION!)}`, TOKEN);
    expect(record.body).to.include({ state: 'confirmed', ref: 'v1.0', number: Number(vars.TAN_NUMBER) });
  });
});
