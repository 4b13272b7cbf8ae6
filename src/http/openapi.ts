// The OpenAPI 3.1 document of the HTTP API, served at /openapi.json and rendered at /docs.
import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../errors.js';
import { MAX_ID_LENGTH } from '../ids.js';
import { POOL_NAME } from '../random/definition.js';
import { MAX_PREFIX_LENGTH } from '../random/domain.js';
import { DOCS_ASSETS } from './docs.js';
import { MAX_WIDTH } from '../series/format.js';
import { RESETS } from '../series/period.js';
import { DEFAULT_LIMIT, MAX_COUNT, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_LIMIT } from './params.js';
import { STATUS } from './problem.js';
import { VERSION } from '../version.js';

type Json = Record<string, unknown>;

const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string): Json => ({ $ref: `#/components/${kind}/${name}` });
const problemExample = (code: ErrorCode): Json => ({ type: 'about:blank', title: STATUS_CODES[STATUS[code]] ?? 'Error', status: STATUS[code], detail: '<a human sentence>', code });
const problem = (...codes: ErrorCode[]): Json => ({
  description: `${STATUS_CODES[STATUS[codes[0]!]] ?? 'Error'}: ${codes.join(', ')}`,
  content: { 'application/problem+json': { schema: ref('schemas', 'Problem'), example: problemExample(codes[0]!) } },
});
const json = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } });
/** An allocating answer (/next, /random): JSON or bare text, never to be stored by a cache. */
const jsonOrText = (description: string, schema: Json): Json => ({
  description,
  headers: { 'Cache-Control': { description: 'no-store: a cache must never replay values', schema: { type: 'string', const: 'no-store' } } },
  content: {
    'application/json': { schema },
    'text/plain': { schema: { type: 'string', description: 'the bare value(s), or the formatted ids of a formatted sequence, one per line' } },
  },
});
const unauthorized = { 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden') };

const schemas: Json = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; some problems add members (e.g. drawn, size, last_value)',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', const: 'about:blank' },
      title: { type: 'string', examples: ['Bad Request'] },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string', description: 'a human sentence' },
      code: { type: 'string', enum: Object.keys(STATUS), description: 'stable snake_case code' },
    },
  },
  SequenceId: {
    type: 'string',
    minLength: 1,
    maxLength: MAX_ID_LENGTH,
    description: 'any Unicode except control characters, format characters (Cf) and "/", case-sensitive; stored in NFC (ids stored before stay reachable by their exact form)',
  },
  Value: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  NextValue: {
    type: 'object',
    required: ['sequence_id', 'next_value'],
    properties: {
      sequence_id: ref('schemas', 'SequenceId'),
      next_value: ref('schemas', 'Value'),
      last_value: { ...ref('schemas', 'Value'), description: 'only with ?count: the last of the reserved consecutive values' },
      period: { type: 'string', examples: ['2026', '2026-11', '2026-11-30'], description: 'only for a sequence that resets: the period the values belong to' },
      formatted: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        examples: ['INV-2026-00017'],
        description: 'only for a sequence with a format: the formatted id, or with ?count the array of them',
      },
    },
  },
  Settings: {
    type: 'object',
    properties: {
      format: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        examples: ['INV-{YYYY}-{n:05}'],
        description: `{n}, {n:0W} (zero-padded to W = 1-${MAX_WIDTH} digits), {YYYY}, {YY}, {MM}, {DD} (date of issue in time_zone), {check} (Luhn digit of the value); {{ and }} are literal braces; other text is literal`,
      },
      reset: { type: 'string', enum: [...RESETS], default: 'never', description: 'a new period counts from 1; the format must print the period' },
      time_zone: { type: 'string', default: 'UTC', examples: ['Europe/Berlin'], description: 'IANA time zone of the periods and dates' },
      max: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'the largest value of a period; past it 409 sequence_exhausted' },
    },
  },
  Sequence: {
    type: 'object',
    required: ['sequence_id', 'last_value'],
    properties: { sequence_id: ref('schemas', 'SequenceId'), last_value: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } },
  },
  SequenceDetail: {
    allOf: [
      ref('schemas', 'Sequence'),
      ref('schemas', 'Settings'),
      {
        type: 'object',
        description: 'settings, period and periods only for a sequence that has settings; last_value is that of the current period',
        properties: {
          period: { type: 'string', description: 'the current period' },
          periods: { type: 'object', additionalProperties: { type: 'integer' }, examples: [{ '2025': 842, '2026': 17 }], description: 'the last value of every period, the current one included' },
        },
      },
    ],
  },
  SequenceList: {
    type: 'object',
    required: ['sequences'],
    properties: {
      sequences: { type: 'array', items: ref('schemas', 'Sequence') },
      next: { ...ref('schemas', 'SequenceId'), description: 'present when more follow: pass it as ?after= for the next page' },
    },
  },
  SetSequence: {
    allOf: [
      ref('schemas', 'Settings'),
      {
        type: 'object',
        minProperties: 1,
        properties: { last_value: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'the next value will be last_value + 1 (in the current period)' } },
      },
    ],
  },
  RandomNumber: {
    type: 'object',
    required: ['number'],
    properties: { number: { type: 'number', description: 'floats carry exactly RANDOM_FLOAT_DECIMALS fraction digits in the JSON text' } },
  },
  RandomNumbers: { type: 'object', required: ['numbers'], properties: { numbers: { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: MAX_COUNT } } },
  Health: { type: 'object', required: ['status'], properties: { status: { type: 'string', const: 'ok' } } },
  RandomCode: { type: 'object', required: ['code'], properties: { code: { type: 'string', examples: ['V-K7F9QX2M7'] } } },
  RandomCodes: { type: 'object', required: ['codes'], properties: { codes: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_COUNT } } },
  PoolName: { type: 'string', pattern: POOL_NAME.source, description: '1 to 64 of A-Z a-z 0-9 . _ -' },
  PoolDefinition: {
    description: 'fixed when the pool is created; int: min..max inclusive; float: k/10^decimals in [min, max); code: `length` characters of `alphabet` behind `prefix`, with a Luhn mod N check character if `check`',
    oneOf: [
      { type: 'object', required: ['type', 'min', 'max'], additionalProperties: false, properties: { type: { const: 'int' }, min: { type: 'integer' }, max: { type: 'integer' } } },
      {
        type: 'object',
        required: ['type', 'min', 'max', 'decimals'],
        additionalProperties: false,
        properties: { type: { const: 'float' }, min: { type: 'number' }, max: { type: 'number' }, decimals: { type: 'integer', minimum: 1, maximum: 15 } },
      },
      {
        type: 'object',
        required: ['type', 'alphabet', 'length'],
        additionalProperties: false,
        properties: {
          type: { const: 'code' },
          alphabet: { type: 'string', minLength: 2, description: 'distinct visible ASCII characters; an even number of them with check' },
          length: { type: 'integer', minimum: 1 },
          prefix: { type: 'string', maxLength: MAX_PREFIX_LENGTH, default: '' },
          check: { type: 'boolean', default: false },
        },
      },
    ],
  },
  Pool: {
    type: 'object',
    required: ['pool', 'definition', 'size', 'drawn', 'left'],
    properties: {
      pool: ref('schemas', 'PoolName'),
      definition: ref('schemas', 'PoolDefinition'),
      size: { type: 'integer', minimum: 1, description: 'how many values the pool holds (at most 2^53)' },
      drawn: { type: 'integer', minimum: 0 },
      left: { type: 'integer', minimum: 0 },
    },
  },
  PoolList: { type: 'object', required: ['pools'], properties: { pools: { type: 'array', items: ref('schemas', 'Pool') } } },
  Issued: {
    type: 'object',
    required: ['pool', 'value', 'issued'],
    properties: { pool: ref('schemas', 'PoolName'), value: { type: ['number', 'string'] }, issued: { type: 'boolean', const: true } },
  },
};

