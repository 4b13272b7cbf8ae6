// Local PostgreSQL clusters for the failover tests: made with pg_createcluster inside a temp dir (its config
// root too, so nothing outside the dir is touched), a standby from pg_basebackup -R, run as the postgres user
// with the machine's PostgreSQL 15 binaries, stopped by their postmaster's PID afterwards.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const exec = promisify(execFile);

export const PG_VERSION = '15';
export const PG_BIN = `/usr/lib/postgresql/${PG_VERSION}/bin`;
const INSTALL = 'apt-get install postgresql';

/** Why clusters cannot be made here, or undefined. */
export async function clustersMissing(): Promise<string | undefined> {
  for (const tool of ['/usr/bin/pg_createcluster', `${PG_BIN}/pg_ctl`, `${PG_BIN}/pg_basebackup`, '/usr/sbin/runuser'])
    if (!existsSync(tool)) return `${tool} is missing (${INSTALL})`;
  if (process.getuid?.() !== 0) return 'the clusters are made as root and run as the postgres user; run the tests as root';
  try {
    await exec('id', ['-u', 'postgres']);
  } catch {
    return `there is no postgres user (${INSTALL})`;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const asPostgres = (cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> =>
  exec('runuser', ['-u', 'postgres', '--', cmd, ...args], { timeout: 60_000 });

export class Cluster {
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly confDir: string,
    readonly dataDir: string,
    private readonly logFile: string,
  ) {}

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private readonly settings: Record<string, string> = {};

  /** Adds settings to this test's file in conf.d (read at start; reload() applies the reloadable ones). */
  async configure(settings: Record<string, string>): Promise<void> {
    Object.assign(this.settings, settings);
    const text = Object.entries(this.settings).map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'\n`).join('');
    await writeFile(path.join(this.confDir, 'conf.d', 'test.conf'), text);
  }

  async reload(): Promise<void> {
    await this.query('SELECT pg_reload_conf()');
  }

  /** Stops this standby's WAL receiver (no primary to stream from) and pauses its replay: it falls behind. */
  async stopReceiving(): Promise<string> {
    const conninfo = (await this.query<{ primary_conninfo: string }>('SHOW primary_conninfo'))[0]!.primary_conninfo;
    await this.query(`ALTER SYSTEM SET primary_conninfo = ''`);
    await this.reload();
    for (let i = 0; (await this.query('SELECT 1 FROM pg_stat_wal_receiver')).length > 0; i++) {
      if (i > 400) throw new Error(`the WAL receiver of ${this.name} did not stop`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return conninfo;
  }

  async resumeReceiving(conninfo: string): Promise<void> {
    await this.query(`ALTER SYSTEM SET primary_conninfo = '${conninfo.replace(/'/g, "''")}'`);
    await this.reload();
  }

  async start(): Promise<void> {
    await asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.confDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** The crash of the server: no checkpoint, no goodbye to clients or standbys. */
  async stopImmediate(): Promise<void> {
    await asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  async promote(): Promise<void> {
    await asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dataDir, '-w', '-t', '60', 'promote']);
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> {
    const c = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** The postmaster's PID while it runs. */
  async pid(): Promise<number | undefined> {
    const text = await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : Number(text.split('\n')[0]);
  }

  /** Stops a running postmaster by its PID (SIGQUIT: immediate shutdown) and waits for it to go. */
  async kill(): Promise<void> {
    const pid = await this.pid();
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      return;
    }
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(pid, 'SIGKILL');
  }

  async log(): Promise<string> {
    return readFile(this.logFile, 'utf8').catch(() => '');
  }
}

export interface ClusterPair {
  root: string;
  primary: Cluster;
  standby: Cluster;
  /** After a failover (the standby promoted, the primary stopped): the old primary becomes the new one's standby. */
  reverse(): Promise<void>;
  /** Stops both servers by PID and removes the temp dir. */
  cleanup(): Promise<void>;
}

async function createCluster(root: string, name: string): Promise<Cluster> {
  const port = await freePort();
  const dataDir = path.join(root, name);
  const logFile = path.join(root, `${name}.log`);
  await exec('pg_createcluster', [PG_VERSION, name, '-u', 'postgres', '-p', String(port), '-d', dataDir, '-s', path.join(root, 'run'), '-l', logFile, '--start-conf', 'manual', '--', '-A', 'trust'], {
    env: { ...process.env, PG_CLUSTER_CONF_ROOT: path.join(root, 'etc') },
    timeout: 60_000,
  });
  return new Cluster(name, port, path.join(root, 'etc', PG_VERSION, name), dataDir, logFile);
}

/** Makes `standby` a fresh copy of `primary` (pg_basebackup -R, application_name "standby") and starts it. */
async function follow(standby: Cluster, primary: Cluster): Promise<void> {
  await rm(standby.dataDir, { recursive: true, force: true });
  await asPostgres(`${PG_BIN}/pg_basebackup`, ['-d', `host=127.0.0.1 port=${primary.port} user=postgres application_name=standby`, '-D', standby.dataDir, '-R', '-X', 'stream', '-c', 'fast']);
  await standby.start();
}

/**
 * A primary and a standby streaming from it (pg_basebackup -R). `primarySettings` go into the primary's conf.d
 * before it starts (synchronous_standby_names names the standby as "standby", its application_name).
 */
export async function createPair(primarySettings: Record<string, string>): Promise<ClusterPair> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'tan-failover-'));
  const clusters: Cluster[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of clusters) await c.kill();
    await rm(root, { recursive: true, force: true });
  };
  try {
    await chown(root, 0, 0);
    for (const dir of ['etc', 'run']) await mkdir(path.join(root, dir));
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    for (const dir of ['', 'run']) await chown(path.join(root, dir), uid, 0);
    const primary = await createCluster(root, 'primary');
    clusters.push(primary);
    const small = { shared_buffers: '16MB', max_connections: '60', listen_addresses: '127.0.0.1' };
    await primary.configure({ ...small, ...primarySettings });
    await primary.start();
    const standby = await createCluster(root, 'standby');
    clusters.push(standby);
    await standby.configure(small);
    await follow(standby, primary);
    const pair: ClusterPair = {
      root,
      primary,
      standby,
      cleanup,
      async reverse() {
        await pair.primary.kill();
        [pair.primary, pair.standby] = [pair.standby, pair.primary];
        // A standby promoted later must not wait for a standby of its own.
        await pair.standby.configure({ ...small, synchronous_standby_names: '' });
        await follow(pair.standby, pair.primary);
      },
    };
    return pair;
  } catch (e) {
    await cleanup();
    throw e;
  }
}
