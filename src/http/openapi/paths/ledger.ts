// The OpenAPI operations of the ledger routes, with their schemas (kept here, beside the operations).
import { MAX_META_BYTES, MAX_REASON, MAX_REF } from '../../../ledger/input.js';
import { LEDGER_STATES } from '../../../ledger/record.js';
import { MAX_RESERVATION_TTL } from '../../../series/settings.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../../params.js';
import type { Operation } from '../../route.js';
import { json, problem, ref, unauthorized, type Json } from '../helpers.js';

const nullable = (type: string, extra: Json = {}): Json => ({ type: [type, 'null'], ...extra });
const time = nullable('string', { format: 'date-time', description: 'RFC 3339, UTC' });
const meta: Json = { ...nullable('object'), description: `any JSON object, at most ${MAX_META_BYTES} bytes serialised` };
const ttl: Json = { type: 'integer', minimum: 1, maximum: MAX_RESERVATION_TTL, description: 'seconds' };

const record: Json = {
  type: 'object',
  description: 'one number of a ledger sequence and its fate; `hash` chains it to the event before it (docs/ledger.md)',
  required: ['sequence_id', 'number', 'period', 'formatted', 'state', 'reservation', 'reserved_at', 'expires_at', 'confirmed_at', 'voided_at', 'reason', 'ref', 'meta', 'late', 'by', 'event', 'hash'],
  properties: {
    sequence_id: { type: 'string' },
    number: { type: 'integer', minimum: 1 },
    through: { type: 'integer', description: 'only on a range record (numbers skipped by PUT last_value): its last number' },
    period: nullable('string'),
    formatted: nullable('string'),
    state: { type: 'string', enum: [...LEDGER_STATES] },
    reservation: nullable('string'),
    reserved_at: time,
    expires_at: time,
    confirmed_at: time,
    voided_at: time,
    reason: nullable('string'),
    ref: nullable('string'),
    meta,
    late: { type: 'boolean', description: 'confirmed after its reservation expired (the number was never reused)' },
    by: { ...nullable('string'), description: "the TOKENS_FILE token's name, else null" },
    event: { type: 'integer', minimum: 1, description: "this record's event in its sequence's hash chain" },
    hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
};

const body = (schema: Json, required = false): Json => ({ required, content: { 'application/json': { schema } } });
const notFound = { 404: problem('reservation_not_found') };
const written = { 503: problem('storage_unavailable') };

export const reserve: Operation = {
  operationId: 'reserve',
  tags: ['ledger'],
  summary: 'Reserve the next number of a ledger sequence (confirm or void it later; it expires at expires_at)',
  parameters: [ref('parameters', 'idempotencyKey')],
  requestBody: body({ type: 'object', additionalProperties: false, properties: { ttl, meta } }),
  responses: {
    201: json('the reservation, durable before this answer', {
      type: 'object',
      required: ['sequence_id', 'number', 'reservation', 'state', 'expires_at'],
      properties: { sequence_id: { type: 'string' }, number: { type: 'integer' }, reservation: { type: 'string' }, state: { const: 'reserved' }, expires_at: time, period: { type: 'string' }, formatted: { type: 'string' } },
    }),
    400: problem('invalid_body', 'invalid_meta', 'invalid_sequence_id', 'invalid_idempotency_key'),
    ...unauthorized,
    409: problem('ledger_required', 'sequence_exhausted'),
    413: problem('payload_too_large'),
    422: problem('idempotency_key_reused'),
    ...written,
  },
};

export const getReservation: Operation = {
  operationId: 'getReservation',
  tags: ['ledger'],
  summary: "A reservation's record",
  responses: { 200: json('the record', record), ...unauthorized, ...notFound },
};

export const confirm: Operation = {
  operationId: 'confirm',
  tags: ['ledger'],
  summary: 'Confirm a reservation (again with the same ref: the same answer; after expiry: late)',
  requestBody: body({ type: 'object', additionalProperties: false, properties: { ref: { type: 'string', minLength: 1, maxLength: MAX_REF }, meta } }),
  responses: { 200: json('the confirmed record', record), 400: problem('invalid_body', 'invalid_meta'), ...unauthorized, ...notFound, 409: problem('already_confirmed', 'reservation_closed'), ...written },
};

export const voidReservation: Operation = {
  operationId: 'voidReservation',
  tags: ['ledger'],
  summary: 'Void a reservation: its number keeps its record, with the reason, and is never handed out again',
  requestBody: body({ type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: MAX_REASON } } }, true),
  responses: { 200: json('the voided record', record), 400: problem('invalid_body'), ...unauthorized, ...notFound, 409: problem('already_confirmed'), ...written },
};

