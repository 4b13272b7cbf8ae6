// Shared test helpers: fresh temp dirs, in-process stores and apps, and real server processes.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import { startChild, type Child } from '../../bench/children.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { FileStore, type FileStoreOptions } from '../../src/store/file/file-store.js';
import { statePaths } from '../../src/store/file/paths.js';
import { readState } from '../../src/store/file/recovery/recover.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const MAIN_JS = path.join(REPO_ROOT, 'dist', 'src', 'main.js');

const dirs: string[] = [];

/** A fresh temp directory, removed after the test run. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tan-test-'));
  dirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A Config as the service would load it, from settings given as environment variables. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig([], { LOG_LEVEL: 'silent', ...env });
}

export async function openFileStore(file: string, env: Record<string, string> = {}, extra: Partial<FileStoreOptions> = {}): Promise<FileStore> {
  return FileStore.open({ config: testConfig({ SEQUENCE_FILE: file, ...env }), log: silentLogger(), ...extra });
}

/** An app on a FileStore in a fresh temp dir; close() releases the store. */
export async function fileApp(env: Record<string, string> = {}, extra: Partial<FileStoreOptions> = {}): Promise<{ app: Koa; store: FileStore; file: string; close: () => Promise<void> }> {
  const file = path.join(await tempDir(), 'sequences.json');
  const config = testConfig({ SEQUENCE_FILE: file, ...env });
  const store = await FileStore.open({ config, log: silentLogger(), ...extra });
  const app = createApp({ store, config, log: silentLogger(), metrics: new Metrics(store, false) });
  return { app, store, file, close: () => store.close() };
}

export type ServerProcess = Child;

/** Starts the built server (dist/src/main.js) as a real process on a free port; resolves once it listens. */
export function startServerProcess(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  return startChild(MAIN_JS, ['--port', '0', '--host', '127.0.0.1', ...args], { LOG_LEVEL: 'warn', ...env, TAKE_A_NUMBER_ANNOUNCE: '1' });
}

/** Runs the built server to completion (for start-up refusals); resolves with exit code and output. */
export async function runServerToExit(env: Record<string, string>, args: string[] = []): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN_JS, '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, TAKE_A_NUMBER_ANNOUNCE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | string>((resolve) => child.once('exit', (c, s) => resolve(c ?? s ?? -1)));
  return { code, stdout, stderr };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, ms = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface OnDisk {
  generation: number;
  sequences: Record<string, number>;
  pools: Record<string, { drawn: number; key: string }>;
  idempotency: Record<string, unknown>;
}

/** The state a restart would load from `file` (snapshot plus journal), read without changing anything. */
export async function stateOnDisk(file: string): Promise<OnDisk> {
  const state = await readState(statePaths(file));
  return {
    generation: state.generation,
    sequences: Object.fromEntries(state.sequences),
    pools: Object.fromEntries([...state.pools].map(([name, p]) => [name, { drawn: p.drawn, key: p.key }])),
    idempotency: Object.fromEntries(state.idempotency),
  };
}
