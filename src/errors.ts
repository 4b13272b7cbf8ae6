// Domain errors: a stable snake_case code and a human sentence. No HTTP here; src/http maps codes to statuses.

export type ErrorCode =
  | 'invalid_sequence_id'
  | 'invalid_count'
  | 'invalid_type'
  | 'invalid_body'
  | 'invalid_value'
  | 'invalid_idempotency_key'
  | 'invalid_format'
  | 'invalid_pool'
  | 'invalid_pool_name'
  | 'invalid_settings'
  | 'invalid_limit'
  | 'not_found'
  | 'sequence_not_found'
  | 'pool_not_found'
  | 'value_not_issued'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'request_timeout'
  | 'headers_too_large'
  | 'shutting_down'
  | 'value_behind'
  | 'settings_fixed'
  | 'ambiguous_sequence_id'
  | 'sequence_exhausted'
  | 'pool_conflict'
  | 'idempotency_key_reused'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_sequences'
  | 'too_many_pools'
  | 'random_exhausted'
  | 'storage_unavailable'
  | 'internal_error';

export class ServiceError extends Error {
  readonly code: ErrorCode;
  /** Extra members for the problem document, e.g. {drawn: 17}. */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.extra = extra;
  }
}

export const isServiceError = (e: unknown): e is ServiceError => e instanceof ServiceError;

/** A start-up failure the operator must act on: main prints the message and exits non-zero. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
