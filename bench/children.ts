// Node child processes that announce `LISTENING <url>` (the tests start servers with these), and the image's node flags.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The node flags of the image's ENTRYPOINT (between "node" and the script): the production settings that
 * the bench runs every server with, and that npm start uses too (a test keeps them equal).
 */
export function imageNodeFlags(dockerfile = path.join(REPO_ROOT, 'Dockerfile')): string[] {
  const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(dockerfile, 'utf8'));
  if (!m) throw new Error(`no exec-form ENTRYPOINT in ${dockerfile}`);
  const words = JSON.parse(m[1]!) as string[];
  if (words[0] !== 'node') throw new Error(`the ENTRYPOINT does not start node: ${m[1]}`);
  return words.slice(1, -1);
}

export interface Child {
  child: ChildProcess;
  url: string;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | string>;
}

/** Spawns `node [nodeFlags] script args` and resolves once it prints `LISTENING <url>`. */
export function startChild(script: string, args: string[], env: Record<string, string>, nodeFlags: readonly string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]!, pid: child.pid!, stdout: () => out, stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before listening: ${err || out}`)));
  });
}

/** SIGTERM to this child's PID, SIGKILL if it has not exited after `graceMs`; resolves with its exit code. */
export async function stopChild(c: Child, graceMs = 10_000): Promise<number | string> {
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), graceMs);
  const code = await c.exited;
  clearTimeout(timer);
  return code;
}

/** Peak resident set size of a live process in bytes (VmHWM), from /proc. */
export async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}
