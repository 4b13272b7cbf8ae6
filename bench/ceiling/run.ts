// `npm run bench:ceiling`: where a request's time goes. Five servers in one run, measured in turns so that
// the machine's drift hits them alike: bare Koa; Koa with a group commit on a 1 ms timer; Koa with this
// service's durable writer; take-a-number with a 1 ms timer instead of the disk; take-a-number. Prints
// req/s, p99, the ratio to bare Koa and each server's CPU per request (event loop, other threads) from
// /proc/<pid>/task/*/stat. The table in bench/PROFILE.md comes from this.
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { imageNodeFlags, startChild, stopChild, type Child } from '../children.js';
import { load } from '../load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: flags } = parseArgs({
  options: { rounds: { type: 'string', default: '8' }, seconds: { type: 'string', default: '2' }, connections: { type: 'string', default: '64' } },
  strict: true,
});
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);

interface Server {
  name: string;
  script: string;
  args: (dir: string) => string[];
  path: string;
  env?: Record<string, string>;
}

const SERVERS: Server[] = [
  { name: 'bare Koa, constant body (the baseline)', script: path.join(here, '..', 'baseline.js'), args: () => [], path: '/' },
  { name: 'bare Koa + group commit on a 1 ms timer, no disk', script: path.join(here, 'koa-commit.js'), args: () => ['--writer', 'timer'], path: '/' },
  { name: "bare Koa + group commit through this service's durable writer", script: path.join(here, 'koa-commit.js'), args: () => ['--writer', 'durable'], path: '/' },
  { name: 'take-a-number with a 1 ms timer instead of the disk', script: path.join(here, 'service-timer.js'), args: (dir) => [dir], path: '/next/hot' },
  {
    name: 'take-a-number',
    script: path.join(here, '..', '..', 'src', 'main.js'),
    args: (dir) => ['--port', '0', '--host', '127.0.0.1', '--sequence-file', path.join(dir, 'sequences.json')],
    path: '/next/hot',
    env: { LOG_LEVEL: 'warn', TAKE_A_NUMBER_ANNOUNCE: '1' },
  },
];

/** CPU ticks (1/100 s) of the process's main thread and of all its other threads. */
async function cpuTicks(pid: number): Promise<{ loop: number; other: number }> {
  const ticks = { loop: 0, other: 0 };
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // Fields after the parenthesised name: utime and stime are the 12th and 13th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const t = Number(f[11]) + Number(f[12]);
    if (tid === String(pid)) ticks.loop += t;
    else ticks.other += t;
  }
  return ticks;
}

interface Sample {
  rps: number;
  /** Non-2xx answers and errors: a server that fails requests is not measured, it is broken. */
  failed: number;
  p99: number;
  loopUs: number;
  otherUs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const nodeFlags = imageNodeFlags();
  const dirs: string[] = [];
  const running: { server: Server; child: Child; samples: Sample[] }[] = [];
  try {
    for (const server of SERVERS) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-ceiling-'));
      dirs.push(dir);
      running.push({ server, child: await startChild(server.script, server.args(dir), server.env ?? {}, nodeFlags), samples: [] });
    }
    const run = (r: (typeof running)[number], s: number) =>
      load({ url: r.child.url, connections, seconds: s, maxRequests: 5_000_000, path: () => r.server.path, onAnswer: () => undefined });
    for (const r of running) await run(r, Math.min(1.5, seconds));
    for (let round = 0; round < rounds; round++)
      for (const r of running) {
        const before = await cpuTicks(r.child.pid);
        const result = await run(r, seconds);
        const after = await cpuTicks(r.child.pid);
        const requests = result.rps * result.seconds;
        r.samples.push({ rps: result.rps, failed: result.non2xx + result.errors, p99: result.p99, loopUs: ((after.loop - before.loop) * 1e4) / requests, otherUs: ((after.other - before.other) * 1e4) / requests });
        process.stderr.write(`round ${round + 1}/${rounds} ${r.server.name}: ${Math.round(result.rps)} req/s\n`);
      }
  } finally {
    for (const r of running) await stopChild(r.child);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }
  const base = median(running[0]!.samples.map((s) => s.rps));
  const lines = [
    `${rounds} rounds of ${seconds} s, ${connections} connections, medians; node ${nodeFlags.join(' ')}; ${os.cpus().length} cores; Node ${process.version}`,
    '',
    '| server | req/s | × bare Koa | p99 ms | µs CPU per request, event loop | µs CPU per request, other threads |',
    '|---|---:|---:|---:|---:|---:|',
    ...running.map(({ server, samples }) => {
      const rps = median(samples.map((s) => s.rps));
      return `| ${server.name} | ${Math.round(rps).toLocaleString('en-US')} | ${(rps / base).toFixed(2)} | ${median(samples.map((s) => s.p99))} | ${Math.round(median(samples.map((s) => s.loopUs)))} | ${Math.round(median(samples.map((s) => s.otherUs)))} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const failed = running.filter((r) => r.samples.some((x) => x.failed > 0)).map((r) => r.server.name);
  if (failed.length > 0) throw new Error(`non-2xx answers or errors from: ${failed.join('; ')}`);
}

process.exitCode = await main().then(
  () => 0,
  (e: Error) => {
    process.stderr.write(`bench:ceiling failed: ${e.message}\n`);
    return 1;
  },
);
