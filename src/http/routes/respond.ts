// How handlers answer: a JSON text, or an allocating answer that may be bare text.
import type { Context } from 'koa';

export const JSON_TYPE = 'application/json';

export function sendJson(ctx: Context, json: string): void {
  ctx.type = JSON_TYPE;
  ctx.body = json;
}

/** An allocating answer: a cache that replayed it would hand the same values out twice. */
export function respond(ctx: Context, text: boolean, json: string, lines: () => string[]): void {
  ctx.status = 200;
  ctx.set('Cache-Control', 'no-store');
  if (text) {
    ctx.type = 'text/plain';
    ctx.body = `${lines().join('\n')}\n`;
  } else sendJson(ctx, json);
}
