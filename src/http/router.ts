// The router and the route index, both built from the route table (routes.ts).
import Router, { type Layer } from '@koa/router';
import type { Middleware } from 'koa';
import { JSON_BODY, META_BODY } from './json-body.js';
import type { Route, RouteDeps } from './route.js';
import { ROUTES } from './routes.js';

// strict: "/next/foo/" is another path (404), not an alias of "/next/foo".
// sensitive: "/NEXT/foo" is unknown (404), so it cannot slip past the HEAD guard or the scope check either.
const MATCHING = { strict: true, sensitive: true };

/** The router of the table's routes (those whose `when` holds for `deps`). */
export function buildRouter(deps: RouteDeps, routes: readonly Route[] = ROUTES): Router {
  const router = new Router(MATCHING);
  for (const route of routes) {
    if (route.when && !route.when(deps)) continue;
    const handle: Middleware = (ctx) => route.handler(ctx, deps);
    router.register(route.path, [...route.methods], route.body === 'json' ? [...JSON_BODY, handle] : route.body === 'meta' ? [...META_BODY, handle] : [handle]);
  }
  return router;
}

/** What the table says about a request, before it is routed. */
export interface RouteMatch {
  /** The routes of this path, whatever their methods. */
  onPath: readonly Route[];
  /** The route of this path and method (HEAD finds the GET route). */
  route: Route | undefined;
  /** The route's raw (percent-encoded) path parameters. */
  captures: readonly string[];
  /** For a path whose routes hand values out: the methods to allow (never HEAD); else undefined. */
  allocatingAllow: string | undefined;
}

/** Finds a request's routes in the table with the router's own path matching. */
export class RouteIndex {
  private readonly layers: { route: Route; layer: Layer }[];

  constructor(routes: readonly Route[] = ROUTES) {
    // A router of its own, never dispatched: its layers match paths exactly as the app's router does.
    const matcher = new Router(MATCHING);
    this.layers = routes.map((route) => ({ route, layer: matcher.register(route.path, [...route.methods], () => undefined) as Layer }));
  }

  match(path: string, method: string): RouteMatch {
    const found = this.layers.filter((l) => l.layer.match(path));
    const want = method === 'HEAD' ? 'GET' : method;
    const exact = found.find((l) => l.route.methods.includes(want as Route['methods'][number]));
    const allocating = found.some((l) => l.route.allocates) ? [...new Set(found.flatMap((l) => l.route.methods))].join(', ') : undefined;
    return { onPath: found.map((l) => l.route), route: exact?.route, captures: exact ? exact.layer.captures(path) : [], allocatingAllow: allocating };
  }
}
