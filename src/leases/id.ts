// A lease's id: "<pool>~<number>~<fence>~<secret>". The pool, number and fence say where to look (and the
// scope a token needs); the 128-bit secret makes it unguessable. "~" is not in a pool name's alphabet.
import { randomBytes } from 'node:crypto';

export interface LeaseIdParts {
  pool: string;
  number: number;
  fence: number;
}

const SHAPE = /^([A-Za-z0-9._-]{1,64})~(\d{1,16})~(\d{1,16})~([A-Za-z0-9_-]{22})$/;

export const newLeaseId = (pool: string, number: number, fence: number): string => `${pool}~${number}~${fence}~${randomBytes(16).toString('base64url')}`;

/** The parts of a well-formed lease id, or undefined. */
export function leaseIdParts(id: string): LeaseIdParts | undefined {
  const m = SHAPE.exec(id);
  if (!m) return undefined;
  const number = Number(m[2]);
  const fence = Number(m[3]);
  return Number.isSafeInteger(number) && Number.isSafeInteger(fence) ? { pool: m[1]!, number, fence } : undefined;
}
