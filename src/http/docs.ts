// The /docs page: Swagger UI from the installed swagger-ui-dist package, served locally (no CDN).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

export const DOCS_ASSETS_PREFIX = '/docs/assets/';

/** The files the page loads, by URL name: a swagger-ui-dist file, or our own initializer. */
export const DOCS_ASSETS: Record<string, { type: string; file?: string }> = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'index.css': { type: 'text/css; charset=utf-8', file: 'index.css' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'swagger-ui-standalone-preset.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-standalone-preset.js' },
  'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png' },
  'favicon-16x16.png': { type: 'image/png', file: 'favicon-16x16.png' },
  'initializer.js': { type: 'text/javascript; charset=utf-8' },
};

// A separate script, not inline, so a strict Content-Security-Policy (script-src 'self') still works.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    // The default validator badge sends the document's address to an outside host: /docs calls no one.
    validatorUrl: null,
  });
};
`;

const asset = (name: string): string => `${DOCS_ASSETS_PREFIX}${name}`;

export const DOCS_HTML = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>take-a-number API</title>
    <link rel="stylesheet" type="text/css" href="${asset('swagger-ui.css')}">
    <link rel="stylesheet" type="text/css" href="${asset('index.css')}">
    <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
    <link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${asset('swagger-ui-bundle.js')}" charset="UTF-8"></script>
    <script src="${asset('swagger-ui-standalone-preset.js')}" charset="UTF-8"></script>
    <script src="${asset('initializer.js')}" charset="UTF-8"></script>
  </body>
</html>
`;

const distDir = (): string => path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// Read once on first use: the bundle is large and never changes while the process runs.
const cache = new Map<string, Promise<Buffer>>();

/** The content of a /docs asset, or undefined if `name` is not one. */
export function docsAsset(name: string): { type: string; body: Promise<Buffer> } | undefined {
  if (!Object.hasOwn(DOCS_ASSETS, name)) return undefined;
  const { type, file } = DOCS_ASSETS[name]!;
  let body = cache.get(name);
  if (!body) {
    body = file === undefined ? Promise.resolve(Buffer.from(INITIALIZER)) : readFile(path.join(distDir(), file));
    body.catch(() => cache.delete(name));
    cache.set(name, body);
  }
  return { type, body };
}
