// Support for the CI tests: the action's entry point and the shell recipe run as a CI would run them, the
// $GITHUB_OUTPUT file read as the runner reads it, a port nobody listens on, a server's last value.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT, tempDir } from '../support/helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export const ACTION_MAIN = path.join(REPO_ROOT, 'action', 'main.js');
export const RECIPE = path.join(REPO_ROOT, 'ci', 'take-a-number.sh');
export const GITLAB_TEMPLATE = path.join(REPO_ROOT, 'templates', 'take-a-number.yml');

export interface Run {
  code: number | string;
  stdout: string;
  stderr: string;
}

/** Runs `command args` with only PATH from this process's environment plus `env`, to completion. */
export function runProcess(command: string, args: string[], env: Record<string, string>, cwd = REPO_ROOT): Promise<Run> {
  const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr })));
}

/**
 * Reads a $GITHUB_OUTPUT file as the runner does: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks.
 * Throws on anything else, so a malformed file fails the test.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`output ${name}: no closing ${delimiter}`);
      out[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`not an output line: ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export interface ActionRun extends Run {
  outputs: Record<string, string>;
  /** The output file as written, for format checks. */
  file: string;
}

/** The GitHub-run environment of a step: run id, attempt, job, step and the output file. */
export interface RunContext {
  runId?: string;
  attempt?: string;
  job?: string;
  step?: string;
}

/**
 * Runs the action's entry point as the runner does: node20 on action.yml's `main`, inputs as INPUT_<NAME>
 * (upper-cased, hyphens kept), GITHUB_OUTPUT a fresh file, GITHUB_RUN_ID/ATTEMPT/JOB/ACTION set.
 */
export async function runAction(inputs: Record<string, string>, ctx: RunContext = {}, extraEnv: Record<string, string> = {}): Promise<ActionRun> {
  const file = path.join(await tempDir(), 'github_output');
  await writeFile(file, '');
  const env: Record<string, string> = {
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: file,
    GITHUB_RUN_ID: ctx.runId ?? '9000001',
    GITHUB_RUN_ATTEMPT: ctx.attempt ?? '1',
    GITHUB_JOB: ctx.job ?? 'build',
    GITHUB_ACTION: ctx.step ?? 'number',
    ...extraEnv,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const run = await runProcess(process.execPath, [ACTION_MAIN], env);
  const text = await readFile(file, 'utf8');
  return { ...run, file: text, outputs: parseOutputFile(text) };
}

/** A port nobody listens on right now. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The sequence's last value as the server reports it. */
export async function lastValue(url: string, id: string, token: string): Promise<number> {
  const res = await fetch(`${url}/sequences/${encodeURIComponent(id)}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET /sequences/${id}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { last_value: number }).last_value;
}

/** Sends a JSON request with the token; resolves with status and parsed body. */
export async function api(url: string, method: string, route: string, token: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}
