// node-postgres plumbing for the PostgreSQL store: a connection pool that survives lost connections,
// transactions, and the one-off client of migrate.
import pg from 'pg';
import type { Logger } from 'pino';
import { isServiceError, StartupError } from '../../errors.js';
import { maskSecrets } from '../../mask.js';
import { reasonOf } from '../rules/reason.js';

/** Where a query runs: the connection pool (each statement its own transaction), or one client inside a transaction. */
export type Db = pg.Pool | pg.ClientBase;

/** A postgres:// URL without its credentials, for messages and logs. */
export const redactUrl = (url: string): string => maskSecrets(url);

/** Deadlock and serialization failure: the transaction was rolled back whole and may run again. */
export const RETRYABLE: ReadonlySet<string> = new Set(['40P01', '40001']);

export const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

/** What the service's sessions run with: remote_apply where that is the database default, else on (never below). */
export type SyncLevel = 'on' | 'remote_apply';

export const syncLevelFor = (databaseDefault: string): SyncLevel => (databaseDefault === 'remote_apply' ? 'remote_apply' : 'on');

/** `size` connections at most; `syncLevel` is set in each session's startup packet, before any statement runs. */
export function createConnectionPool(url: string, log: Logger, size: number, syncLevel?: SyncLevel): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    ...(syncLevel ? { options: `-c synchronous_commit=${syncLevel}` } : {}),
    // A database that does not answer must turn into storage_unavailable quickly, not a hung request.
    connectionTimeoutMillis: 3000,
    query_timeout: 15000,
    idleTimeoutMillis: 30000,
    keepAlive: true,
    application_name: 'take-a-number',
  });
  // An idle connection the server drops emits 'error' on the pool; without a listener it would end the process.
  pool.on('error', (err) => log.warn({ event: 'db_connection_lost', err: reasonOf(err) }, `a database connection was lost: ${reasonOf(err)}`));
  // A checked-out client can emit 'error' between queries; the running query reports it, so only swallow it here.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** A connection lost without a SQLSTATE, or ended by the server (admin shutdown, crash): a commit in flight may or may not have happened. */
export function isConnectionLoss(e: unknown): boolean {
  const code = codeOf(e);
  if (/^(08|57P0)/.test(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code)) return false;
  const reason = reasonOf(e);
  if (/connect/i.test(code) || /trying to connect|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(reason)) return false;
  return /terminated|ECONNRESET|EPIPE|socket|Connection ended|timeout/i.test(reason);
}

/** Marks an error thrown while a COMMIT (or a statement that is its own commit) was in flight: its outcome is unknown. */
export const UNCERTAIN = Symbol('commit outcome unknown');

export function markUncertain(e: unknown): unknown {
  if (e !== null && typeof e === 'object' && isConnectionLoss(e)) (e as { [UNCERTAIN]?: boolean })[UNCERTAIN] = true;
  return e;
}

export const isUncertain = (e: unknown): boolean => e !== null && typeof e === 'object' && (e as { [UNCERTAIN]?: boolean })[UNCERTAIN] === true;

/** Runs `fn` inside BEGIN … COMMIT on one connection; a connection that failed is destroyed, never reused. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT').catch((e: unknown) => {
      throw markUncertain(e);
    });
    return result;
  } catch (e) {
    // A refusal (exhausted, reused key, changed range) leaves a healthy connection: roll back and keep it.
    if (isServiceError(e) || e instanceof StartupError || RETRYABLE.has(codeOf(e))) await client.query('ROLLBACK').catch(() => (broken = true));
    else broken = true;
    throw e;
  } finally {
    client.release(broken);
  }
}

/** One client outside the pool (migrate); a connection refused becomes a StartupError that names the database. */
export async function connectClient(url: string, applicationName: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, application_name: applicationName });
  // Errors between queries surface through the next query; without a listener they would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    throw new StartupError(`cannot connect to ${redactUrl(url)}: ${reasonOf(e)}`);
  }
  return client;
}

/** The server's durability settings as a session without options gets them (the database's defaults), for the checks at start. */
export async function durabilitySettings(client: pg.ClientBase): Promise<{ fsync: string; synchronousCommit: string; standbyNames: string }> {
  const { rows } = await client.query<{ fsync: string; sc: string; names: string }>(
    `SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('synchronous_standby_names') AS names`,
  );
  return { fsync: rows[0]!.fsync, synchronousCommit: rows[0]!.sc, standbyNames: rows[0]!.names };
}
