// Service errors: a stable snake_case code and a human sentence, the vocabulary every layer answers in.
// No status here: src/http/error-table.ts gives each code its HTTP status and title.

export type ErrorCode =
  // Raised by the store and the rules below it (src/store, src/series, src/ids.ts).
  | 'invalid_sequence_id'
  | 'invalid_body'
  | 'invalid_value'
  | 'invalid_settings'
  | 'sequence_not_found'
  | 'pool_not_found'
  | 'value_behind'
  | 'settings_fixed'
  | 'ambiguous_sequence_id'
  | 'sequence_exhausted'
  | 'pool_conflict'
  | 'idempotency_key_reused'
  | 'too_many_sequences'
  | 'too_many_pools'
  | 'random_exhausted'
  | 'storage_unavailable'
  | 'database_went_backwards'
  | 'leases_exhausted'
  | 'lease_lost'
  | 'lease_not_found'
  | 'invalid_lease_pool'
  | 'internal_error'
  | 'ledger_required'
  | 'reservation_not_found'
  | 'already_confirmed'
  | 'reservation_closed'
  | 'invalid_meta'
  // Raised only by src/http: request parsing, routing, tokens, Node's own refusals and the drain.
  | 'invalid_count'
  | 'invalid_type'
  | 'invalid_idempotency_key'
  | 'invalid_format'
  | 'invalid_pool'
  | 'invalid_pool_name'
  | 'invalid_limit'
  | 'not_found'
  | 'value_not_issued'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'request_timeout'
  | 'headers_too_large'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'shutting_down';

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
