// The OpenAPI 3.1 document, served at /openapi.json and rendered at /docs; its paths come from the route table.
import { readFileSync } from 'node:fs';
import type { Json } from './openapi/helpers.js';
import { parameters, PATH_PARAMETERS, responses } from './openapi/parameters.js';
import { schemas } from './openapi/schemas.js';
import { leaseSchemas } from './openapi/paths/leases.js';
import type { Route } from './route.js';
import { ROUTES } from './routes.js';

/** The package version, for info.version; the document still renders if package.json is not shipped. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** "/pools/:name/values/:value" → "/pools/{name}/values/{value}". */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

/** The paths object: one item per path, its template parameters at path level, one operation per method. */
export function openApiPaths(routes: readonly Route[], { auth, publicDocs }: { auth: boolean; publicDocs: boolean }): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const key = openApiPath(route.path);
    const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const item = (paths[key] ??= names.length > 0 ? { parameters: names.map((n) => PATH_PARAMETERS[n] ?? missingParameter(n, route.path)) } : {});
    // Open routes say so; docs are open only while PUBLIC_DOCS is on and a token is asked for elsewhere.
    const open = route.access.kind === 'public' || (route.access.kind === 'docs' && auth && publicDocs);
    for (const method of route.methods) {
      const op = typeof route.doc === 'function' ? route.doc(method) : route.doc;
      item[method.toLowerCase()] = open ? { ...op, security: [] } : op;
    }
  }
  return paths;
}

function missingParameter(name: string, path: string): never {
  throw new Error(`the route ${path} uses :${name}, which openapi/parameters.ts PATH_PARAMETERS does not describe`);
}

/** The document; with `auth`, every operation but the probes (and the docs while public) requires the bearer token. */
export function openApiDocument({ auth, publicDocs = true }: { auth: boolean; publicDocs?: boolean }): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'take-a-number',
      version: packageVersion(),
      summary: 'Hands out numbers that are never handed out twice: named sequences and unique random numbers.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [{ name: 'sequences' }, { name: 'random' }, { name: 'ledger' }, { name: 'leases' }, { name: 'operations' }],
    paths: openApiPaths(ROUTES, { auth, publicDocs }),
    components: { schemas: { ...schemas, ...leaseSchemas }, parameters, responses, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the TOKEN setting' } } },
    ...(auth ? { security: [{ bearerAuth: [] }] } : {}),
  };
}
