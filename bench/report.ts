// Renders the bench results as the Markdown of BENCHMARKS.md: tables, goals and the machine they came from.
import os from 'node:os';
import type { Profile } from './profiles.js';

export interface Row {
  scenario: string;
  sizes: number;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  ratio: number;
  commitsPerSecond: number;
  meanBatch: number;
  non2xx: number;
  errors: number;
}

export interface BaselineRow {
  connections: number;
  rps: number;
  p50: number;
  p99: number;
}

/** The per-request-rewrite baseline at one concurrency, with take-a-number's /next hot id req/s there. */
export interface RewriteRow extends BaselineRow {
  service: number;
  /** service / rps: the "× rewrite" figure. */
  times: number;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

export interface Report {
  profile: Profile;
  started: Date;
  seconds: number;
  baseline: BaselineRow[];
  /** Peak RSS of the baseline process over the whole run, for scale. */
  baselineRss: number;
  rewrite: RewriteRow[];
  /** The state size of the rewrite rows (and of the take-a-number rows they are compared with). */
  rewriteSequences: number;
  rewriteCheck: { problems: string[]; answered: number };
  rows: Row[];
  rss: { sizes: number; bytes: number }[];
  goals: Goal[];
  durability: string[];
  answered: number;
  notes: string;
  /** The node flags every server of the run was started with (the image's ENTRYPOINT flags). */
  nodeFlags: readonly string[];
}

const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const n1 = (x: number): string => x.toFixed(1);
const n2 = (x: number): string => x.toFixed(2);

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores, ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}; Node ${process.version}`;
}

export function renderReport(r: Report): string {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${r.profile.name === 'full' ? '' : ` -- --${r.profile.name}`}\` on ${r.started.toISOString()} (${n0(r.seconds)} s).`,
    '',
    `- Machine: ${machine()}.`,
    `- Each cell: autocannon for ${r.profile.seconds} s (at most ${n0(r.profile.maxRequests)} requests) after a ${r.profile.warmup} s warm-up; the server is the built \`dist/src/main.js\`, started as the image starts it (\`node ${r.nodeFlags.join(' ')}\`, as are both baselines), with LOG_LEVEL=warn and a fresh, pre-seeded state file; every answer is durable (both copies fsynced, renamed, directory fsynced) before it is sent.`,
    '- Ratio: req/s divided by the baseline (bare Koa, constant body of the same size, same run, same concurrency; mean of a measurement before and one after the service rows).',
    '- Commits/s and mean batch come from the service\'s own /metrics (take_a_number_commit_batch_size_count and _sum) over the cell.',
    '',
    '## Goals (64 connections)',
    '',
    '| goal | measured | met |',
    '|---|---|---|',
    ...r.goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.met ? 'yes' : '**no**'} |`),
    '',
    '## Baseline (bare Koa)',
    '',
    '| connections | req/s | p50 ms | p99 ms |',
    '|---:|---:|---:|---:|',
    ...r.baseline.map((b) => `| ${b.connections} | ${n0(b.rps)} | ${n1(b.p50)} | ${n1(b.p99)} |`),
    '',
    '## Per-request rewrite (what JSON-file services do)',
    '',
    `\`bench/rewrite-baseline.ts\`: Koa + @koa/router holding \`{id: value}\` in memory (${r.rewriteSequences} sequences); every \`GET /next/:id\`, one at a time under an async-mutex, increments its counter and rewrites the whole JSON file with write-file-atomic (fsync on, no group commit) before answering. Same load (/next hot id), same profile. × rewrite = take-a-number's /next hot id req/s at ${r.rewriteSequences} sequences divided by this, at the same concurrency.`,
    '',
    '| connections | req/s | p50 ms | p99 ms | take-a-number req/s | × rewrite |',
    '|---:|---:|---:|---:|---:|---:|',
    ...r.rewrite.map((x) => `| ${x.connections} | ${n0(x.rps)} | ${n1(x.p50)} | ${n1(x.p99)} | ${n0(x.service)} | ${n1(x.times)} |`),
    '',
    r.rewriteCheck.problems.length === 0
      ? `Check passed: the rewrite baseline's file ends at exactly the ${n0(r.rewriteCheck.answered)} 2xx it answered, within what the load generator received plus requests cut at the end of runs, with no value answered twice.`
      : `Check FAILED:\n\n${r.rewriteCheck.problems.map((p) => `- ${p}`).join('\n')}`,
    '',
    '## take-a-number',
    '',
    '| scenario | sequences | connections | req/s | p50 ms | p99 ms | × baseline | commits/s | mean batch | non-2xx | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.rows.map(
      (x) =>
        `| ${x.scenario} | ${n0(x.sizes)} | ${x.connections} | ${n0(x.rps)} | ${n1(x.p50)} | ${n1(x.p99)} | ${n2(x.ratio)} | ${n0(x.commitsPerSecond)} | ${n1(x.meanBatch)} | ${x.non2xx} | ${x.errors} |`,
    ),
    '',
    '## Peak memory',
    '',
    '| sequences in the state | peak RSS (VmHWM) |',
    '|---:|---:|',
    ...r.rss.map((x) => `| ${n0(x.sizes)} | ${n1(x.bytes / 1e6)} MB |`),
    '',
    `For scale: the bare-Koa baseline process peaked at ${n1(r.baselineRss / 1e6)} MB under the same load. Each state size runs in a fresh server process.`,
    '',
    '## Durability check',
    '',
    r.durability.length === 0
      ? `Passed: ${n0(r.answered)} answers; every answered value is in both state copies, none was answered twice, and the files moved no further than the unanswered requests explain.`
      : `FAILED:\n\n${r.durability.map((p) => `- ${p}`).join('\n')}`,
    '',
  ];
  return `${lines.join('\n')}${r.notes ? `\n${r.notes.trim()}\n` : ''}`;
}
