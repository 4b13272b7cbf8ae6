// The JSON body of a PUT: application/json only, at most 4 KiB, refused as a problem otherwise.
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { ServiceError } from '../errors.js';

const parse = bodyParser({
  enableTypes: ['json'],
  jsonLimit: '4kb',
  onError: (err: Error & { status?: number }) => {
    if (err.status === 413) throw new ServiceError('payload_too_large', 'the request body is larger than 4 KiB');
    throw new ServiceError('invalid_body', `the body is not valid JSON: ${err.message}`);
  },
});

// A body that is not JSON (text/plain, a form) is refused as such, not as invalid JSON.
const jsonOnly: Middleware = async (ctx: Context, next) => {
  if (ctx.request.type !== '' && ctx.is('json') === false) throw new ServiceError('unsupported_media_type', `send the body as application/json, not ${ctx.request.type}`);
  await next();
};

export const JSON_BODY: readonly Middleware[] = [jsonOnly, parse as Middleware];

/** The parsed body (JSON_BODY ran before the handler). */
export const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;
