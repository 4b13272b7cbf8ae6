// The package's version, read once from its package.json (two levels above dist/src in a build, the repo,
// the image and an install); "0.0.0" where package.json is not shipped, so nothing fails to load for it.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export const VERSION: string = readVersion();
