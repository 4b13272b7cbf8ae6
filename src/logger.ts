// The structured logger (pino): JSON lines on stdout, one per event worth an operator's attention; readable
// lines (pino-pretty) at a terminal or with LOG_FORMAT=pretty. Credentials are masked in every line.
import { pino, stdSerializers, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { maskSecrets } from './mask.js';

export type LogFormat = 'json' | 'pretty' | 'auto';

/** Whether lines are prettified: LOG_FORMAT=pretty, or auto with stdout a terminal. */
export const isPretty = (format: LogFormat, tty = process.stdout.isTTY === true): boolean => format === 'pretty' || (format === 'auto' && tty);

function maskValue(v: unknown): unknown {
  return typeof v === 'string' ? maskSecrets(v) : v;
}

/** A log call's arguments with credentials masked in its message and in the top-level strings of its object. */
function maskArgs(args: unknown[]): unknown[] {
  return args.map((a) => {
    if (typeof a === 'string') return maskSecrets(a);
    if (a === null || typeof a !== 'object' || a instanceof Error) return a;
    let copy: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(a)) {
      const m = maskValue(v);
      if (m !== v) (copy ??= { ...(a as Record<string, unknown>) })[k] = m;
    }
    return copy ?? a;
  });
}

/** pino's error serializer with credentials masked; `err` may also be a plain reason string. */
function maskError(e: unknown): unknown {
  if (!(e instanceof Error)) return maskValue(e);
  const s = stdSerializers.err(e) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(s)) s[k] = maskValue(v);
  return s;
}

export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = {
    level,
    base: { service: 'take-a-number' },
    // A last guard: every place that prints a database URL or error masks it already.
    hooks: {
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, maskArgs(args));
      },
    },
    serializers: { err: maskError },
  };
  // In-process and synchronous (no transport thread): a fatal line is out before process.exit.
  if (isPretty(format)) return pino(options as never, pretty({ sync: true, colorize: process.stdout.isTTY === true, ignore: 'service,pid,hostname,event', translateTime: 'SYS:HH:MM:ss.l' }));
  return pino(options as never);
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
