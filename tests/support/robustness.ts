// Helpers of the robustness suite: captured structured logs, bounded polling, real processes, mounts.
import { execFileSync, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import request from 'supertest';
import type { Config } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { FileStore, type FileStoreOptions } from '../../src/store/file/file-store.js';
import { testConfig } from './helpers.js';

export interface LogLine {
  level: number;
  event?: string;
  msg?: string;
  [k: string]: unknown;
}

export const ERROR = 50;

/** A pino logger whose JSON lines are kept in memory. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** The JSON log lines in a process's stdout (other lines, like LISTENING, are skipped). */
export function parseLogLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** Small random pools (100 values each), so a pool that restarted would repeat values at once. */
export const SMALL_POOLS = { RANDOM_INT_MIN: '0', RANDOM_INT_MAX: '99', RANDOM_FLOAT_MIN: '0', RANDOM_FLOAT_MAX: '1', RANDOM_FLOAT_DECIMALS: '2' };

export interface InProcess {
  http: ReturnType<typeof request>;
  store: FileStore;
  lines: LogLine[];
  config: Config;
}

/** A FileStore on `file` with an app around it and captured logs. */
export async function openInProcess(file: string, env: Record<string, string> = {}, extra: Partial<FileStoreOptions> = {}): Promise<InProcess> {
  const { log, lines } = captureLog();
  const config = testConfig({ SEQUENCE_FILE: file, ...SMALL_POOLS, ...env });
  const store = await FileStore.open({ config, log, ...extra });
  const app = createApp({ store, config, log });
  return { http: request(app.callback()), store, lines, config };
}

/** name → bytes of every file in `dir` (lock directories left out). */
export async function snapshotDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isFile()) out.set(e.name, (await readFile(path.join(dir, e.name))).toString('base64'));
  return out;
}

/** The one file in `dir` whose name matches `re`, or an error listing what is there. */
export async function onlyMatch(dir: string, re: RegExp): Promise<string> {
  const names = (await readdir(dir)).filter((n) => re.test(n));
  if (names.length !== 1) throw new Error(`expected one file matching ${re} in ${dir}, found ${JSON.stringify(await readdir(dir))}`);
  return path.join(dir, names[0]!);
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Unmounts `dir` if something is mounted there (lazy, so a busy mount never blocks cleanup). */
export function unmountQuietly(dir: string): void {
  for (let i = 0; i < 3; i++) {
    try {
      execFileSync('mountpoint', ['-q', dir]);
    } catch {
      return;
    }
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    } catch {
      /* try again */
    }
  }
}

/** Runs a command to completion; resolves with its exit code and output. */
export function run(cmd: string, args: string[], env: Record<string, string | undefined> = process.env): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (c, s) => resolve({ code: c ?? s ?? -1, stdout, stderr })));
}
