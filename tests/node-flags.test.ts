// The node flags the service runs with are the image's ENTRYPOINT flags, everywhere it is started for real.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { imageNodeFlags, startChild, stopChild } from '../bench/children.js';
import { MAIN_JS, REPO_ROOT, tempDir } from './support/helpers.js';

describe('node flags of the service', () => {
  it('the Dockerfile ENTRYPOINT gives node the young-generation, expose-gc and heap-growing flags, and npm start runs node with the same flags', async () => {
    const flags = imageNodeFlags();
    expect(flags).to.deep.equal(['--max-semi-space-size=8', '--expose-gc', '--heap-growing-percent=50']);
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).to.equal(`npm run build:server && HOST=${'${HOST:-127.0.0.1}'} node ${flags.join(' ')} dist/src/main.js`);
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

  it('with them the server runs one full GC after loading the state; without them it cannot and does not try', async () => {
    const dir = await tempDir();
    // Counts calls of the exposed gc() and reports them when the server exits.
    const preload = path.join(dir, 'count-gc.cjs');
    await writeFile(
      preload,
      "const gc = globalThis.gc; let calls = 0; if (gc) globalThis.gc = () => { calls++; gc(); };\n" +
        "process.on('exit', () => process.stderr.write(`GC ${typeof gc} ${calls}\\n`));\n",
    );
    for (const [run, flags, expected] of [[1, imageNodeFlags(), 'GC function 1'], [2, [], 'GC undefined 0']] as const) {
      const server = await startChild(MAIN_JS, ['--port', '0', '--host', '127.0.0.1', '--sequence-file', path.join(dir, `state-${run}.json`)], { LOG_LEVEL: 'warn', TAKE_A_NUMBER_ANNOUNCE: '1' }, [...flags, '--require', preload]);
      expect((await fetch(`${server.url}/next/a`)).status).to.equal(200);
      expect(await stopChild(server)).to.equal(0);
      expect(server.stderr()).to.contain(expected);
    }
  });

  it('refuses a Dockerfile whose ENTRYPOINT is not node in exec form', async () => {
    const file = path.join(await tempDir(), 'Dockerfile');
    await writeFile(file, 'FROM x\nENTRYPOINT node dist/src/main.js\n');
    expect(() => imageNodeFlags(file)).to.throw(/no exec-form ENTRYPOINT/);
    await writeFile(file, 'FROM x\nENTRYPOINT ["sh", "-c", "node dist/src/main.js"]\n');
    expect(() => imageNodeFlags(file)).to.throw(/does not start node/);
  });
});
