// The /console page and its files, each answer with the console's own Content-Security-Policy.
import type { Context } from 'koa';
import { ServiceError } from '../../errors.js';
import { CONSOLE_CSP, consoleAsset, consolePage } from '../console.js';

function secure(ctx: Context): void {
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
}

export async function page(ctx: Context): Promise<void> {
  const body = await consolePage();
  secure(ctx);
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-cache');
  ctx.body = body;
}

export async function asset(ctx: Context): Promise<void> {
  const found = consoleAsset(ctx.params.consoleFile ?? '');
  if (!found) throw new ServiceError('not_found', `no console asset "${ctx.params.consoleFile}"`);
  const body = await found.body;
  secure(ctx);
  ctx.type = found.type;
  ctx.set('Cache-Control', 'no-cache');
  ctx.body = body;
}
