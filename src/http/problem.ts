// The one place that maps error codes to HTTP statuses, and writes RFC 9457 problem documents.
import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';
import type { ErrorCode } from '../errors.js';

export const STATUS: Record<ErrorCode, number> = {
  invalid_sequence_id: 400,
  invalid_count: 400,
  invalid_type: 400,
  invalid_body: 400,
  invalid_value: 400,
  invalid_idempotency_key: 400,
  invalid_format: 400,
  bad_request: 400,
  invalid_pool: 400,
  invalid_pool_name: 400,
  invalid_settings: 400,
  invalid_limit: 400,
  unauthorized: 401,
  forbidden: 403,
  request_timeout: 408,
  headers_too_large: 431,
  shutting_down: 503,
  not_found: 404,
  sequence_not_found: 404,
  pool_not_found: 404,
  value_not_issued: 404,
  method_not_allowed: 405,
  value_behind: 409,
  settings_fixed: 409,
  ambiguous_sequence_id: 409,
  sequence_exhausted: 409,
  pool_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  internal_error: 500,
  random_exhausted: 503,
  storage_unavailable: 503,
  too_many_sequences: 507,
  too_many_pools: 507,
};

/** Seconds a client should wait before retrying a 503 (a full disk, a lost database, a drain: all take a while). */
export const RETRY_AFTER_SECONDS = 5;

// An absolute path after a space, quote or parenthesis (or at the start): what an errno message names.
const PATH = /(^|[\s'"(=])\/[^\s'",)]*/g;

/** The detail with server paths replaced: an answer tells what failed, the log tells where. */
export const withoutPaths = (detail: string): string => detail.replace(PATH, '$1<path>');

/** The problem document of `code` as JSON text. */
export function problemBody(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): string {
  const status = STATUS[code];
  return JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: status >= 500 ? withoutPaths(detail) : detail, code, ...extra });
}

export function sendProblem(ctx: Context, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): void {
  const status = STATUS[code];
  ctx.status = status;
  ctx.type = 'application/problem+json';
  if (status === 503) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
  ctx.body = problemBody(code, detail, extra);
}
