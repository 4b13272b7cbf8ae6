// The OpenAPI parameters (shared ones by name, path ones by template name) and shared responses.
import { CONSOLE_ASSETS } from '../console.js';
import { DOCS_ASSETS } from '../docs.js';
import { MAX_COUNT, MAX_IDEMPOTENCY_KEY_LENGTH } from '../params.js';
import { problemExample, ref, type Json } from './helpers.js';

export const parameters: Json = {
  sequenceId: { name: 'sequenceId', in: 'path', required: true, description: 'percent-encoded sequence id', schema: ref('schemas', 'SequenceId') },
  count: { name: 'count', in: 'query', required: false, description: 'how many values to hand out at once (1-10000)', schema: { type: 'integer', minimum: 1, maximum: MAX_COUNT } },
  format: { name: 'format', in: 'query', required: false, description: '"text" answers the bare value(s), one per line (as does Accept: text/plain)', schema: { type: 'string', enum: ['json', 'text'] } },
  poolName: { name: 'name', in: 'path', required: true, description: 'the pool\'s name ("int" and "float" are the pools of RANDOM_*)', schema: ref('schemas', 'PoolName') },
  value: { name: 'value', in: 'path', required: true, description: 'a value as the pool writes it (percent-encoded)', schema: { type: 'string' } },
  type: { name: 'type', in: 'query', required: false, description: 'which pool to draw from (case-insensitive)', schema: { type: 'string', enum: ['int', 'float'], default: 'int' } },
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'a retry with the same key and request returns the first answer (kept 24 h, bounded in number); the same key with another request gets 422',
    schema: { type: 'string', minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7e]+$' },
  },
};

export const responses: Json = {
  Unauthorized: {
    description: 'Unauthorized: TOKEN is set and the request has no matching Authorization: Bearer header',
    headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
    content: { 'application/problem+json': { schema: ref('schemas', 'Problem'), example: problemExample('unauthorized') } },
  },
  Forbidden: {
    description: 'Forbidden: the token (from TOKENS_FILE) lacks the scope: read, take:<glob> or admin:<glob>',
    content: { 'application/problem+json': { schema: ref('schemas', 'Problem'), example: problemExample('forbidden') } },
  },
};

/** The path-level parameter of each template name a route path may use ("/pools/:name" → poolName). */
export const PATH_PARAMETERS: Record<string, Json> = {
  sequenceId: ref('parameters', 'sequenceId'),
  name: ref('parameters', 'poolName'),
  value: ref('parameters', 'value'),
  reservation: { name: 'reservation', in: 'path', required: true, description: 'the "reservation" of a POST /reserve answer', schema: { type: 'string' } },
  lease: { name: 'lease', in: 'path', required: true, description: 'the lease id of the acquire answer', schema: { type: 'string' } },
  asset: { name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(DOCS_ASSETS) } },
  consoleFile: { name: 'consoleFile', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(CONSOLE_ASSETS) } },
};
