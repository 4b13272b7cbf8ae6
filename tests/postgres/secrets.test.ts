// No credential reaches a log line, an error message or an answer: real server processes started with the
// password in DATABASE_URL (as user:secret@ and as ?password=secret), on a reachable database (with its
// connections killed mid-run) and on unreachable ones. "secret" appears in none of their output.
import { expect } from 'chai';
import { maskSecrets } from '../../src/mask.js';
import { runServerToExit, startServerProcess, until } from '../support/helpers.js';
import { ADMIN_URL, createTestDatabase, describePostgres, query, type TestDatabase } from '../support/postgres-database.js';

/** `url` with the password "secret" given in the userinfo or as a query parameter (trust auth ignores it). */
function withPassword(url: string, how: 'userinfo' | 'query'): string {
  const u = new URL(url);
  if (how === 'userinfo') u.password = 'secret';
  else u.searchParams.set('password', 'secret');
  return u.toString();
}

describe('maskSecrets', () => {
  it('masks passwords in userinfo, query parameters and key=value strings, and nothing else', () => {
    const cases: [string, string][] = [
      ['postgres://app:secret@db:5432/n', 'postgres://app:***@db:5432/n'],
      ['cannot reach postgresql://app:se%40cret@db/n?sslmode=require: ECONNREFUSED', 'cannot reach postgresql://app:***@db/n?sslmode=require: ECONNREFUSED'],
      ['postgres://app@db/n?password=secret&sslmode=disable', 'postgres://app@db/n?password=***&sslmode=disable'],
      ['postgres://db/n?sslmode=require&sslpassword=secret&PASSWORD=secret', 'postgres://db/n?sslmode=require&sslpassword=***&PASSWORD=***'],
      ['postgres://db/n?pass%77ord=secret', 'postgres://db/n?pass%77ord=***'],
      ['host=db password=secret user=app', 'host=db password=*** user=app'],
      ["host=db password='sec ret' user=app", 'host=db password=*** user=app'],
      ['postgres://db/n?passfile=/run/pgpass&sslkey=/k', 'postgres://db/n?passfile=/run/pgpass&sslkey=/k'],
      ['listening on http://127.0.0.1:5000', 'listening on http://127.0.0.1:5000'],
    ];
    for (const [text, masked] of cases) expect(maskSecrets(text), text).to.equal(masked);
  });
});

describePostgres('PostgreSQL: no secret in any output', function () {
  this.timeout(60_000);
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  for (const how of ['userinfo', 'query'] as const) {
    it(`a server on a reachable database, its connections killed mid-run (password as ${how})`, async () => {
      const srv = await startServerProcess({ DATABASE_URL: withPassword(db.url, how), LOG_LEVEL: 'debug' });
      const answers: string[] = [];
      const get = async (path: string): Promise<number> => {
        const res = await fetch(`${srv.url}${path}`);
        answers.push(await res.text());
        return res.status;
      };
      try {
        expect(await get('/next/a')).to.equal(200);
        expect(await get('/random?count=3')).to.equal(200);
        // The database refuses new connections and loses the open ones: 503s whose detail carries the driver's reason.
        await query(ADMIN_URL, `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
        await db.terminateConnections();
        const statuses = [await get('/next/a'), await get('/random'), await get('/healthz'), await get('/metrics')];
        await query(ADMIN_URL, `ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
        expect(statuses).to.deep.equal([503, 503, 503, 200]);
        await until('the database to answer again', async () => (await get('/next/a')) === 200);
        expect(await get('/sequences/a')).to.equal(200);
      } finally {
        srv.child.kill('SIGTERM');
      }
      expect(await srv.exited).to.equal(0);
      const output = `${srv.stdout()}\n${srv.stderr()}\n${answers.join('\n')}`;
      // The log did name the database (masked), and told of the fault: the test looks where a leak would be.
      expect(srv.stdout()).to.include(how === 'userinfo' ? ':***@' : 'password=***');
      expect(srv.stdout()).to.include('"event":"storage_fault"');
      expect(output).to.include('storage_unavailable');
      expect(output).to.not.include('secret');
    });
  }

  const unreachable: [string, string][] = [
    ['a closed port', 'postgres://app@127.0.0.1:1/numbers'],
    ['a database that does not exist', (() => {
      const u = new URL(ADMIN_URL);
      u.pathname = '/tan_no_such_database';
      return u.toString();
    })()],
    ['a host name that does not resolve', 'postgres://app@tan-no-such-host.invalid:5432/numbers'],
  ];
  for (const [what, url] of unreachable)
    for (const how of ['userinfo', 'query'] as const)
      it(`a start that fails on ${what} (password as ${how}) exits 1 with a masked one-line reason`, async () => {
        const run = await runServerToExit({ DATABASE_URL: withPassword(url, how), LOG_LEVEL: 'debug' });
        expect(run.code).to.equal(1);
        const message = run.stderr.trim();
        expect(message.split('\n')).to.have.length(1);
        expect(message).to.match(/^take-a-number: DATABASE_URL: cannot prepare the database postgres:\/\//);
        expect(message).to.include(how === 'userinfo' ? ':***@' : 'password=***');
        expect(`${run.stdout}\n${run.stderr}`).to.not.include('secret');
      });

  it('a refused setting next to a password-carrying DATABASE_URL prints no password either', async () => {
    const run = await runServerToExit({ DATABASE_URL: withPassword(db.url, 'query'), DATABASE_POOL_SIZE: '0' });
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/DATABASE_POOL_SIZE \(--database-pool-size\) must be between 1 and 1000, got 0/);
    expect(`${run.stdout}\n${run.stderr}`).to.not.include('secret');
  });
});
