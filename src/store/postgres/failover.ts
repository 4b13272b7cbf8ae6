// What keeps an instance from handing a value out twice across a failover: the replication check of
// DATABASE_REQUIRE_SYNC every few seconds, a new connection pool when the endpoint answers read-only, the rows
// checked again after a reconnect, and a commit whose synchronous wait was cancelled (or whose connection dropped)
// turned into a failure.
import type { Logger } from 'pino';
import { ServiceError } from '../../errors.js';
import { reasonOf } from '../rules/reason.js';
import type { Db } from './connection.js';
import { isUncertain } from './connection.js';
import { HighWater } from './high-water.js';
import { registerStoreRows } from './high-water-rows.js';
import { READ_ONLY_REASON, replicationStatus, syncProblem, type ReplicationStatus } from './replication.js';
import { isReadOnly, type Session } from './session.js';

/** How often DATABASE_REQUIRE_SYNC's settings and the server's role are read again. */
export const SYNC_CHECK_MS = 3000;

export class FailoverWatch {
  readonly water: HighWater;
  private syncFault: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly session: Session,
    private readonly log: Logger,
    private readonly requireSync: boolean,
    backwardsCheck: boolean,
  ) {
    this.water = new HighWater(log, backwardsCheck);
    registerStoreRows(this.water);
  }

  start(): void {
    this.timer = setInterval(() => void this.probe().catch(() => undefined), SYNC_CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads the server's role and replication; a standby gets a new pool, a missing synchronous standby setting a fault. */
  async probe(): Promise<ReplicationStatus> {
    const status = await replicationStatus(this.session.pool);
    if (status.inRecovery) this.session.reset(READ_ONLY_REASON);
    if (this.requireSync) {
      const fault = syncProblem(status);
      if (fault !== this.syncFault) {
        if (fault) this.log.error({ event: 'sync_required_missing' }, fault);
        else this.log.warn({ event: 'sync_required_ok' }, 'DATABASE_REQUIRE_SYNC: the database waits for a synchronous standby again');
      }
      this.syncFault = fault;
    }
    return status;
  }

  /** What DATABASE_REQUIRE_SYNC finds missing, if anything (allocations and /readyz refuse meanwhile). */
  get fault(): string | undefined {
    return this.syncFault;
  }

  /** Before a batch: refused while DATABASE_REQUIRE_SYNC is not met; after a reconnect, the remembered rows are read again. */
  async before(db: Db): Promise<void> {
    if (this.syncFault) throw new ServiceError('storage_unavailable', `${this.syncFault}; nothing was handed out`);
    if (!this.session.reconnected) return;
    this.session.reconnected = false;
    try {
      await this.water.verify(db);
    } catch (e) {
      this.session.reconnected = true;
      throw e;
    }
  }

  /** The sync-cancel count to compare with after a commit. */
  mark(): number {
    return this.session.syncCancels;
  }

  /** The failure of a commit that reported success after its synchronous wait was cancelled, if that happened since `mark`. */
  cancelledSince(mark: number): ServiceError | undefined {
    if (this.session.syncCancels === mark) return undefined;
    this.uncertain('the commit\'s wait for the synchronous standby was cancelled');
    return new ServiceError(
      'storage_unavailable',
      'the database committed without the synchronous standby\'s confirmation (its wait was cancelled), so a failover could lose the commit: the values are burnt and nothing was handed out; retry',
    );
  }

  /** A database error of a batch: a read-only answer reconnects; a connection lost during a commit is logged as uncertain. */
  failed(e: unknown): string {
    this.session.reconnected = true;
    if (isReadOnly(e)) {
      this.session.reset(READ_ONLY_REASON);
      return `${READ_ONLY_REASON}; reconnecting`;
    }
    if (isUncertain(e)) this.uncertain(`the connection was lost during the commit (${reasonOf(e)})`);
    return reasonOf(e);
  }

  private uncertain(why: string): void {
    this.log.error({ event: 'sync_commit_uncertain', reason: why }, `a commit may or may not have happened: ${why}; its values are burnt and its requests answered 503`);
  }
}
