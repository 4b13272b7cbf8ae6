// The one table of which scope each route needs, and on which name. A scoped token reaches only the routes
// listed here (deny by default): a new route without a line is closed to scoped tokens, never open.
import type { Context } from 'koa';
import type { ScopeKind } from './tokens.js';

interface Rule {
  methods: readonly string[];
  path: RegExp;
  scope: ScopeKind;
  /** The name the take:/admin: glob is matched against; undefined when it cannot be read (then refused). */
  name?: (m: RegExpExecArray, ctx: Context) => string | undefined;
}

const decoded = (m: RegExpExecArray): string | undefined => {
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
};

/** `/random?type=` names the built-in pool: int (default) or float. */
const randomType = (_: RegExpExecArray, ctx: Context): string | undefined => {
  const t = ctx.query.type;
  return t === undefined ? 'int' : typeof t === 'string' ? t.toLowerCase() : undefined;
};

const READ = ['GET', 'HEAD'];
const TAKE = ['GET', 'POST'];

export const ROUTE_SCOPES: readonly Rule[] = [
  { methods: TAKE, path: /^\/next\/([^/]+)$/, scope: 'take', name: decoded },
  { methods: TAKE, path: /^\/random$/, scope: 'take', name: randomType },
  { methods: TAKE, path: /^\/random\/([^/]+)$/, scope: 'take', name: decoded },
  { methods: READ, path: /^\/sequences$/, scope: 'read' },
  { methods: READ, path: /^\/sequences\/[^/]+$/, scope: 'read' },
  { methods: READ, path: /^\/pools$/, scope: 'read' },
  { methods: READ, path: /^\/pools\/[^/]+(\/values\/[^/]+)?$/, scope: 'read' },
  { methods: ['PUT'], path: /^\/sequences\/([^/]+)$/, scope: 'admin', name: decoded },
  { methods: ['PUT'], path: /^\/pools\/([^/]+)$/, scope: 'admin', name: decoded },
];

/** The scope and name a request needs, or undefined when no rule lists it. */
export function requiredScope(ctx: Context): { scope: ScopeKind; name: string | undefined } | undefined {
  for (const r of ROUTE_SCOPES) {
    if (!r.methods.includes(ctx.method)) continue;
    const m = r.path.exec(ctx.path);
    if (m) return { scope: r.scope, name: r.name ? r.name(m, ctx) : '*' };
  }
  return undefined;
}
