// A database of the bench's own on the PostgreSQL at 127.0.0.1:5432 (or BENCH_DATABASE_URL's server): a random
// name, created at the start of the PostgreSQL rows and dropped after them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cannot be used (no credential in it), or undefined when it answers. */
export async function postgresProblem(): Promise<string | undefined> {
  try {
    await admin('SELECT 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${new URL(ADMIN_URL).host} is unreachable (${(e as Error).message || (e as Error).name})`;
  }
}

export interface BenchDatabase {
  url: string;
  drop: () => Promise<void>;
}

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `tan_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
