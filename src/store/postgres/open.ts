// Opening the PostgreSQL store: the schema and the configured pools, the database's durability defaults read
// and checked (DATABASE_REQUIRE_SYNC refuses the start), then the sessions the store keeps, at synchronous_commit
// on or stronger whatever the database's default.
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { StartupError } from '../../errors.js';
import type { PoolKind } from '../../random/domain.js';
import { reasonOf } from '../rules/reason.js';
import { createConnectionPool, durabilitySettings, redactUrl, syncLevelFor, transaction } from './connection.js';
import { ensureConfigPools } from './named-pools.js';
import type { PoolInfo } from './batch/ops.js';
import { syncProblem } from './replication.js';
import { migrateSchema } from './schema.js';
import { Session } from './session.js';

type OpenConfig = Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'randomInt' | 'randomFloat' | 'databaseRequireSync'>;

export async function openDatabase(config: OpenConfig, log: Logger): Promise<{ session: Session; pools: Record<PoolKind, PoolInfo> }> {
  if (!config.databaseUrl) throw new StartupError('DATABASE_URL is not set');
  const url = config.databaseUrl;
  // Without session options, so that the first statement reads the database's own defaults.
  const first = createConnectionPool(url, log, 1);
  try {
    const { settings, pools } = await transaction(first, async (client) => {
      const settings = await durabilitySettings(client);
      await client.query(`SET LOCAL synchronous_commit TO ${syncLevelFor(settings.synchronousCommit)}`);
      if (config.databaseRequireSync) {
        const problem = syncProblem({ standbyNames: settings.standbyNames, fsync: settings.fsync });
        if (problem) throw new StartupError(`${problem} (database ${redactUrl(url)})`);
      }
      await migrateSchema(client);
      return { settings, pools: await ensureConfigPools(client, { int: config.randomInt, float: config.randomFloat }) };
    });
    if (settings.fsync !== 'on')
      log.error({ event: 'db_not_durable', fsync: settings.fsync }, 'the database runs with fsync=off: a database crash can lose values already handed out, which may then be handed out again');
    const level = syncLevelFor(settings.synchronousCommit);
    if (settings.synchronousCommit !== level)
      // Below on, a commit is acknowledged before it is durable (off, local) or on the standby's disk (remote_write).
      log.warn(
        { event: 'db_synchronous_commit', database_default: settings.synchronousCommit, sessions: level },
        `the database default is synchronous_commit=${settings.synchronousCommit}; take-a-number runs its own sessions at ${level}`,
      );
    return { session: new Session(url, log, config.databasePoolSize, level), pools };
  } catch (e) {
    if (e instanceof StartupError) throw e;
    throw new StartupError(`DATABASE_URL: cannot prepare the database ${redactUrl(url)}: ${reasonOf(e)}`);
  } finally {
    await first.end().catch(() => undefined);
  }
}
