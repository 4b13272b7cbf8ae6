// PostgreSQL store: placeholder until the scale-out work lands.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { StartupError } from '../errors.js';
import type { Store } from './store.js';

export class PostgresStore {
  static async open(_opts: { config: Config; log: Logger }): Promise<Store> {
    throw new StartupError('DATABASE_URL: the PostgreSQL store is not available yet');
  }
}
