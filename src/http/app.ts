// createApp({store, config}) → Koa: one frame (request id, the HEAD guard, the token, problems, metrics)
// around the router of the route table.
import Koa, { type Context, type Next } from 'koa';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { ServiceError, isServiceError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { RandomValues } from '../random/values.js';
import type { Store } from '../store/store.js';
import { authorize } from './access.js';
import { statusOf } from './error-table.js';
import { openApiDocument } from './openapi.js';
import { sendProblem, withoutPaths } from './problem.js';
import { REQUEST_ID_HEADER, requestId } from './request-id.js';
import type { Lifecycle } from './route.js';
import { buildRouter, RouteIndex } from './router.js';
import { Tokens } from './tokens.js';

export interface AppDeps {
  store: Store;
  config: Pick<Config, 'token'> & Partial<Pick<Config, 'tokensFile' | 'metricsToken' | 'publicDocs'>>;
  log: Logger;
  metrics?: Metrics;
  /** The accepted tokens; built from config when absent (the server passes its own to reload them on SIGHUP). */
  tokens?: Tokens;
  /** Set `draining` on SIGTERM: /readyz then answers 503. */
  lifecycle?: Lifecycle;
}

const INDEX = new RouteIndex();

export function createApp({ store, config, log, metrics, tokens: given, lifecycle = { draining: false } }: AppDeps): Koa {
  const app = new Koa();
  const tokens = given ?? new Tokens({ token: config.token, metricsToken: config.metricsToken, tokensFile: config.tokensFile });
  const publicDocs = config.publicDocs ?? true;
  const openapi = JSON.stringify(openApiDocument({ auth: tokens.required, publicDocs }));
  const router = buildRouter({ store, metrics, lifecycle, random: new RandomValues(), openapi });
  // Koa's default error listener prints stacks to stderr; ours go through the logger once.
  app.silent = true;

  // A path in a 5xx detail goes to the log once (answers carry the detail without it).
  let lastLoggedDetail = '';
  // One frame around the router (request id, the HEAD guard, the token, problems, metrics): each further
  // middleware would be another async frame and compose step on every request.
  app.use(async (ctx: Context, next: Next) => {
    const started = performance.now();
    const id = requestId(ctx.get(REQUEST_ID_HEADER));
    ctx.set(REQUEST_ID_HEADER, id);
    let failure: unknown;
    try {
      const found = INDEX.match(ctx.path, ctx.method);
      // A HEAD must never move a counter (Koa routers answer HEAD with the GET route).
      const allocating = found.allocatingAllow;
      if (ctx.method === 'HEAD' && allocating) {
        ctx.set('Allow', allocating);
        throw new ServiceError('method_not_allowed', 'HEAD is not allowed here: it would move a counter without showing the value');
      }
      await authorize(ctx, found, tokens, publicDocs, store);
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
      if (isServiceError(e)) {
        sendProblem(ctx, e.code, e.message, e.extra);
        if (statusOf(e.code) >= 500 && e.message !== lastLoggedDetail && withoutPaths(e.message) !== e.message) {
          lastLoggedDetail = e.message;
          log.warn({ req_id: id, code: e.code, detail: e.message }, 'answered without the server paths of this detail');
        }
      } else {
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