const parameters: Json = {
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

const responses: Json = {
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

const nextOperation = (method: 'get' | 'post'): Json => ({
  operationId: `next${method === 'get' ? 'Get' : 'Post'}`,
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

const drawOperation = (method: 'get' | 'post'): Json => ({
  operationId: `draw${method === 'get' ? 'Get' : 'Post'}`,
  tags: ['random'],
  summary: 'Hand out value(s) of a named pool never handed out before',
  parameters: [ref('parameters', 'count'), ref('parameters', 'format'), ref('parameters', 'idempotencyKey')],
  responses: {
    200: jsonOrText('{"number"}/{"numbers"} from int and float pools, {"code"}/{"codes"} from code pools', {
      oneOf: [ref('schemas', 'RandomNumber'), ref('schemas', 'RandomNumbers'), ref('schemas', 'RandomCode'), ref('schemas', 'RandomCodes')],
    }),
    400: problem('invalid_pool_name', 'invalid_count', 'invalid_format', 'invalid_idempotency_key'),
    ...unauthorized,
    404: problem('pool_not_found'),
    422: problem('idempotency_key_reused'),
    503: problem('random_exhausted', 'storage_unavailable'),
  },
});

const paths: Json = {
  '/next/{sequenceId}': { parameters: [ref('parameters', 'sequenceId')], get: nextOperation('get'), post: nextOperation('post') },
  '/random': {
    get: {
      operationId: 'random',
      tags: ['random'],
      summary: 'Hand out random number(s) never handed out before',
      parameters: [ref('parameters', 'type'), ref('parameters', 'count'), ref('parameters', 'format'), ref('parameters', 'idempotencyKey')],
      responses: {
        200: jsonOrText('{"number"} without count, {"numbers"} with it', { oneOf: [ref('schemas', 'RandomNumber'), ref('schemas', 'RandomNumbers')] }),
        400: problem('invalid_type', 'invalid_count', 'invalid_format', 'invalid_idempotency_key'),
        ...unauthorized,
        422: problem('idempotency_key_reused'),
        503: problem('random_exhausted', 'storage_unavailable'),
      },
    },
  },
  '/random/{name}': { parameters: [ref('parameters', 'poolName')], get: drawOperation('get'), post: drawOperation('post') },
  '/pools': {
    get: { operationId: 'listPools', tags: ['random'], summary: 'Every random pool with its definition, size, drawn and left, sorted by name', responses: { 200: json('the pools', ref('schemas', 'PoolList')), ...unauthorized } },
  },
  '/pools/{name}': {
    parameters: [ref('parameters', 'poolName')],
    get: {
      operationId: 'getPool',
      tags: ['random'],
      summary: 'One pool with its definition, size, drawn and left',
      responses: { 200: json('the pool', ref('schemas', 'Pool')), 400: problem('invalid_pool_name'), ...unauthorized, 404: problem('pool_not_found') },
    },
    put: {
      operationId: 'definePool',
      tags: ['random'],
      summary: 'Create a pool (a pool is never changed nor deleted)',
      requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', 'PoolDefinition') } } },
      responses: {
        200: json('the same definition exists already', ref('schemas', 'Pool')),
        201: json('the pool was created', ref('schemas', 'Pool')),
        400: problem('invalid_pool', 'invalid_pool_name', 'invalid_body'),
        ...unauthorized,
        409: problem('pool_conflict'),
        413: problem('payload_too_large'),
        503: problem('storage_unavailable'),
        507: problem('too_many_pools'),
      },
    },
  },
  '/pools/{name}/values/{value}': {
    parameters: [ref('parameters', 'poolName'), ref('parameters', 'value')],
    get: {
      operationId: 'wasIssued',
      tags: ['random'],
      summary: 'Whether a value was handed out by the pool (by the inverse permutation; nothing stored per value)',
      responses: {
        200: json('the value was handed out', ref('schemas', 'Issued')),
        400: problem('invalid_value', 'invalid_pool_name'),
        ...unauthorized,
        404: problem('value_not_issued', 'pool_not_found'),
      },
    },
  },
  '/sequences': {
    get: {
      operationId: 'listSequences',
      tags: ['sequences'],
      summary: 'A page of sequences and their last values, sorted by id in code point order',
      parameters: [
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT } },
        { name: 'after', in: 'query', required: false, description: 'list ids above this one (the "next" of the previous page)', schema: { type: 'string' } },
        { name: 'prefix', in: 'query', required: false, description: 'list only ids that start with this text', schema: { type: 'string' } },
      ],
      responses: { 200: json('the sequences', ref('schemas', 'SequenceList')), 400: problem('invalid_limit', 'invalid_sequence_id'), ...unauthorized },
    },
  },
  '/sequences/{sequenceId}': {
    parameters: [ref('parameters', 'sequenceId')],
    get: {
      operationId: 'getSequence',
      tags: ['sequences'],
      summary: 'The last value of a sequence, with its settings and periods, without moving it',
      responses: { 200: json('the sequence', ref('schemas', 'SequenceDetail')), 400: problem('invalid_sequence_id'), ...unauthorized, 404: problem('sequence_not_found'), 409: problem('ambiguous_sequence_id') },
    },
    put: {
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
    },
  },
  '/healthz': {
    get: { operationId: 'healthz', tags: ['operations'], summary: 'Whether the store can write', security: [], responses: { 200: json('healthy', ref('schemas', 'Health')), 503: problem('storage_unavailable') } },
  },
  '/health': {
    get: { operationId: 'health', tags: ['operations'], summary: 'Alias of /healthz', security: [], responses: { 200: json('healthy', ref('schemas', 'Health')), 503: problem('storage_unavailable') } },
  },
  '/livez': {
    get: { operationId: 'livez', tags: ['operations'], summary: 'Liveness: 200 while the process runs', security: [], responses: { 200: json('alive', ref('schemas', 'Health')) } },
  },
  '/readyz': {
    get: {
      operationId: 'readyz',
      tags: ['operations'],
      summary: 'Readiness: 200 only while it can hand out numbers (503 while the store cannot write, and from SIGTERM on)',
      security: [],
      responses: { 200: json('ready', ref('schemas', 'Health')), 503: problem('storage_unavailable', 'shutting_down') },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...unauthorized },
    },
  },
  '/openapi.json': {
    get: { operationId: 'openapi', tags: ['operations'], summary: 'This document', responses: { 200: json('OpenAPI 3.1 document', { type: 'object' }), ...unauthorized } },
  },
  '/docs': {
    get: {
      operationId: 'docs',
      tags: ['operations'],
      summary: 'This document rendered by Swagger UI (served locally, no CDN)',
      responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }, ...unauthorized },
    },
  },
  '/docs/assets/{asset}': {
    get: {
      operationId: 'docsAsset',
      tags: ['operations'],
      summary: 'A static file of the /docs page',
      parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: Object.keys(DOCS_ASSETS) } }],
      responses: { 200: { description: 'the file' }, ...unauthorized, 404: problem('not_found') },
    },
  },
};

const DOC_PATHS = ['/openapi.json', '/docs', '/docs/assets/{asset}'];

/** The document; with `auth`, every operation but the probes (and the docs while public) requires the bearer token. */
export function openApiDocument({ auth, publicDocs = true }: { auth: boolean; publicDocs?: boolean }): Json {
  const shown = auth && publicDocs ? Object.fromEntries(Object.entries(paths).map(([p, v]) => [p, DOC_PATHS.includes(p) ? { get: { ...(v as { get: Json }).get, security: [] } } : v])) : paths;
  return {
    openapi: '3.1.0',
    info: {
      title: 'take-a-number',
      version: VERSION,
      summary: 'Hands out numbers that are never handed out twice: named sequences and unique random numbers.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [{ name: 'sequences' }, { name: 'random' }, { name: 'operations' }],
    paths: shown,
    components: { schemas, parameters, responses, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the TOKEN setting' } } },
    ...(auth ? { security: [{ bearerAuth: [] }] } : {}),
  };
}
