// `npm run bench`: the real server against a bare-Koa baseline, per scenario, concurrency and state size, and
// against a per-request-rewrite baseline (what JSON-file services do) for /next hot id at 10 sequences;
// writes BENCHMARKS.md and exits non-zero if the state file does not cover every answer, or if the rewrite
// baseline's file does not hold exactly the count of 2xx it answered.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSnapshot } from '../src/store/file/snapshot/format.js';
import { imageNodeFlags, peakRss, startChild, stopChild, type Child } from './children.js';
import { Ledger } from './ledger.js';
import { load, type LoadResult } from './load.js';
import { PROFILES, type Profile } from './profiles.js';
import { fetchCommitCounters } from './prom.js';
import { renderReport, type BaselineRow, type Goal, type RewriteRow, type Row } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { seedId, seedStateFile, seedValue } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MAIN_JS = path.resolve(here, '..', 'src', 'main.js');
const BASELINE_JS = path.resolve(here, 'baseline.js');
const REWRITE_JS = path.resolve(here, 'rewrite-baseline.js');
/** The state size at which the rewrite baseline runs and take-a-number's /next hot id is compared with it. */
const REWRITE_SEQUENCES = 10;
const REPO_ROOT = path.resolve(here, '..', '..');
const GOAL_CONNECTIONS = 64;
// Every server of the run gets the image's node flags: the service as it runs in production, the baselines alike.
const NODE_FLAGS = imageNodeFlags();

const { values: flags } = parseArgs({
  options: { quick: { type: 'boolean' }, smoke: { type: 'boolean' }, out: { type: 'string' } },
  strict: true,
});
const profile: Profile = PROFILES[flags.smoke ? 'smoke' : flags.quick ? 'quick' : 'full'];
const out = path.resolve(flags.out ?? path.join(REPO_ROOT, 'BENCHMARKS.md'));

const say = (line: string): void => void process.stderr.write(`${line}\n`);

async function measureBaseline(url: string): Promise<Map<number, LoadResult>> {
  const results = new Map<number, LoadResult>();
  // The baseline's answers are parsed like the service's, so the load generator does the same work for both.
  const parse = (_: number, body: string): void => void JSON.parse(body);
  await load({ url, connections: 16, seconds: profile.warmup, maxRequests: profile.maxRequests, path: () => '/', onAnswer: parse });
  for (const connections of profile.connections)
    results.set(connections, await load({ url, connections, seconds: profile.seconds, maxRequests: profile.maxRequests, path: () => '/', onAnswer: parse }));
  return results;
}

