// The routes of the HTTP API (README, API): read input, call the store, render JSON or bare text.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { ServiceError } from '../errors.js';
import { resolveId } from '../ids.js';
import { renderRange } from '../series/format.js';
import { describe } from '../series/sequence.js';
import { parseConfigureBody } from '../series/settings.js';
import type { Metrics } from '../metrics.js';
import { RandomValues } from '../random/values.js';
import { definitionJson } from '../random/definition.js';
import { domainSize, parseValue, valueText } from '../random/domain.js';
import type { PoolState, Store } from '../store/store.js';
import { DOCS_ASSETS_PREFIX, DOCS_HTML, docsAsset } from './docs.js';
import { openApiDocument } from './openapi.js';
import * as params from './params.js';
import { sendProblem } from './problem.js';

const JSON_TYPE = 'application/json';

/** The process's state as the probes see it: main.ts sets `draining` on SIGTERM. */
export interface Lifecycle {
  draining: boolean;
}

/** An allocating answer: a cache that replayed it would hand the same values out twice. */
function respond(ctx: Context, text: boolean, json: string, lines: () => string[]): void {
  ctx.status = 200;
  ctx.set('Cache-Control', 'no-store');
  if (text) {
    ctx.type = 'text/plain';
    ctx.body = `${lines().join('\n')}\n`;
  } else {
    ctx.type = JSON_TYPE;
    ctx.body = json;
  }
}

