// The OpenAPI operations of the draws.
import type { Method, Operation } from '../../route.js';
import { jsonOrText, problem, ref, unauthorized } from '../helpers.js';

export const drawBuiltIn: Operation = {
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
};

export const drawNamed = (method: Method): Operation => ({
  operationId: `draw${method === 'GET' ? 'Get' : 'Post'}`,
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
