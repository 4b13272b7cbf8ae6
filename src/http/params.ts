// Reading and checking request input; every failure is a ServiceError with a 4xx code.
import type { Context } from 'koa';
import { ServiceError } from '../errors.js';
import { idProblem } from '../ids.js';
import { parseDefinition, poolNameProblem } from '../random/definition.js';
import type { PoolDomain, PoolKind } from '../random/domain.js';

export const MAX_COUNT = 10_000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

function single(ctx: Context, name: string): string | undefined {
  const v = ctx.query[name];
  if (Array.isArray(v))
    throw new ServiceError(
      name === 'count' ? 'invalid_count' : name === 'type' ? 'invalid_type' : name === 'limit' ? 'invalid_limit' : name === 'after' || name === 'prefix' ? 'invalid_sequence_id' : 'invalid_format',
      `"${name}" was given more than once`,
    );
  return v;
}

/** The sequence id from the raw path segment after `prefix` (and before `suffix`), percent-decoded. */
export function sequenceId(ctx: Context, prefix: string, suffix = ''): string {
  const raw = ctx.path.slice(prefix.length, ctx.path.length - suffix.length);
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new ServiceError('invalid_sequence_id', 'the sequence id is not valid percent-encoded UTF-8');
  }
  const problem = idProblem(id);
  if (problem) throw new ServiceError('invalid_sequence_id', problem);
  return id;
}

/** `?count=N`, 1 ≤ N ≤ 10000; undefined when absent. */
export function count(ctx: Context): number | undefined {
  const raw = single(ctx, 'count');
  if (raw === undefined) return undefined;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_COUNT)
    throw new ServiceError('invalid_count', `count must be a whole number from 1 to ${MAX_COUNT}, got "${raw.slice(0, 40)}"`);
  return Number(raw);
}

/** `?type=int|float`, case-insensitive, int by default. */
export function poolKind(ctx: Context): PoolKind {
  const raw = single(ctx, 'type');
  if (raw === undefined) return 'int';
  const t = raw.toLowerCase();
  if (t !== 'int' && t !== 'float') throw new ServiceError('invalid_type', `type must be "int" or "float", got "${raw.slice(0, 40)}"`);
  return t;
}

/** Whether the client asked for bare values (`?format=text` or `Accept: text/plain`). */
export function wantsText(ctx: Context): boolean {
  const format = single(ctx, 'format');
  if (format !== undefined) {
    const f = format.toLowerCase();
    if (f !== 'text' && f !== 'json') throw new ServiceError('invalid_format', `format must be "text" or "json", got "${format.slice(0, 40)}"`);
    return f === 'text';
  }
  if (!ctx.get('Accept')) return false;
  return ctx.accepts('application/json', 'text/plain') === 'text/plain';
}

/** The Idempotency-Key header, if any: 1-255 visible ASCII characters. */
export function idempotencyKey(ctx: Context): string | undefined {
  // ctx.get() gives '' for an absent header too: an empty key is a client bug, not "no key".
  if (ctx.headers['idempotency-key'] === undefined) return undefined;
  const key = ctx.get('Idempotency-Key');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key))
    throw new ServiceError('invalid_idempotency_key', `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters`);
  return key;
}

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

/** `?limit=N&after=<id>&prefix=<text>` of GET /sequences. */
export function listPage(ctx: Context): { limit: number; after?: string; prefix?: string } {
  const raw = single(ctx, 'limit');
  if (raw !== undefined && (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT))
    throw new ServiceError('invalid_limit', `limit must be a whole number from 1 to ${MAX_LIMIT}, got "${raw.slice(0, 40)}"`);
  const page: { limit: number; after?: string; prefix?: string } = { limit: raw === undefined ? DEFAULT_LIMIT : Number(raw) };
  for (const name of ['after', 'prefix'] as const) {
    const v = single(ctx, name);
    if (v === undefined || v === '') continue;
    // Compared with stored ids as sent: `after` is the `next` of the previous page, byte for byte.
    if (v.length > 4 * 255 || !v.isWellFormed()) throw new ServiceError('invalid_sequence_id', `${name} must be well-formed text of at most 255 characters`);
    page[name] = v;
  }
  return page;
}

/** A path parameter, percent-decoded; `code` names the problem if it is not valid percent-encoding. */
function decoded(raw: string, what: string, code: 'invalid_pool_name' | 'invalid_value'): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ServiceError(code, `the ${what} is not valid percent-encoded UTF-8`);
  }
}

/** A pool name from a path parameter: 1-64 of A-Z a-z 0-9 . _ - */
export function poolName(raw: string): string {
  const name = decoded(raw, 'pool name', 'invalid_pool_name');
  const problem = poolNameProblem(name);
  if (problem) throw new ServiceError('invalid_pool_name', `${problem}; got "${name.slice(0, 80)}"`);
  return name;
}

/** A value from a path parameter (GET /pools/:name/values/:value), percent-decoded. */
export const poolValue = (raw: string): string => decoded(raw, 'value', 'invalid_value');

/** A pool definition from a parsed JSON body. */
export function poolDefinition(body: unknown): PoolDomain {
  const parsed = parseDefinition(body);
  if ('problem' in parsed) throw new ServiceError('invalid_pool', `the pool definition cannot work: ${parsed.problem}`);
  return parsed.domain;
}
