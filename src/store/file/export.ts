// The state file's content as a whole, for migrate: read as recovery reads it (snapshot plus journal), and
// replaced by a new checkpoint under the lock. Built on the engine's own parts, so the format is theirs.
import { closeSync, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { StartupError } from '../../errors.js';
import type { StateExport } from '../store.js';
import { DiskWriter } from './commit/writer.js';
import { Ownership, tryLock } from './ownership/owner.js';
import { resolveStatePaths } from './paths.js';
import { readStateWithLedger } from './recovery/recover.js';
import { LedgerBook } from '../../ledger/book.js';
import type { LedgerRecord } from '../../ledger/record.js';
import { encodeLedgerLine } from './ledger/line.js';
import { replaceFile } from './snapshot/atomic-write.js';
import { serializeSnapshot } from './snapshot/format.js';
import type { State } from './state.js';
import { exportLeasePool, importLeasePool } from './leases/export.js';

const exportOf = (state: State, ledger: LedgerRecord[]): StateExport => ({
  sequences: state.sequences,
  random: new Map(state.pools),
  series: state.series,
  idempotency: state.idempotency,
  ledger,
  leases: new Map([...state.leases].map(([name, p]) => [name, exportLeasePool(p)])),
});

/**
 * Reads a state file (snapshot plus journal) without changing its directory: the lock is tried on the lock
 * file if there is one (a running server is refused), and no file is created.
 */
export async function exportFileState(file: string): Promise<StateExport> {
  const paths = resolveStatePaths(file);
  if (![paths.primary, paths.replica, paths.journal, paths.journalReplica].some((p) => existsSync(p))) throw new StartupError(`there is no state file at ${paths.primary}`);
  let fd: number | undefined;
  if (existsSync(paths.lock)) {
    // The lock file exists already: opening it creates nothing.
    const held = tryLock(paths.lock);
    if ('busy' in held) throw new StartupError(`another process is using ${paths.primary} (it holds ${paths.lock}); stop it first`);
    fd = held.fd;
  }
  try {
    const read = await readStateWithLedger(paths);
    return exportOf(read.state, read.events);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces a state file's content with `update(current)`, durably, holding its lock throughout. */
export async function importFileState(file: string, update: (current: StateExport) => StateExport): Promise<void> {
  const paths = resolveStatePaths(file);
  await mkdir(paths.dir, { recursive: true });
  const owner = Ownership.take(paths.lock, paths.primary);
  try {
    const { state, events } = await readStateWithLedger(paths);
    const next = update(exportOf(state, events));
    // Every pool by name, named pools included; a pool only the target had stays.
    const pools = new Map(state.pools);
    for (const [name, p] of next.random) pools.set(name, p);
    // Lease pools by name too; a lease pool only the target had stays.
    const leases = new Map(state.leases);
    for (const [name, p] of next.leases) leases.set(name, importLeasePool(p));
    const target: State = { generation: state.generation + 1, sequences: next.sequences, pools, series: next.series, idempotency: next.idempotency, ledger: new LedgerBook(), leases };
    // The ledger file is written whole first: the snapshot names its chain heads.
    const ledger = next.ledger ?? [];
    for (const r of ledger) if (target.ledger.apply(r) === 'gap') throw new StartupError(`the ledger to import skips events of "${r.sequence_id}" before event ${r.event}`);
    if (ledger.length > 0 || existsSync(paths.ledger)) await replaceFile(paths.ledger, [ledger.map(encodeLedgerLine).join('')]);
    const writer = new DiskWriter(paths);
    await writer.writeSnapshot(await serializeSnapshot(target, target.generation, false));
    await writer.resetJournal('');
    await writer.close();
  } finally {
    owner.release();
  }
}
