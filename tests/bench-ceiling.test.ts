import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './helpers.js';

describe('bench:ceiling (one short round)', function () {
  // Five servers started, warmed and driven for a fraction of a second each.
  this.timeout(90_000);

  it('prints one row per server with req/s, ratio, p99 and CPU per request, and every answer was a 2xx', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', 'ceiling', 'run.js'), '--rounds', '1', '--seconds', '0.3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).to.equal(0);
    const rows = stdout.split('\n').filter((l) => /^\| (bare Koa|take-a-number)/.test(l));
    expect(rows.map((l) => l.split(' | ')[0])).to.deep.equal([
      '| bare Koa, constant body (the baseline)',
      '| bare Koa + group commit on a 1 ms timer, no disk',
      "| bare Koa + group commit through this service's durable writer",
      '| take-a-number with a 1 ms timer instead of the disk',
      '| take-a-number',
    ]);
    for (const row of rows) expect(row, row).to.match(/ \| [\d,]+ \| \d+\.\d\d \| \d+ \| \d+ \| \d+ \|$/);
    expect(rows[0]).to.contain(' | 1.00 | ');
  });
});
