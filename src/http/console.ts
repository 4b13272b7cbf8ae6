// The /console page: plain HTML, CSS and ES modules read from the package's console/ folder (no build step,
// no CDN), served with a Content-Security-Policy that lets the page load only its own files.
import { readFile } from 'node:fs/promises';

export const CONSOLE_ASSETS_PREFIX = '/console/assets/';

const JS = 'text/javascript; charset=utf-8';

/** The files of the page by URL name; anything else is not_found. */
export const CONSOLE_ASSETS: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'app.js': JS,
  'api.js': JS,
  'ui.js': JS,
  'chart.js': JS,
  'sequences.js': JS,
  'ledger.js': JS,
  'pools.js': JS,
  'leases.js': JS,
  'icon.svg': 'image/svg+xml',
};

// Own files only; blob: is where "download CSV" puts the file fetched with the bearer header.
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

// dist/src/http/console.js → the package root's console/ folder.
const DIR = new URL('../../../console/', import.meta.url);

const cache = new Map<string, Promise<Buffer>>();

function load(name: string): Promise<Buffer> {
  let body = cache.get(name);
  if (!body) {
    body = readFile(new URL(name, DIR));
    body.catch(() => cache.delete(name));
    cache.set(name, body);
  }
  return body;
}

export const consolePage = (): Promise<Buffer> => load('index.html');

/** A console asset's type and content, or undefined if `name` is not one. */
export function consoleAsset(name: string): { type: string; body: Promise<Buffer> } | undefined {
  if (!Object.hasOwn(CONSOLE_ASSETS, name)) return undefined;
  return { type: CONSOLE_ASSETS[name]!, body: load(name) };
}