async function measureRewrite(): Promise<{ rows: BaselineRow[]; problems: string[]; answered: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-rewrite-'));
  const file = path.join(dir, 'counters.json');
  const hot = SCENARIOS[0]!;
  const hotId = decodeURIComponent(hot.path()().slice('/next/'.length));
  let child: Child | undefined;
  try {
    const initial: Record<string, number> = {};
    for (let i = 0; i < REWRITE_SEQUENCES; i++) initial[seedId(i)] = seedValue(i);
    await writeFile(file, JSON.stringify(initial));
    child = await startChild(REWRITE_JS, [file], {}, NODE_FLAGS);
    let stdout = '';
    child.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    // What the load generator saw: 2xx count and distinct values, to bound the file from the client's side too.
    let received = 0;
    let duplicates = 0;
    const seen = new Set<number>();
    const onAnswer = (status: number, body: string): void => {
      if (status < 200 || status >= 300) return;
      received++;
      const v = (JSON.parse(body) as { next_value: number }).next_value;
      if (seen.has(v)) duplicates++;
      seen.add(v);
    };
    let cut = 16;
    await load({ url: child.url, connections: 16, seconds: profile.warmup, maxRequests: profile.maxRequests, path: hot.path(), onAnswer });
    const rows: BaselineRow[] = [];
    for (const connections of profile.connections) {
      const r = await load({ url: child.url, connections, seconds: profile.seconds, maxRequests: profile.maxRequests, path: hot.path(), onAnswer });
      cut += connections;
      rows.push({ connections, rps: r.rps, p50: r.p50, p99: r.p99 });
      say(`rewrite ${hot.name.padEnd(16)} ${String(REWRITE_SEQUENCES).padStart(6)} seq ${String(connections).padStart(3)} conn  ${Math.round(r.rps).toString().padStart(6)} req/s  p50 ${r.p50} p99 ${r.p99} ms  non-2xx ${r.non2xx} errors ${r.errors}`);
    }
    const code = await stopChild(child);
    child = undefined;
    const problems: string[] = [];
    if (code !== 0) problems.push(`rewrite baseline exited with ${code}`);
    const m = /ANSWERED (\d+)/.exec(stdout);
    const answered = m ? Number(m[1]) : NaN;
    if (!m) problems.push('rewrite baseline did not report how many 2xx it answered');
    const final = (JSON.parse(await readFile(file, 'utf8')) as Record<string, number>)[hotId] ?? 0;
    if (m && final !== answered) problems.push(`rewrite baseline: the file holds ${hotId} = ${final} but the baseline answered ${answered} 2xx`);
    if (final < received || final > received + cut)
      problems.push(`rewrite baseline: the file holds ${hotId} = ${final}, outside [${received}, ${received + cut}] (2xx received, plus requests cut at the end of runs)`);
    if (duplicates > 0) problems.push(`rewrite baseline: ${duplicates} values were answered twice`);
    return { rows, problems, answered: m ? answered : received };
  } finally {
    if (child) await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureSize(size: number, baseline: (c: number) => number, rows: Row[]): Promise<{ rss: number; problems: string[]; answered: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-bench-'));
  const file = path.join(dir, 'sequences.json');
  let server: Child | undefined;
  try {
    const initial = await seedStateFile(file, size);
    server = await startChild(MAIN_JS, ['--port', '0', '--host', '127.0.0.1', '--sequence-file', file], {
      LOG_LEVEL: 'warn',
      TAKE_A_NUMBER_ANNOUNCE: '1',
      MAX_SEQUENCES: String(Math.max(200_000, size * 2)),
    }, NODE_FLAGS);
    const url = server.url;
    const ledger = new Ledger(initial);
    const hot = SCENARIOS[0]!;
    await load({ url, connections: 16, seconds: profile.warmup, maxRequests: profile.maxRequests, path: hot.path(), onAnswer: (s, b) => hot.record(ledger, s, b) });
    ledger.addUnseen(16);
    for (const scenario of SCENARIOS)
      for (const connections of profile.connections) {
        const before = await fetchCommitCounters(url);
        const r = await load({ url, connections, seconds: profile.seconds, maxRequests: profile.maxRequests, path: scenario.path(), onAnswer: (s, b) => scenario.record(ledger, s, b) });
        const after = await fetchCommitCounters(url);
        if (scenario.sequences) ledger.addUnseen(connections);
        const commits = after.commits - before.commits;
        const row: Row = {
          scenario: scenario.name,
          sizes: size,
          connections,
          rps: r.rps,
          p50: r.p50,
          p99: r.p99,
          ratio: r.rps / baseline(connections),
          commitsPerSecond: commits / r.seconds,
          meanBatch: commits === 0 ? 0 : (after.covered - before.covered) / commits,
          non2xx: r.non2xx,
          errors: r.errors,
        };
        rows.push(row);
        say(`${scenario.name.padEnd(16)} ${String(size).padStart(6)} seq ${String(connections).padStart(3)} conn  ${Math.round(r.rps).toString().padStart(6)} req/s  p50 ${r.p50} p99 ${r.p99} ms  ×${row.ratio.toFixed(2)}  batch ${row.meanBatch.toFixed(1)}`);
      }
    const rss = await peakRss(server.pid);
    const code = await stopChild(server);
    server = undefined;
    const problems = code === 0 ? [] : [`${size} sequences: the server exited with ${code}`];
    for (const copy of [file, `${file}.replica`]) {
      // After a clean stop each snapshot copy alone holds the whole state.
      const { state } = parseSnapshot(await readFile(copy));
      problems.push(...ledger.check(state, `${size} sequences, ${path.basename(copy)}`));
    }
    return { rss, problems, answered: ledger.answered() };
  } finally {
    if (server) await stopChild(server);
    await rm(dir, { recursive: true, force: true });
  }
}

function goals(rows: Row[], rss: { sizes: number; bytes: number }[], rewrite: RewriteRow[]): Goal[] {
  const at = (scenario: string, size: number): Row | undefined => rows.find((r) => r.scenario === scenario && r.sizes === size && r.connections === GOAL_CONNECTIONS);
  const smallest = Math.min(...profile.sizes);
  const list: Goal[] = [];
  for (const s of SCENARIOS) {
    const r = at(s.name, smallest);
    if (r) list.push({ goal: `${s.name} ≥ 0.8 × baseline (${smallest} sequences)`, measured: r.ratio.toFixed(2), met: r.ratio >= 0.8 });
  }
  const goalRows = rows.filter((r) => r.connections === GOAL_CONNECTIONS && r.sizes === smallest);
  const worstP99 = goalRows.reduce((m, r) => Math.max(m, r.p99), 0);
  if (goalRows.length > 0) list.push({ goal: `p99 ≤ 15 ms (worst scenario, ${smallest} sequences)`, measured: `${worstP99} ms`, met: worstP99 <= 15 });
  const small = at(SCENARIOS[0]!.name, smallest);
  const big = at(SCENARIOS[0]!.name, 10_000);
  if (small && big) list.push({ goal: '/next hot id at 10k sequences ≥ 0.5 × at 10', measured: (big.rps / small.rps).toFixed(2), met: big.rps / small.rps >= 0.5 });
  const vsRewrite = rewrite.find((x) => x.connections === GOAL_CONNECTIONS);
  if (vsRewrite)
    list.push({ goal: `${SCENARIOS[0]!.name} ≥ 10 × per-request rewrite (${GOAL_CONNECTIONS} connections)`, measured: vsRewrite.times.toFixed(1), met: vsRewrite.times >= 10 });
  const largest = rss.find((x) => x.sizes === 100_000);
  if (largest) list.push({ goal: 'peak RSS ≤ 150 MB at 100k sequences', measured: `${(largest.bytes / 1e6).toFixed(0)} MB`, met: largest.bytes <= 150e6 });
  return list;
}

async function main(): Promise<number> {
  const started = new Date();
  say(`bench (${profile.name}) → ${out}`);
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build`);
  const baselineServer = await startChild(BASELINE_JS, [], {}, NODE_FLAGS);
  const rows: Row[] = [];
  const rss: { sizes: number; bytes: number }[] = [];
  const durability: string[] = [];
  let answered = 0;
  let baseline: BaselineRow[];
  let baselineRss: number;
  let rewrite: RewriteRow[];
  let rewriteCheck: { problems: string[]; answered: number };
  try {
    const first = await measureBaseline(baselineServer.url);
    // Rows are first compared with the measurement before them; the ratio is redone below with the mean.
    const provisional = (c: number): number => first.get(c)!.rps;
    for (const size of profile.sizes) {
      say(`-- ${size} sequences`);
      const r = await measureSize(size, provisional, rows);
      rss.push({ sizes: size, bytes: r.rss });
      durability.push(...r.problems);
      answered += r.answered;
    }
    say(`-- per-request rewrite, ${REWRITE_SEQUENCES} sequences`);
    const rw = await measureRewrite();
    rewriteCheck = rw;
    rewrite = rw.rows.map((x) => {
      const service = rows.find((r) => r.scenario === SCENARIOS[0]!.name && r.sizes === REWRITE_SEQUENCES && r.connections === x.connections)?.rps ?? NaN;
      return { ...x, service, times: service / x.rps };
    });
    const second = await measureBaseline(baselineServer.url);
    baseline = profile.connections.map((c) => {
      const a = first.get(c)!;
      const b = second.get(c)!;
      return { connections: c, rps: (a.rps + b.rps) / 2, p50: (a.p50 + b.p50) / 2, p99: (a.p99 + b.p99) / 2 };
    });
    for (const row of rows) row.ratio = row.rps / baseline.find((b) => b.connections === row.connections)!.rps;
    baselineRss = await peakRss(baselineServer.pid);
  } finally {
    await stopChild(baselineServer);
  }
  const notesFile = path.join(REPO_ROOT, 'bench', 'PROFILE.md');
  const notes = profile.name === 'full' && existsSync(notesFile) ? await readFile(notesFile, 'utf8') : '';
  const seconds = (Date.now() - started.getTime()) / 1000;
  const goalList = goals(rows, rss, rewrite);
  await writeFile(
    out,
    renderReport({ profile, started, seconds, baseline, baselineRss, rewrite, rewriteSequences: REWRITE_SEQUENCES, rewriteCheck, rows, rss, goals: goalList, durability, answered, notes, nodeFlags: NODE_FLAGS }),
  );
  for (const g of goalList) say(`goal: ${g.goal}: ${g.measured} ${g.met ? 'met' : 'NOT met'}`);
  for (const x of rewrite) say(`× rewrite at ${x.connections} connections: ${x.times.toFixed(1)}`);
  const rewriteFailed = rewriteCheck.problems.length > 0;
  if (rewriteFailed) say(`REWRITE BASELINE CHECK FAILED:\n${rewriteCheck.problems.join('\n')}`);
  else say(`rewrite baseline check passed (file value = ${rewriteCheck.answered} = 2xx answered)`);
  if (durability.length > 0) {
    say(`DURABILITY CHECK FAILED:\n${durability.join('\n')}`);
    return 1;
  }
  say(`durability check passed (${answered} answers); wrote ${out}`);
  return rewriteFailed ? 1 : 0;
}

process.exitCode = await main().catch((e: Error) => {
  say(`bench failed: ${e.stack ?? e.message}`);
  return 2;
});
