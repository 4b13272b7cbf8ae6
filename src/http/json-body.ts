// The JSON body of a PUT: application/json only, at most 4 KiB, refused as a problem otherwise.
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import { ServiceError } from '../errors.js';

const parserOf = (limit: string) =>
  bodyParser({
    enableTypes: ['json'],
    jsonLimit: limit,
    onError: (err: Error & { status?: number }) => {
      if (err.status === 413) throw new ServiceError('payload_too_large', `the request body is larger than ${limit.replace('kb', ' KiB')}`);
      throw new ServiceError('invalid_body', `the body is not valid JSON: ${err.message}`);
    },
  });
const parse = parserOf('4kb');
// Bodies that carry a ledger "meta" (itself up to 4 KiB) beside other members.
const parseMeta = parserOf('16kb');

// A body that is not JSON (text/plain, a form) is refused as such, not as invalid JSON.
const jsonOnly: Middleware = async (ctx: Context, next) => {
  if (ctx.request.type !== '' && ctx.is('json') === false) throw new ServiceError('unsupported_media_type', `send the body as application/json, not ${ctx.request.type}`);
  await next();
};

export const JSON_BODY: readonly Middleware[] = [jsonOnly, parse as Middleware];
export const META_BODY: readonly Middleware[] = [jsonOnly, parseMeta as Middleware];

/** A JSON body where one may come but none is required (POST /next): parsed only when sent as JSON. */
export async function optionalJsonBody(ctx: Context): Promise<unknown> {
  if (ctx.method !== 'POST' || !ctx.is('json')) return undefined;
  await (parseMeta as Middleware)(ctx, async () => undefined);
  return bodyOf(ctx);
}

/** The parsed body (JSON_BODY ran before the handler). */
export const bodyOf = (ctx: Context): unknown => (ctx.request as { body?: unknown }).body;
