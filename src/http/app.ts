// createApp({store, config}) → Koa. The only layer that knows HTTP status codes (through problem.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ServiceError, isServiceError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import { sendProblem } from './problem.js';
import { REQUEST_ID_HEADER, requestId } from './request-id.js';
import { buildRouter } from './routes.js';

export interface AppDeps {
  store: Store;
  config: Pick<Config, 'token'>;
  log: Logger;
  metrics?: Metrics;
}

/** The methods of routes where HEAD would allocate a value (so HEAD is refused there), else undefined. */
const allocatingAllow = (path: string): string | undefined =>
  path === '/random' ? 'GET' : path.startsWith('/next/') || path.startsWith('/random/') ? 'GET, POST' : undefined;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time bearer check: compares digests so neither length nor content leaks through timing. */
function authorized(header: string, token: string): boolean {
  const m = /^Bearer (.+)$/i.exec(header);
  return timingSafeEqual(digest(m?.[1] ?? ''), digest(token)) && m !== null;
}

export function createApp({ store, config, log, metrics }: AppDeps): Koa {
  const app = new Koa();
  const router = buildRouter(store, metrics, config.token !== undefined);
  // Koa's default error listener prints stacks to stderr; ours go through the logger once.
  app.silent = true;

  const token = config.token;
  // One frame around the router (request id, the HEAD guard, the token, problems, metrics): each further
  // middleware would be another async frame and compose step on every request.
  app.use(async (ctx: Context, next: Next) => {
    const started = performance.now();
    const id = requestId(ctx.get(REQUEST_ID_HEADER));
    ctx.set(REQUEST_ID_HEADER, id);
    let failure: unknown;
    try {
      // A HEAD must never move a counter (Koa routers answer HEAD with the GET route).
      const allocating = allocatingAllow(ctx.path);
      if (ctx.method === 'HEAD' && allocating) {
        ctx.set('Allow', allocating);
        throw new ServiceError('method_not_allowed', 'HEAD is not allowed here: it would move a counter without showing the value');
      }
      if (token !== undefined && ctx.path !== '/healthz' && ctx.path !== '/health' && !authorized(ctx.get('Authorization'), token)) {
        ctx.set('WWW-Authenticate', 'Bearer realm="take-a-number"');
        throw new ServiceError('unauthorized', 'send Authorization: Bearer <token>');
      }
      await next();
      // OPTIONS answers from the router, which lists HEAD wherever GET is; on allocating routes HEAD is refused.
      if (ctx.method === 'OPTIONS' && allocating && ctx.response.get('Allow')) ctx.set('Allow', allocating);
      if (ctx.status === 404 && ctx.body == null) throw new ServiceError('not_found', `no route for ${ctx.method} ${ctx.path}`);
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body == null) {
        const routerAllow = ctx.response.get('Allow');
        if (!routerAllow) throw new ServiceError('not_found', `no route for ${ctx.method} ${ctx.path}`);
        const allow = allocating ?? routerAllow;
        ctx.set('Allow', allow);
        throw new ServiceError('method_not_allowed', `${ctx.method} is not allowed here; use ${allow}`);
      }
    } catch (e) {
      if (isServiceError(e)) sendProblem(ctx, e.code, e.message, e.extra);
      else {
        failure = e;
        sendProblem(ctx, 'internal_error', 'an unexpected error occurred; nothing was handed out by this request');
      }
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics?.requests.inc({ route, method: ctx.method, status: String(ctx.status) });
      metrics?.latency.observe({ route }, seconds);
      // One line per request at debug, so the default level stays quiet under load. Unexpected errors at
      // error; a 503 is a state (disk full, pool used up) the store logs once, not once per request.
      if (failure !== undefined || log.isLevelEnabled('debug')) {
        const line = { req_id: id, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 1e4) / 10, err: failure };
        if (failure !== undefined) log.error(line, 'unexpected error');
        else log.debug(line, 'request');
      }
    }
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
