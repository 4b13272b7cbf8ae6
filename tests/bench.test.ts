import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './support/helpers.js';

describe('bench --smoke', function () {
  // The smoke run starts every server of the full run (baselines, five file-store servers, Redis and three
  // PostgreSQL-store instances where they are available) and drives each cell for one second.
  this.timeout(180_000);

  it('completes, writes every goal row and table to the given file and passes its checks', async () => {
    const out = path.join(await tempDir(), 'bench.md');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', 'run.js'), '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).to.equal(0);
    expect(stderr).to.match(/^load generator: (wrk|autocannon)/m);
    expect(stderr).to.match(/checks passed \(\d+\)/);
    const report = await readFile(out, 'utf8');
    expect(report).to.match(/^# Benchmarks\n/);
    expect(report).to.contain('| goal | measured | ratio | goal | met |');
    const goal = (prefix: string): string[] => report.split('\n').filter((l) => l.startsWith(`| ${prefix}`));
    expect(goal('1 connection, `/next` vs bare Koa | ')).to.have.length(1);
    expect(goal('64 connections, `/next` vs bare Koa | ')).to.have.length(1);
    expect(goal('64 connections, `/random?type=int` vs bare Koa | ')).to.have.length(1);
    // The smoke profile's two large states are 2,000 and 10,000 sequences.
    for (const size of ['2,000', '10,000']) for (const c of ['1 connection', '64 connections']) expect(goal(`${size} sequences, ${c}, \`/next\` vs 10 sequences | `)).to.have.length(1);
    expect(goal('start-up at 10,000 sequences')).to.have.length(1);
    expect(goal('peak RSS at 10,000 sequences')).to.have.length(1);
    expect(goal('200 idempotency keys stored')).to.have.length(2);
    expect(goal('p99 of `/next` during a checkpoint')).to.have.length(1);
    expect(goal('p99 of `/healthz` during 100 concurrent draws')).to.have.length(1);
    // Every ratio row carries a number and a yes/no verdict.
    for (const line of goal('64 connections, `/next` vs bare Koa | ')) expect(line).to.match(/\| [\d,]+ req\/s \| \d+\.\d\d \| ≥ 0\.8 \| (yes|\*\*no\*\*) \|$/);
    for (const title of ['Baselines', 'take-a-number, file store', 'State size: start-up, stop, memory', 'Checkpoint at the largest state', '/healthz during big draws'])
      expect(report).to.contain(`\n## ${title}\n`);
    expect(report.split('\n').filter((l) => /^\| (bare Koa|Koa \+ fdatasync) \| GET \/ \| (1|64) \| [\d,]+ \|/.test(l))).to.have.length(4);
    expect(report).to.match(/\n## Checks\n\nPassed:\n\n- file store, 10 sequences: `hot` moved by [\d,]+;/);
  });
});
