// Which core runs what: servers on core 1, load generators (and this process) on core 0, when the machine
// has two cores or more and taskset is installed; otherwise nothing is pinned and the report says so.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface Pinning {
  pinned: boolean;
  /** A line for the report: what ran where. */
  description: string;
  /** Prefix of the command line of a server (empty when not pinned). */
  server: string[];
  /** Prefix of the command line of a load generator (empty when not pinned). */
  generator: string[];
}

export const SERVER_CORE = '1';
export const GENERATOR_CORE = '0';

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Decides the pinning and pins this process (all its threads) to the generator core. */
export function pinCores(): Pinning {
  const cores = os.cpus().length;
  if (cores < 2 || !hasTaskset())
    return { pinned: false, description: `not pinned (${cores} core${cores === 1 ? '' : 's'}, taskset ${hasTaskset() ? 'installed' : 'missing'})`, server: [], generator: [] };
  // In-process load (the autocannon fallback) and the bench's own bookkeeping then stay off the server's core.
  spawnSync('taskset', ['-a', '-p', '-c', GENERATOR_CORE, String(process.pid)], { stdio: 'ignore' });
  return {
    pinned: true,
    description: `every server (and every PostgreSQL-store instance) on core ${SERVER_CORE} (taskset -c ${SERVER_CORE}), every load generator and the bench itself on core ${GENERATOR_CORE} (taskset -c ${GENERATOR_CORE}), of ${cores} cores`,
    server: ['taskset', '-c', SERVER_CORE],
    generator: ['taskset', '-c', GENERATOR_CORE],
  };
}
