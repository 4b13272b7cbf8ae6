// The only file that touches the process: argv and env → config, logger, store, listen, signals, exit code.
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { StartupError } from './errors.js';
import { createLogger } from './logger.js';
import { maskSecrets } from './mask.js';
import { startServer } from './server.js';

export async function serve(argv: readonly string[]): Promise<void> {
  let config;
  try {
    config = loadConfig(argv, process.env);
  } catch (e) {
    process.stderr.write(`take-a-number: ${maskSecrets((e as Error).message)}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  let running;
  try {
    running = await startServer(config, log);
  } catch (e) {
    const message = maskSecrets(e instanceof StartupError ? e.message : `cannot start: ${(e as Error).message}`);
    log.fatal({ event: 'start_failed' }, message);
    process.stderr.write(`take-a-number: ${message}\n`);
    process.exit(1);
  }
  log.info({ event: 'listening', url: running.url, store: config.databaseUrl ? 'postgres' : 'file', pid: process.pid }, `listening on ${running.url}`);
  // The container and test harnesses read this line to learn the port.
  if (process.env.TAKE_A_NUMBER_ANNOUNCE === '1') process.stdout.write(`LISTENING ${running.url}\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'shutdown', signal }, `${signal}: finishing in-flight requests`);
    const { forced } = await running.close();
    log.info({ event: 'stopped', forced }, forced ? 'stopped after cutting connections that did not finish in time' : 'stopped cleanly');
    process.exit(forced ? 1 : 0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await serve(process.argv.slice(2));