/** `auth` only shapes the OpenAPI document (whether it declares the bearer token); app.ts enforces it. */
export function buildRouter(store: Store, metrics?: Metrics, auth = false, lifecycle: Lifecycle = { draining: false }, publicDocs = true): Router {
  // strict: "/next/foo/" is another path (404), not an alias of "/next/foo".
  // sensitive: "/NEXT/foo" is unknown (404); matching it would also slip past the HEAD guard in app.ts.
  const router = new Router({ strict: true, sensitive: true });
  const random = new RandomValues();
  // Ids stored before NFC stay reachable; new ids are NFC without format characters (src/ids.ts).
  const lookup = { has: async (id: string) => (await store.lastValue(id)) !== undefined, twins: (nfc: string) => store.twins(nfc) };
  const sequenceId = async (ctx: Context, prefix: string): Promise<string> => resolveId(params.sequenceId(ctx, prefix), lookup);

  const next = async (ctx: Context): Promise<void> => {
    const id = await sequenceId(ctx, '/next/');
    const count = params.count(ctx);
    const text = params.wantsText(ctx);
    const key = params.idempotencyKey(ctx);
    const n = count ?? 1;
    const r = await store.next(id, n, key === undefined ? undefined : { key, fingerprint: `next ${n} ${id}` });
    metrics?.handedOut(r.replayed === true, 'sequence', n);
    const body: Record<string, unknown> = count === undefined ? { sequence_id: id, next_value: r.first } : { sequence_id: id, next_value: r.first, last_value: r.last };
    if (r.period !== undefined) body.period = r.period;
    const formatted = r.format !== undefined && r.date !== undefined ? renderRange(r.format, r.first, r.last, r.date) : undefined;
    if (formatted) body.formatted = count === undefined ? formatted[0] : formatted;
    respond(ctx, text, JSON.stringify(body), () => formatted ?? Array.from({ length: r.last - r.first + 1 }, (_, i) => String(r.first + i)));
  };
  router.get('/next/:sequenceId', next);
  router.post('/next/:sequenceId', next);

  /** Draws from a pool: {"number"}/{"numbers"} for number pools, {"code"}/{"codes"} for code pools. */
  const drawFrom = async (ctx: Context, name: string): Promise<void> => {
    const count = params.count(ctx);
    const text = params.wantsText(ctx);
    const key = params.idempotencyKey(ctx);
    const n = count ?? 1;
    // The fingerprint is the pool's, not the route's: /random?type=int and /random/int are one pool.
    const draw = await store.draw(name, n, key === undefined ? undefined : { key, fingerprint: `random ${name} ${n}` });
    const tokens = await random.tokens(draw);
    metrics?.handedOut(draw.replayed === true, name, n);
    const [one, many] = draw.domain.type === 'code' ? ['code', 'codes'] : ['number', 'numbers'];
    const lines = (): string[] => (draw.domain.type === 'code' ? tokens.map((t) => JSON.parse(t) as string) : tokens);
    respond(ctx, text, count === undefined ? `{"${one}":${tokens[0]}}` : `{"${many}":[${tokens.join(',')}]}`, lines);
  };
  router.get('/random', (ctx) => drawFrom(ctx, params.poolKind(ctx)));
  const named = (ctx: Context): Promise<void> => drawFrom(ctx, params.poolName(ctx.path.slice('/random/'.length)));
  router.get('/random/:name', named);
  router.post('/random/:name', named);

  // --- named pools (issue 12) ---
  const poolJson = (name: string, p: PoolState): string => {
    const size = domainSize(p.domain);
    return JSON.stringify({ pool: name, definition: definitionJson(p.domain), size, drawn: p.drawn, left: size - p.drawn });
  };
  router.get('/pools', async (ctx) => {
    const pools = await store.pools();
    ctx.type = JSON_TYPE;
    ctx.body = `{"pools":[${pools.map((p) => poolJson(p.name, p)).join(',')}]}`;
  });
  router.get('/pools/:name', async (ctx) => {
    const name = params.poolName(ctx.path.slice('/pools/'.length));
    const p = await store.pool(name);
    ctx.type = JSON_TYPE;
    ctx.body = poolJson(name, p);
  });
  router.get('/pools/:name/values/:value', async (ctx) => {
    const [, , rawName, , rawValue] = ctx.path.split('/');
    const name = params.poolName(rawName!);
    const value = params.poolValue(rawValue!);
    const p = await store.pool(name);
    const parsed = parseValue(p.domain, value);
    if ('problem' in parsed) throw new ServiceError('invalid_value', `"${value.slice(0, 80)}" cannot be a value of pool "${name}": ${parsed.problem}`);
    // Issued iff the value's draw number (the inverse permutation of its index) is below the pool's position.
    const issued = random.permutation(p.key, p.domain).invert(parsed.index) < p.drawn;
    if (!issued) throw new ServiceError('value_not_issued', `"${value}" is a value of pool "${name}" that has not been handed out`);
    const token = p.domain.type === 'code' ? JSON.stringify(value) : valueText(p.domain, parsed.index);
    ctx.type = JSON_TYPE;
    ctx.body = `{"pool":${JSON.stringify(name)},"value":${token},"issued":true}`;
  });

  router.get('/sequences', async (ctx) => {
    const page = params.listPage(ctx);
    // One more than asked tells whether another page follows.
    const list = await store.sequencePage({ ...page, limit: page.limit + 1 });
    const more = list.length > page.limit;
    if (more) list.pop();
    const body: Record<string, unknown> = { sequences: list.map((s) => ({ sequence_id: s.id, last_value: s.last })) };
    if (more) body.next = list[list.length - 1]!.id;
    ctx.type = JSON_TYPE;
    ctx.body = JSON.stringify(body);
  });

  router.get('/sequences/:sequenceId', async (ctx) => {
    const id = await sequenceId(ctx, '/sequences/');
    const found = await store.sequence(id);
    if (found === undefined) throw new ServiceError('sequence_not_found', `sequence "${id}" has never been used`);
    ctx.type = JSON_TYPE;
    ctx.body = JSON.stringify(describe(id, found));
  });

  const json = bodyParser({
    enableTypes: ['json'],
    jsonLimit: '4kb',
    onError: (err: Error & { status?: number }) => {
      if (err.status === 413) throw new ServiceError('payload_too_large', 'the request body is larger than 4 KiB');
      throw new ServiceError('invalid_body', `the body is not valid JSON: ${err.message}`);
    },
  });
  // A body that is not JSON (text/plain, a form) is refused as such, not as invalid JSON.
  const jsonOnly = async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
    if (ctx.request.type !== '' && ctx.is('json') === false) throw new ServiceError('unsupported_media_type', `send the body as application/json, not ${ctx.request.type}`);
    await next();
  };
  router.put('/pools/:name', jsonOnly, json, async (ctx) => {
    const name = params.poolName(ctx.path.slice('/pools/'.length));
    const domain = params.poolDefinition((ctx.request as { body?: unknown }).body);
    const { created, pool } = await store.definePool(name, domain);
    ctx.status = created ? 201 : 200;
    ctx.type = JSON_TYPE;
    ctx.body = poolJson(name, pool);
  });

  router.put('/sequences/:sequenceId', jsonOnly, json, async (ctx) => {
    const id = await sequenceId(ctx, '/sequences/');
    const input = parseConfigureBody((ctx.request as { body?: unknown }).body);
    const done = await store.configure(id, input);
    ctx.type = JSON_TYPE;
    ctx.body = JSON.stringify(describe(id, done));
  });

  const health = async (ctx: Context): Promise<void> => {
    const h = await store.health();
    if (h.ok) {
      ctx.type = JSON_TYPE;
      ctx.body = '{"status":"ok"}';
    } else sendProblem(ctx, 'storage_unavailable', `the store cannot write: ${h.reason ?? 'unknown'}`, { status_text: 'unavailable' });
  };
  router.get('/healthz', health);
  router.get('/health', health);
  // Liveness: the process answers. A full disk makes /readyz fail, and must not make a liveness probe restart it.
  router.get('/livez', (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = '{"status":"ok"}';
  });
  // Readiness: it can hand out numbers now; from SIGTERM on it says no, so the load balancer drains it first.
  router.get('/readyz', async (ctx) => {
    if (lifecycle.draining) return sendProblem(ctx, 'shutting_down', 'the service is shutting down; send requests to another instance', { status_text: 'draining' });
    await health(ctx);
  });

  const openapi = JSON.stringify(openApiDocument({ auth, publicDocs }));
  router.get('/openapi.json', (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = openapi;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DOCS_HTML;
  });
  router.get(`${DOCS_ASSETS_PREFIX}:asset`, async (ctx) => {
    const found = docsAsset(ctx.params.asset ?? '');
    if (!found) throw new ServiceError('not_found', `no docs asset "${ctx.params.asset}"`);
    const body = await found.body;
    ctx.type = found.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = body;
  });

  if (metrics)
    router.get('/metrics', async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    });

  return router;
}
