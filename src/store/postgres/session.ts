// The store's sessions: one connection pool that is replaced when the endpoint answers read-only (a standby,
// or an old primary after a failover), every session at synchronous_commit on or stronger, and a count of the
// notices that make a commit that reported success uncertain.
import type pg from 'pg';
import type { Logger } from 'pino';
import { reasonOf } from '../rules/reason.js';
import { codeOf, createConnectionPool, type SyncLevel } from './connection.js';

// PostgreSQL's WARNING when a commit's wait for the standby ends early: the commit is visible on the primary
// and may be missing on the standby a failover promotes.
const SYNC_WAIT_CANCELLED = /cancel(l)?ing (the )?wait for synchronous replication/i;

/** read_only_sql_transaction: the server is a standby (or in recovery). */
export const READ_ONLY = '25006';

export const isReadOnly = (e: unknown): boolean => codeOf(e) === READ_ONLY;

export class Session {
  private current: pg.Pool;
  private readonly old = new Set<Promise<void>>();
  /** Notices of a cancelled synchronous wait seen on any of this store's sessions. */
  syncCancels = 0;
  /** Set when connections were lost or replaced (the next ones may reach another server): the remembered rows are checked again. */
  reconnected = false;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly size: number,
    readonly level: SyncLevel,
  ) {
    this.current = this.create();
  }

  get pool(): pg.Pool {
    return this.current;
  }

  private create(): pg.Pool {
    const pool = createConnectionPool(this.url, this.log, this.size, this.level);
    pool.on('error', () => (this.reconnected = true));
    pool.on('connect', (client) => {
      client.on('notice', (n) => {
        if (SYNC_WAIT_CANCELLED.test(n.message ?? '')) this.syncCancels++;
      });
    });
    return pool;
  }

  /** Drops every connection and opens new ones on the next query: the endpoint may lead elsewhere now. */
  reset(reason: string): void {
    this.log.warn({ event: 'db_reconnect', reason }, `reconnecting to the database: ${reason}`);
    const old = this.current;
    this.current = this.create();
    this.reconnected = true;
    const ending = old.end().catch((e: unknown) => this.log.warn({ event: 'db_close_failed', err: reasonOf(e) }, 'could not close the old database pool'));
    this.old.add(ending);
    void ending.finally(() => this.old.delete(ending));
  }

  async end(): Promise<void> {
    await Promise.all([this.current.end(), ...this.old]);
  }
}
