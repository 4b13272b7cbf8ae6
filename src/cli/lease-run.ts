// `take-a-number lease run`: holds a lease while a command runs. The command gets TAN_LEASE_NUMBER and
// TAN_LEASE_FENCE; the lease is renewed every third of its ttl; when it is lost, or cannot be renewed before
// the local deadline (the send time of the last successful renewal plus the ttl, less a margin), the command
// gets SIGTERM, then SIGKILL after a grace, both before the server's expiry. On exit the lease is released.
import { spawn, type ChildProcess } from 'node:child_process';
import { ClientError } from '../client/http.js';
import type { TakeANumber } from '../client/index.js';

export interface LeaseRunOptions {
  /** A client with `retries` retries and `timeoutMs` per attempt. */
  connect: (retries: number, timeoutMs?: number) => TakeANumber;
  pool: string;
  holder: string;
  ttl?: number;
  command: string[];
  /** Lines for stderr. */
  say: (line: string) => void;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs the command under the lease; resolves with the exit code to use (the command's, or 128 + its signal). */
export async function leaseRun(o: LeaseRunOptions): Promise<number> {
  const sentAt = Date.now();
  const grant = await o.connect(6).acquireLease(o.pool, o.holder, o.ttl === undefined ? {} : { ttl: o.ttl });
  const ttlMs = (grant.renew_every_s * 3) * 1000;
  // SIGTERM a sixth of the ttl before the expiry, SIGKILL halfway through that margin: both before the server's.
  const margin = ttlMs / 6;
  const grace = margin / 2;
  // One attempt per renewal, short enough that a few fit before the deadline; the deadline has its own timer.
  const renewer = o.connect(0, Math.max(200, Math.min(5000, margin)));
  let deadline = sentAt + ttlMs - margin;
  const child: ChildProcess = spawn(o.command[0]!, o.command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, TAN_LEASE_NUMBER: String(grant.number), TAN_LEASE_FENCE: String(grant.fence), TAN_LEASE_ID: grant.lease },
  });
  let exited = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;

  const stop = (why: string): void => {
    if (stopping || exited) return;
    stopping = true;
    o.say(`take-a-number: ${why}; sending SIGTERM to the command (SIGKILL in ${Math.round(grace)} ms)`);
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), grace);
  };

  const armDeadline = (): void => {
    clearTimeout(deadlineTimer);
    deadlineTimer = setTimeout(() => stop(`lease ${grant.number} of ${o.pool} could not be renewed before its deadline`), Math.max(0, deadline - Date.now()));
  };
  armDeadline();

  const tick = async (): Promise<void> => {
    if (exited || stopping) return;
    const at = Date.now();
    try {
      await renewer.renewLease(grant.lease, o.ttl);
      if (stopping) return;
      deadline = at + ttlMs - margin;
      armDeadline();
      schedule(ttlMs / 3);
    } catch (e) {
      if (e instanceof ClientError && (e.status === 410 || e.status === 404)) return stop(`lease ${grant.number} of ${o.pool} is lost (${e.message})`);
      // A failed renewal is tried again soon, until the deadline.
      schedule(Math.min(1000, ttlMs / 10));
    }
  };
  const schedule = (ms: number): void => {
    if (exited || stopping) return;
    clearTimeout(timer);
    timer = setTimeout(() => void tick(), ms);
  };
  schedule(ttlMs / 3);

  // The wrapper's own stop signals go to the command.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);

  const code = await new Promise<number>((resolve) => {
    child.once('error', (e) => {
      o.say(`take-a-number: cannot run ${o.command[0]}: ${e.message}`);
      resolve(127);
    });
    child.once('exit', (c, signal) => resolve(c ?? 128 + (SIGNALS[signal ?? ''] ?? 0)));
  });
  exited = true;
  clearTimeout(timer);
  clearTimeout(killTimer);
  clearTimeout(deadlineTimer);
  for (const [s, h] of handlers) process.off(s, h);
  await o.connect(2, 2000).releaseLease(grant.lease).catch((e: Error) => o.say(`take-a-number: could not release lease ${grant.number} of ${o.pool} (${e.message}); it expires by itself`));
  return code;
}
