// What the database says about its own durability and replication: whether it is a standby, whether commits
// wait for a synchronous standby (synchronous_standby_names), fsync, and how many synchronous standbys are attached.
import type { Db } from './connection.js';

export interface ReplicationStatus {
  inRecovery: boolean;
  standbyNames: string;
  fsync: string;
  /** Attached standbys in sync_state sync or quorum (0 where the role may not read pg_stat_replication's details: grant it pg_monitor). */
  syncStandbys: number;
}

const STATUS_SQL = `SELECT pg_is_in_recovery() AS recovery, current_setting('synchronous_standby_names') AS names,
  current_setting('fsync') AS fsync,
  (SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum'))::int AS sync`;

export async function replicationStatus(db: Db): Promise<ReplicationStatus> {
  const { rows } = await db.query<{ recovery: boolean; names: string; fsync: string; sync: number }>(STATUS_SQL);
  const r = rows[0]!;
  return { inRecovery: r.recovery, standbyNames: r.names, fsync: r.fsync, syncStandbys: r.sync };
}

/** What DATABASE_REQUIRE_SYNC finds missing, as a sentence that says how to fix it; undefined when nothing is. */
export function syncProblem(s: Pick<ReplicationStatus, 'standbyNames' | 'fsync'>): string | undefined {
  if (s.standbyNames.trim() === '')
    return 'DATABASE_REQUIRE_SYNC=true but the database\'s synchronous_standby_names is empty, so a commit does not wait for a standby and a failover can lose it: list the standby in synchronous_standby_names (Patroni: synchronous_mode: true) or unset DATABASE_REQUIRE_SYNC';
  if (s.fsync !== 'on') return `DATABASE_REQUIRE_SYNC=true but the database runs with fsync=${s.fsync}: set fsync=on or unset DATABASE_REQUIRE_SYNC`;
  return undefined;
}

export const READ_ONLY_REASON = 'the database answers read-only (a standby, or a primary being demoted in a failover)';
