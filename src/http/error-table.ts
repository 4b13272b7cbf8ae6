// Every error code with its HTTP status and problem title: the one table docs/errors.md lists (a test checks both ways).
import type { ErrorCode } from '../errors.js';

export interface ErrorEntry {
  status: number;
  /** The problem document's title: the status's reason phrase. */
  title: string;
}

const BAD_REQUEST = { status: 400, title: 'Bad Request' };
const NOT_FOUND = { status: 404, title: 'Not Found' };
const CONFLICT = { status: 409, title: 'Conflict' };
const UNAVAILABLE = { status: 503, title: 'Service Unavailable' };
const INSUFFICIENT_STORAGE = { status: 507, title: 'Insufficient Storage' };

export const ERRORS: Readonly<Record<ErrorCode, ErrorEntry>> = {
  invalid_sequence_id: BAD_REQUEST,
  invalid_count: BAD_REQUEST,
  invalid_type: BAD_REQUEST,
  invalid_body: BAD_REQUEST,
  invalid_value: BAD_REQUEST,
  invalid_idempotency_key: BAD_REQUEST,
  invalid_format: BAD_REQUEST,
  bad_request: BAD_REQUEST,
  invalid_pool: BAD_REQUEST,
  invalid_pool_name: BAD_REQUEST,
  invalid_settings: BAD_REQUEST,
  invalid_limit: BAD_REQUEST,
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  not_found: NOT_FOUND,
  sequence_not_found: NOT_FOUND,
  pool_not_found: NOT_FOUND,
  value_not_issued: NOT_FOUND,
  method_not_allowed: { status: 405, title: 'Method Not Allowed' },
  request_timeout: { status: 408, title: 'Request Timeout' },
  value_behind: CONFLICT,
  settings_fixed: CONFLICT,
  ambiguous_sequence_id: CONFLICT,
  sequence_exhausted: CONFLICT,
  pool_conflict: CONFLICT,
  payload_too_large: { status: 413, title: 'Payload Too Large' },
  unsupported_media_type: { status: 415, title: 'Unsupported Media Type' },
  idempotency_key_reused: { status: 422, title: 'Unprocessable Entity' },
  headers_too_large: { status: 431, title: 'Request Header Fields Too Large' },
  internal_error: { status: 500, title: 'Internal Server Error' },
  shutting_down: UNAVAILABLE,
  random_exhausted: UNAVAILABLE,
  storage_unavailable: UNAVAILABLE,
  database_went_backwards: UNAVAILABLE,
  too_many_sequences: INSUFFICIENT_STORAGE,
  too_many_pools: INSUFFICIENT_STORAGE,
  ledger_required: CONFLICT,
  reservation_not_found: NOT_FOUND,
  already_confirmed: CONFLICT,
  reservation_closed: CONFLICT,
  invalid_meta: BAD_REQUEST,
  invalid_lease_pool: BAD_REQUEST,
  lease_not_found: NOT_FOUND,
  leases_exhausted: CONFLICT,
  lease_lost: { status: 410, title: 'Gone' },
};

export const statusOf = (code: ErrorCode): number => ERRORS[code].status;
