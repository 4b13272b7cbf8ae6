// The structured logger (pino): JSON lines on stdout, one per event worth an operator's attention; readable
// lines (pino-pretty) at a terminal or with LOG_FORMAT=pretty.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty' | 'auto';

/** Whether lines are prettified: LOG_FORMAT=pretty, or auto with stdout a terminal. */
export const isPretty = (format: LogFormat, tty = process.stdout.isTTY === true): boolean => format === 'pretty' || (format === 'auto' && tty);

export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'take-a-number' } };
  // In-process and synchronous (no transport thread): a fatal line is out before process.exit.
  if (isPretty(format)) return pino(options, pretty({ sync: true, colorize: process.stdout.isTTY === true, ignore: 'service,pid,hostname,event', translateTime: 'SYS:HH:MM:ss.l' }));
  return pino(options);
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