export const extend: Operation = {
  operationId: 'extend',
  tags: ['ledger'],
  summary: "Move an open reservation's expiry to now + ttl",
  requestBody: body({ type: 'object', additionalProperties: false, required: ['ttl'], properties: { ttl } }, true),
  responses: { 200: json('the record with its new expires_at', record), 400: problem('invalid_body'), ...unauthorized, ...notFound, 409: problem('already_confirmed', 'reservation_closed'), ...written },
};

const period: Json = { name: 'period', in: 'query', required: false, description: "the period (default: the sequence's current one)", schema: { type: 'string' } };

export const ledger: Operation = {
  operationId: 'ledger',
  tags: ['ledger'],
  summary: "A ledger sequence's records of one period in number order (format=csv or jsonl: all of them)",
  parameters: [
    period,
    { name: 'from', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
    { name: 'to', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
    { name: 'state', in: 'query', required: false, schema: { type: 'string', enum: [...LEDGER_STATES] } },
    { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
    { name: 'after', in: 'query', required: false, description: 'the "next" of the previous page', schema: { type: 'integer', minimum: 0 } },
    { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['json', 'csv', 'jsonl'], default: 'json' } },
    { name: 'events', in: 'query', required: false, description: 'true: every event of the hash chain in order (what the hashes are verified over)', schema: { type: 'boolean' } },
  ],
  responses: {
    200: {
      description: 'the records',
      content: {
        'application/json': { schema: { type: 'object', required: ['entries'], properties: { entries: { type: 'array', items: record }, next: { type: 'integer' } } } },
        'text/csv': { schema: { type: 'string', description: 'a header row naming the fields, then one row per record' } },
        'application/jsonl': { schema: { type: 'string', description: 'one record per line' } },
      },
    },
    400: problem('invalid_value', 'invalid_limit', 'invalid_format', 'invalid_sequence_id'),
    ...unauthorized,
    409: problem('ledger_required'),
  },
};

export const gaps: Operation = {
  operationId: 'gaps',
  tags: ['ledger'],
  summary: 'What became of every number of one period: reserved, voided with reasons, expired; missing is always empty',
  parameters: [period],
  responses: {
    200: json('the gap report', {
      type: 'object',
      required: ['sequence_id', 'period', 'first', 'last', 'final', 'confirmed', 'reserved', 'voided', 'expired', 'missing'],
      properties: {
        sequence_id: { type: 'string' },
        period: nullable('string'),
        first: nullable('integer'),
        last: nullable('integer'),
        final: { type: 'boolean', description: 'the period is over' },
        confirmed: { type: 'integer', description: 'how many numbers were confirmed' },
        reserved: { type: 'array', items: { type: 'integer' } },
        voided: { type: 'array', items: { type: 'object', properties: { number: { type: 'integer' }, through: { type: 'integer' }, reason: { type: 'string' } } } },
        expired: { type: 'array', items: { type: 'integer' } },
        missing: { type: 'array', items: { type: 'integer' }, maxItems: 0 },
      },
    }),
    400: problem('invalid_value', 'invalid_sequence_id'),
    ...unauthorized,
    409: problem('ledger_required'),
  },
};
