// The structured log (pino, JSON lines on stdout): one line per start, recovery and shutdown, with an event
// field an operator can filter on. (storage_fault / storage_recovered: storage-faults.test; salvage:
// recovery.test.)
import { expect } from 'chai';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runServerToExit, startServerProcess, tempDir } from '../support/helpers.js';
import { ERROR, parseLogLines } from '../support/robustness.js';

const INFO = 30;

describe('robustness: structured log', () => {
  it('a start with a damaged replica and a SIGTERM log corrupt_copy, state_loaded, listening, shutdown, stopped: once each', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    const first = await startServerProcess({ SEQUENCE_FILE: file });
    await fetch(`${first.url}/next/a`);
    first.child.kill('SIGTERM');
    expect(await first.exited).to.equal(0);
    await writeFile(`${file}.replica`, '{"format":1,"generation":');

    const srv = await startServerProcess({ SEQUENCE_FILE: file, LOG_LEVEL: 'info' });
    expect(await (await fetch(`${srv.url}/next/a`)).json()).to.deep.equal({ sequence_id: 'a', next_value: 2 });
    srv.child.kill('SIGTERM');
    expect(await srv.exited).to.equal(0);
    const lines = parseLogLines(srv.stdout());
    for (const l of lines) {
      expect(l.service).to.equal('take-a-number');
      expect(l.time).to.be.a('number');
      expect(l.msg).to.be.a('string');
    }
    const events = lines.map((l) => l.event).filter((e) => e !== undefined);
    expect(events).to.deep.equal(['corrupt_copy', 'state_loaded', 'listening', 'shutdown', 'stopped']);
    const byEvent = Object.fromEntries(lines.map((l) => [l.event, l]));
    expect(byEvent.corrupt_copy).to.include({ level: ERROR, path: `${file}.replica` });
    expect(byEvent.state_loaded).to.include({ level: INFO, file, source: 'primary', sequences: 1 });
    expect(byEvent.listening).to.include({ level: INFO, url: srv.url, auth: 'off', pid: srv.child.pid });
    expect(byEvent.listening.store).to.deep.equal({ kind: 'file', path: file });
    expect(byEvent.shutdown).to.include({ level: INFO, signal: 'SIGTERM' });
    expect(byEvent.stopped).to.include({ level: INFO, forced: false });
    expect(await readFile(`${file}.replica`, 'utf8')).to.equal(await readFile(file, 'utf8'));
  });

  it('a refused start logs start_failed at fatal level and says the same on stderr', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    await writeFile(file, 'garbage');
    await writeFile(`${file}.replica`, '');
    const r = await runServerToExit({ SEQUENCE_FILE: file, LOG_LEVEL: 'info' });
    expect(r.code).to.equal(1);
    const failed = parseLogLines(r.stdout).filter((l) => l.event === 'start_failed');
    expect(failed).to.have.length(1);
    expect(failed[0]!.level).to.equal(60);
    expect(r.stderr).to.equal(`take-a-number: ${failed[0]!.msg}\n`);
  });
});
