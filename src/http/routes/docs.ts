// The API's own description: /openapi.json, the /docs page and its assets.
import type { Context } from 'koa';
import { ServiceError } from '../../errors.js';
import { DOCS_HTML, docsAsset } from '../docs.js';
import type { RouteDeps } from '../route.js';
import { sendJson } from './respond.js';

export const openapi = (ctx: Context, deps: RouteDeps): void => sendJson(ctx, deps.openapi);

// The page loads only its own assets and the document; Swagger UI's icons are data: images, and its bundle adds
// one <style> element, allowed by its hash (the /docs browser test names a new one after a swagger-ui-dist update).
const BUNDLE_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";
export const DOCS_CSP =
  `default-src 'none'; script-src 'self'; style-src 'self' ${BUNDLE_STYLE}; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function page(ctx: Context): void {
  ctx.set('Content-Security-Policy', DOCS_CSP);
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
