// The npm package: `npm pack`, then a global install into a temporary prefix. The command runs, the client
// library imports and takes a number from a running server, and the tarball holds no state and no tests.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { REPO_ROOT, startServerProcess, tempDir } from '../support/helpers.js';
import { stopChild } from '../../bench/children.js';

const run = promisify(execFile);

describe('the npm package', function () {
  this.timeout(240_000);

  it('packs the server, CLI and client only; installs globally with a working command and client', async () => {
    const dir = await tempDir();
    // prepack builds dist/src (tsconfig.build.json), as on a fresh clone.
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO_ROOT, maxBuffer: 10 * 2 ** 20 });
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
    const files = (await run('tar', ['tzf', tarball], { maxBuffer: 10 * 2 ** 20 })).stdout.trim().split('\n');
    expect(files).to.include.members([
      'package/package.json',
      'package/dist/src/cli/index.js',
      'package/dist/src/main.js',
      'package/dist/src/main.d.ts',
      'package/dist/src/client/index.js',
      'package/dist/src/client/index.d.ts',
      'package/README.md',
      'package/LICENSE',
    ]);
    const outside = files.filter((f) => !/^package\/(package\.json|README\.md|LICENSE|dist\/src\/.+\.(js|d\.ts))$/.test(f));
    expect(outside, 'files beyond the build, README and LICENSE').to.deep.equal([]);
    expect(files.filter((f) => /sequences\.json|tests?\/|bench\//.test(f))).to.deep.equal([]);

    const prefix = path.join(dir, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], { maxBuffer: 10 * 2 ** 20 });
    const bin = path.join(prefix, 'bin', 'take-a-number');
    expect((await run(bin, ['--version'])).stdout).to.equal('1.0.0\n');

    const srv = await startServerProcess({ SEQUENCE_FILE: path.join(dir, 'state.json') });
    try {
      expect((await run(bin, ['next', 'build', '--url', srv.url])).stdout).to.equal('1\n');
      // A caller beside the installed package imports it by name, as an application would.
      const script = path.join(prefix, 'lib', 'use-client.mjs');
      await writeFile(
        script,
        "import { TakeANumber } from 'take-a-number/client';\n" +
          'const tan = new TakeANumber({ url: process.argv[2] });\n' +
          "process.stdout.write(JSON.stringify(await tan.next('build')));\n",
      );
      expect(JSON.parse((await run(process.execPath, [script, srv.url])).stdout)).to.deep.equal({ sequence_id: 'build', next_value: 2 });
    } finally {
      await stopChild(srv);
    }
  });
});
