// The structured logger (pino): JSON lines on stdout, one per event worth an operator's attention.
import { pino, stdSerializers, type Logger } from 'pino';
import { maskSecrets } from './mask.js';

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

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'take-a-number' },
    // A last guard: every place that prints a database URL or error masks it already.
    hooks: {
      logMethod(args, method) {
        method.apply(this, maskArgs(args) as Parameters<typeof method>);
      },
    },
    serializers: { err: maskError },
  });
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
