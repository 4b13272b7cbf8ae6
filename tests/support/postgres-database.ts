// Test databases: each suite creates its own on the server of TEST_DATABASE_URL and drops it afterwards.
// When PostgreSQL cannot be reached the suites are not defined (a line says so), or fail under REQUIRE_POSTGRES=1.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { maskSecrets } from '../../src/mask.js';

export const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probe(): Promise<string | undefined> {
  try {
    await adminQuery('SELECT 1');
    return undefined;
  } catch (e) {
    return `${maskSecrets(ADMIN_URL)} is unreachable (${(e as Error).message || (e as Error).name})`;
  }
}

// Top-level await: test files import this before mocha defines their suites.
const problem = await probe();
let announced = false;

/** describe() for suites that need PostgreSQL: defined only when it is reachable, or failing when it is required. */
export function describePostgres(title: string, fn: (this: Mocha.Suite) => void): void {
  if (problem === undefined) describe(title, fn);
  else if (process.env.REQUIRE_POSTGRES === '1')
    describe(title, () => {
      it('needs PostgreSQL (REQUIRE_POSTGRES=1)', () => {
        throw new Error(`PostgreSQL is required but ${problem}`);
      });
    });
  else if (!announced) {
    announced = true;
    console.log(`PostgreSQL suite NOT RUN: ${problem}; start PostgreSQL on 127.0.0.1:5432 or set TEST_DATABASE_URL`);
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Ends every connection to it (what a database restart or failover does to clients); returns how many. */
  terminateConnections(): Promise<number>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tan_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const terminate = async (): Promise<number> =>
    (await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])).rowCount ?? 0;
  return {
    name,
    url: url.toString(),
    terminateConnections: terminate,
    async drop() {
      await terminate();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Runs one statement on a test database. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}
