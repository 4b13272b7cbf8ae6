import { expect } from 'chai';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BothCopiesWriter, type Step } from '../../src/store/both-copies.js';
import { statePaths } from '../../src/store/paths.js';
import { tempDir } from '../helpers.js';

/** The errno error `f` throws, or undefined if it returns. */
function thrown(f: () => void): NodeJS.ErrnoException | undefined {
  try {
    f();
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
  return undefined;
}

describe('BothCopiesWriter (the writer thread\'s steps)', () => {
  it('fsyncs both temp files (primary first), renames both into place, then fsyncs the directory, and leaves no temp file', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    const steps: Step[] = [];
    new BothCopiesWriter(paths, (s) => steps.push(s)).write(Buffer.from('{"a":"ü𝄞"}\n'));
    const fsyncs = steps.slice(0, 2).map((s) => [s.step, path.basename(s.path).replace(/\.\d+$/, '.<n>')]);
    expect(fsyncs).to.deep.equal([
      ['fsync', 's.json.<n>'],
      ['fsync', 's.json.replica.<n>'],
    ]);
    expect(steps.slice(2)).to.deep.equal([
      { step: 'rename', path: paths.primary },
      { step: 'rename', path: paths.replica },
      { step: 'fsync-dir', path: paths.dir },
    ]);
    expect(await readFile(paths.primary, 'utf8')).to.equal('{"a":"ü𝄞"}\n');
    expect(await readFile(paths.replica, 'utf8')).to.equal('{"a":"ü𝄞"}\n');
    expect((await readdir(paths.dir)).sort()).to.deep.equal(['s.json', 's.json.replica']);
  });

  it('keeps the mode of an existing copy', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    await writeFile(paths.primary, 'old');
    await chmod(paths.primary, 0o600);
    new BothCopiesWriter(paths).write(Buffer.from('new'));
    expect((await stat(paths.primary)).mode & 0o777).to.equal(0o600);
    expect(await readFile(paths.primary, 'utf8')).to.equal('new');
  });

  it('does not recreate a directory removed under it: ENOENT until it is back, then writes again', async () => {
    const paths = statePaths(path.join(await tempDir(), 'gone', 's.json'));
    await mkdir(paths.dir);
    const writer = new BothCopiesWriter(paths);
    writer.write(Buffer.from('1'));
    await rm(paths.dir, { recursive: true });
    const err = thrown(() => writer.write(Buffer.from('2')));
    expect(err?.code).to.equal('ENOENT');
    expect(await stat(paths.dir).then(() => true, () => false)).to.equal(false);
    await mkdir(paths.dir);
    writer.write(Buffer.from('3'));
    expect(await readFile(paths.primary, 'utf8')).to.equal('3');
    expect(await readFile(paths.replica, 'utf8')).to.equal('3');
  });

  it('throws the errno error of the failing call and leaves no temp file', async () => {
    const dir = await tempDir();
    const paths = statePaths(path.join(dir, 's.json'));
    // A directory where the replica should be: its rename fails with EISDIR after the primary is written.
    new BothCopiesWriter(paths).write(Buffer.from('1'));
    await rm(paths.replica);
    await mkdir(paths.replica);
    await writeFile(path.join(paths.replica, 'x'), 'x');
    const err = thrown(() => new BothCopiesWriter(paths).write(Buffer.from('2')));
    expect(err?.code).to.equal('EISDIR');
    expect(err?.syscall).to.equal('rename');
    expect((await readdir(dir)).sort()).to.deep.equal(['s.json', 's.json.replica']);
  });
});
