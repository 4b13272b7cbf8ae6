// --version everywhere, one entrypoint (main.js runs the CLI for its words), and a closed pipe that ends quietly.
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { MAIN_JS, REPO_ROOT } from '../support/helpers.js';

const CLI_JS = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'index.js');
const run = promisify(execFile);

describe('the entrypoint and --version', () => {
  it('prints the version from take-a-number --version, serve --version, and main.js --version', async () => {
    for (const args of [[CLI_JS, '--version'], [CLI_JS, 'serve', '--version'], [MAIN_JS, '--version'], [MAIN_JS, '-V']])
      expect((await run(process.execPath, args)).stdout, args.join(' ')).to.equal('1.0.0\n');
  });

  it('main.js runs the CLI for --help and the command words, and migrate --help exits 0', async () => {
    const help = (await run(process.execPath, [MAIN_JS, '--help'])).stdout;
    for (const word of ['serve', 'next', 'random', 'migrate']) expect(help).to.include(`  ${word}`);
    const migrate = await run(process.execPath, [MAIN_JS, 'migrate', '--help']);
    expect(migrate.stdout).to.match(/^usage: take-a-number migrate --from/);
  });

  it('a reader that closes the pipe early ends the CLI quietly (exit 0, no EPIPE trace)', async () => {
    // `serve --help | head -0`: the reader is gone before the CLI writes.
    const child = spawn(process.execPath, [CLI_JS, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((resolve) => child.once('close', (c) => resolve(c)));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});
