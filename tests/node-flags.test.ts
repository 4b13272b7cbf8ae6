// The node flags the service runs with are the image's ENTRYPOINT flags, everywhere it is started for real.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { imageNodeFlags } from '../bench/children.js';
import { REPO_ROOT, tempDir } from './helpers.js';

describe('node flags of the service', () => {
  it('the Dockerfile ENTRYPOINT gives node the young-generation flag, and npm start runs node with the same flags', async () => {
    const flags = imageNodeFlags();
    expect(flags).to.deep.equal(['--max-semi-space-size=8']);
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).to.equal(`npm run build && node ${flags.join(' ')} dist/src/main.js`);
  });

  it('this node takes them: the new space stops growing at 2 x 8 MB where it would reach 2 x 16 MB', async () => {
    // Keeps up to 200k small objects alive so that scavenges see survivors and V8 grows the new space to its limit.
    const script =
      "let a = []; for (let i = 0; i < 3e6; i++) { a.push({ i }); if (a.length > 2e5) a = []; } " +
      "process.stdout.write(String(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20))";
    const run = promisify(execFile);
    const withFlags = await run(process.execPath, [...imageNodeFlags(), '-e', script]);
    expect(withFlags.stderr).to.equal('');
    expect(withFlags.stdout).to.equal('16');
    expect((await run(process.execPath, ['-e', script])).stdout).to.equal('32');
  });

  it('refuses a Dockerfile whose ENTRYPOINT is not node in exec form', async () => {
    const file = path.join(await tempDir(), 'Dockerfile');
    await writeFile(file, 'FROM x\nENTRYPOINT node dist/src/main.js\n');
    expect(() => imageNodeFlags(file)).to.throw(/no exec-form ENTRYPOINT/);
    await writeFile(file, 'FROM x\nENTRYPOINT ["sh", "-c", "node dist/src/main.js"]\n');
    expect(() => imageNodeFlags(file)).to.throw(/does not start node/);
  });
});
