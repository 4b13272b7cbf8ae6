// The request id: the caller's X-Request-Id when it is usable, else a fresh UUID; echoed and logged.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-Id';
export const MAX_REQUEST_ID_LENGTH = 128;

// Only characters that are safe in a header, a log line and a shell: no quotes, spaces or control characters.
const UNSAFE = /[^A-Za-z0-9._:@+=\/-]/g;

/** The incoming id with unsafe characters removed and cut to 128 characters, or a new UUID if nothing is left. */
export function requestId(incoming: string): string {
  if (incoming === '') return randomUUID();
  const clean = incoming.replace(UNSAFE, '').slice(0, MAX_REQUEST_ID_LENGTH);
  return clean === '' ? randomUUID() : clean;
}
