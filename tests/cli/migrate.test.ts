// `take-a-number migrate` arguments and file-to-file moves (no database needed).
import { expect } from 'chai';
import path from 'node:path';
import { runMigrate, type MigrateIo } from '../../src/cli/migrate.js';
import { readFile } from 'node:fs/promises';
import { openFileStore, startServerProcess, tempDir } from '../support/helpers.js';
import { snapshotDir } from '../support/robustness.js';

async function migrate(...args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  const io: MigrateIo = { stdout: (l) => out.stdout.push(l), stderr: (l) => out.stderr.push(l) };
  return { code: await runMigrate(args, io), ...out };
}

describe('take-a-number migrate', () => {
  it('exits 2 with a usage line when --from or --to is missing or unknown flags are given', async () => {
    for (const args of [[], ['--from', 'a.json'], ['--to', 'b.json', '--from', 'a.json', '--bogus']]) {
      const r = await migrate(...args);
      expect(r.code).to.equal(2);
      expect(r.stdout).to.deep.equal([]);
      expect(r.stderr).to.have.length(1);
      expect(r.stderr[0]).to.match(/^take-a-number migrate: .*usage: take-a-number migrate --from/);
    }
  });

  it('refuses a source file that does not exist', async () => {
    const dir = await tempDir();
    const r = await migrate('--from', path.join(dir, 'none.json'), '--to', path.join(dir, 'to.json'));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.deep.equal([`take-a-number migrate: there is no state file at ${path.join(dir, 'none.json')}`]);
  });

  it('copies one state file into another with pools and keys', async () => {
    const dir = await tempDir();
    const from = path.join(dir, 'from.json');
    const source = await openFileStore(from);
    await source.next('n', 41);
    const draw = await source.draw('float', 2);
    await source.close();
    const r = await migrate('--from', from, '--to', path.join(dir, 'sub', 'to.json'));
    expect([r.code, r.stderr]).to.deep.equal([0, []]);
    const target = await openFileStore(path.join(dir, 'sub', 'to.json'));
    expect(await target.next('n', 1)).to.deep.equal({ first: 42, last: 42 });
    expect(await target.pool('float')).to.deep.equal({ domain: draw.domain, key: draw.key, drawn: 2 });
    await target.close();
  });

  it('reads snapshot plus journal of a killed server, and changes nothing in the source directory', async () => {
    const dir = path.join(await tempDir(), 'src');
    const from = path.join(dir, 'sequences.json');
    const srv = await startServerProcess({ SEQUENCE_FILE: from });
    for (let i = 0; i < 5; i++) await fetch(`${srv.url}/next/n`);
    srv.child.kill('SIGKILL');
    expect(await srv.exited).to.equal('SIGKILL');
    // The values are only in the journal: the snapshot is the start's.
    expect(JSON.parse(await readFile(from, 'utf8')).sequences).to.deep.equal({});
    const before = await snapshotDir(dir);
    const to = path.join(await tempDir(), 'to.json');
    const r = await migrate('--from', from, '--to', to);
    expect([r.code, r.stderr]).to.deep.equal([0, []]);
    expect(await snapshotDir(dir)).to.deep.equal(before);
    const target = await openFileStore(to);
    expect(await target.next('n', 1)).to.deep.equal({ first: 6, last: 6 });
    await target.close();
  });

  it('refuses a source file a running server holds', async () => {
    const from = path.join(await tempDir(), 'sequences.json');
    const source = await openFileStore(from);
    try {
      const r = await migrate('--from', from, '--to', path.join(await tempDir(), 'to.json'));
      expect(r.code).to.equal(1);
      expect(r.stderr[0]).to.include(`another process is using ${from}`);
    } finally {
      await source.close();
    }
  });
});
