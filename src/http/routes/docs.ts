// The API's own description: /openapi.json, the /docs page and its assets.
import type { Context } from 'koa';
import { ServiceError } from '../../errors.js';
import { DOCS_HTML, docsAsset } from '../docs.js';
import type { RouteDeps } from '../route.js';
import { sendJson } from './respond.js';

export const openapi = (ctx: Context, deps: RouteDeps): void => sendJson(ctx, deps.openapi);

export function page(ctx: Context): void {
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = DOCS_HTML;
}

export async function asset(ctx: Context): Promise<void> {
  const found = docsAsset(ctx.params.asset ?? '');
  if (!found) throw new ServiceError('not_found', `no docs asset "${ctx.params.asset}"`);
  const body = await found.body;
  ctx.type = found.type;
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.body = body;
}
