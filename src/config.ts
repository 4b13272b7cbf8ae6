// Environment variables and command-line flags → one validated Config. Flags win over the environment.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { StartupError } from './errors.js';
import { domainProblem, type FloatDomain, type IntDomain } from './random/domain.js';

export interface Config {
  port: number;
  host: string;
  sequenceFile: string;
  randomInt: IntDomain;
  randomFloat: FloatDomain;
  token: string | undefined;
  logLevel: string;
  maxSequences: number;
  /** Named pools that PUT /pools may create (int and float not counted). */
  maxPools: number;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Refuse to run unless the database waits for a synchronous standby (synchronous_standby_names) with fsync on. */
  databaseRequireSync: boolean;
  /** Test-only (TAKE_A_NUMBER_TEST_NO_BACKWARDS_CHECK=1 turns it off): the PostgreSQL store's going-backwards check. */
  backwardsCheck: boolean;
  recover: 'salvage' | undefined;
  idempotencyMax: number;
  idempotencyTtlMs: number;
  /** Path of the scoped-token file (reloaded on SIGHUP), if any. */
  tokensFile: string | undefined;
  /** Token for /metrics only; TOKEN and read-scoped tokens work there too. */
  metricsToken: string | undefined;
  /** Whether /docs and /openapi.json answer without a token. */
  publicDocs: boolean;
  logFormat: 'json' | 'pretty' | 'auto';
  maxConnections: number;
  /** How long /readyz answers 503 before the listener closes, after SIGTERM. */
  shutdownDelayMs: number;
}

interface Setting {
  env: string;
  flag: string;
  default: string | undefined;
  help: string;
}

