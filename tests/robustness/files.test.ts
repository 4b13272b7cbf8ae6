// Only its own files: a symlinked state file is resolved once and its target written; files an operator
// names as backups beside the state are never touched; a state path that is not a regular file is refused.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { lstat, readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runServerToExit, startServerProcess, stateOnDisk, tempDir } from '../support/helpers.js';

async function handOut(file: string, n: number): Promise<number[]> {
  const srv = await startServerProcess({ SEQUENCE_FILE: file });
  const out: number[] = [];
  try {
    for (let i = 0; i < n; i++) out.push(((await (await fetch(`${srv.url}/next/a`)).json()) as { next_value: number }).next_value);
  } finally {
    srv.child.kill('SIGTERM');
    expect(await srv.exited).to.equal(0);
  }
  return out;
}

describe('robustness: only its own files', function () {
  this.timeout(30_000);

  it('a symlinked state file: the target is written (the link stays a link), values continue across restarts', async () => {
    const dir = await tempDir();
    const target = path.join(dir, 'volume', 'real.json');
    await handOut(target, 3);
    const link = path.join(dir, 'sequences.json');
    await symlink(target, link);
    expect(await handOut(link, 3)).to.deep.equal([4, 5, 6]);
    expect((await lstat(link)).isSymbolicLink()).to.equal(true);
    expect(await readlink(link)).to.equal(target);
    expect((await stateOnDisk(target)).sequences).to.deep.equal({ a: 6 });
    // The files beside the target, none beside the link.
    expect((await readdir(dir)).sort()).to.deep.equal(['sequences.json', 'volume']);
    expect((await readdir(path.dirname(target))).sort()).to.deep.equal(['real.json', 'real.json.journal', 'real.json.journal.replica', 'real.json.lock', 'real.json.replica']);
    expect(await handOut(target, 1)).to.deep.equal([7]);
  });

  it('files named like backups beside the state (sequences.json.1, .2, .20261130, .bak) are never touched', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    await handOut(file, 2);
    const backups = ['sequences.json.1', 'sequences.json.2', 'sequences.json.20261130', 'sequences.json.bak', 'sequences.json.replica.1'];
    for (const b of backups) await writeFile(path.join(dir, b), `backup ${b}\n`);
    expect(await handOut(file, 2)).to.deep.equal([3, 4]);
    for (const b of backups) expect(await readFile(path.join(dir, b), 'utf8')).to.equal(`backup ${b}\n`);
    expect((await readdir(dir)).sort()).to.deep.equal([...backups, 'sequences.json', 'sequences.json.journal', 'sequences.json.journal.replica', 'sequences.json.lock', 'sequences.json.replica'].sort());
  });

  for (const [what, make] of [
    ['a FIFO', (p: string) => execFileSync('mkfifo', [p])],
    ['a directory', (p: string) => execFileSync('mkdir', [p])],
  ] as const)
    it(`a state path that is ${what} is refused at once with a message, and left as it is`, async () => {
      const file = path.join(await tempDir(), 'sequences.json');
      make(file);
      const run = await runServerToExit({ SEQUENCE_FILE: file });
      expect(run.code).to.equal(1);
      expect(run.stdout).to.not.include('LISTENING');
      expect(run.stderr).to.include(`the state file ${file} is ${what}, not a regular file`);
      const s = await lstat(file);
      expect(what === 'a FIFO' ? s.isFIFO() : s.isDirectory()).to.equal(true);
    });

  it('a journal path that is a symlink (planted) is refused, not followed', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sequences.json');
    await handOut(file, 1);
    const elsewhere = path.join(dir, 'elsewhere');
    await writeFile(elsewhere, 'not yours\n');
    const { rm } = await import('node:fs/promises');
    await rm(`${file}.journal`);
    await symlink(elsewhere, `${file}.journal`);
    const run = await runServerToExit({ SEQUENCE_FILE: file });
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include(`${file}.journal is a symbolic link, not a regular file`);
    expect(await readFile(elsewhere, 'utf8')).to.equal('not yours\n');
  });
});
