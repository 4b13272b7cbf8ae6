// The OpenAPI operations of the sequence routes.
import { DEFAULT_LIMIT, MAX_LIMIT } from '../../params.js';
import type { Method, Operation } from '../../route.js';
import { json, jsonOrText, problem, ref, unauthorized } from '../helpers.js';

export const next = (method: Method): Operation => ({
  operationId: `next${method === 'GET' ? 'Get' : 'Post'}`,
  tags: ['sequences'],
  summary: 'Hand out the next value(s) of a sequence',
  parameters: [ref('parameters', 'count'), ref('parameters', 'format'), ref('parameters', 'idempotencyKey')],
  responses: {
    200: jsonOrText('the value(s), durable before this answer', ref('schemas', 'NextValue')),
    400: problem('invalid_sequence_id', 'invalid_count', 'invalid_format', 'invalid_idempotency_key'),
    ...unauthorized,
    409: problem('sequence_exhausted', 'ambiguous_sequence_id'),
    422: problem('idempotency_key_reused'),
    503: problem('storage_unavailable'),
    507: problem('too_many_sequences'),
  },
});

export const listSequences: Operation = {
  operationId: 'listSequences',
  tags: ['sequences'],
  summary: 'A page of sequences and their last values, sorted by id in code point order',
  parameters: [
    { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
    { name: 'after', in: 'query', required: false, description: 'list ids above this one (the "next" of the previous page)', schema: { type: 'string' } },
    { name: 'prefix', in: 'query', required: false, description: 'list only ids that start with this text', schema: { type: 'string' } },
  ],
  responses: { 200: json('the sequences', ref('schemas', 'SequenceList')), 400: problem('invalid_limit', 'invalid_sequence_id'), ...unauthorized },
};

export const getSequence: Operation = {
  operationId: 'getSequence',
  tags: ['sequences'],
  summary: 'The last value of a sequence, with its settings and periods, without moving it',
  responses: { 200: json('the sequence', ref('schemas', 'SequenceDetail')), 400: problem('invalid_sequence_id'), ...unauthorized, 404: problem('sequence_not_found'), 409: problem('ambiguous_sequence_id') },
};

export const setSequence: Operation = {
  operationId: 'setSequence',
  tags: ['sequences'],
  summary: 'Move a sequence forward so that the next value is last_value + 1, and/or set its format, reset, time_zone and max',
  requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', 'SetSequence') } } },
  responses: {
    200: json('the sequence after the change', ref('schemas', 'SequenceDetail')),
    400: problem('invalid_settings', 'invalid_sequence_id', 'invalid_body', 'invalid_value'),
    ...unauthorized,
    409: problem('settings_fixed', 'value_behind', 'ambiguous_sequence_id'),
    413: problem('payload_too_large'),
    503: problem('storage_unavailable'),
    507: problem('too_many_sequences'),
  },
};
