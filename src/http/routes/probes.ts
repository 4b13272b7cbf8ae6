// The probes: health (can the store write), liveness (does the process answer), readiness (health and not draining).
import type { Context } from 'koa';
import { sendProblem } from '../problem.js';
import type { RouteDeps } from '../route.js';
import { sendJson } from './respond.js';

export async function health(ctx: Context, { store }: RouteDeps): Promise<void> {
  const h = await store.health();
  const standbys = h.synchronousStandbys === undefined ? {} : { synchronous_standbys: h.synchronousStandbys };
  if (h.ok) sendJson(ctx, JSON.stringify({ status: 'ok', ...standbys }));
  else sendProblem(ctx, 'storage_unavailable', `the store cannot write: ${h.reason ?? 'unknown'}`, { status_text: 'unavailable', ...standbys });
}

// A full disk makes /readyz fail, and must not make a liveness probe restart the process.
export const live = (ctx: Context): void => sendJson(ctx, '{"status":"ok"}');

// From SIGTERM on it says no, so the load balancer drains this instance first.
export async function ready(ctx: Context, deps: RouteDeps): Promise<void> {
  if (deps.lifecycle.draining) return sendProblem(ctx, 'shutting_down', 'the service is shutting down; send requests to another instance', { status_text: 'draining' });
  await health(ctx, deps);
}
