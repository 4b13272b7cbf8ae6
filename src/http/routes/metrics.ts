// GET /metrics: the Prometheus text of the app's registry.
import type { Context } from 'koa';
import type { RouteDeps } from '../route.js';

export async function metrics(ctx: Context, deps: RouteDeps): Promise<void> {
  const registry = deps.metrics!.registry;
  ctx.type = registry.contentType;
  ctx.body = await registry.metrics();
}
