// The OpenAPI operations of the lease routes, and the schemas of their bodies and answers.
import { MAX_HOLDER_LENGTH, MAX_LEASE_NUMBERS, MAX_TTL_S } from '../../../leases/definition.js';
import type { Operation } from '../../route.js';
import { json, problem, ref, unauthorized, type Json } from '../helpers.js';

const ttl = { type: 'integer', minimum: 1, maximum: MAX_TTL_S, description: 'seconds' };
const time = { type: 'string', format: 'date-time', description: 'UTC, ISO 8601' };

export const leaseSchemas: Json = {
  LeasePoolDefinition: {
    type: 'object',
    required: ['min', 'max', 'ttl'],
    additionalProperties: false,
    description: `at most ${MAX_LEASE_NUMBERS} numbers (max - min + 1)`,
    properties: { min: { type: 'integer', minimum: 0 }, max: { type: 'integer', minimum: 0 }, ttl, quarantine: { type: 'integer', minimum: 0, maximum: MAX_TTL_S, description: 'seconds an expired lease\'s number stays out of the pool; default the ttl' } },
  },
  LeasePool: {
    type: 'object',
    required: ['pool', 'definition', 'size', 'leased', 'quarantined', 'free', 'fence'],
    properties: {
      pool: ref('schemas', 'PoolName'),
      definition: ref('schemas', 'LeasePoolDefinition'),
      size: { type: 'integer' },
      leased: { type: 'integer' },
      quarantined: { type: 'integer' },
      free: { type: 'integer' },
      fence: { type: 'integer', description: 'the highest fence granted; every grant takes a higher one' },
    },
  },
  LeasePoolList: { type: 'object', required: ['pools'], properties: { pools: { type: 'array', items: ref('schemas', 'LeasePool') } } },
  LeaseAcquire: {
    type: 'object',
    required: ['holder'],
    additionalProperties: false,
    properties: { holder: { type: 'string', minLength: 1, maxLength: MAX_HOLDER_LENGTH }, ttl, meta: { type: 'object', description: 'kept with the lease (at most 1024 characters of JSON)' } },
  },
  LeaseGrant: {
    type: 'object',
    required: ['pool', 'number', 'lease', 'fence', 'holder', 'expires_at', 'renew_every_s'],
    properties: {
      pool: ref('schemas', 'PoolName'),
      number: { type: 'integer' },
      lease: { type: 'string', description: 'the lease id for renew and release (unguessable)' },
      fence: { type: 'integer', description: 'send it with every write; a resource refuses a write whose fence is below one it has seen' },
      holder: { type: 'string' },
      expires_at: time,
      renew_every_s: { type: 'number', description: 'a third of the lease time' },
      meta: { type: 'object' },
    },
  },
  LeaseRenew: { type: 'object', additionalProperties: false, properties: { ttl } },
  LeaseRenewed: {
    type: 'object',
    required: ['pool', 'number', 'fence', 'expires_at', 'renew_every_s'],
    properties: { pool: ref('schemas', 'PoolName'), number: { type: 'integer' }, fence: { type: 'integer' }, expires_at: time, renew_every_s: { type: 'number' } },
  },
  LeaseReleased: { type: 'object', required: ['pool', 'number', 'released'], properties: { pool: ref('schemas', 'PoolName'), number: { type: 'integer' }, released: { type: 'boolean', description: 'false when it had ended already' } } },
  LeaseList: {
    type: 'object',
    required: ['pool', 'leases'],
    properties: {
      pool: ref('schemas', 'PoolName'),
      leases: {
        type: 'array',
        items: { type: 'object', required: ['number', 'lease', 'holder', 'fence', 'expires_at'], properties: { number: { type: 'integer' }, lease: { type: 'string', description: 'the lease id (release needs it and take:<pool>)' }, holder: { type: 'string' }, fence: { type: 'integer' }, expires_at: time, meta: { type: 'object' } } },
      },
    },
  },
};

const body = (schema: string, required: boolean): Json => ({ required, content: { 'application/json': { schema: ref('schemas', schema) } } });

export const listLeasePools: Operation = {
  operationId: 'listLeasePools',
  tags: ['leases'],
  summary: 'Every lease pool with its counts and fence, sorted by name',
  responses: { 200: json('the lease pools', ref('schemas', 'LeasePoolList')), ...unauthorized },
};

export const getLeasePool: Operation = {
  operationId: 'getLeasePool',
  tags: ['leases'],
  summary: 'One lease pool: definition, size, leased, quarantined, free, fence',
  responses: { 200: json('the lease pool', ref('schemas', 'LeasePool')), 400: problem('invalid_pool_name'), ...unauthorized, 404: problem('pool_not_found') },
};

export const defineLeasePool: Operation = {
  operationId: 'defineLeasePool',
  tags: ['leases'],
  summary: 'Create a lease pool (never changed nor deleted; its name is not a random pool\'s)',
  requestBody: body('LeasePoolDefinition', true),
  responses: {
    200: json('the same definition exists already', ref('schemas', 'LeasePool')),
    201: json('the lease pool was created', ref('schemas', 'LeasePool')),
    400: problem('invalid_lease_pool', 'invalid_pool_name', 'invalid_body'),
    ...unauthorized,
    409: problem('pool_conflict'),
    413: problem('payload_too_large'),
    503: problem('storage_unavailable'),
    507: problem('too_many_pools'),
  },
};

export const listLeases: Operation = {
  operationId: 'listLeases',
  tags: ['leases'],
  summary: 'The live leases of a pool, lowest number first',
  responses: { 200: json('the live leases', ref('schemas', 'LeaseList')), 400: problem('invalid_pool_name'), ...unauthorized, 404: problem('pool_not_found') },
};

export const acquireLease: Operation = {
  operationId: 'acquireLease',
  tags: ['leases'],
  summary: 'The lowest free number for a holder (its own again while live or in quarantine), with a fence higher than any before',
  parameters: [ref('parameters', 'idempotencyKey')],
  requestBody: body('LeaseAcquire', true),
  responses: {
    201: json('the lease, durable', ref('schemas', 'LeaseGrant')),
    400: problem('invalid_body', 'invalid_pool_name'),
    ...unauthorized,
    404: problem('pool_not_found'),
    409: { ...problem('leases_exhausted'), headers: { 'Retry-After': { description: 'seconds until the earliest quarantine ends', schema: { type: 'integer' } } } },
    410: problem('lease_lost'),
    422: problem('idempotency_key_reused'),
    503: problem('storage_unavailable'),
  },
};

export const renewLease: Operation = {
  operationId: 'renewLease',
  tags: ['leases'],
  summary: 'Extend a live lease (never shortened); the fence stays',
  requestBody: body('LeaseRenew', false),
  responses: { 200: json('the new expiry', ref('schemas', 'LeaseRenewed')), 400: problem('invalid_body'), ...unauthorized, 404: problem('lease_not_found'), 410: problem('lease_lost'), 503: problem('storage_unavailable') },
};

export const releaseLease: Operation = {
  operationId: 'releaseLease',
  tags: ['leases'],
  summary: 'End a lease: its number is free at once (idempotent)',
  responses: { 200: json('released', ref('schemas', 'LeaseReleased')), ...unauthorized, 404: problem('lease_not_found'), 410: problem('lease_lost'), 503: problem('storage_unavailable') },
};
