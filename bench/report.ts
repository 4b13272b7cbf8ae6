// Renders BENCHMARKS.md: the goals first (value, ratio, goal, met), then one table per part of the run.
import os from 'node:os';

export interface Goal {
  goal: string;
  value: string;
  ratio: string;
  target: string;
  /** undefined: not measurable in this run (the reason is in `value`). */
  met: boolean | undefined;
}

export interface Table {
  title: string;
  /** Paragraphs before the table. */
  intro: string[];
  header: string[];
  /** Columns right-aligned from this index on (numbers). */
  numericFrom: number;
  rows: string[][];
  /** Paragraphs after the table. */
  outro?: string[];
}

export interface Report {
  command: string;
  started: Date;
  seconds: number;
  setup: string[];
  goals: Goal[];
  /** Paragraphs under the goals table (the reference points, for scale). */
  goalNotes: string[];
  tables: Table[];
  checks: string[];
  problems: string[];
}

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores, ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.platform()} ${os.release()}; Node ${process.version}`;
}

export const metText = (met: boolean | undefined): string => (met === undefined ? 'n/a' : met ? 'yes' : '**no**');

function table(t: Table): string[] {
  const align = t.header.map((_, i) => (i >= t.numericFrom ? '---:' : '---'));
  return [
    `## ${t.title}`,
    '',
    ...t.intro.flatMap((p) => [p, '']),
    `| ${t.header.join(' | ')} |`,
    `|${align.join('|')}|`,
    ...t.rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    ...(t.outro ?? []).flatMap((p) => [p, '']),
  ];
}

export function renderReport(r: Report): string {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`${r.command}\` on ${r.started.toISOString()} (${Math.round(r.seconds)} s). Every figure below comes from this one run.`,
    '',
    ...r.setup.map((s) => `- ${s}`),
    '',
    '## Goals',
    '',
    '| goal | measured | ratio | goal | met |',
    '|---|---:|---:|---:|---|',
    ...r.goals.map((g) => `| ${g.goal} | ${g.value} | ${g.ratio} | ${g.target} | ${metText(g.met)} |`),
    '',
    ...r.goalNotes.flatMap((p) => [p, '']),
    ...r.tables.flatMap(table),
    '## Checks',
    '',
    ...(r.problems.length === 0 ? ['Passed:', '', ...r.checks.map((c) => `- ${c}`)] : ['FAILED:', '', ...r.problems.map((p) => `- ${p}`), '', 'Passed:', '', ...r.checks.map((c) => `- ${c}`)]),
    '',
  ];
  return lines.join('\n');
}
