// The OpenAPI schemas: the shapes of bodies and answers.
import { MAX_ID_LENGTH } from '../../ids.js';
import { POOL_NAME } from '../../random/definition.js';
import { MAX_PREFIX_LENGTH } from '../../random/domain.js';
import { MAX_WIDTH } from '../../series/format.js';
import { RESETS } from '../../series/period.js';
import { ERRORS } from '../error-table.js';
import { MAX_COUNT } from '../params.js';
import { ref, type Json } from './helpers.js';

export const schemas: Json = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; some problems add members (e.g. drawn, size, last_value)',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', const: 'about:blank' },
      title: { type: 'string', examples: ['Bad Request'] },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string', description: 'a human sentence' },
      code: { type: 'string', enum: Object.keys(ERRORS), description: 'stable snake_case code' },
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
      ledger: { type: 'boolean', description: 'true: keep a record of every number (never turned off; starts at the next value, shown as ledger_from)' },
      reservation_ttl: { type: 'integer', minimum: 1, maximum: 604800, default: 900, description: 'seconds a reservation lasts (ledger sequences)' },
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
  Health: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', const: 'ok' },
      synchronous_standbys: { type: 'integer', minimum: 0, description: 'PostgreSQL store only: attached standbys that commits wait for (pg_stat_replication sync_state sync or quorum)' },
    },
  },
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
