// The OpenAPI operations of the pool routes.
import type { Operation } from '../../route.js';
import { json, problem, ref, unauthorized } from '../helpers.js';

export const listPools: Operation = {
  operationId: 'listPools',
  tags: ['random'],
  summary: 'Every random pool with its definition, size, drawn and left, sorted by name',
  responses: { 200: json('the pools', ref('schemas', 'PoolList')), ...unauthorized },
};

export const getPool: Operation = {
  operationId: 'getPool',
  tags: ['random'],
  summary: 'One pool with its definition, size, drawn and left',
  responses: { 200: json('the pool', ref('schemas', 'Pool')), 400: problem('invalid_pool_name'), ...unauthorized, 404: problem('pool_not_found') },
};

export const definePool: Operation = {
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
};

export const wasIssued: Operation = {
  operationId: 'wasIssued',
  tags: ['random'],
  summary: 'Whether a value was handed out by the pool (by the inverse permutation; nothing stored per value)',
  responses: {
    200: json('the value was handed out', ref('schemas', 'Issued')),
    400: problem('invalid_value', 'invalid_pool_name'),
    ...unauthorized,
    404: problem('value_not_issued', 'pool_not_found'),
  },
};
