// Runs the server for a loaded config until a signal stops it: logger, store, listen, the start line,
// SIGHUP (tokens), SIGTERM/SIGINT (drain, then close) and the exit code. main.ts chooses it or the CLI.
import path from 'node:path';
import type { Config } from './config.js';
import { StartupError } from './errors.js';
import { createLogger, isPretty } from './logger.js';
import { maskSecrets } from './mask.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, startServer, type RunningServer } from './server.js';
import { VERSION } from './version.js';

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/** The start line's facts: what runs, on what, who may call it, and its limits (never a secret). */
function startFacts(config: Config, running: RunningServer): Record<string, unknown> {
  const auth = config.token !== undefined || config.tokensFile !== undefined;
  return {
    event: 'listening',
    version: VERSION,
    url: running.url,
    store: config.databaseUrl ? { kind: 'postgres', url: maskSecrets(config.databaseUrl) } : { kind: 'file', path: path.resolve(config.sequenceFile) },
    auth: auth
      ? { token: config.token !== undefined, scoped_tokens: running.tokens.scopedCount, metrics_token: config.metricsToken !== undefined }
      : 'off',
    public_docs: config.publicDocs,
    limits: {
      max_connections: config.maxConnections,
      max_sequences: config.maxSequences,
      headers_timeout_ms: HEADERS_TIMEOUT_MS,
      request_timeout_ms: REQUEST_TIMEOUT_MS,
      keep_alive_timeout_ms: KEEP_ALIVE_TIMEOUT_MS,
      shutdown_delay_ms: config.shutdownDelayMs,
    },
    pid: process.pid,
  };
}

/** Starts the server for `config`; exits the process with 1 when it cannot start, later on a stop signal. */
export async function runServer(config: Config): Promise<void> {
  const log = createLogger(config.logLevel, config.logFormat);
  let running: RunningServer;
  try {
    running = await startServer(config, log);
  } catch (e) {
    const message = maskSecrets(e instanceof StartupError ? e.message : `cannot start: ${(e as Error).message}`);
    log.fatal({ event: 'start_failed' }, message);
    // A pretty log already went to the terminal; a JSON one is for machines, so say it once more in words.
    if (!isPretty(config.logFormat)) process.stderr.write(`take-a-number: ${message}\n`);
    process.exit(1);
  }
  const facts = startFacts(config, running);
  const authWords = facts.auth === 'off' ? 'authentication OFF' : 'authentication on';
  log.info(facts, `take-a-number ${VERSION} listening on ${running.url} (${config.databaseUrl ? `PostgreSQL ${maskSecrets(config.databaseUrl)}` : `file ${path.resolve(config.sequenceFile)}`}, ${authWords})`);
  if (facts.auth === 'off' && !LOOPBACK.test(config.host))
    log.warn({ event: 'no_auth' }, `listening on ${config.host} with no TOKEN, TOKEN_FILE or TOKENS_FILE: anyone who can reach the port can take and set numbers`);

  process.on('SIGHUP', () => {
    if (config.tokensFile === undefined) return void log.info({ event: 'sighup' }, 'SIGHUP: no TOKENS_FILE to reload');
    try {
      running.tokens.reload();
      log.info({ event: 'tokens_reloaded', scoped_tokens: running.tokens.scopedCount }, 'SIGHUP: TOKENS_FILE reloaded');
    } catch (e) {
      log.error({ event: 'tokens_reload_failed' }, `SIGHUP: ${(e as Error).message}; the tokens loaded before stay in force`);
    }
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // /readyz says no at once; requests are still served until the load balancer has stopped sending them.
    running.lifecycle.draining = true;
    if (config.shutdownDelayMs > 0) {
      log.info({ event: 'draining', signal, delay_ms: config.shutdownDelayMs }, `${signal}: /readyz now answers 503; closing the listener in ${config.shutdownDelayMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
    }
    log.info({ event: 'shutdown', signal }, `${signal}: finishing in-flight requests`);
    const { forced } = await running.close();
    log.info({ event: 'stopped', forced }, forced ? 'stopped after cutting connections that did not finish in time' : 'stopped cleanly');
    process.exit(forced ? 1 : 0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // The container and test harnesses read this line to learn the port, and may signal at once: only after the
  // handlers are in place (a SIGTERM before them would kill the process without its clean stop).
  if (process.env.TAKE_A_NUMBER_ANNOUNCE === '1') process.stdout.write(`LISTENING ${running.url}\n`);
}
