// node-postgres plumbing for the PostgreSQL store: a pool that survives lost connections, and transactions.
import pg from 'pg';
import type { Logger } from 'pino';
import { isServiceError, StartupError } from '../../errors.js';
import { maskSecrets } from '../../mask.js';

/** A postgres:// URL without its credentials, for messages and logs. */
export const redactUrl = (url: string): string => maskSecrets(url);

/** Deadlock and serialization failure: the transaction was rolled back whole and may run again. */
export const RETRYABLE: ReadonlySet<string> = new Set(['40P01', '40001']);

export const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

/** The reason of a database error in one line: its SQLSTATE or errno code and message, credentials masked. */
export function reasonOf(e: unknown): string {
  const err = e as Error & { code?: string };
  const message = err?.message || String(e);
  return maskSecrets(err?.code ? `${err.code}: ${message}` : message);
}

/** `size` connections at most; `syncCommit` sets synchronous_commit=on for these sessions (used when the database default is off). */
export function createPool(url: string, log: Logger, size: number, syncCommit = false): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: size,
    ...(syncCommit ? { options: '-c synchronous_commit=on' } : {}),
    // A database that does not answer must turn into a 503 quickly, not a hung request.
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

/** Runs `fn` inside BEGIN … COMMIT on one connection; a connection that failed is destroyed, never reused. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
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
