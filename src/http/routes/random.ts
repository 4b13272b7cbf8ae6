// The draws: /random from the built-in pools, /random/:name from any pool.
import type { Context } from 'koa';
import * as params from '../params.js';
import type { RouteDeps } from '../route.js';
import { respond } from './respond.js';

/** Draws from a pool: {"number"}/{"numbers"} for number pools, {"code"}/{"codes"} for code pools. */
async function drawFrom(ctx: Context, { store, random, metrics }: RouteDeps, name: string): Promise<void> {
  const count = params.count(ctx);
  const text = params.wantsText(ctx);
  const key = params.idempotencyKey(ctx);
  const n = count ?? 1;
  // The fingerprint is the pool's, not the route's: /random?type=int and /random/int are one pool.
  const draw = await store.draw(name, n, key === undefined ? undefined : { key, fingerprint: `random ${name} ${n}` });
  const texts = await random.texts(draw);
  metrics?.handedOut(draw.replayed === true, name, n);
  const [one, many] = draw.domain.type === 'code' ? ['code', 'codes'] : ['number', 'numbers'];
  const lines = (): string[] => (draw.domain.type === 'code' ? texts.map((t) => JSON.parse(t) as string) : texts);
  respond(ctx, text, count === undefined ? `{"${one}":${texts[0]}}` : `{"${many}":[${texts.join(',')}]}`, lines);
}

export const drawBuiltIn = (ctx: Context, deps: RouteDeps): Promise<void> => drawFrom(ctx, deps, params.poolKind(ctx));

export const drawNamed = (ctx: Context, deps: RouteDeps): Promise<void> => drawFrom(ctx, deps, params.poolName(ctx.path.slice('/random/'.length)));