export const SETTINGS: readonly Setting[] = [
  { env: 'PORT', flag: 'port', default: '5000', help: 'TCP port to listen on (0 picks a free one)' },
  { env: 'HOST', flag: 'host', default: '0.0.0.0', help: 'address to listen on (127.0.0.1: this machine only; npm start uses it unless HOST is set)' },
  { env: 'SEQUENCE_FILE', flag: 'sequence-file', default: './sequences.json', help: 'state file; its replica is <file>.replica' },
  { env: 'RANDOM_INT_MIN', flag: 'random-int-min', default: '0', help: 'smallest random int' },
  { env: 'RANDOM_INT_MAX', flag: 'random-int-max', default: String(Number.MAX_SAFE_INTEGER), help: 'largest random int' },
  { env: 'RANDOM_FLOAT_MIN', flag: 'random-float-min', default: '0', help: 'smallest random float (inclusive)' },
  { env: 'RANDOM_FLOAT_MAX', flag: 'random-float-max', default: '10000', help: 'random floats stay below this' },
  { env: 'RANDOM_FLOAT_DECIMALS', flag: 'random-float-decimals', default: '4', help: 'fraction digits of random floats (1-15)' },
  { env: 'TOKEN', flag: 'token', default: undefined, help: 'require Authorization: Bearer <token> on every route but the probes and docs; may do everything' },
  { env: 'TOKEN_FILE', flag: 'token-file', default: undefined, help: 'read TOKEN from this file (Docker/Kubernetes secrets)' },
  { env: 'TOKENS_FILE', flag: 'tokens-file', default: undefined, help: 'JSON file of scoped tokens (read, take:<glob>, admin:<glob>); reloaded on SIGHUP' },
  { env: 'METRICS_TOKEN', flag: 'metrics-token', default: undefined, help: 'a token that may read /metrics only' },
  { env: 'PUBLIC_DOCS', flag: 'public-docs', default: 'true', help: '"false": /docs and /openapi.json need a token too' },
  { env: 'LOG_LEVEL', flag: 'log-level', default: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
  { env: 'LOG_FORMAT', flag: 'log-format', default: 'auto', help: 'json, pretty, or auto (pretty when stdout is a terminal)' },
  { env: 'MAX_CONNECTIONS', flag: 'max-connections', default: '10000', help: 'open connections at most; at it a new one closes the oldest idle one' },
  { env: 'SHUTDOWN_DELAY', flag: 'shutdown-delay', default: '0', help: 'seconds /readyz answers 503 after SIGTERM before the listener closes' },
  { env: 'MAX_SEQUENCES', flag: 'max-sequences', default: '1000000', help: 'past this many sequences, new ids get 507' },
  { env: 'MAX_POOLS', flag: 'max-pools', default: '1000', help: 'past this many named pools (int and float not counted), new ones get 507' },
  { env: 'DATABASE_URL', flag: 'database-url', default: undefined, help: 'postgres:// URL: use PostgreSQL instead of the file' },
  { env: 'DATABASE_POOL_SIZE', flag: 'database-pool-size', default: '5', help: 'PostgreSQL connections per instance at most (1-1000)' },
  { env: 'DATABASE_REQUIRE_SYNC', flag: 'database-require-sync', default: 'false', help: '"true": refuse to start or allocate unless PostgreSQL waits for a synchronous standby (synchronous_standby_names) with fsync on' },
  { env: 'DATABASE_URL_FILE', flag: 'database-url-file', default: undefined, help: 'read DATABASE_URL from this file (Docker/Kubernetes secrets)' },
  { env: 'RECOVER', flag: 'recover', default: undefined, help: '"salvage": start from whatever can be read of two damaged copies' },
  { env: 'IDEMPOTENCY_MAX', flag: 'idempotency-max', default: '10000', help: 'idempotency keys kept (oldest dropped first); kept 24 h' },
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A one-line description of every setting, for --help. */
export function settingsHelp(): string {
  return SETTINGS.map((s) => `  --${s.flag.padEnd(22)} ${s.env.padEnd(22)} ${s.help}${s.default === undefined ? '' : ` (default ${s.default})`}`).join('\n');
}

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new StartupError(`${name} must be an integer, got "${raw}"`);
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new StartupError(`${name} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/** `X` or the content of the file named by `X_FILE` (trailing newline dropped); both set is an error. */
function secret(name: string, value: string | undefined, file: string | undefined): string | undefined {
  if (value !== undefined && file !== undefined)
    throw new StartupError(`${name} and ${name}_FILE are both set; keep one (${name}_FILE for a mounted secret)`);
  if (file === undefined) return value;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StartupError(`${name}_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); mount the secret there or unset ${name}_FILE`);
  }
  const v = text.replace(/\r?\n$/, '');
  if (v.trim() === '') throw new StartupError(`${name}_FILE: ${file} is empty; put the value in it or unset ${name}_FILE`);
  return v;
}

function decimal(name: string, raw: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(raw.trim())) throw new StartupError(`${name} must be a decimal number, got "${raw}"`);
  return Number(raw.trim());
}

/**
 * Reads settings from flags over the environment; throws StartupError naming the setting. The flags are an
 * argv (without node and script) or the values already parsed, by flag name (`serve`'s commander options).
 */
export function loadConfig(argv: readonly string[] | Readonly<Record<string, string | undefined>>, env: Record<string, string | undefined>): Config {
  let flags: Record<string, string | boolean | undefined>;
  if (!Array.isArray(argv)) flags = { ...(argv as Readonly<Record<string, string | undefined>>) };
  else try {
    flags = parseArgs({
      args: [...(argv as readonly string[])],
      options: Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
  const raw = (s: Setting): string | undefined => {
    const f = flags[s.flag];
    if (typeof f === 'string') return f;
    const e = env[s.env];
    return e !== undefined && e !== '' ? e : s.default;
  };
  const get = (envName: string): string | undefined => raw(SETTINGS.find((s) => s.env === envName)!);
  const req = (envName: string): string => get(envName)!;
  const label = (envName: string): string => `${envName} (--${SETTINGS.find((s) => s.env === envName)!.flag})`;

  const logLevel = req('LOG_LEVEL').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) throw new StartupError(`${label('LOG_LEVEL')} must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const randomInt: IntDomain = {
    type: 'int',
    min: integer(label('RANDOM_INT_MIN'), req('RANDOM_INT_MIN'), -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    max: integer(label('RANDOM_INT_MAX'), req('RANDOM_INT_MAX'), -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  };
  const intProblem = domainProblem(randomInt);
  if (intProblem) throw new StartupError(`RANDOM_INT_MIN/RANDOM_INT_MAX: ${intProblem}`);

  const decimals = integer(label('RANDOM_FLOAT_DECIMALS'), req('RANDOM_FLOAT_DECIMALS'), 1, 15);
  const randomFloat: FloatDomain = {
    type: 'float',
    min: decimal(label('RANDOM_FLOAT_MIN'), req('RANDOM_FLOAT_MIN')),
    max: decimal(label('RANDOM_FLOAT_MAX'), req('RANDOM_FLOAT_MAX')),
    decimals,
  };
  const floatProblem = domainProblem(randomFloat);
  if (floatProblem) throw new StartupError(`RANDOM_FLOAT_MIN/RANDOM_FLOAT_MAX/RANDOM_FLOAT_DECIMALS: ${floatProblem}`);

  const databaseUrl = secret('DATABASE_URL', get('DATABASE_URL'), get('DATABASE_URL_FILE'));
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new StartupError(`${label('DATABASE_URL')} must be a postgres:// URL`);

  const recover = get('RECOVER');
  if (recover !== undefined && recover !== 'salvage') throw new StartupError(`${label('RECOVER')} accepts only "salvage", got "${recover}"`);

  const token = secret('TOKEN', get('TOKEN'), get('TOKEN_FILE'));
  const logFormat = req('LOG_FORMAT').toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto')
    throw new StartupError(`${label('LOG_FORMAT')} must be json, pretty or auto, got "${logFormat}"`);
  const publicDocs = req('PUBLIC_DOCS').toLowerCase();
  const shutdownDelay = decimal(label('SHUTDOWN_DELAY'), req('SHUTDOWN_DELAY'));
  if (shutdownDelay < 0 || shutdownDelay > 3600) throw new StartupError(`${label('SHUTDOWN_DELAY')} must be from 0 to 3600 seconds, got ${shutdownDelay}`);
  if (publicDocs !== 'true' && publicDocs !== 'false') throw new StartupError(`${label('PUBLIC_DOCS')} must be true or false, got "${publicDocs}"`);
  const requireSync = req('DATABASE_REQUIRE_SYNC').toLowerCase();
  if (requireSync !== 'true' && requireSync !== 'false') throw new StartupError(`${label('DATABASE_REQUIRE_SYNC')} must be true or false, got "${requireSync}"`);
  const sequenceFile = req('SEQUENCE_FILE');
  if (sequenceFile.trim() === '') throw new StartupError(`${label('SEQUENCE_FILE')} must not be empty`);

  return {
    port: integer(label('PORT'), req('PORT'), 0, 65535),
    host: req('HOST'),
    sequenceFile,
    randomInt,
    randomFloat,
    token: token === undefined || token === '' ? undefined : token,
    logLevel,
    maxSequences: integer(label('MAX_SEQUENCES'), req('MAX_SEQUENCES'), 1, 100_000_000),
    maxPools: integer(label('MAX_POOLS'), req('MAX_POOLS'), 0, 1_000_000),
    databaseUrl,
    databasePoolSize: integer(label('DATABASE_POOL_SIZE'), req('DATABASE_POOL_SIZE'), 1, 1000),
    databaseRequireSync: requireSync === 'true',
    // Not a setting: only the failover test's negative control turns it off, to prove the test can fail.
    backwardsCheck: env.TAKE_A_NUMBER_TEST_NO_BACKWARDS_CHECK !== '1',
    recover: recover as 'salvage' | undefined,
    idempotencyMax: integer(label('IDEMPOTENCY_MAX'), req('IDEMPOTENCY_MAX'), 1, 10_000_000),
    idempotencyTtlMs: 24 * 60 * 60 * 1000,
    tokensFile: get('TOKENS_FILE'),
    metricsToken: get('METRICS_TOKEN'),
    publicDocs: publicDocs === 'true',
    logFormat: logFormat as Config['logFormat'],
    maxConnections: integer(label('MAX_CONNECTIONS'), req('MAX_CONNECTIONS'), 1, 1_000_000),
    shutdownDelayMs: Math.round(shutdownDelay * 1000),
  };
}
