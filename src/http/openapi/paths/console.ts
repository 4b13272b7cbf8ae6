// The OpenAPI operations of the /console page and its files.
import type { Operation } from '../../route.js';
import { problem, unauthorized } from '../helpers.js';

export const consolePage: Operation = {
  operationId: 'console',
  tags: ['operations'],
  summary: 'A read-mostly console in the browser: sequences, ledgers, pools, lease pools (served locally, no CDN)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } }, ...unauthorized },
};

export const consoleAsset: Operation = {
  operationId: 'consoleAsset',
  tags: ['operations'],
  summary: 'A static file of the /console page',
  responses: { 200: { description: 'the file' }, ...unauthorized, 404: problem('not_found') },
};
