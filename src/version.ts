// The package's version, read from its package.json (two levels above dist/src in a build, the repo, the image and an install).
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
