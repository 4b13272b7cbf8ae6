// Who may call what: the table's access of each route against the request's bearer token.
import type { Context } from 'koa';
import { ServiceError } from '../errors.js';
import type { RouteMatch } from './router.js';
import type { Store } from '../store/store.js';
import { allows, type Tokens } from './tokens.js';

function unauthorized(ctx: Context): never {
  ctx.set('WWW-Authenticate', 'Bearer realm="take-a-number"');
  throw new ServiceError('unauthorized', 'send Authorization: Bearer <token>');
}

/**
 * Returns when the request may go on; else 401 without a known token, 403 when the token lacks the route's
 * scope. A path the table does not list is closed to scoped tokens (deny by default).
 */
export async function authorize(ctx: Context, found: RouteMatch, tokens: Tokens, publicDocs: boolean, store: Store): Promise<void> {
  const kinds = found.onPath.map((r) => r.access.kind);
  if (kinds.includes('public') || (publicDocs && kinds.includes('docs'))) return;
  if (kinds.includes('metrics')) {
    if (!tokens.metricsRequired) return;
    const p = tokens.identify(ctx.get('Authorization')) ?? unauthorized(ctx);
    if (!p.metrics && !p.scopes.some((s) => s.kind === 'read')) throw new ServiceError('forbidden', `the token "${p.name}" may not read ${ctx.path}: it needs the scope read`);
    return;
  }
  if (!tokens.required) return;
  const p = tokens.identify(ctx.get('Authorization')) ?? unauthorized(ctx);
  // Who acts, for the ledger's records: a named token of TOKENS_FILE (TOKEN has no name of its own).
  if (!p.all) ctx.state.by = p.name;
  if (p.all) return;
  const access = found.route?.access;
  if (access?.kind === 'read') {
    if (allows(p, 'read', '*')) return;
    throw new ServiceError('forbidden', `the token "${p.name}" lacks the scope read`);
  }
  if (access?.kind !== 'take' && access?.kind !== 'admin') throw new ServiceError('forbidden', `the token "${p.name}" may not use ${ctx.method} ${ctx.path}: no scope grants it`);
  const name = await access.name(ctx, found.captures, store);
  if (name === undefined || !allows(p, access.kind, name)) throw new ServiceError('forbidden', `the token "${p.name}" lacks the scope ${access.kind}:${name ?? '?'}`);
}
