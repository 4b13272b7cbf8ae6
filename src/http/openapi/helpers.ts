// Building blocks of the OpenAPI document: references, problem and JSON responses.
import type { ErrorCode } from '../../errors.js';
import { ERRORS } from '../error-table.js';

export type Json = Record<string, unknown>;

export const ref = (kind: 'schemas' | 'parameters' | 'responses', name: string): Json => ({ $ref: `#/components/${kind}/${name}` });

export const problemExample = (code: ErrorCode): Json => ({ type: 'about:blank', title: ERRORS[code].title, status: ERRORS[code].status, detail: '<a human sentence>', code });

/** A problem response listing the codes it may carry; the first gives the status and the example. */
export const problem = (...codes: ErrorCode[]): Json => ({
  description: `${ERRORS[codes[0]!].title}: ${codes.join(', ')}`,
  content: { 'application/problem+json': { schema: ref('schemas', 'Problem'), example: problemExample(codes[0]!) } },
});

export const json = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } });

/** An allocating answer (/next, /random): JSON or bare text, never to be stored by a cache. */
export const jsonOrText = (description: string, schema: Json): Json => ({
  description,
  headers: { 'Cache-Control': { description: 'no-store: a cache must never replay values', schema: { type: 'string', const: 'no-store' } } },
  content: {
    'application/json': { schema },
    'text/plain': { schema: { type: 'string', description: 'the bare value(s), or the formatted ids of a formatted sequence, one per line' } },
  },
});

export const unauthorized = { 401: ref('responses', 'Unauthorized'), 403: ref('responses', 'Forbidden') };
