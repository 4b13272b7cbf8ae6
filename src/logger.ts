// The structured logger (pino): JSON lines on stdout, one per event worth an operator's attention.
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'take-a-number' } });
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
