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
  invalid_settings: 400,
  invalid_limit: 400,
  unauthorized: 401,
  not_found: 404,
  sequence_not_found: 404,
  method_not_allowed: 405,
  value_behind: 409,
  settings_fixed: 409,
  ambiguous_sequence_id: 409,
  sequence_exhausted: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  internal_error: 500,
  random_exhausted: 503,
  storage_unavailable: 503,
  too_many_sequences: 507,
};

export function sendProblem(ctx: Context, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): void {
  const status = STATUS[code];
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...extra });
}
