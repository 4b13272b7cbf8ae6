import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './helpers.js';

describe('bench --smoke', function () {
  // The smoke run starts three servers (service, bare Koa, per-request rewrite) and drives each for a few seconds.
  this.timeout(90_000);

  it('completes, writes its table to the given file and passes its durability check', async () => {
    const out = path.join(await tempDir(), 'bench.md');
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', 'run.js'), '--smoke', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, stderr).to.equal(0);
    expect(stderr).to.match(/durability check passed \(\d+ answers\)/);
    const report = await readFile(out, 'utf8');
    expect(report).to.match(/^# Benchmarks\n/);
    expect(report).to.contain('| scenario | sequences | connections | req/s | p50 ms | p99 ms | × baseline | commits/s | mean batch | non-2xx | errors |');
    for (const scenario of ['/next hot id', '/next 1000 ids', '/random int', '/random float'])
      expect(report.split('\n').filter((l) => l.startsWith(`| ${scenario} |`))).to.have.length(2);
    expect(report).to.match(/\n## Durability check\n\nPassed: \d[\d,]* answers;/);
    expect(stderr).to.match(/rewrite baseline check passed/);
    expect(report).to.contain('## Per-request rewrite (what JSON-file services do)');
    expect(report).to.match(/\n\| 16 \| [\d,]+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| [\d.]+ \|\n/);
    expect(report).to.match(/\nCheck passed: the rewrite baseline's file ends at exactly/);
  });
});
