// Child processes of the bench: the real server and the baseline, started on free ports and stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface Child {
  child: ChildProcess;
  url: string;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | string>;
}

/** Spawns `node script args` and resolves once it prints `LISTENING <url>`. */
export function startChild(script: string, args: string[], env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
