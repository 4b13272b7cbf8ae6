// The state-file side of `migrate`: read through recovery, write through the durable writer, both under the lock.
import { mkdir, stat } from 'node:fs/promises';
import { silentLogger } from '../logger.js';
import { DurableWriter } from '../store/durable-writer.js';
import { acquireLock } from '../store/lock.js';
import { statePaths } from '../store/paths.js';
import { recoverState } from '../store/recovery.js';
import { serialize } from '../store/state.js';
import { MigrateRefusal, type Snapshot } from './migrate-snapshot.js';

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Reads a state file as the service would (newest intact copy), holding its lock so no server is using it. */
export async function readFileSnapshot(file: string): Promise<Snapshot> {
  const paths = statePaths(file);
  if (!(await exists(paths.primary)) && !(await exists(paths.replica))) throw new MigrateRefusal(`there is no state file at ${paths.primary}`);
  const lock = await acquireLock(paths.primary, silentLogger());
  try {
    const { state } = await recoverState(paths, false, silentLogger());
    return { sequences: state.sequences, random: state.random, series: state.series, idempotency: state.idempotency };
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** Replaces a state file's content with `update(current)`, durably, holding its lock throughout. */
export async function updateFile(file: string, update: (current: Snapshot) => Snapshot): Promise<void> {
  const paths = statePaths(file);
  await mkdir(paths.dir, { recursive: true });
  const lock = await acquireLock(paths.primary, silentLogger());
  try {
    const { state } = await recoverState(paths, false, silentLogger());
    const next = update({ sequences: state.sequences, random: state.random, series: state.series, idempotency: state.idempotency });
    await new DurableWriter(paths).write(serialize({ generation: state.generation + 1, ...next }));
  } finally {
    await lock.release().catch(() => undefined);
  }
}
