// Servers of the bench: spawned pinned on a free port, ready at their first 200, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const MAIN_JS = path.resolve(here, '..', 'src', 'main.js');
export const KOA_JS = path.resolve(here, 'baselines', 'koa.js');
export const KOA_FDATASYNC_JS = path.resolve(here, 'baselines', 'koa-fdatasync.js');

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first 200 on the readiness path. */
  startMs: number;
  output: () => string;
  exited: Promise<number | string>;
  child: ChildProcess;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface SpawnOptions {
  name: string;
  /** The full command line: pinning prefix, program, arguments. */
  command: string[];
  env: Record<string, string>;
  /** The path polled until it answers 200 (/healthz for take-a-number). */
  ready: string;
  timeoutMs?: number;
}

// The service's settings in the bench's own environment (a DATABASE_URL or TOKEN in the shell) must not reach
// the servers: each gets only the settings the bench gives it.
const SERVICE_SETTING = /^(PORT|HOST|SEQUENCE_FILE|DATABASE_URL|TOKEN|LOG_LEVEL|MAX_\w+|IDEMPOTENCY_\w+|RANDOM_\w+|RECOVER)$/;

function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SERVICE_SETTING.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Spawns with PORT set to a free port and polls `ready` every 5 ms; resolves at its first 200. */
export async function spawnServer(o: SpawnOptions): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(o.command[0]!, o.command.slice(1), { env: serverEnv({ ...o.env, PORT: String(port), HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => void (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let code: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => child.once('exit', (c, s) => resolve((code = c ?? s ?? -1))));
  const deadline = started + (o.timeoutMs ?? 120_000);
  for (;;) {
    if (code !== undefined) throw new Error(`${o.name} exited (${code}) before it was ready: ${out.trim()}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.name} was not ready after ${o.timeoutMs ?? 120_000} ms: ${out.trim()}`);
    }
    const ok = await fetch(`${url}${o.ready}`).then(
      (r) => (void r.arrayBuffer().catch(() => undefined), r.status === 200),
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return { name: o.name, url, pid: child.pid!, startMs: performance.now() - started, output: () => out, exited, child };
}

/** SIGTERM to the server's PID, SIGKILL after `graceMs`; resolves with its exit code and how long it took. */
export async function stopServer(s: Server, graceMs = 60_000): Promise<{ code: number | string; ms: number }> {
  const started = performance.now();
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
  const code = await s.exited;
  clearTimeout(timer);
  return { code, ms: performance.now() - started };
}

/** Peak resident set size of a live process in bytes (VmHWM), from /proc. */
export async function peakRss(pid: number): Promise<number> {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
